package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"gridhub/auth"
	"gridhub/internal/testdb"
	"gridhub/store"
)

// layerKey makes a key of role, fenced to the grid code when it is not empty.
func layerKey(t *testing.T, db *testdb.DB, role, fence string) string {
	t.Helper()
	key, prefix, hash := auth.NewKey()
	k := store.APIKey{Prefix: prefix, Hash: hash, Name: "测试·" + role, Role: role}
	if fence != "" {
		k.FenceCode = &fence
	}
	if _, err := db.Store.CreateKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return key
}

// cameras is a GeoJSON of cameras at the given places; prefix is the codes' first 10 digits.
func cameras(prefix string, at ...[2]float64) []byte {
	return points(func(i int) string {
		return fmt.Sprintf(`{"code":"%s131%07d","name":"摄像头%d","kind":"XUELIANG"}`, prefix, i, i)
	}, at...)
}

// layerEvent is one layerChanged event.
type layerEvent struct {
	Layer                      string
	Inserted, Updated, Removed int
	BBox                       []float64
	At                         string
}

func nextLayerChange(t *testing.T, c *wsClient, who string) layerEvent {
	t.Helper()
	m, ok := c.next(10 * time.Second)
	if !ok {
		t.Fatalf("%s heard nothing: %+v", who, m)
	}
	var p struct {
		Data struct{ LayerChanged layerEvent }
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		t.Fatalf("%s: %s: %v", who, m.Payload, err)
	}
	return p.Data.LayerChanged
}

// TestLayerChangedAcrossHubs imports through one hub and listens on another, on one
// database: each subscriber hears the layers its role reads, a fenced one only the
// imports that reach its fence.
func TestLayerChangedAcrossHubs(t *testing.T) {
	db := testdb.New(t, func(o *store.Options) { o.Now = func() time.Time { return testClock } })
	a, b := newAPI(t, db, nil), newAPI(t, db, nil)
	seedSmallDistrict(t, a)
	const fields = `{ layer inserted updated removed bbox at }`
	west, east := [2]float64{109.805, 40.61}, [2]float64{109.815, 40.61}

	centre := dialWS(t, a, false)
	centre.subscribe("1", `subscription { layerChanged(layers: [SERVICE_POINT]) `+fields+` }`, nil)
	public := dialWSWith(t, a, map[string]any{"Authorization": "Bearer " + layerKey(t, db, "public", "")})
	public.subscribe("1", `subscription { layerChanged `+fields+` }`, nil)
	fenced := dialWSWith(t, a, map[string]any{"Authorization": "Bearer " + layerKey(t, db, "street_office", "150203001001001")})
	fenced.subscribe("1", `subscription { layerChanged(layers: [SERVICE_POINT, CAMERA]) `+fields+` }`, nil)
	city := dialWSWith(t, a, map[string]any{"Authorization": "Bearer " + layerKey(t, db, "city_management", "")})
	city.subscribe("1", `subscription { layerChanged(layers: [CAMERA]) `+fields+` }`, nil)
	waitSubscribers(t, a, 4)
	waitListening(t, a)

	t.Run("a role may not ask for a layer it cannot read", func(t *testing.T) {
		c := dialWSWith(t, a, map[string]any{"Authorization": "Bearer " + layerKey(t, db, "public", "")})
		c.subscribe("2", `subscription { layerChanged(layers: [CAMERA]) { layer } }`, nil)
		m, _ := c.next(5 * time.Second)
		var p struct {
			Errors []gqlError
			Data   *struct{ LayerChanged *layerEvent }
		}
		_ = json.Unmarshal(m.Payload, &p)
		if len(p.Errors) != 1 || p.Errors[0].code() != "FORBIDDEN" || (p.Data != nil && p.Data.LayerChanged != nil) {
			t.Fatalf("got %s %s, want a FORBIDDEN error", m.Type, m.Payload)
		}
	})

	imp := func(layer, dryRun, file string, body []byte) {
		t.Helper()
		ans := b.upload(t, "", "layer="+layer+"&dryRun="+dryRun, file, body)
		if ans.status != http.StatusOK || ans.report.Errors != 0 {
			t.Fatalf("import into %s through B: %d %+v %v", layer, ans.status, ans.report, ans.errors)
		}
	}
	imp("CAMERA", "0", "cameras.geojson", cameras("1502030010", east))
	imp("SERVICE_POINT", "1", "points.geojson", servicePoints("dry", east)) // a dry run announces nothing
	imp("SERVICE_POINT", "0", "points.geojson", servicePoints("east", east, east))
	imp("SERVICE_POINT", "0", "points.geojson", servicePoints("west", west))

	t.Run("an import through B reaches a subscriber on A, with its counts and extent", func(t *testing.T) {
		got := nextLayerChange(t, centre, "the command centre")
		if got.Layer != "SERVICE_POINT" || got.Inserted != 2 || got.Updated != 0 || got.Removed != 0 || got.At == "" {
			t.Fatalf("first event %+v, want SERVICE_POINT with 2 inserted (the cameras were not asked for, the dry run wrote nothing)", got)
		}
		if len(got.BBox) != 4 || !near(got.BBox[0], east[0]) || !near(got.BBox[1], east[1]) || !near(got.BBox[2], east[0]) || !near(got.BBox[3], east[1]) {
			t.Errorf("bbox %v, want the point %v", got.BBox, east)
		}
		if at, err := time.Parse(time.RFC3339, got.At); err != nil || !at.Equal(testClock) {
			t.Errorf("at %q, want the store's clock %s", got.At, testClock.Format(time.RFC3339))
		}
		if got := nextLayerChange(t, centre, "the command centre"); got.Layer != "SERVICE_POINT" || got.Inserted != 1 {
			t.Errorf("second event %+v, want the west import", got)
		}
	})

	t.Run("the public hears the layers it reads, not the cameras", func(t *testing.T) {
		if got := nextLayerChange(t, public, "the public"); got.Layer != "SERVICE_POINT" || got.Inserted != 2 {
			t.Errorf("first event %+v, want the east service points", got)
		}
	})

	t.Run("a role that sees cameras coarsened hears their coarsened extent", func(t *testing.T) {
		policy, err := auth.LoadPolicy("")
		if err != nil {
			t.Fatal(err)
		}
		scope := (&auth.Principal{Role: policy.Roles["city_management"]}).Scope()
		x, y := scope.Coarsen("CAMERA", east[0], east[1])
		if x == east[0] && y == east[1] {
			t.Fatalf("the role does not coarsen cameras: the test shows nothing")
		}
		got := nextLayerChange(t, city, "city management")
		if got.Layer != "CAMERA" || len(got.BBox) != 4 || got.BBox[0] != x || got.BBox[1] != y || got.BBox[2] != x || got.BBox[3] != y {
			t.Errorf("event %+v, want the camera's coarsened point [%v %v]", got, x, y)
		}
	})

	t.Run("a fenced role hears only imports that reach its fence", func(t *testing.T) {
		got := nextLayerChange(t, fenced, "the street office fenced to the west grid")
		if got.Layer != "SERVICE_POINT" || got.Inserted != 1 || len(got.BBox) != 4 || !near(got.BBox[0], west[0]) {
			t.Errorf("first event %+v, want the west import only", got)
		}
	})
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

// TestLayerChangedAcrossAReconnect kills the listeners of both hubs: an import committed
// while the subscriber's hub reconnects still reaches it, once.
func TestLayerChangedAcrossAReconnect(t *testing.T) {
	db := testdb.New(t, func(o *store.Options) { o.Now = func() time.Time { return testClock } })
	a, b := newAPI(t, db, nil), newAPI(t, db, nil)
	seedSmallDistrict(t, a)
	centre := dialWS(t, a, false)
	centre.subscribe("1", `subscription { layerChanged(layers: [SERVICE_POINT]) { layer inserted updated removed bbox at } }`, nil)
	waitSubscribers(t, a, 1)
	waitListening(t, a)
	imp := func(prefix string, at ...[2]float64) {
		t.Helper()
		ans := b.upload(t, "", "layer=SERVICE_POINT&dryRun=0", prefix+".geojson", servicePoints(prefix, at...))
		if ans.status != http.StatusOK || ans.report.Errors != 0 {
			t.Fatalf("import %s through B: %d %+v %v", prefix, ans.status, ans.report, ans.errors)
		}
	}
	expect := func(what string, inserted int, at [2]float64) {
		t.Helper()
		got := nextLayerChange(t, centre, what)
		if got.Layer != "SERVICE_POINT" || got.Inserted != inserted || len(got.BBox) != 4 || !near(got.BBox[0], at[0]) || !near(got.BBox[3], at[1]) {
			t.Fatalf("%s: got %+v, want %d inserted at %v", what, got, inserted, at)
		}
	}
	west, east := [2]float64{109.805, 40.61}, [2]float64{109.815, 40.61}

	imp("before", east)
	expect("the import before the reconnect", 1, east)
	n := a.scalar(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'gridhub-listener' AND query LIKE '%' || $1 || '%'`, db.Schema)
	if n < 2 {
		t.Fatalf("terminated %d listeners, want both hubs'", n)
	}
	imp("gap", west, west) // committed while A's listener reconnects
	expect("the import committed in the gap", 2, west)
	imp("after", east)
	expect("the import after it, and nothing twice before it", 1, east)
}
