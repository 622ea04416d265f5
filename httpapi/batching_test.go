package httpapi

import (
	"encoding/json"
	"testing"
)

func TestRelationsRunAFixedNumberOfStatements(t *testing.T) {
	a := district(t)
	queries := map[string]string{
		"buildings with sourceId, grid, grid.parent and partyGroup": `query($n: Int) { features(area: {gridCode: "150203"}, layers: [BUILDING], first: $n) { edges { node {
			... on Building { name sourceId geometry grid { code parent { code parent { name } } } partyGroup { name parent { name } } } } } } }`,
		"party units with their sourceIds and those of their parents and buildings": `query($n: Int) { partyUnits(kind: BUILDING_GROUP, first: $n) { edges { node {
			name sourceId geometry parent { sourceId parent { sourceId } } building { sourceId grid { code } } } } } }`,
		"incidents with grid, grid.parent, timeline and nearbyCameras": `query($n: Int) { incidents(first: $n) { edges { node {
			code grid { code parent { code } partyUnits { name } } timeline { to } nearbyCameras { distanceMeters feature { name grid { code } } } } } } }`,
	}
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			count := func(n int) int64 {
				before := a.queries.Load()
				var got map[string]struct{ Edges []json.RawMessage }
				a.data(q, map[string]any{"n": n}, &got)
				for _, conn := range got {
					if len(conn.Edges) != n {
						t.Fatalf("got %d rows, want %d", len(conn.Edges), n)
					}
				}
				return a.queries.Load() - before
			}
			small, large := count(50), count(500)
			t.Logf("statements: %d for 50 rows, %d for 500", small, large)
			if small != large {
				t.Errorf("50 rows ran %d statements but 500 ran %d; relations must be batched", small, large)
			}
			if large > 12 {
				t.Errorf("500 rows with relations ran %d statements, want a small fixed number", large)
			}
		})
	}
}

// TestTreeUnderOneRootRunsAFixedNumberOfStatements: the lists below a root that returns
// one object (grid, node) cost one statement per level, whether the root is the
// district (15 streets, their communities and grids) or one street.
func TestTreeUnderOneRootRunsAFixedNumberOfStatements(t *testing.T) {
	a := district(t)
	var street struct {
		Grid struct{ Children []struct{ Code string } }
	}
	a.data(`{ grid(code: "150203") { children { code } } }`, nil, &street)
	if len(street.Grid.Children) == 0 {
		t.Fatal("the district has no streets")
	}
	queries := map[string]string{
		"grid": `query($c: String!) { grid(code: $c) { code children { code partyUnits { name parent { name } }
			children { code parent { code } children { code } } } } }`,
		"node": `query($id: ID!) { node(id: $id) { ... on Grid { code children { code partyUnits { name parent { name } }
			children { code parent { code } children { code } } } } } }`,
	}
	var ids struct{ District, Street struct{ ID string } }
	a.data(`query($s: String!) { district: grid(code: "150203") { id } street: grid(code: $s) { id } }`,
		map[string]any{"s": street.Grid.Children[0].Code}, &ids)
	args := map[string][2]map[string]any{
		"grid": {{"c": "150203"}, {"c": street.Grid.Children[0].Code}},
		"node": {{"id": ids.District.ID}, {"id": ids.Street.ID}},
	}
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			count := func(vars map[string]any) int64 {
				before := a.queries.Load()
				var got map[string]json.RawMessage
				a.data(q, vars, &got)
				return a.queries.Load() - before
			}
			whole, one := count(args[name][0]), count(args[name][1])
			t.Logf("statements: %d under the district, %d under one street", whole, one)
			if whole != one {
				t.Errorf("the district's tree ran %d statements but one street's ran %d", whole, one)
			}
			if whole > 8 {
				t.Errorf("the district's tree ran %d statements, want one per level", whole)
			}
		})
	}
}
