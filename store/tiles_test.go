package store

import (
	"slices"
	"strings"
	"testing"

	"gridhub/model"
)

func TestGridLevelsByZoom(t *testing.T) {
	for z, want := range map[int]model.GridLevel{0: "STREET", 12: "STREET", 13: "COMMUNITY", 14: "COMMUNITY", 15: "GRID", 22: "GRID"} {
		got := GridLevelsAt(z)
		if !slices.Equal(got, []model.GridLevel{model.GridLevelDistrict, want}) {
			t.Errorf("z%d: %v, want the district and %s", z, got, want)
		}
	}
}

func TestTileSQL(t *testing.T) {
	o := TileOptions{ClusterBelow: 14}
	t.Run("every layer filters on the stored column by the transformed tile", func(t *testing.T) {
		for _, l := range model.Layers {
			for _, z := range []int{10, 14, 18} {
				q := TileSQL([]model.Layer{l}, z, o)
				if l == model.LayerBuilding && z < BuildingsFrom {
					if q != "" {
						t.Errorf("buildings at z%d: a statement, want none", z)
					}
					continue
				}
				if !strings.Contains(q, "t.geom && e.q") || strings.Contains(q, "ST_Transform(t.geom, 4326)") {
					t.Errorf("%s z%d does not filter t.geom by the tile:\n%s", l, z, q)
				}
			}
		}
	})
	t.Run("no restricted column is read", func(t *testing.T) {
		q := TileSQL(model.Layers, 16, o) + TileSQL(model.Layers, 10, o)
		for _, col := range []string{"stream_url", "worker_phone", "phone", "worker_name"} {
			if strings.Contains(q, col) {
				t.Errorf("the tile statement reads %s", col)
			}
		}
	})
	t.Run("point layers cluster below the cluster zoom only", func(t *testing.T) {
		if q := TileSQL([]model.Layer{model.LayerCamera}, 13, o); !strings.Contains(q, "count(*)::int AS count") {
			t.Error("cameras at z13 are not clustered")
		}
		if q := TileSQL([]model.Layer{model.LayerCamera}, 14, o); strings.Contains(q, "AS count") {
			t.Error("cameras at z14 are clustered")
		}
		if q := TileSQL([]model.Layer{model.LayerCamera}, 3, TileOptions{}); strings.Contains(q, "AS count") {
			t.Error("ClusterBelow 0 still clusters")
		}
	})
	t.Run("dense point tiles are cut at ClusterAbove from the cluster zoom up to DenseClusterBelow", func(t *testing.T) {
		do := TileOptions{ClusterBelow: 14, ClusterAbove: 5000}
		q := TileSQL([]model.Layer{model.LayerCamera, model.LayerIncident}, 14, do)
		for _, want := range []string{"'camera', 4096, 'geom', 'fid' ORDER BY f.fid", "'incident', 4096, 'geom', 'fid' ORDER BY f.fid",
			"LIMIT 5001) f HAVING count(*) <= 5000), (SELECT ST_AsMVT(f, 'incident'", "count(*)::int AS count"} {
			if !strings.Contains(q, want) {
				t.Errorf("z14 lacks %q:\n%s", want, q)
			}
		}
		if strings.Count(q, "COALESCE(") != 2 || strings.Count(q, "WITH ") != 1 {
			t.Errorf("not one statement with a cut per layer:\n%s", q)
		}
		if q := TileSQL([]model.Layer{model.LayerIncident}, DenseClusterBelow, do); strings.Contains(q, "COALESCE") || strings.Contains(q, "AS count") {
			t.Errorf("z%d is cut by density", DenseClusterBelow)
		}
		if q := TileSQL([]model.Layer{model.LayerIncident}, 14, o); strings.Contains(q, "COALESCE") {
			t.Error("ClusterAbove 0 still cuts by density")
		}
		if q := TileSQL([]model.Layer{model.LayerBuilding, model.LayerGrid}, 14, do); strings.Contains(q, "COALESCE") {
			t.Error("polygon layers are cut by density")
		}
	})
	t.Run("statuses are a parameter, and only incidents take it", func(t *testing.T) {
		so := TileOptions{ClusterBelow: 14, Statuses: []model.IncidentStatus{model.StatusReported}}
		if q := TileSQL([]model.Layer{model.LayerIncident}, 16, so); !strings.Contains(q, "t.status = ANY($4)") {
			t.Error("the incident statement does not filter by $4")
		}
		if q := TileSQL([]model.Layer{model.LayerGrid}, 16, so); strings.Contains(q, "$4") {
			t.Error("the grid statement refers to $4")
		}
	})
}
