package ogc

import (
	"context"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"gridhub/model"
	"gridhub/store"
)

func parse(t *testing.T, filter string, extra ...string) (store.Expr, error) {
	t.Helper()
	v := url.Values{"filter": {filter}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return parseFilter(context.Background(), model.LayerIncident, v)
}

func TestCQL2Text(t *testing.T) {
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.FixedZone("", 8*3600))
	box := orb.Polygon{{{109.8, 40.6}, {109.9, 40.6}, {109.9, 40.7}, {109.8, 40.7}, {109.8, 40.6}}}
	for _, c := range []struct {
		name, filter string
		want         store.Expr
	}{
		{"a comparison", "status = 'CLOSED'", store.Compare{Prop: "status", Op: "=", Value: "CLOSED"}},
		{"a literal on the left is mirrored", "2 >= priority", store.Compare{Prop: "priority", Op: "<=", Value: 2.0}},
		{"AND binds tighter than OR", "priority = 1 OR priority = 2 AND overdue = TRUE", store.Logical{Op: "OR", Args: []store.Expr{
			store.Compare{Prop: "priority", Op: "=", Value: 1.0},
			store.Logical{Op: "AND", Args: []store.Expr{store.Compare{Prop: "priority", Op: "=", Value: 2.0}, store.Compare{Prop: "overdue", Op: "=", Value: true}}},
		}}},
		{"NOT and parentheses", "NOT (status <> 'CLOSED')", store.Not{Arg: store.Compare{Prop: "status", Op: "<>", Value: "CLOSED"}}},
		{"keywords in any case, quoted names", `"closedAt" is not null and category in ('舆情', '矛盾纠纷')`, store.Logical{Op: "AND", Args: []store.Expr{
			store.Not{Arg: store.IsNull{Prop: "closedAt"}}, store.In{Prop: "category", Values: []any{"舆情", "矛盾纠纷"}}}}},
		{"a timestamp", "reportedAt >= TIMESTAMP('2026-03-01T00:00:00+08:00')", store.Compare{Prop: "reportedAt", Op: ">=", Value: at}},
		{"a date is its day's start in the district", "reportedAt < DATE('2026-03-01')", store.Compare{Prop: "reportedAt", Op: "<", Value: time.Date(2026, 3, 1, 0, 0, 0, 0, model.Beijing)}},
		{"two properties", "dueAt < closedAt", store.Compare{Prop: "dueAt", Op: "<", Value: store.PropRef("closedAt")}},
		{"S_INTERSECTS with a box", "S_INTERSECTS(geometry, BBOX(109.8, 40.6, 109.9, 40.7))", store.Intersects{Geom: box}},
		{"S_INTERSECTS with a point, either way round", "S_INTERSECTS(POINT(109.83 40.64), geom)", store.Intersects{Geom: orb.Point{109.83, 40.64}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parse(t, c.filter)
			if err != nil {
				t.Fatalf("%q: %v", c.filter, err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("%q:\n got %#v\nwant %#v", c.filter, got, c.want)
			}
		})
	}
	t.Run("a doubled quote is a quote", func(t *testing.T) {
		toks, err := lex("code = 'O''Brien'")
		if err != nil || toks[2].text != "O'Brien" {
			t.Errorf("%v %+v", err, toks)
		}
	})
	t.Run("a polygon in filter-crs EPSG:4326 is read latitude first", func(t *testing.T) {
		got, err := parse(t, "S_INTERSECTS(geometry, POLYGON((40.6 109.8, 40.6 109.9, 40.7 109.9, 40.6 109.8)))",
			"filter-crs", "http://www.opengis.net/def/crs/EPSG/0/4326")
		if err != nil {
			t.Fatal(err)
		}
		poly := got.(store.Intersects).Geom.(orb.MultiPolygon)
		if b := poly.Bound(); b.Min != (orb.Point{109.8, 40.6}) || b.Max != (orb.Point{109.9, 40.7}) {
			t.Errorf("bound %v", b)
		}
	})
}

func TestCQL2Errors(t *testing.T) {
	for _, c := range []struct{ name, filter, code string }{
		{"an unclosed string", "status = 'CLOSED", model.CodeBadInput},
		{"a dangling operator", "status =", model.CodeBadInput},
		{"trailing words", "status = 'CLOSED' status", model.CodeBadInput},
		{"an unknown property", "colour = 'red'", model.CodeBadInput},
		{"a property that is not queryable", "description = 'x'", model.CodeBadInput},
		{"a string compared with a number", "priority = '1'", model.CodeBadInput},
		{"a timestamp that is not one", "reportedAt > TIMESTAMP('yesterday')", model.CodeBadInput},
		{"a comparison of two literals", "1 = 1", model.CodeBadInput},
		{"S_INTERSECTS without the geometry", "S_INTERSECTS(POINT(1 2), POINT(1 2))", model.CodeBadInput},
		{"WKT that is not", "S_INTERSECTS(geometry, POLYGON((1 2, 3)))", model.CodeBadInput},
		{"a point off the globe", "S_INTERSECTS(geometry, POINT(200 40))", model.CodeBadGeometry},
		{"a bow-tie polygon", "S_INTERSECTS(geometry, POLYGON((0 0, 1 1, 1 0, 0 1, 0 0)))", model.CodeBadGeometry},
		{"nesting too deep", strings.Repeat("(", 100) + "overdue = TRUE" + strings.Repeat(")", 100), model.CodeTooComplex},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parse(t, c.filter)
			if code := codeOf(err); code != c.code {
				t.Errorf("%q: %v (%s), want %s", c.filter, err, code, c.code)
			}
		})
	}
}

// codeOf is the error code a client would be answered with.
func codeOf(err error) string {
	if err == nil {
		return ""
	}
	e, _ := classify(context.Background(), err)
	return e.code
}
