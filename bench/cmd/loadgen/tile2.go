package main

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// T1 is the incident tile a map draws with a few attributes: z15 over the centre, which
// holds fewer incidents than gridhub's clustering cut at every scale up to 10, so that
// every server writes one feature per incident.
const (
	trimZoom = 15
	// trimProps are gridhub's attributes asked for (without id, the feature's global id
	// string, which it then leaves out), and trimColumns the same columns asked of
	// pg_tileserv. Every server writes the database id as the MVT feature id.
	trimProps   = "name,code,status,category,priority"
	trimColumns = "title,code,status,category,priority"
)

// bareTrimTileSQL is T1 written by hand, as bareTileSQL with the trimmed attributes.
const bareTrimTileSQL = `WITH e AS (SELECT ST_TileEnvelope($1, $2, $3) AS env,
  ST_Transform(ST_TileEnvelope($1, $2, $3, margin => 64.0 / 4096), 4326) AS q)
SELECT ST_AsMVT(f, 'incident', 4096, 'geom', 'fid' ORDER BY f.fid) FROM (
  SELECT t.id AS fid, t.title AS name, t.code, t.status, t.category, t.priority::int AS priority,
    ST_AsMVTGeom(ST_Transform(t.geom, 3857), e.env, 4096, 64, true) AS geom
  FROM incidents t, e WHERE ST_Intersects(t.geom, e.q)) f`

// tileIDs are the feature ids of a one-layer tile, sorted, and its attribute names.
func tileIDs(raw []byte) ([]uint64, []string, error) {
	layers, err := mvt.Unmarshal(raw)
	if err != nil {
		return nil, nil, err
	}
	if len(layers) != 1 {
		return nil, nil, fmt.Errorf("%d layers", len(layers))
	}
	var ids []uint64
	keys := map[string]bool{}
	for _, f := range layers[0].Features {
		id, _ := f.ID.(uint64)
		ids = append(ids, id)
		for k := range f.Properties {
			keys[k] = true
		}
	}
	slices.Sort(ids)
	var names []string
	for k := range keys {
		names = append(names, k)
	}
	slices.Sort(names)
	return ids, names, nil
}

// trimmedTile is T1: gridhub's tile with ?properties=, the bare ST_AsMVT with the same
// attributes (byte for byte), and pg_tileserv asked for the same columns with gridhub's
// buffer (the same features, by id).
func (b *bench) trimmedTile(ctx context.Context) (*workload, error) {
	t := maptile.At(orb.Point{centreLon, centreLat}, trimZoom)
	url := fmt.Sprintf("%s/tiles/incident/%d/%d/%d.mvt?properties=%s", b.o.Gridhub, trimZoom, t.X, t.Y, trimProps)
	args := []any{trimZoom, int(t.X), int(t.Y)}
	hub, err := b.fetch(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	bare, err := b.queryBytes(ctx, bareTrimTileSQL, args...)
	if err != nil {
		return nil, fmt.Errorf("bare SQL: %w", err)
	}
	want, attrs, err := tileIDs(bare)
	if err != nil || len(want) == 0 {
		return nil, fmt.Errorf("the bare SQL's tile does not decode to one non-empty layer (%v)", err)
	}
	if cut := clusterAbove(); len(want) > cut {
		return nil, fmt.Errorf("tile %d/%d/%d holds %d incidents, more than gridhub's clustering cut (%d)", trimZoom, t.X, t.Y, len(want), cut)
	}
	check := fmt.Sprintf("tile %d/%d/%d, %d incidents, attributes %s: gridhub's tile is byte-for-byte the bare ST_AsMVT's (%d bytes)",
		trimZoom, t.X, t.Y, len(want), strings.Join(attrs, ","), len(bare))
	if !bytes.Equal(hub, bare) {
		got, hattrs, err := tileIDs(hub)
		if err != nil || !slices.Equal(got, want) || !slices.Equal(hattrs, attrs) {
			return nil, fmt.Errorf("gridhub's tile (%d bytes, attributes %v) and the bare SQL's (%d bytes, %v) differ in their features", len(hub), hattrs, len(bare), attrs)
		}
		check = fmt.Sprintf("tile %d/%d/%d, %d incidents, attributes %s in both; the bytes differ (gridhub %d, bare SQL %d): same features and attributes, another order",
			trimZoom, t.X, t.Y, len(want), strings.Join(attrs, ","), len(hub), len(bare))
	}
	w := &workload{ID: "T1", Title: "incident MVT tile z15, 5 attributes (?properties=)", Conc: []int{8, 32}, Check: check,
		Gridhub: target{nameGridhub, b.request("GET", url, nil)},
		Bare:    target{nameBare, b.sqlBytes(bareTrimTileSQL, args...)},
	}
	if b.o.Tileserv == "" {
		w.Notes = append(w.Notes, "T1: pg_tileserv was not measured (bench/run.sh starts it when PG_TILESERV names its binary)")
		return w, nil
	}
	tsURL := fmt.Sprintf("%s/public.incidents/%d/%d/%d.pbf?properties=%s&buffer=64", b.o.Tileserv, trimZoom, t.X, t.Y, trimColumns)
	peer, err := b.fetch(ctx, "GET", tsURL, nil)
	if err != nil {
		return nil, fmt.Errorf("pg_tileserv: %w", err)
	}
	got, pattrs, err := tileIDs(peer)
	if err != nil {
		return nil, fmt.Errorf("pg_tileserv's tile: %w", err)
	}
	if !slices.Equal(got, want) {
		return nil, fmt.Errorf("pg_tileserv's tile holds %d features, gridhub's %d: not the same ids", len(got), len(want))
	}
	w.Peers = append(w.Peers, target{nameTileserv, b.request("GET", tsURL, nil)})
	w.Notes = append(w.Notes, fmt.Sprintf("T1: pg_tileserv (public.incidents, properties=%s, buffer=64): the same %d feature ids, attributes %s, %d bytes "+
		"(gridhub's %d)", trimColumns, len(got), strings.Join(pattrs, ","), len(peer), len(hub)))
	return w, nil
}
