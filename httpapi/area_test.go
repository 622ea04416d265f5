package httpapi

import (
	"fmt"
	"slices"
	"testing"

	orbgeo "github.com/paulmach/orb/geo"

	"github.com/paulmach/orb"

	"gridhub/internal/testdb"
)

// fixture is a tiny hand-made district whose answers are known without PostGIS:
// grids and cameras placed exactly on, just inside and just outside query shapes.
func fixture(t *testing.T) *api {
	a := newAPI(t, testdb.New(t), nil)
	putSmallTree(a,
		`(4, '150203001001001', 'GRID', 3, '西网格', `+square(109.80, 40.60, 109.805, 40.62)+`)`,
		`(5, '150203001001002', 'GRID', 3, '中网格', `+square(109.805, 40.60, 109.815, 40.62)+`)`,
		`(6, '150203001001003', 'GRID', 3, '东网格', `+square(109.815, 40.60, 109.82, 40.62)+`)`)
	cams := []struct {
		id     int
		lon    float64
		lat    float64
		gridID int
	}{
		{1, 109.805, 40.61, 5},     // on the bbox's west edge
		{2, 109.8049999, 40.61, 4}, // 1 cm outside it
		{3, 109.8150001, 40.61, 6}, // 1 cm outside the east edge
		{4, 109.81, 40.61, 5},      // inside
		{5, 109.81, 40.6150001, 5}, // 1 cm above the top edge
		{6, 109.81, 40.615, 5},     // on the top edge
	}
	for _, c := range cams {
		a.exec(`INSERT INTO cameras (id, code, kind, status, name, grid_id, geom) VALUES ($1, $2, 'XUELIANG', 'ONLINE', $3, $4, ST_SetSRID(ST_MakePoint($5, $6), 4326))`,
			c.id, fmt.Sprintf("150203000013200%05d", c.id), fmt.Sprintf("测试摄像机%d", c.id), c.gridID, c.lon, c.lat)
	}
	return a
}

func names(edges []struct{ Node struct{ Name string } }) []string {
	var out []string
	for _, e := range edges {
		out = append(out, e.Node.Name)
	}
	slices.Sort(out)
	return out
}

func TestAreaQueriesAgainstKnownGeometry(t *testing.T) {
	a := fixture(t)
	bbox := []float64{109.805, 40.605, 109.815, 40.615}

	t.Run("a bbox keeps points on its edge and drops points a centimetre outside", func(t *testing.T) {
		var got struct {
			Cameras struct {
				Edges      []struct{ Node struct{ Name string } }
				TotalCount int
			}
		}
		a.data(`query($b: [Float!]) { cameras(area: {bbox: $b}) { totalCount edges { node { name } } } }`, map[string]any{"b": bbox}, &got)
		want := []string{"测试摄像机1", "测试摄像机4", "测试摄像机6"}
		if g := names(got.Cameras.Edges); !slices.Equal(g, want) {
			t.Errorf("cameras in bbox: got %v, want %v", g, want)
		}
		if got.Cameras.TotalCount != len(want) {
			t.Errorf("totalCount: got %d, want %d", got.Cameras.TotalCount, len(want))
		}
	})

	t.Run("grids that only touch the bbox count as intersecting it", func(t *testing.T) {
		var got struct {
			Grids struct {
				Edges []struct{ Node struct{ Name string } }
			}
		}
		a.data(`query($b: [Float!]) { grids(level: GRID, area: {bbox: $b}) { edges { node { name } } } }`, map[string]any{"b": bbox}, &got)
		want := []string{"东网格", "中网格", "西网格"}
		slices.Sort(want)
		if g := names(got.Grids.Edges); !slices.Equal(g, want) {
			t.Errorf("grids: got %v, want %v", g, want)
		}
	})

	t.Run("a polygon that only touches a grid at its edge still intersects it", func(t *testing.T) {
		poly := map[string]any{"type": "Polygon", "coordinates": [][][]float64{{{109.79, 40.60}, {109.80, 40.60}, {109.80, 40.61}, {109.79, 40.61}, {109.79, 40.60}}}}
		var got struct {
			Grids struct {
				Edges []struct{ Node struct{ Name string } }
			}
		}
		a.data(`query($p: GeoJSON) { grids(level: GRID, area: {polygon: $p}) { edges { node { name } } } }`, map[string]any{"p": poly}, &got)
		if g := names(got.Grids.Edges); !slices.Equal(g, []string{"西网格"}) {
			t.Errorf("grids touching the polygon: got %v, want [西网格]", g)
		}
	})

	t.Run("a circle measured on the spheroid keeps a point just inside its rim and drops one just outside", func(t *testing.T) {
		centre := orb.Point{109.81, 40.61}
		in := orbgeo.PointAtBearingAndDistance(centre, 90, 490)
		out := orbgeo.PointAtBearingAndDistance(centre, 90, 510)
		a.exec(`INSERT INTO cameras (id, code, kind, status, name, grid_id, geom) VALUES
		 (10, '15020300001320000010', 'YUNYAN', 'ONLINE', '圆内', 5, ST_SetSRID(ST_MakePoint($1, $2), 4326)),
		 (11, '15020300001320000011', 'YUNYAN', 'ONLINE', '圆外', 5, ST_SetSRID(ST_MakePoint($3, $4), 4326))`, in[0], in[1], out[0], out[1])
		defer a.exec(`DELETE FROM cameras WHERE id IN (10, 11)`)
		var got struct {
			Cameras struct {
				Edges []struct{ Node struct{ Name string } }
			}
		}
		a.data(`{ cameras(kind: YUNYAN, area: {circle: {center: [109.81, 40.61], radiusMeters: 500}}) { edges { node { name } } } }`, nil, &got)
		if g := names(got.Cameras.Edges); !slices.Equal(g, []string{"圆内"}) {
			t.Errorf("cameras in circle: got %v, want [圆内]", g)
		}
	})

	t.Run("gridAt resolves a point on a shared edge to one grid, the same every time", func(t *testing.T) {
		for range 3 {
			var got struct{ GridAt struct{ Code string } }
			a.data(`{ gridAt(lon: 109.805, lat: 40.61) { code } }`, nil, &got)
			if got.GridAt.Code != "150203001001001" {
				t.Fatalf("gridAt on the shared edge: got %q, want 150203001001001", got.GridAt.Code)
			}
		}
	})

	t.Run("gridAt outside the district is null", func(t *testing.T) {
		r := a.do(`{ gridAt(lon: 100, lat: 30) { code } }`, nil)
		if len(r.Errors) > 0 || string(r.Data) != `{"gridAt":null}` {
			t.Errorf("got data %s errors %+v, want gridAt null", r.Data, r.Errors)
		}
	})

	t.Run("nearby orders by distance and breaks ties by layer then id", func(t *testing.T) {
		var got struct {
			Nearby []struct {
				DistanceMeters float64
				Feature        struct{ Name string }
			}
		}
		a.data(`{ nearby(lon: 109.81, lat: 40.61, radiusMeters: 1000, layers: [CAMERA]) { distanceMeters feature { name } } }`, nil, &got)
		if len(got.Nearby) == 0 || got.Nearby[0].Feature.Name != "测试摄像机4" || got.Nearby[0].DistanceMeters != 0 {
			t.Fatalf("nearest: got %+v, want 测试摄像机4 at 0 m first", got.Nearby)
		}
		for i := 1; i < len(got.Nearby); i++ {
			if got.Nearby[i].DistanceMeters < got.Nearby[i-1].DistanceMeters {
				t.Errorf("not ascending at %d: %+v", i, got.Nearby)
			}
		}
	})
}
