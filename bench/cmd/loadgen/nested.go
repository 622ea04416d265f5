package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// nestedQuery is W6: a page of incidents with each one's grid and that grid's parent,
// and the cameras within 200 m of each.
const nestedQuery = `query Nested($n: Int) { incidents(first: $n) { edges { node {
  code grid { code parent { code } } nearbyCameras { distanceMeters feature { name } } } } } }`

// bareNestedSQL is the same page as one JSON array: the first $1 incidents by id, their
// grid and its parent, and the cameras within 200 m on the spheroid, nearest first (the
// expanded envelope lets the GiST index prune, as gridhub's statement does).
const bareNestedSQL = `SELECT json_agg(json_build_object('code', i.code,
    'grid', CASE WHEN g.id IS NOT NULL THEN json_build_object('code', g.code,
      'parent', CASE WHEN p.id IS NOT NULL THEN json_build_object('code', p.code) END) END,
    'nearbyCameras', coalesce(nc.cams, '[]')) ORDER BY i.id)
FROM (SELECT id, code, grid_id, geom FROM incidents ORDER BY id LIMIT $1) i
LEFT JOIN grids g ON g.id = i.grid_id
LEFT JOIN grids p ON p.id = g.parent_id
LEFT JOIN LATERAL (SELECT json_agg(json_build_object('distanceMeters', c.d, 'feature', json_build_object('name', c.name)) ORDER BY c.d, c.id) AS cams
  FROM (SELECT c.id, c.name, ST_Distance(c.geom::geography, i.geom::geography) AS d FROM cameras c
    WHERE c.geom && ST_Expand(i.geom, 200 / (110000.0 * cos(radians(least(abs(ST_Y(i.geom)), 89.0)))), 200 / 110000.0)
      AND ST_DWithin(c.geom::geography, i.geom::geography, 200)) c) nc ON true`

// incidentRow is one incident of the page, in a form both answers decode to.
type incidentRow struct {
	Code string
	Grid string // "grid/parent"
	Cams []nearCamera
}

type nearCamera struct {
	Name string
	M    float64
}

// sameIncidents compares the decoded pages; distances may differ in the last digits of
// their decimal form (Go and PostgreSQL print floats differently).
func sameIncidents(a, b []incidentRow) error {
	if len(a) != len(b) {
		return fmt.Errorf("gridhub gives %d incidents, the bare SQL %d", len(a), len(b))
	}
	for i := range a {
		x, y := a[i], b[i]
		same := x.Code == y.Code && x.Grid == y.Grid && len(x.Cams) == len(y.Cams)
		for j := 0; same && j < len(x.Cams); j++ {
			same = x.Cams[j].Name == y.Cams[j].Name && math.Abs(x.Cams[j].M-y.Cams[j].M) < 1e-6
		}
		if !same {
			return fmt.Errorf("incident %d: gridhub %+v, bare SQL %+v", i, x, y)
		}
	}
	return nil
}

// incidentNode is an incident as both answers write it: gridhub's edges' nodes, and the
// bare statement's array, which uses the same names.
type incidentNode struct {
	Code string
	Grid *struct {
		Code   string
		Parent *struct{ Code string }
	}
	NearbyCameras []struct {
		DistanceMeters float64
		Feature        struct{ Name string }
	}
}

func decodeHubIncidents(raw []byte) ([]incidentRow, error) {
	var r struct {
		Data struct {
			Incidents struct {
				Edges []struct{ Node incidentNode }
			}
		}
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, err
	}
	nodes := make([]incidentNode, len(r.Data.Incidents.Edges))
	for i, e := range r.Data.Incidents.Edges {
		nodes[i] = e.Node
	}
	return incidentRows(nodes), nil
}

func decodeBareIncidents(raw []byte) ([]incidentRow, error) {
	var nodes []incidentNode
	if err := json.Unmarshal(raw, &nodes); err != nil {
		return nil, err
	}
	return incidentRows(nodes), nil
}

func incidentRows(nodes []incidentNode) []incidentRow {
	var out []incidentRow
	for _, n := range nodes {
		row := incidentRow{Code: n.Code}
		if n.Grid != nil {
			row.Grid = n.Grid.Code + "/"
			if n.Grid.Parent != nil {
				row.Grid += n.Grid.Parent.Code
			}
		}
		for _, c := range n.NearbyCameras {
			row.Cams = append(row.Cams, nearCamera{c.Feature.Name, c.DistanceMeters})
		}
		out = append(out, row)
	}
	return out
}

// peerIncidents decodes PostGraphile's W6 answer (bench/peers/*/queries/w6.graphql).
func peerIncidents(conn any) []incidentRow {
	raw, _ := json.Marshal(conn)
	var c struct {
		Nodes []struct {
			Code         string
			GridByGridID *struct {
				Code           string
				GridByParentID *struct{ Code string }
			} `json:"gridByGridId"`
			NearbyCameras struct {
				Nodes []struct {
					DistanceMeters float64
					Name           string
				}
			}
		}
	}
	_ = json.Unmarshal(raw, &c)
	var out []incidentRow
	for _, n := range c.Nodes {
		row := incidentRow{Code: n.Code}
		if g := n.GridByGridID; g != nil {
			row.Grid = g.Code + "/"
			if g.GridByParentID != nil {
				row.Grid += g.GridByParentID.Code
			}
		}
		for _, cam := range n.NearbyCameras.Nodes {
			row.Cams = append(row.Cams, nearCamera{cam.Name, cam.DistanceMeters})
		}
		out = append(out, row)
	}
	return out
}

// rowStrings writes W6's rows for comparison, distances to the micrometre.
func rowStrings(rows []incidentRow) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		s := r.Code + " " + r.Grid
		for _, c := range r.Cams {
			s += fmt.Sprintf(" %s:%.6f", c.Name, c.M)
		}
		out[i] = s
	}
	return out
}

// nested is W6 at 500 incidents, with the statements gridhub runs for a page of 50 and
// of 500 counted behind the proxy.
func (b *bench) nested(ctx context.Context) (*workload, error) {
	const n = 500
	url := b.o.Gridhub + "/graphql"
	body := gql(nestedQuery, map[string]any{"n": n})
	raw, err := b.fetch(ctx, "POST", url, body)
	if err != nil {
		return nil, err
	}
	hub, err := decodeHubIncidents(raw)
	if err != nil {
		return nil, fmt.Errorf("gridhub's answer: %w", err)
	}
	bareRaw, err := b.queryBytes(ctx, bareNestedSQL, n)
	if err != nil {
		return nil, fmt.Errorf("bare SQL: %w", err)
	}
	bare, err := decodeBareIncidents(bareRaw)
	if err != nil {
		return nil, err
	}
	if err := sameIncidents(hub, bare); err != nil {
		return nil, err
	}
	cams := 0
	for _, r := range hub {
		cams += len(r.Cams)
	}
	w := &workload{ID: "W6", Title: "nested: 500 incidents + grid.parent + nearbyCameras", Conc: []int{8, 32},
		Check:   fmt.Sprintf("%d incidents, %d nearby cameras: codes, grids, parents, camera names and distances equal to the bare SQL's", len(hub), cams),
		Gridhub: target{nameGridhub, b.request("POST", url, body)},
		Bare:    target{nameBare, b.sqlBytes(bareNestedSQL, n)},
	}
	peers, notes, err := b.nestedPeers(ctx, "W6", n, rowStrings(hub), func(_ nestedShape, conn any) []string {
		return rowStrings(peerIncidents(conn))
	}, "allIncidents")
	if err != nil {
		return nil, err
	}
	w.Peers, w.Notes = peers, notes
	w.stmts, w.Notes = b.statementNote(ctx, "W6", nestedQuery, w.Notes)
	return w, nil
}

// offPath tells the statements that are not the request's own work: the audit log's
// batched COPY (written every 500 ms, off the request path) and the API-key lookup
// (cached for seconds). Whether one lands in a request's window is a matter of timing.
func offPath(sql string) bool {
	return strings.Contains(sql, "audit_log") || strings.Contains(sql, "api_keys")
}

// countStatements starts a second gridhub behind the counting proxy and asks query (with
// $n) for each page size three times; every time must cost the same number of statements.
func (b *bench) countStatements(ctx context.Context, query string, sizes []int) (map[int]int, error) {
	px, err := newStmtProxy(b.o.DB)
	if err != nil {
		return nil, err
	}
	defer px.close()
	srv, err := startGridhub(ctx, b.o.GridhubBin, px.databaseURL())
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	ask := func(n int) error {
		_, err := b.fetch(ctx, "POST", srv.url+"/graphql", gql(query, map[string]any{"n": n}))
		return err
	}
	if err := ask(1); err != nil { // the key lookup and statement preparation out of the way
		return nil, err
	}
	out := map[int]int{}
	for _, n := range sizes {
		var seen []int
		for range 3 {
			before := px.snapshot()
			if err := ask(n); err != nil {
				return nil, err
			}
			k := 0
			for sql, c := range px.snapshot() {
				if !offPath(sql) {
					k += c - before[sql]
				}
			}
			seen = append(seen, k)
		}
		if slices.Min(seen) != slices.Max(seen) {
			return nil, fmt.Errorf("%d incidents cost %v statements on three tries", n, seen)
		}
		out[n] = seen[0]
	}
	return out, nil
}
