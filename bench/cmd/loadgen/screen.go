package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	"gridhub/geo"
	"gridhub/model"
)

// screenQuery is W5, everything a map screen asks for one viewport in one request: three
// point layers to draw, incident clusters at zoom 14 and the figures of the area. gqlgen
// resolves the three root fields concurrently.
const screenQuery = `query Screen($area: AreaInput!, $n: Int) {
  features: featureCollection(area: $area, layers: [INCIDENT, CAMERA, SERVICE_POINT], limit: $n)
  clusters: clusters(area: $area, layer: INCIDENT, zoom: 14) { count center bbox ids }
  stats: stats(area: $area) { population households buildings cameras camerasOnline partyUnits servicePoints incidents openIncidents overdueIncidents }
}`

// bareClustersSQL groups incidents as gridhub's clusters do (cells of $5 degrees, each
// member by a point on its surface, ids when at most $6 members), as one JSON array.
const bareClustersSQL = `SELECT coalesce(json_agg(json_build_object('count', n, 'bbox', json_build_array(x0, y0, x1, y1), 'ids', ids) ORDER BY first), '[]')
FROM (SELECT count(*)::int AS n, min(m.id) AS first,
    ST_XMin(ST_Extent(m.geom)) AS x0, ST_YMin(ST_Extent(m.geom)) AS y0, ST_XMax(ST_Extent(m.geom)) AS x1, ST_YMax(ST_Extent(m.geom)) AS y1,
    CASE WHEN count(*) <= $6 THEN array_agg(m.id ORDER BY m.id) END AS ids
  FROM (SELECT t.id, t.geom, ST_PointOnSurface(t.geom) AS pt FROM incidents t
    WHERE ST_Intersects(t.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))) m
  GROUP BY ST_SnapToGrid(m.pt, $5)) c`

// bareStatsSQL is gridhub's stats for a bbox, as one JSON object.
const bareStatsSQL = `WITH a AS (SELECT ST_MakeEnvelope($1, $2, $3, $4, 4326) AS g)
SELECT json_build_object('population', b.pop, 'households', b.hh, 'buildings', b.n, 'cameras', c.n, 'camerasOnline', c.online,
  'partyUnits', pu.n, 'servicePoints', sp.n, 'incidents', i.n, 'openIncidents', i.open, 'overdueIncidents', i.overdue) FROM
 (SELECT count(*), coalesce(sum(t.residents), 0), coalesce(sum(t.households), 0) FROM buildings t, a WHERE ST_Intersects(t.geom, a.g)) b(n, pop, hh),
 (SELECT count(*), count(*) FILTER (WHERE t.status = 'ONLINE') FROM cameras t, a WHERE ST_Intersects(t.geom, a.g)) c(n, online),
 (SELECT count(*) FROM party_units t, a WHERE ST_Intersects(t.geom, a.g)) pu(n),
 (SELECT count(*) FROM service_points t, a WHERE ST_Intersects(t.geom, a.g)) sp(n),
 (SELECT count(*), count(*) FILTER (WHERE t.status NOT IN ('RESOLVED', 'CLOSED', 'REJECTED')), count(*) FILTER (WHERE ` + overdueSQL + `)
    FROM incidents t, a WHERE ST_Intersects(t.geom, a.g)) i(n, open, overdue)`

// Cluster cells of 64 pixels and ids up to 20 members: gridhub's resolver constants.
const (
	clusterPixels = 64
	clusterIDsMax = 20
	screenTarget  = 1000 // incidents in the viewport
)

type cluster struct {
	Count int       `json:"count"`
	BBox  []float64 `json:"bbox"`
	IDs   []string  `json:"ids"`
}

// screen is W5: one viewport holding about screenTarget incidents.
func (b *bench) screen(ctx context.Context) (*workload, error) {
	x, _, err := b.square(ctx, "incidents", screenTarget)
	if err != nil {
		return nil, err
	}
	cell := geo.CellSizeDegrees(14, clusterPixels)
	body := gql(screenQuery, map[string]any{"area": map[string]any{"bbox": x[:]}, "n": collectionLimit})
	url := b.o.Gridhub + "/graphql"
	collSQL := collectionSQL(cameraLayer, servicePointLayer, incidentLayer)
	collArgs := append(x.args(), collectionLimit)
	clArgs := append(x.args(), cell, clusterIDsMax)
	// The bare SQL answers the same three questions on three connections at once, as
	// gridhub's executor does.
	bare := func(ctx context.Context) (int, error) {
		var sizes [3]int
		var errs [3]error
		var wg sync.WaitGroup
		for i, q := range []struct {
			sql  string
			args []any
		}{{collSQL, collArgs}, {bareClustersSQL, clArgs}, {bareStatsSQL, x.args()}} {
			wg.Go(func() { sizes[i], errs[i] = b.sqlBytes(q.sql, q.args...)(ctx) })
		}
		wg.Wait()
		return sizes[0] + sizes[1] + sizes[2], errors.Join(errs[:]...)
	}

	hub, err := b.fetch(ctx, "POST", url, body)
	if err != nil {
		return nil, err
	}
	var got struct {
		Data struct {
			Features json.RawMessage
			Clusters []cluster
			Stats    map[string]int
		}
	}
	if err := json.Unmarshal(hub, &got); err != nil {
		return nil, fmt.Errorf("gridhub's answer: %w", err)
	}
	coll, err := b.queryBytes(ctx, collSQL, collArgs...)
	if err != nil {
		return nil, fmt.Errorf("bare SQL: %w", err)
	}
	features, err := sameCollection(append(append([]byte(`{"data":{"featureCollection":`), got.Data.Features...), "}}"...), coll)
	if err != nil {
		return nil, err
	}
	clusters, err := b.queryBytes(ctx, bareClustersSQL, clArgs...)
	if err != nil {
		return nil, fmt.Errorf("bare clusters: %w", err)
	}
	var want []struct {
		Count int       `json:"count"`
		BBox  []float64 `json:"bbox"`
		IDs   []int64   `json:"ids"`
	}
	if err := json.Unmarshal(clusters, &want); err != nil {
		return nil, err
	}
	if len(want) != len(got.Data.Clusters) {
		return nil, fmt.Errorf("gridhub gives %d clusters, the bare SQL %d", len(got.Data.Clusters), len(want))
	}
	for i, c := range want {
		h := got.Data.Clusters[i]
		var ids []string
		for _, id := range c.IDs {
			ids = append(ids, model.GlobalID(model.LayerIncident, id))
		}
		if h.Count != c.Count || !slices.Equal(h.IDs, ids) || !slices.Equal(h.BBox, c.BBox) {
			return nil, fmt.Errorf("cluster %d: gridhub %+v, bare SQL %+v", i, h, c)
		}
	}
	stats, err := b.queryBytes(ctx, bareStatsSQL, x.args()...)
	if err != nil {
		return nil, fmt.Errorf("bare stats: %w", err)
	}
	var ws map[string]int
	if err := json.Unmarshal(stats, &ws); err != nil {
		return nil, err
	}
	if fmt.Sprint(ws) != fmt.Sprint(got.Data.Stats) {
		return nil, fmt.Errorf("stats: gridhub %v, bare SQL %v", got.Data.Stats, ws)
	}
	return &workload{ID: "W5", Title: "map screen: 3 layers + clusters + stats, one request", Conc: []int{8, 32},
		Check: fmt.Sprintf("viewport %s: %d features byte-for-byte, %d clusters and the stats equal to the bare SQL's (%d incidents)",
			x, features, len(want), ws["incidents"]),
		Gridhub: target{nameGridhub, b.request("POST", url, body)},
		Bare:    target{nameBare, bare},
		Notes:   []string{"W5 is one GraphQL request with three aliased root fields; the bare SQL runs its three statements concurrently on three connections"},
	}, nil
}
