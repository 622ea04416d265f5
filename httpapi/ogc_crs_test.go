package httpapi

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"

	"gridhub/ogc"
)

// TestOGCCRSOutputsMatchTheTestVectors reads an incident at the district centre in every
// CRS served: the GCJ-02 and BD-09 values are DESIGN.md's test vectors.
func TestOGCCRSOutputsMatchTheTestVectors(t *testing.T) {
	a := district(t)
	var got reported
	a.data(reportMutation, map[string]any{"in": report("路灯损坏", "市容环境", 109.8325, 40.6411), "key": "ogc-crs-vector"}, &got)
	id := got.ReportIncident.ID
	merc := project.WGS84.ToMercator(orb.Point{109.8325, 40.6411})
	for _, c := range []struct {
		crs  string
		want [2]float64
		tol  float64
	}{
		{"http://www.opengis.net/def/crs/OGC/1.3/CRS84", [2]float64{109.8325, 40.6411}, 1e-7},
		{"http://www.opengis.net/def/crs/EPSG/0/4326", [2]float64{40.6411, 109.8325}, 1e-7},
		{"http://www.opengis.net/def/crs/EPSG/0/4490", [2]float64{40.6411, 109.8325}, 1e-7},
		{"http://www.opengis.net/def/crs/EPSG/0/3857", [2]float64{merc[0], merc[1]}, 0.01},
		{ogc.GCJ02URI, [2]float64{109.838221, 40.642252}, 1e-6},
		{ogc.BD09URI, [2]float64{109.844755, 40.648108}, 1e-6},
	} {
		t.Run(c.crs, func(t *testing.T) {
			var f ogcFeature
			r := ogcJSON(t, a, "/ogc/collections/incidents/items/"+id+"?crs="+url.QueryEscape(c.crs), "", &f)
			var p [2]float64
			if err := json.Unmarshal(f.Geometry.Coordinates, &p); err != nil {
				t.Fatal(err)
			}
			if math.Abs(p[0]-c.want[0]) > c.tol || math.Abs(p[1]-c.want[1]) > c.tol {
				t.Errorf("%v, want %v", p, c.want)
			}
			if h := r.header.Get("Content-Crs"); h != "<"+c.crs+">" {
				t.Errorf("Content-Crs %q", h)
			}
			// The same point found by a box around it in that CRS, axes in its order.
			box := fmt.Sprintf("%.9f,%.9f,%.9f,%.9f", c.want[0]-c.tol*100, c.want[1]-c.tol*100, c.want[0]+c.tol*100, c.want[1]+c.tol*100)
			var fc ogcFeatures
			ogcJSON(t, a, "/ogc/collections/incidents/items?properties=code&bbox="+box+"&bbox-crs="+url.QueryEscape(c.crs), "", &fc)
			found := false
			for _, x := range fc.Features {
				found = found || x.ID == id
			}
			if !found {
				t.Errorf("a bbox in %s around the point does not find it (%d features)", c.crs, len(fc.Features))
			}
		})
	}
	t.Run("a filter's geometry is read in filter-crs", func(t *testing.T) {
		q := "filter=" + url.QueryEscape("S_INTERSECTS(geometry, BBOX(40.6410, 109.8324, 40.6412, 109.8326))") +
			"&filter-crs=" + url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/4326")
		var fc ogcFeatures
		ogcJSON(t, a, "/ogc/collections/incidents/items?"+q, "", &fc)
		want := a.scalar(`SELECT count(*) FROM incidents WHERE ST_Intersects(geom, ST_MakeEnvelope(109.8324, 40.6410, 109.8326, 40.6412, 4326))`)
		if fc.NumberMatched != want || want == 0 {
			t.Errorf("numberMatched %d, want %d", fc.NumberMatched, want)
		}
	})
	t.Run("collections name the CRSs and the storage CRS", func(t *testing.T) {
		var c struct {
			CRS        []string
			StorageCRS string `json:"storageCrs"`
		}
		ogcJSON(t, a, "/ogc/collections/incidents", "", &c)
		if len(c.CRS) != 6 || c.StorageCRS != "http://www.opengis.net/def/crs/OGC/1.3/CRS84" {
			t.Errorf("crs %v, storageCrs %q", c.CRS, c.StorageCRS)
		}
	})
}
