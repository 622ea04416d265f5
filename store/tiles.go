package store

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"slices"
	"strings"
	"sync"

	"gridhub/model"
)

// Tile geometry: the MVT extent and the buffer kept around a tile so that strokes and
// symbols crossing its edge draw without seams, as MapLibre, OpenLayers and QGIS expect.
const (
	TileExtent = 4096
	TileBuffer = 64
)

// Zooms at which the tiles change what they hold; the TileJSON and README repeat them.
const (
	// GridCommunityFrom and GridGridFrom pick the grid level drawn at a zoom: STREET
	// below GridCommunityFrom, COMMUNITY up to GridGridFrom, GRID from there on, with the
	// DISTRICT outline at every zoom. For a district ~10 km across seen at 512-pixel
	// tiles, that is one level of detail per screenful: the whole district shows its
	// streets, a street fills the screen at z14, a community at z15–16.
	GridCommunityFrom = 13
	GridGridFrom      = 15
	// BuildingsFrom is the first zoom with buildings: below it a footprint is a pixel
	// or less and a tile would carry the whole district's buildings for nothing.
	BuildingsFrom = 12
	// SimplifyBelow is the first zoom drawn from the stored polygons as they are; below
	// it polygons are simplified to one pixel of a 512-pixel tile.
	SimplifyBelow = 16
	// ClusterCells is how many cluster cells span a tile's side: 64-pixel cells on the
	// 512-pixel tiles web maps draw.
	ClusterCells = 8
	// DenseClusterBelow is the first zoom whose point tiles hold every feature however
	// dense they are: the TileJSON's last zoom, which clients over-zoom, so a point must
	// be reachable there.
	DenseClusterBelow = 16
)

// DefaultClusterAbove is TileOptions.ClusterAbove's usual value. 4,000 points cover a
// 512-pixel tile with a point every 8 pixels, where markers merge anyway; as incidents
// (~113 bytes each) they make a tile of ~450 KB and ~50 ms of PostgreSQL. The demo
// district's densest z14 tile holds ~1,200 incidents at scale 1 and ~11,600 at scale 10:
// the cut sits between them (near their geometric mean), so the district as seeded keeps
// its features and ten times its incidents come as clusters.
const DefaultClusterAbove = 4000

// TileOptions shapes the vector tiles.
type TileOptions struct {
	// ClusterBelow: the point layers come as clusters at zooms below it (0: never).
	ClusterBelow int
	// ClusterAbove: from ClusterBelow up to DenseClusterBelow, a point layer that would
	// hold more than this many features in a tile (with its buffer, in the caller's
	// scope) comes as clusters too (0: never).
	ClusterAbove int
	// Statuses keeps the incidents in these statuses only (empty: all), so that the
	// clusters of a map showing open incidents count open incidents.
	Statuses []model.IncidentStatus
	// Properties chooses the features' attributes (nil: all; checked beforehand with
	// CheckChoice); id and the clusters' counts are always there.
	Properties []string
}

// TableName is the table of layer l: also the layer's name in exported files.
func TableName(l model.Layer) string { return layers[l].table }

// TileLayerName is the MVT layer a data layer is written to, and its name in tile URLs.
func TileLayerName(l model.Layer) string { return strings.ToLower(string(l)) }

// GridLabelLayer is the extra MVT layer of the grid tiles: one point per grid unit, in the
// one tile that holds it, so that a label is drawn once rather than once per tile its
// polygon crosses.
const GridLabelLayer = "grid_label"

// GridLevelsAt lists the grid levels the grid layer holds at zoom z.
func GridLevelsAt(z int) []model.GridLevel {
	switch {
	case z < GridCommunityFrom:
		return []model.GridLevel{model.GridLevelDistrict, model.GridLevelStreet}
	case z < GridGridFrom:
		return []model.GridLevel{model.GridLevelDistrict, model.GridLevelCommunity}
	}
	return []model.GridLevel{model.GridLevelDistrict, model.GridLevelGrid}
}

// Tile returns the Mapbox Vector Tile z/x/y holding one MVT layer per data layer in ls
// (see tileSQL for what each holds). A tile with nothing in it is empty, not an error.
// The tile is not checked: call geo.CheckTile first for client input.
func (s *Store) Tile(ctx context.Context, ls []model.Layer, z, x, y int, o TileOptions) ([]byte, error) {
	p := args{z, x, y}
	if len(o.Statuses) > 0 && contains(ls, model.LayerIncident) {
		p = append(p, strs(o.Statuses))
	}
	base := p
	q := tileSQL(ctx, ls, z, o, &p, false)
	if q == "" {
		return nil, nil
	}
	cut := o.ClusterAbove > 0 && z >= o.ClusterBelow && z < DenseClusterBelow && slices.ContainsFunc(ls, isPoints)
	var key uint64
	if cut {
		key = tileKey(q, p)
		if s.denseTiles.has(key) {
			p = append(args(nil), base...)
			q = tileSQL(ctx, ls, z, o, &p, true)
		}
	}
	var b []byte
	if err := s.read(ctx).QueryRow(ctx, q, p...).Scan(&b); err != nil {
		return nil, wrap(err, "build tile")
	}
	if cut {
		if dense := clustered(b); s.denseTiles.set(key, dense) && dense && s.onDense != nil {
			s.onDense(key)
		}
	}
	return b, nil
}

// isPoints reports whether l is a layer of points (which tiles may cluster).
func isPoints(l model.Layer) bool { return !polygonal(l) }

// clustered reports whether a tile holds clusters: an MVT layer whose keys (field 3,
// length-delimited) include "count", which only clusters carry.
func clustered(tile []byte) bool { return bytes.Contains(tile, []byte("\x1a\x05count")) }

// tileMemory remembers which tiles (by statement and parameters: the tile, the caller's
// scope, the statuses) were dense when last built, so that the next request for one
// counts its rows before encoding them (denseFirstSQL). It only picks between two
// statements that give the same bytes, so forgetting costs time, never correctness.
type tileMemory struct {
	mu sync.Mutex
	m  map[uint64]struct{}
}

// maxDenseTiles bounds the memory (8 bytes and a map slot a tile); when it is full it
// starts again.
const maxDenseTiles = 1 << 16

// tileKey names a tile's statement with its parameters in the memory: the same name in
// every process, so that the hubs of a fleet can tell each other (ShareDense).
func tileKey(q string, p args) uint64 {
	h := fnv.New64a()
	_, _ = io.WriteString(h, q)
	for _, v := range p {
		fmt.Fprintf(h, "\x00%v", v)
	}
	return h.Sum64()
}

func (t *tileMemory) has(k uint64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.m[k]
	return ok
}

// set remembers whether tile k is dense, and reports whether that changed what was known.
func (t *tileMemory) set(k uint64, dense bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, had := t.m[k]
	switch {
	case !dense:
		delete(t.m, k)
	case t.m == nil || len(t.m) >= maxDenseTiles:
		t.m = map[uint64]struct{}{k: {}}
	default:
		t.m[k] = struct{}{}
	}
	return had != dense
}

// ShareDense has f told of each tile newly found dense, to pass on to the other hubs
// (which take it with MarkDense): a dense tile is then counted first everywhere. Set it
// before the store serves tiles.
func (s *Store) ShareDense(f func(key uint64)) { s.onDense = f }

// MarkDense remembers tiles another hub found dense (Options.OnDense told it).
func (s *Store) MarkDense(keys ...uint64) {
	for _, k := range keys {
		s.denseTiles.set(k, true)
	}
}

// TileSQL is the statement Tile runs for z/x/y (parameters $1, $2, $3, and the statuses
// as $4 when o has them), for tests and benchmarks that look at the plan.
func TileSQL(ls []model.Layer, z int, o TileOptions) string {
	p := args{0, 0, 0}
	if len(o.Statuses) > 0 && contains(ls, model.LayerIncident) {
		p = append(p, nil)
	}
	return tileSQL(context.Background(), ls, z, o, &p, false)
}

// Extent is a lon/lat rectangle (WGS84).
type Extent struct{ MinLon, MinLat, MaxLon, MaxLat float64 }

// DistrictExtent returns the bounds of the district's outline; ErrNotFound when the
// database holds no district yet.
func (s *Store) DistrictExtent(ctx context.Context) (Extent, error) {
	const q = `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(geom)::geometry AS e FROM grids WHERE level = 'DISTRICT') d WHERE e IS NOT NULL`
	var e Extent
	err := s.read(ctx).QueryRow(ctx, q).Scan(&e.MinLon, &e.MinLat, &e.MaxLon, &e.MaxLat)
	return e, wrap(err, "district extent")
}

// DenseTilesRemembered is how many tiles the store remembers as dense.
func (s *Store) DenseTilesRemembered() int {
	s.denseTiles.mu.Lock()
	defer s.denseTiles.mu.Unlock()
	return len(s.denseTiles.m)
}
