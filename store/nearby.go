package store

import (
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"gridhub/geo"
	"gridhub/model"
)

// NearbyKey is a feature and its distance in metres on the spheroid.
type NearbyKey struct {
	FeatureKey
	Meters float64
}

// Nearby returns features of the layers within the circle, nearest first; ties are
// broken by layer then id so that pages are stable.
func (s *Store) Nearby(ctx context.Context, circle *geo.Area, ls []model.Layer, limit int) ([]NearbyKey, error) {
	var p args
	lim := p.add(limit)
	pt := "ST_SetSRID(ST_MakePoint(" + p.add(circle.Center[0]) + ", " + p.add(circle.Center[1]) + "), 4326)::geography"
	parts := perLayer(ctx, circle, ls, &p, func(l model.Layer, conds []string) string {
		// Distances are measured to the geometry as the caller sees it (coarsened or not).
		return "SELECT " + strconv.Itoa(l.Ordinal()) + " AS layer, t.id, ST_Distance(" + geomOut(ctx, l, &p) + "::geography, " + pt + ") AS d FROM " +
			layers[l].table + " t WHERE " + and(conds) + " ORDER BY d, t.id LIMIT " + lim
	})
	if len(parts) == 0 {
		return nil, nil
	}
	q := "SELECT layer, id, d FROM (" + strings.Join(parts, " UNION ALL ") + ") f ORDER BY d, layer, id LIMIT " + lim
	rows, err := s.read(ctx).Query(ctx, q, p...)
	if err != nil {
		return nil, wrap(err, "find nearby features")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (NearbyKey, error) {
		var ord int
		var k NearbyKey
		err := r.Scan(&ord, &k.ID, &k.Meters)
		k.Layer = model.Layers[ord]
		return k, err
	})
	return out, wrap(err, "find nearby features")
}

// CameraNearKey asks for the cameras within Meters of an incident.
type CameraNearKey struct {
	Incident int64
	Meters   float64
}

// metreBox is the point expression at grown by r metres (an SQL expression) as an
// envelope in degrees, conservative for the latitude: what lets the GiST index prune
// before a spheroid distance is measured.
func metreBox(at, r string) string {
	return "ST_Expand(" + at + ", " + r + " / (110000.0 * cos(radians(least(abs(ST_Y(" + at + ")), 89.0)))), " + r + " / 110000.0)"
}

// CamerasNearIncidents answers every key in one statement, nearest first per key.
func (s *Store) CamerasNearIncidents(ctx context.Context, keys []CameraNearKey) ([][]*model.NearbyFeature, error) {
	ids := make([]int64, len(keys))
	radii := make([]float64, len(keys))
	for i, k := range keys {
		ids[i], radii[i] = k.Incident, k.Meters
	}
	// The expanded envelope (degrees, conservative for the latitude) lets the GiST index
	// prune before the spheroid distance is measured. Both ends are where the caller sees
	// them (coarsened or not); the envelope is grown by the cameras' cell for the index.
	p := args{ids, radii}
	cam, inc := geomOf(ctx, model.LayerCamera, "t", &p)+"::geography", geomOf(ctx, model.LayerIncident, "i", &p)+"::geography"
	near := grown(ctx, model.LayerCamera, metreBox("i.geom", "k.r"), &p)
	if s := snapOf(ctx, model.LayerIncident); s > 0 {
		near = "ST_Expand(" + near + ", " + p.add(s) + "::float8)"
	}
	conds := append([]string{"t.geom && " + near + " AND ST_DWithin(" + cam + ", " + inc + ", k.r)"}, scopeWhere(ctx, model.LayerCamera, &p)...)
	q := `SELECT ` + colsOf(ctx, model.LayerCamera, &p) + `, ST_Distance(` + cam + `, ` + inc + `), k.ord
FROM unnest($1::bigint[], $2::float8[]) WITH ORDINALITY k(id, r, ord)
JOIN incidents i ON i.id = k.id
JOIN LATERAL (SELECT * FROM cameras t WHERE ` + and(conds) + `) t ON true
ORDER BY k.ord, ST_Distance(` + cam + `, ` + inc + `), t.id`
	rows, err := s.read(ctx).Query(ctx, q, p...)
	if err != nil {
		return nil, wrap(err, "find cameras near incidents")
	}
	out := make([][]*model.NearbyFeature, len(keys))
	_, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct{}, error) {
		var d float64
		var ord int
		c, err := scanCamera(r, &d, &ord)
		if err == nil {
			out[ord-1] = append(out[ord-1], &model.NearbyFeature{Feature: c, DistanceMeters: d})
		}
		return struct{}{}, err
	})
	return out, wrap(err, "find cameras near incidents")
}
