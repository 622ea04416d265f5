package resolvers

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"gridhub/geo"
	"gridhub/graph"
	"gridhub/model"
	"gridhub/store"
)

// codeOf is the API code an argument error would be answered with: ours, or (for geo's
// problems) the presenter's mapping, named here by the problem.
func codeOf(err error) string {
	var m *model.Error
	var g *geo.Error
	switch {
	case errors.As(err, &m):
		return m.Code
	case errors.As(err, &g):
		return "geo:" + string(g.Problem)
	case err == nil:
		return ""
	}
	return "other: " + err.Error()
}

func TestPageAndLayerArguments(t *testing.T) {
	ptr := func(n int) *int { return &n }
	for _, c := range []struct {
		name  string
		first *int
		want  int
		code  string
	}{
		{"no first takes the default", nil, 100, ""},
		{"first 1 and first 1000 are the bounds", ptr(1000), 1000, ""},
		{"first 0 is out of range", ptr(0), 0, model.CodeOutOfRange},
		{"first 1001 is out of range", ptr(1001), 0, model.CodeOutOfRange},
		{"a negative first is out of range", ptr(-5), 0, model.CodeOutOfRange},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, err := firstArg(c.first, 100)
			if codeOf(err) != c.code || (c.code == "" && n != c.want) {
				t.Errorf("got %d, %v; want %d, %q", n, err, c.want, c.code)
			}
			if err != nil && !strings.Contains(err.Error(), "between 1 and 1000") {
				t.Errorf("the message %q does not name the bounds", err)
			}
		})
	}
	t.Run("layers must name one at least, each once", func(t *testing.T) {
		if codeOf(layersArg(nil)) != model.CodeBadInput || codeOf(layersArg([]model.Layer{model.LayerGrid, model.LayerGrid})) != model.CodeBadInput {
			t.Error("an empty or repeated layers list was accepted")
		}
		if err := layersArg(model.Layers); err != nil {
			t.Errorf("every layer once: %v", err)
		}
	})
}

func TestPointArguments(t *testing.T) {
	gcj := model.CRS("GCJ02")
	t.Run("a GCJ-02 point comes back in WGS84 within a metre of the test vector", func(t *testing.T) {
		lon, lat, err := point(109.838221, 40.642252, &gcj)
		if err != nil || math.Abs(lon-109.8325) > 1e-5 || math.Abs(lat-40.6411) > 1e-5 {
			t.Errorf("got %.6f, %.6f, %v", lon, lat, err)
		}
	})
	t.Run("NaN, infinity and positions off the globe are refused before any SQL", func(t *testing.T) {
		for _, p := range [][2]float64{{math.NaN(), 40}, {109, math.Inf(1)}, {181, 40}, {109, -91}} {
			if _, _, err := point(p[0], p[1], nil); codeOf(err) != "geo:input" && codeOf(err) != "geo:range" {
				t.Errorf("%v: got %v", p, err)
			}
		}
	})
}

func TestCursors(t *testing.T) {
	c, other := NewCursors([]byte("one secret")), NewCursors([]byte("another secret"))
	t.Run("a cursor gives back the id it was made after, in its own list", func(t *testing.T) {
		id, err := c.After("grid.buildings", ptr(c.Of("grid.buildings", 42)))
		if err != nil || id != 42 {
			t.Errorf("got %d, %v", id, err)
		}
		k, err := c.FeatureAfter(ptr(c.OfFeature(store.FeatureKey{Layer: model.LayerCamera, ID: 7})))
		if err != nil || k == nil || *k != (store.FeatureKey{Layer: model.LayerCamera, ID: 7}) {
			t.Errorf("got %v, %v", k, err)
		}
		if id, err := c.After("x", nil); id != 0 || err != nil {
			t.Errorf("no cursor: %d, %v", id, err)
		}
	})
	good := c.Of("grid.buildings", 42)
	tampered := []byte(good)
	tampered[3] ^= 1
	for name, cur := range map[string]string{
		"a cursor of another list":              c.Of("grid.cameras", 42),
		"a cursor signed by another secret":     other.Of("grid.buildings", 42),
		"an edited cursor":                      string(tampered),
		"a cursor that is not base64":           "!!!",
		"an overlong cursor":                    strings.Repeat("A", 300),
		"a features cursor in a one-layer list": c.OfFeature(store.FeatureKey{Layer: model.LayerGrid, ID: 42}),
	} {
		t.Run(name+" is BAD_CURSOR", func(t *testing.T) {
			if _, err := c.After("grid.buildings", &cur); codeOf(err) != model.CodeBadCursor {
				t.Errorf("got %v", err)
			}
		})
	}
	t.Run("a one-layer cursor in the features list is BAD_CURSOR", func(t *testing.T) {
		if _, err := c.FeatureAfter(&good); codeOf(err) != model.CodeBadCursor {
			t.Errorf("got %v", err)
		}
	})
}

func TestReportArguments(t *testing.T) {
	r := &Resolver{}
	valid := func() graph.ReportIncidentInput {
		return graph.ReportIncidentInput{Title: "井盖缺失", Category: "突发事件", Source: model.IncidentSource("WECHAT"), Location: []float64{109.8325, 40.6411}}
	}
	for _, c := range []struct {
		name string
		edit func(*graph.ReportIncidentInput)
		key  string
		code string
	}{
		{"a valid report passes, its title trimmed", func(in *graph.ReportIncidentInput) { in.Title = "  井盖缺失 " }, "k1", ""},
		{"an empty title is out of range", func(in *graph.ReportIncidentInput) { in.Title = "   " }, "k1", model.CodeOutOfRange},
		{"a title of 201 characters is out of range", func(in *graph.ReportIncidentInput) { in.Title = strings.Repeat("井", 201) }, "k1", model.CodeOutOfRange},
		{"a description over 2,000 characters is out of range", func(in *graph.ReportIncidentInput) { in.Description = ptr(strings.Repeat("x", 2001)) }, "k1", model.CodeOutOfRange},
		{"priority 6 is out of range", func(in *graph.ReportIncidentInput) { in.Priority = ptr(6) }, "k1", model.CodeOutOfRange},
		{"an empty idempotency key is a bad input", func(*graph.ReportIncidentInput) {}, "", model.CodeBadInput},
		{"an idempotency key of 129 characters is a bad input", func(*graph.ReportIncidentInput) {}, strings.Repeat("k", 129), model.CodeBadInput},
		{"a location of three numbers is a bad input", func(in *graph.ReportIncidentInput) { in.Location = []float64{1, 2, 3} }, "k1", model.CodeBadInput},
		{"a location off the globe is refused by geo", func(in *graph.ReportIncidentInput) { in.Location = []float64{200, 40} }, "k1", "geo:range"},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := valid()
			c.edit(&in)
			rep, err := r.report(context.Background(), in, c.key)
			if got := codeOf(err); got != c.code {
				t.Fatalf("got %q (%v), want %q", got, err, c.code)
			}
			if c.code == "" && (rep.Title != "井盖缺失" || rep.Lon != 109.8325 || rep.Actor != "api") {
				t.Errorf("got %+v", rep)
			}
		})
	}
}
