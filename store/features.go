package store

import (
	"bytes"
	"context"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"gridhub/geo"
	"gridhub/model"
)

// FeatureKey names one feature in the cross-layer order (layer ordinal, id).
type FeatureKey struct {
	Layer model.Layer
	ID    int64
}

// FeatureKeys returns up to limit features of the layers intersecting area, ordered by
// layer (in model.Layers order) then id, strictly after the key after (nil: from the start).
func (s *Store) FeatureKeys(ctx context.Context, area *geo.Area, ls []model.Layer, after *FeatureKey, limit int) ([]FeatureKey, error) {
	var p args
	lim := p.add(limit)
	var parts []string
	for _, l := range model.Layers {
		if !contains(ls, l) || (after != nil && l.Ordinal() < after.Layer.Ordinal()) {
			continue
		}
		conds := append([]string{areaClause(area, "t.geom", &p)}, scopeWhere(ctx, l, &p)...)
		if after != nil && l == after.Layer {
			conds = append(conds, "t.id > "+p.add(after.ID))
		}
		parts = append(parts, "(SELECT "+strconv.Itoa(l.Ordinal())+" AS layer, t.id FROM "+layers[l].table+" t WHERE "+
			and(conds)+" ORDER BY t.id LIMIT "+lim+")")
	}
	if len(parts) == 0 {
		return nil, nil
	}
	q := "SELECT layer, id FROM (" + strings.Join(parts, " UNION ALL ") + ") f ORDER BY layer, id LIMIT " + lim
	rows, err := s.pool.Query(ctx, q, p...)
	if err != nil {
		return nil, wrap(err, "list features")
	}
	keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (FeatureKey, error) {
		var ord int
		var k FeatureKey
		err := r.Scan(&ord, &k.ID)
		k.Layer = model.Layers[ord]
		return k, err
	})
	return keys, wrap(err, "list features")
}

// CountFeatures counts the features of the layers intersecting area.
func (s *Store) CountFeatures(ctx context.Context, area *geo.Area, ls []model.Layer) (int, error) {
	var p args
	var parts []string
	for _, l := range model.Layers {
		if contains(ls, l) {
			conds := append([]string{areaClause(area, "t.geom", &p)}, scopeWhere(ctx, l, &p)...)
			parts = append(parts, "(SELECT count(*) FROM "+layers[l].table+" t WHERE "+and(conds)+")")
		}
	}
	if len(parts) == 0 {
		return 0, nil
	}
	var n int
	err := s.pool.QueryRow(ctx, "SELECT "+strings.Join(parts, " + "), p...).Scan(&n)
	return n, wrap(err, "count features")
}

// FeatureCollection writes an RFC 7946 FeatureCollection of the layers' features
// intersecting area, in the cross-layer order, at most limit of them. PostGIS builds each
// feature's geometry and properties as JSON; they are copied through without decoding,
// except that transform (if not nil) re-projects each geometry. The "truncated" member
// says whether the limit cut the collection short.
func (s *Store) FeatureCollection(ctx context.Context, area *geo.Area, ls []model.Layer, limit int, shape Shape, transform func([]byte) ([]byte, error)) ([]byte, error) {
	var p args
	lim := p.add(limit + 1)
	var parts []string
	for _, l := range model.Layers {
		if !contains(ls, l) {
			continue
		}
		conds := append([]string{areaClause(area, "t.geom", &p)}, scopeWhere(ctx, l, &p)...)
		parts = append(parts, "(SELECT "+strconv.Itoa(l.Ordinal())+" AS layer, t.id, "+geoJSON(ctx, l, shape, &p)+" AS g, "+
			propsSQL(ctx, l)+" AS props FROM "+layers[l].table+" t WHERE "+and(conds)+" ORDER BY t.id LIMIT "+lim+")")
	}
	var buf bytes.Buffer
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	n := 0
	if len(parts) > 0 {
		q := "SELECT layer, id, g, props FROM (" + strings.Join(parts, " UNION ALL ") + ") f ORDER BY layer, id LIMIT " + lim
		rows, err := s.pool.Query(ctx, q, p...)
		if err != nil {
			return nil, wrap(err, "build feature collection")
		}
		defer rows.Close()
		for rows.Next() {
			n++
			if n > limit {
				break
			}
			var ord int
			var id int64
			if err := rows.Scan(&ord, &id, nil, nil); err != nil {
				return nil, wrap(err, "build feature collection")
			}
			// Geometry and properties are JSON text in either wire format: copied, not decoded.
			raw := rows.RawValues()
			g := raw[2]
			if transform != nil {
				if g, err = transform(g); err != nil {
					rows.Close()
					return nil, err
				}
			}
			if n > 1 {
				buf.WriteByte(',')
			}
			buf.WriteString(`{"type":"Feature","id":"`)
			buf.WriteString(model.GlobalID(model.Layers[ord], id))
			buf.WriteString(`","geometry":`)
			buf.Write(g)
			buf.WriteString(`,"properties":`)
			buf.Write(raw[3])
			buf.WriteByte('}')
		}
		if err := rows.Err(); err != nil {
			return nil, wrap(err, "build feature collection")
		}
	}
	buf.WriteString(`],"truncated":`)
	buf.WriteString(strconv.FormatBool(n > limit))
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

func contains(ls []model.Layer, l model.Layer) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}
