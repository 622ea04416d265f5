package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/paulmach/orb"

	"gridhub/geo"
	"gridhub/internal/testdb"
	"gridhub/model"
	"gridhub/seed"
	"gridhub/store"
)

// jsonValues are values whose JSON text takes care: every escape, characters outside
// ASCII, the integers' extremes, timestamps with fractions, in the zone's summer time of
// 1986-1991, in its local mean time, before the year 1 and infinite.
const jsonValues = `SELECT * FROM (VALUES
  (1, 'plain', 0::int2, 0::int4, 0::int8, true, '2026-12-07 10:00:00+08'::timestamptz, '{"a": [1, 2]}'::json, 'x'::varchar),
  (2, E'quote " back \\ slash / tab \t nl \n cr \r ff \f bs \b', '-32768'::int2, '-2147483648'::int4, '-9223372036854775808'::int8, false,
     '2026-12-07 10:00:00.5+08', 'null'::json, E'\x01\x1f\x7f'),
  (3, E'昆都仑区 \x01 \x1f end', 32767::int2, 2147483647, 9223372036854775807::int8, NULL, '2026-12-07 10:00:00.000001+08', NULL, NULL),
  (4, '', NULL, NULL, NULL, true, '1988-07-01 12:00:00+00', '"s"'::json, ''),
  (5, NULL, 7::int2, 7, 7::int8, false, '1890-01-01 00:00:00+00', '3.5'::json, 'v'),
  (6, 'bc', 1::int2, 1, 1::int8, true, '0044-03-15 12:00:00+00 BC', '[]'::json, 'v'),
  (7, 'future', 1::int2, 1, 1::int8, true, '12026-01-01 00:00:00.123+08', '{}'::json, 'v'),
  (8, 'inf', 1::int2, 1, 1::int8, true, 'infinity', '1'::json, 'v'),
  (9, '-inf', 1::int2, 1, 1::int8, true, '-infinity', '1'::json, 'v'),
  (10, 'utc', 1::int2, 1, 1::int8, true, '2000-01-01 00:00:00+00', '1'::json, 'v'),
  (11, 'early', 1::int2, 1, 1::int8, true, '1999-12-31 23:59:59.999999+00', '1'::json, 'v')
) v(id, s, i2, i4, i8, b, ts, j, vc)`

// TestJSONValues checks that the properties written in Go are PostgreSQL's own
// row_to_json text, for each type a collection's properties have, in both wire formats.
func TestJSONValues(t *testing.T) {
	for _, mode := range []string{"", "simple"} {
		t.Run("exec mode "+mode, func(t *testing.T) {
			db := testdb.New(t, func(o *store.Options) { o.ExecMode = mode })
			ctx := context.Background()
			rows, err := db.Store.Pool().Query(ctx, "SELECT row_to_json(o)::text AS want, o.* FROM ("+jsonValues+") o ORDER BY id")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			n := 0
			for rows.Next() {
				n++
				raw, fds := rows.RawValues(), rows.FieldDescriptions()
				got := []byte{'{'}
				for i := 1; i < len(raw); i++ {
					if i > 1 {
						got = append(got, ',')
					}
					got = append(got, `"`+fds[i].Name+`":`...)
					if got, err = store.AppendJSONValue(got, raw[i], fds[i].DataTypeOID, fds[i].Format); err != nil {
						t.Fatalf("row %d, %s: %v", n, fds[i].Name, err)
					}
				}
				got = append(got, '}')
				if want := string(raw[0]); string(got) != want {
					t.Errorf("row %d:\n got %s\nwant %s", n, got, want)
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if n != 11 {
				t.Fatalf("%d rows, want 11", n)
			}
		})
	}
	t.Run("a type it does not write is an error", func(t *testing.T) {
		if _, err := store.AppendJSONValue(nil, []byte("1.5"), 701, 0); err == nil {
			t.Error("float8: no error")
		}
	})
}

// TestCollectionProperties checks that a collection's properties, written in Go from
// plain columns, are byte for byte PostgreSQL's row_to_json of the same fields, for every
// layer alone and for all layers in one statement, in both wire formats.
func TestCollectionProperties(t *testing.T) {
	for _, mode := range []string{"", "simple"} {
		t.Run("exec mode "+mode, func(t *testing.T) {
			db := testdb.New(t, func(o *store.Options) { o.ExecMode = mode })
			ctx := context.Background()
			if _, err := seed.Run(ctx, db.Store, seed.Options{Scale: 1, Reference: testdb.Reference}); err != nil {
				t.Fatal(err)
			}
			area := &geo.Area{Kind: geo.AreaBBox, Bound: orb.Bound{Min: orb.Point{109.80, 40.62}, Max: orb.Point{109.86, 40.66}}}
			sets := [][]model.Layer{model.Layers}
			for _, l := range model.Layers {
				sets = append(sets, []model.Layer{l})
			}
			for _, ls := range sets {
				out, err := db.Store.FeatureCollection(ctx, area, ls, 20000, store.Shape{}, nil, nil)
				if err != nil {
					t.Fatalf("%v: %v", ls, err)
				}
				var fc struct {
					Features []struct {
						ID         string          `json:"id"`
						Properties json.RawMessage `json:"properties"`
					} `json:"features"`
				}
				if err := json.Unmarshal(out, &fc); err != nil {
					t.Fatalf("%v: %v", ls, err)
				}
				seen := map[model.Layer]int{}
				for _, f := range fc.Features {
					l, id, ok := model.ParseGlobalID(f.ID)
					if !ok {
						t.Fatalf("feature id %q", f.ID)
					}
					seen[l]++
					table, object := store.PropertiesSQL(l)
					var want string
					if err := db.Store.Pool().QueryRow(ctx, "SELECT "+object+"::text FROM "+table+" t WHERE t.id = $1", id).Scan(&want); err != nil {
						t.Fatal(err)
					}
					if string(f.Properties) != want {
						t.Fatalf("%s %d:\n got %s\nwant %s", l, id, f.Properties, want)
					}
				}
				for _, l := range ls {
					if len(ls) == 1 && seen[l] == 0 && l != model.LayerVisit {
						t.Errorf("no %s in the area", l)
					}
				}
			}
		})
	}
}
