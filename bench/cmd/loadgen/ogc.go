package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gridhub/model"
)

// ogcLayer is an OGC API collection and how gridhub writes its features' properties: a
// copy of store/properties.go written out by hand, as someone serving the same GeoJSON
// straight from PostGIS would; the byte-for-byte check before timing fails if the two
// drift apart.
type ogcLayer struct {
	layer             model.Layer
	collection, table string
	props             string
}

var (
	ogcIncidents = ogcLayer{model.LayerIncident, "incidents", "incidents",
		`(SELECT row_to_json(o) FROM (SELECT t.title AS name, t.code, t.category, t.source, t.status, ` +
			`t.priority::int AS priority, t.reported_at AS "reportedAt", t.due_at AS "dueAt", t.closed_at AS "closedAt", ` + overdueSQL +
			` AS overdue, t.description, t.amount_yuan::float8 AS "amountYuan", (SELECT gc.code FROM grids gc WHERE gc.id = t.grid_id) AS grid) o)`}
	ogcGrids = ogcLayer{model.LayerGrid, "grid_units", "grids",
		`(SELECT row_to_json(o) FROM (SELECT t.name, t.code, t.level, (SELECT pc.code FROM grids pc WHERE pc.id = t.parent_id) AS parent, ` +
			`t.population, t.households, t.worker_name AS "workerName", t.worker_phone AS "workerPhone") o)`}
)

// ogcItemsSQL is the page gridhub's /items answers for a bbox ($1..$4) and a limit ($5),
// with its count, in one statement: {"numberMatched":N,"features":[...]}. As gridhub, it
// counts the rows again only when the page may not hold them all.
func ogcItemsSQL(l ogcLayer) string {
	where := `ST_Intersects(t.geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))`
	return fmt.Sprintf(`SELECT '{"numberMatched":' || CASE WHEN count(*) < $5 THEN count(*) ELSE (SELECT count(*) FROM %[1]s t WHERE %[2]s) END ||
  ',"features":[' || coalesce(string_agg(j, ','), '') || ']}'
FROM (SELECT '{"type":"Feature","id":"' || %[3]s || '","geometry":' || ST_AsGeoJSON(t.geom, 7) || ',"properties":' || %[4]s::text || '}' AS j
  FROM %[1]s t WHERE %[2]s ORDER BY t.id LIMIT $5) f`, l.table, where, globalIDSQL(l.layer), l.props)
}

// ogcLimit is above every workload's feature count: one page holds them all.
const ogcLimit = 10000

// ogcItems is a workload reading one collection's features in a bbox holding about n of
// them through OGC API – Features (O1, O2: incidents; O3: grid polygons), beside the bare
// SQL and pg_featureserv serving the same table.
func (b *bench) ogcItems(ctx context.Context, id, title string, l ogcLayer, n int) (*workload, error) {
	x, got, err := b.square(ctx, l.table, n)
	if err != nil {
		return nil, err
	}
	bbox := fmt.Sprintf("%.7f,%.7f,%.7f,%.7f", x[0], x[1], x[2], x[3])
	url := fmt.Sprintf("%s/ogc/collections/%s/items?bbox=%s&limit=%d", b.o.Gridhub, l.collection, bbox, ogcLimit)
	sql := ogcItemsSQL(l)
	args := append(x.args(), ogcLimit)
	hub, bare, err := b.both(ctx, "GET", url, nil, sql, args, got, sameItems)
	if err != nil {
		return nil, err
	}
	w := &workload{ID: id, Title: title, Conc: []int{8, 32},
		Gridhub: target{nameGridhub, b.request("GET", url, nil)},
		Bare:    target{nameBare, b.sqlBytes(sql, args...)},
		Check: fmt.Sprintf("%d features in bbox %s; gridhub's features and numberMatched are byte-for-byte the bare SQL's (%d bytes of %d)",
			got, x, len(bare), len(hub)),
	}
	if b.o.Featureserv == "" {
		w.Notes = append(w.Notes, "pg_featureserv was not measured (bench/run.sh starts it when PG_FEATURESERV names its binary)")
		return w, nil
	}
	peer, note, err := b.featureservPeer(ctx, l.table, bbox, "", ids(hub))
	if err != nil {
		return nil, err
	}
	w.Peers = append(w.Peers, *peer)
	w.Notes = append(w.Notes, id+": "+note)
	return w, nil
}

// featureservPeer is pg_featureserv's request for the features of table in bbox, with
// the properties named (empty: every column), checked to return the ids want.
func (b *bench) featureservPeer(ctx context.Context, table, bbox, properties string, want []int64) (*target, string, error) {
	fsURL := fmt.Sprintf("%s/collections/public.%s/items.json?bbox=%s&limit=%d", b.o.Featureserv, table, bbox, ogcLimit)
	if properties != "" {
		fsURL += "&properties=" + properties
	}
	peer, err := b.fetch(ctx, "GET", fsURL, nil)
	if err != nil {
		return nil, "", fmt.Errorf("pg_featureserv: %w", err)
	}
	var fc struct {
		Features []struct {
			ID         any            `json:"id"`
			Properties map[string]any `json:"properties"`
		}
	}
	if err := json.Unmarshal(peer, &fc); err != nil {
		return nil, "", fmt.Errorf("pg_featureserv's answer: %w", err)
	}
	var fsIDs []int64
	for _, f := range fc.Features {
		// A number, or its text: pg_featureserv writes the key as a string.
		v, err := strconv.ParseInt(strings.Trim(fmt.Sprint(f.ID), `"`), 10, 64)
		if err != nil {
			return nil, "", fmt.Errorf("pg_featureserv feature id %v is not a row id", f.ID)
		}
		fsIDs = append(fsIDs, v)
	}
	slices.Sort(fsIDs)
	if !slices.Equal(fsIDs, want) {
		return nil, "", fmt.Errorf("pg_featureserv returns %d %s, gridhub %d, not the same ids", len(fsIDs), table, len(want))
	}
	what := "every column as a property"
	if properties != "" {
		if len(fc.Features) > 0 && len(fc.Features[0].Properties) != len(strings.Split(properties, ",")) {
			return nil, "", fmt.Errorf("pg_featureserv writes %d properties, not the %s asked for", len(fc.Features[0].Properties), properties)
		}
		what = "properties=" + properties
	}
	note := fmt.Sprintf("pg_featureserv (public.%s, %s): the same %d ids, %d bytes", table, what, len(fsIDs), len(peer))
	return &target{nameFeatureserv, b.request("GET", fsURL, nil)}, note, nil
}

// sameItems checks that gridhub's FeatureCollection holds the bare SQL's numberMatched and
// features, byte for byte, and returns the feature count.
func sameItems(hub, bare []byte) (int, error) {
	var b struct{ NumberMatched int }
	i := bytes.Index(bare, []byte(`,"features":[`))
	if i < 0 || json.Unmarshal(append(bare[:i:i], '}'), &b) != nil {
		return 0, fmt.Errorf("the bare SQL's answer is not what it should be: %.80q", bare)
	}
	if !bytes.Contains(hub, []byte(fmt.Sprintf(`"numberMatched":%d,`, b.NumberMatched))) {
		return 0, fmt.Errorf("gridhub's numberMatched is not the bare SQL's %d", b.NumberMatched)
	}
	j := bytes.Index(hub, []byte(`,"features":[`))
	if j < 0 || !bytes.Equal(hub[j:], bare[i:]) {
		return 0, fmt.Errorf("gridhub's features (%d bytes) are not the bare SQL's (%d bytes)", len(hub)-max(j, 0), len(bare)-i)
	}
	return bytes.Count(bare, []byte(`{"type":"Feature",`)), nil
}
