package httpapi

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"testing"
)

func TestTilesObeyTheRole(t *testing.T) {
	g := guardedDistrict(t)
	// The z14 tile over the district centre, in the street office's street.
	c := centreTile(14)
	get := func(key, layer string) (int, []byte) {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/tiles/%s/%d/%d/%d.mvt", g.srv.URL, layer, c.Z, c.X, c.Y), nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	t.Run("the public may not fetch camera tiles", func(t *testing.T) {
		if code, _ := get("", "camera"); code != http.StatusForbidden {
			t.Errorf("status %d, want 403", code)
		}
	})
	t.Run("the public's all-layers tile has no camera, building or party layer", func(t *testing.T) {
		if _, full := get(g.keys["command_center"], "all"); !bytes.Contains(full, []byte("camera")) {
			t.Fatal("the command centre's tile has no cameras either: the check below would prove nothing")
		}
		_, b := get("", "all")
		for _, name := range []string{"camera", "building", "party_unit"} {
			if bytes.Contains(b, []byte(name)) {
				t.Errorf("the tile holds a %s layer", name)
			}
		}
	})
	t.Run("the public's incident tile carries no titles or codes", func(t *testing.T) {
		code, b := get("", "incident")
		if code != http.StatusOK {
			t.Fatalf("status %d: the centre tile should hold incidents", code)
		}
		if _, full := get(g.keys["command_center"], "incident"); !bytes.Contains(full, []byte("code")) {
			t.Fatal("the command centre's tile has no codes either: the check below would prove nothing")
		}
		if bytes.Contains(b, []byte("SJ2")) || bytes.Contains(b, []byte("code")) {
			t.Error("an incident code reached the public")
		}
	})
	t.Run("a street office's tile of another street is empty", func(t *testing.T) {
		// z14 over 少先路 (street 001): whatever it holds, it is not the office's.
		lon := g.scalarF(`SELECT ST_X(ST_PointOnSurface(geom)) FROM grids WHERE code = '150203001'`)
		lat := g.scalarF(`SELECT ST_Y(ST_PointOnSurface(geom)) FROM grids WHERE code = '150203001'`)
		n := 1 << 14
		tx := int((lon + 180) / 360 * float64(n))
		ty := int((1 - math.Log(math.Tan(lat*math.Pi/180)+1/math.Cos(lat*math.Pi/180))/math.Pi) / 2 * float64(n))
		req, _ := http.NewRequest(http.MethodGet, g.srv.URL+"/tiles/incident/14/"+strconv.Itoa(tx)+"/"+strconv.Itoa(ty)+".mvt", nil)
		req.Header.Set("Authorization", "Bearer "+g.keys["street_office"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		inside := g.scalar(`SELECT count(*) FROM incidents i JOIN grids gr ON gr.id = i.grid_id WHERE gr.code LIKE '150203002%'
			AND i.geom && ST_Transform(ST_TileEnvelope(14, $1, $2), 4326)`, tx, ty)
		if inside == 0 && resp.StatusCode != http.StatusNoContent {
			t.Errorf("status %d, want 204 (nothing of its street in this tile)", resp.StatusCode)
		}
	})
}
