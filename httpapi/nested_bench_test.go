package httpapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"testing"
)

// nestedCases are the two list screens whose child selections used to cost most per
// object: a page of incidents with their grid's ancestry, and a page of grids each with
// a page of its buildings and of its incidents. bare is one statement building the
// same data object (a LATERAL … LIMIT per parent for the child pages).
var nestedCases = []struct{ name, query, bare string }{
	{"incidents-grid-parent-parent-500",
		`{ incidents(first: 500) { edges { node { code grid { code parent { code parent { code } } } } } } }`,
		`SELECT json_build_object('incidents', json_build_object('edges', coalesce(json_agg(json_build_object('node',
		   json_build_object('code', i.code, 'grid', CASE WHEN g.id IS NOT NULL THEN json_build_object('code', g.code,
		     'parent', CASE WHEN p.id IS NOT NULL THEN json_build_object('code', p.code,
		       'parent', CASE WHEN pp.id IS NOT NULL THEN json_build_object('code', pp.code) END) END) END))
		   ORDER BY i.id), '[]')))
		 FROM (SELECT id, code, grid_id FROM incidents ORDER BY id LIMIT 500) i
		 LEFT JOIN grids g ON g.id = i.grid_id LEFT JOIN grids p ON p.id = g.parent_id LEFT JOIN grids pp ON pp.id = p.parent_id`},
	{"grids-100-buildings-20-incidents-10",
		`{ grids(level: GRID, first: 100) { edges { node { code buildings(first: 20) { edges { node { name floors } } }
		   incidents(first: 10) { edges { node { code status } } } } } } }`,
		`SELECT json_build_object('grids', json_build_object('edges', coalesce(json_agg(json_build_object('node',
		   json_build_object('code', g.code, 'buildings', json_build_object('edges', b.e), 'incidents', json_build_object('edges', i.e)))
		   ORDER BY g.id), '[]')))
		 FROM (SELECT id, code FROM grids WHERE level = 'GRID' ORDER BY id LIMIT 100) g
		 CROSS JOIN LATERAL (SELECT coalesce(json_agg(json_build_object('node', json_build_object('name', b.name, 'floors', b.floors)) ORDER BY b.id), '[]') AS e
		   FROM (SELECT id, name, floors FROM buildings WHERE grid_id = g.id ORDER BY id LIMIT 20) b) b
		 CROSS JOIN LATERAL (SELECT coalesce(json_agg(json_build_object('node', json_build_object('code', i.code, 'status', i.status)) ORDER BY i.id), '[]') AS e
		   FROM (SELECT id, code, status FROM incidents WHERE grid_id = g.id ORDER BY id LIMIT 10) i) i`},
}

// BenchmarkNestedQueries times each nested list screen three ways in one run: gridhub
// with compiled selections (the default), gridhub resolving every field on its own
// (-resolve-every-field), and the bare statement. All three answers are checked equal
// before anything is timed; statements/op shows that the compiled path is one statement.
func BenchmarkNestedQueries(b *testing.B) {
	a := district(b)
	cfg := testConfig()
	cfg.ResolveEveryField = true
	h, done := New(a.db.Store, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer done()
	rsrv := httptest.NewServer(h)
	defer rsrv.Close()
	resolved := *a
	resolved.srv = rsrv
	for _, c := range nestedCases {
		body, _ := json.Marshal(map[string]any{"query": c.query})
		bare := func() []byte {
			var out []byte
			if err := a.db.Store.Pool().QueryRow(b.Context(), c.bare).Scan(&out); err != nil {
				b.Fatal(err)
			}
			return out
		}
		want := decodeData(b, bare(), false)
		for _, s := range []*api{a, &resolved} {
			if got := decodeData(b, s.post(b, body), true); !reflect.DeepEqual(got, want) {
				b.Fatalf("%s: gridhub's answer is not the bare statement's", c.name)
			}
		}
		for _, run := range []struct {
			name string
			s    *api
		}{{"compiled", a}, {"resolved", &resolved}} {
			b.Run(c.name+"/"+run.name, func(b *testing.B) {
				b.ReportAllocs()
				before := a.queries.Load()
				for b.Loop() {
					b.SetBytes(int64(len(run.s.post(b, body))))
				}
				b.ReportMetric(float64(a.queries.Load()-before)/float64(b.N), "statements/op")
			})
		}
		b.Run(c.name+"/bare-sql", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.SetBytes(int64(len(bare())))
			}
		})
	}
}

// decodeData is a GraphQL answer's data (or the bare statement's object) as plain values;
// an answer with errors or without rows fails the benchmark.
func decodeData(b *testing.B, raw []byte, graphql bool) any {
	var v any
	if graphql {
		var r struct {
			Data   any
			Errors []any
		}
		if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) > 0 {
			b.Fatalf("answer: %v %.300s", err, raw)
		}
		v = r.Data
	} else if err := json.Unmarshal(raw, &v); err != nil {
		b.Fatal(err)
	}
	if m, _ := v.(map[string]any); len(m) != 1 {
		b.Fatalf("no data: %.300s", raw)
	}
	return v
}
