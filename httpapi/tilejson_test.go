package httpapi

import (
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestTileJSON(t *testing.T) {
	a := mapAPI(t)
	var tj tileJSON
	r := getTile(t, a, "/tiles/all.json", map[string]string{"X-Forwarded-Proto": "https"})
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d", r.status)
	}
	if err := json.Unmarshal(r.body, &tj); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(a.srv.URL, "http://")
	if tj.TileJSON != "3.0.0" || !slices.Equal(tj.Tiles, []string{"https://" + host + "/tiles/all/{z}/{x}/{y}.mvt"}) {
		t.Errorf("tilejson %q, tiles %q", tj.TileJSON, tj.Tiles)
	}
	b := tj.Bounds
	if !(b[0] < 109.8325 && 109.8325 < b[2] && b[1] < 40.6411 && 40.6411 < b[3]) || math.Abs(tj.Center[0]-(b[0]+b[2])/2) > 1e-9 {
		t.Errorf("bounds %v, center %v do not hold the district", b, tj.Center)
	}
	var ids []string
	for _, vl := range tj.VectorLayers {
		ids = append(ids, vl.ID)
		if vl.Description == "" || vl.Fields["id"] == "" || vl.Fields["name"] == "" {
			t.Errorf("layer %s is not documented: %+v", vl.ID, vl)
		}
	}
	if want := []string{"grid", "grid_label", "building", "party_unit", "camera", "service_point", "incident", "worker", "visit"}; !slices.Equal(ids, want) {
		t.Errorf("vector_layers %v, want %v", ids, want)
	}
	tj = tileJSON{}
	if err := json.Unmarshal(getTile(t, a, "/tiles/camera.json", nil).body, &tj); err != nil {
		t.Fatal(err)
	}
	if tj.Tiles[0] != a.srv.URL+"/tiles/camera/{z}/{x}/{y}.mvt" || len(tj.VectorLayers) != 1 {
		t.Errorf("camera: tiles %v, %d vector layers", tj.Tiles, len(tj.VectorLayers))
	}
	if r := getTile(t, a, "/tiles/cameras.json", nil); r.status != http.StatusNotFound {
		t.Errorf("an unknown tile set: status %d", r.status)
	}
}
