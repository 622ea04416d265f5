package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The nested workloads without geometry, where GraphQL servers that compile a selection
// into SQL (PostGraphile) are strongest: N1 follows single relations up a page of
// incidents, N2 opens two child pages under every grid of a page.
const (
	n1Query = `query N1($n: Int) { incidents(first: $n) { edges { node { code grid { code parent { code parent { code } } } } } } }`
	n2Query = `query N2($n: Int) { grids(level: GRID, first: $n) { edges { node { code
  buildings(first: 20) { edges { node { name floors } } } incidents(first: 10) { edges { node { code status } } } } } } }`
)

// bareN1SQL is N1's answer as one statement building the same JSON: the page of incidents
// by id joined to their grid, its parent and that one's parent.
const bareN1SQL = `SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object('code', i.code,
    'grid', CASE WHEN g.id IS NOT NULL THEN json_build_object('code', g.code,
      'parent', CASE WHEN p.id IS NOT NULL THEN json_build_object('code', p.code,
        'parent', CASE WHEN pp.id IS NOT NULL THEN json_build_object('code', pp.code) END) END) END)) ORDER BY i.id), '[]'))
FROM (SELECT id, code, grid_id FROM incidents ORDER BY id LIMIT $1) i
LEFT JOIN grids g ON g.id = i.grid_id
LEFT JOIN grids p ON p.id = g.parent_id
LEFT JOIN grids pp ON pp.id = p.parent_id`

// bareN2SQL is N2's answer as one statement: the page of GRID units by id, and under each
// a LATERAL page of its first 20 buildings and one of its first 10 incidents, each read
// by (grid_id, id) with the page's LIMIT, as a hand-written statement would.
const bareN2SQL = `SELECT json_build_object('edges', coalesce(json_agg(json_build_object('node', json_build_object('code', g.code,
    'buildings', json_build_object('edges', coalesce(b.e, '[]')),
    'incidents', json_build_object('edges', coalesce(i.e, '[]')))) ORDER BY g.id), '[]'))
FROM (SELECT id, code FROM grids WHERE level = 'GRID' ORDER BY id LIMIT $1) g
LEFT JOIN LATERAL (SELECT json_agg(json_build_object('node', json_build_object('name', b.name, 'floors', b.floors)) ORDER BY b.id) AS e
  FROM (SELECT b.id, b.name, b.floors FROM buildings b WHERE b.grid_id = g.id ORDER BY b.id LIMIT 20) b) b ON true
LEFT JOIN LATERAL (SELECT json_agg(json_build_object('node', json_build_object('code', i.code, 'status', i.status)) ORDER BY i.id) AS e
  FROM (SELECT i.id, i.code, i.status FROM incidents i WHERE i.grid_id = g.id ORDER BY i.id LIMIT 10) i) i ON true`

// nestedShape names one workload's fields in each server's schema: gridhub's connections
// have edges { node }, PostGraphile's nodes, and its relations are named by their keys.
type nestedShape struct {
	edges                bool   // edges { node } (gridhub) or nodes (PostGraphile)
	grid, parent         string // N1's relations
	buildings, incidents string // N2's child connections
}

var (
	hubShape  = nestedShape{true, "grid", "parent", "buildings", "incidents"}
	peerShape = nestedShape{false, "gridByGridId", "gridByParentId", "buildingsByGridId", "incidentsByGridId"}
)

// conn lists a connection's nodes.
func (s nestedShape) conn(v any) []map[string]any {
	m, _ := v.(map[string]any)
	var out []map[string]any
	if !s.edges {
		list, _ := m["nodes"].([]any)
		for _, n := range list {
			nm, _ := n.(map[string]any)
			out = append(out, nm)
		}
		return out
	}
	list, _ := m["edges"].([]any)
	for _, e := range list {
		em, _ := e.(map[string]any)
		nm, _ := em["node"].(map[string]any)
		out = append(out, nm)
	}
	return out
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	return fmt.Sprint(v)
}

// n1Rows is each incident as "code grid/parent/grandparent".
func (s nestedShape) n1Rows(conn any) []string {
	var out []string
	for _, n := range s.conn(conn) {
		row := str(n["code"])
		up, _ := n[s.grid].(map[string]any)
		for up != nil {
			row += " " + str(up["code"])
			up, _ = up[s.parent].(map[string]any)
		}
		out = append(out, row)
	}
	return out
}

// n2Rows is each grid as "code | name:floors ... | code:status ...".
func (s nestedShape) n2Rows(conn any) []string {
	var out []string
	for _, n := range s.conn(conn) {
		var bs, is []string
		for _, b := range s.conn(n[s.buildings]) {
			bs = append(bs, str(b["name"])+":"+str(b["floors"]))
		}
		for _, i := range s.conn(n[s.incidents]) {
			is = append(is, str(i["code"])+":"+str(i["status"]))
		}
		out = append(out, str(n["code"])+" | "+strings.Join(bs, " ")+" | "+strings.Join(is, " "))
	}
	return out
}

// dataField is the one root field of a GraphQL answer.
func dataField(raw []byte, field string) (any, error) {
	var r struct{ Data map[string]any }
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	v, ok := r.Data[field]
	if !ok {
		return nil, fmt.Errorf("no %q in %.200s", field, raw)
	}
	return v, nil
}

func sameRows(who string, got, want []string) error {
	if slices.Equal(got, want) {
		return nil
	}
	if len(got) != len(want) {
		return fmt.Errorf("%s gives %d rows, gridhub %d", who, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			return fmt.Errorf("%s's row %d is %q, gridhub's %q", who, i, got[i], want[i])
		}
	}
	return nil
}

// nestedPeers are PostGraphile v4's and v5's requests for workload id (their query in
// <queries>/<id>.graphql, with $n), checked to give rows of the same content in the same
// order; a peer not started is left out with a note.
func (b *bench) nestedPeers(ctx context.Context, id string, n int, want []string, rows func(nestedShape, any) []string, root string) ([]target, []string, error) {
	var peers []target
	var notes []string
	for _, p := range []struct{ name, url, dir string }{
		{namePeer, b.o.Peer, b.o.PeerQueries}, {namePeer5, b.o.Peer5, b.o.Peer5Queries},
	} {
		if p.url == "" {
			notes = append(notes, fmt.Sprintf("%s: %s was not measured (not started; see bench/run.sh's output)", id, p.name))
			continue
		}
		file := filepath.Join(p.dir, strings.ToLower(id)+".graphql")
		q, err := os.ReadFile(file)
		if err != nil {
			return nil, nil, fmt.Errorf("%s's query: %w", p.name, err)
		}
		body := gql(string(q), map[string]any{"n": n})
		raw, err := b.fetch(ctx, "POST", p.url, body)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p.name, err)
		}
		conn, err := dataField(raw, root)
		if err != nil {
			return nil, nil, fmt.Errorf("%s's answer: %w", p.name, err)
		}
		if err := sameRows(p.name, rows(peerShape, conn), want); err != nil {
			return nil, nil, err
		}
		peers = append(peers, target{p.name, b.request("POST", p.url, body)})
		notes = append(notes, fmt.Sprintf("%s: %s (%s): the same %d rows in the same order, %d bytes", id, p.name, filepath.Base(file), len(want), len(raw)))
	}
	return peers, notes, nil
}

// nestedN is N1 or N2: gridhub's answer for n root rows, checked against the bare
// statement's and the peers', with the statements a request costs at 50 and 500 rows.
func (b *bench) nestedN(ctx context.Context, id, title, query, sql, hubRoot, peerRoot string, n int, rows func(nestedShape, any) []string) (*workload, error) {
	url := b.o.Gridhub + "/graphql"
	body := gql(query, map[string]any{"n": n})
	raw, err := b.fetch(ctx, "POST", url, body)
	if err != nil {
		return nil, err
	}
	conn, err := dataField(raw, hubRoot)
	if err != nil {
		return nil, fmt.Errorf("gridhub's answer: %w", err)
	}
	want := rows(hubShape, conn)
	bareRaw, err := b.queryBytes(ctx, sql, n)
	if err != nil {
		return nil, fmt.Errorf("bare SQL: %w", err)
	}
	var bare any
	if err := json.Unmarshal(bareRaw, &bare); err != nil {
		return nil, fmt.Errorf("bare SQL's answer: %w", err)
	}
	if err := sameRows("the bare SQL", rows(hubShape, bare), want); err != nil {
		return nil, err
	}
	w := &workload{ID: id, Title: title, Conc: []int{8, 32},
		Check: fmt.Sprintf("%d rows, every nested field equal to the bare SQL's, in the same order (gridhub %d bytes, bare SQL %d)",
			len(want), len(raw), len(bareRaw)),
		Gridhub: target{nameGridhub, b.request("POST", url, body)},
		Bare:    target{nameBare, b.sqlBytes(sql, n)},
	}
	peers, notes, err := b.nestedPeers(ctx, id, n, want, rows, peerRoot)
	if err != nil {
		return nil, err
	}
	w.Peers, w.Notes = peers, notes
	w.stmts, w.Notes = b.statementNote(ctx, id, query, w.Notes)
	return w, nil
}

// statementNote counts the statements one request of query costs for 50 and for 500 root
// rows, and says whether they are the same.
func (b *bench) statementNote(ctx context.Context, id, query string, notes []string) (map[int]int, []string) {
	counts, err := b.countStatements(ctx, query, []int{50, 500})
	if err != nil {
		return nil, append(notes, id+" statements per request: not counted: "+err.Error())
	}
	verdict := "the same"
	if counts[50] != counts[500] {
		verdict = "NOT the same"
	}
	return counts, append(notes, fmt.Sprintf("%s SQL statements per request (counted on the wire by a proxy; the audit log's batched writes "+
		"and the cached API-key lookup are not the request's own and are left out): %d at 50 root rows, %d at 500 — %s",
		id, counts[50], counts[500], verdict))
}

func (b *bench) nested1(ctx context.Context) (*workload, error) {
	return b.nestedN(ctx, "N1", "nested: 500 incidents → grid → parent → parent", n1Query, bareN1SQL, "incidents", "allIncidents", 500,
		nestedShape.n1Rows)
}

func (b *bench) nested2(ctx context.Context) (*workload, error) {
	return b.nestedN(ctx, "N2", "nested: 100 grids, each 20 buildings + 10 incidents", n2Query, bareN2SQL, "grids", "allGrids", 100,
		nestedShape.n2Rows)
}
