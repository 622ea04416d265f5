package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

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
	if after != nil {
		// Layers before the cursor's are done.
		ls = slices.DeleteFunc(slices.Clone(ls), func(l model.Layer) bool { return l.Ordinal() < after.Layer.Ordinal() })
	}
	parts := perLayer(ctx, area, ls, &p, func(l model.Layer, conds []string) string {
		if after != nil && l == after.Layer {
			conds = append(conds, "t.id > "+p.add(after.ID))
		}
		return "SELECT " + strconv.Itoa(l.Ordinal()) + " AS layer, t.id FROM " + layers[l].table + " t WHERE " +
			and(conds) + " ORDER BY t.id LIMIT " + lim
	})
	if len(parts) == 0 {
		return nil, nil
	}
	q := "SELECT layer, id FROM (" + strings.Join(parts, " UNION ALL ") + ") f ORDER BY layer, id LIMIT " + lim
	rows, err := s.read(ctx).Query(ctx, q, p...)
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

// perLayer is one parenthesized subquery per layer of ls, in model.Layers order, made by
// sub from the layer and its conditions (inside area, in the caller's scope).
func perLayer(ctx context.Context, area *geo.Area, ls []model.Layer, p *args, sub func(l model.Layer, conds []string) string) []string {
	var parts []string
	for _, l := range model.Layers {
		if !contains(ls, l) {
			continue
		}
		parts = append(parts, "("+sub(l, append([]string{inArea(ctx, l, area, p)}, scopeWhere(ctx, l, p)...))+")")
	}
	return parts
}

// CountFeatures counts the features of the layers intersecting area.
func (s *Store) CountFeatures(ctx context.Context, area *geo.Area, ls []model.Layer) (int, error) {
	var p args
	parts := perLayer(ctx, area, ls, &p, func(l model.Layer, conds []string) string {
		return "SELECT count(*) FROM " + layers[l].table + " t WHERE " + and(conds)
	})
	if len(parts) == 0 {
		return 0, nil
	}
	var n int
	err := s.read(ctx).QueryRow(ctx, "SELECT "+strings.Join(parts, " + "), p...).Scan(&n)
	return n, wrap(err, "count features")
}

// FeatureCollection writes an RFC 7946 FeatureCollection of the layers' features
// intersecting area, in the cross-layer order, at most limit of them. PostGIS builds each
// feature's geometry as GeoJSON, copied through without decoding, except that transform
// (if not nil) re-projects each geometry; the properties come as plain columns and Go
// writes them as row_to_json would (appendJSONValue), which halves the statement's time.
// props (nil: all) chooses the properties, checked beforehand with CheckChoice. The
// "truncated" member says whether the limit cut the collection short.
func (s *Store) FeatureCollection(ctx context.Context, area *geo.Area, ls []model.Layer, limit int, shape Shape, props []string, transform func([]byte) ([]byte, error)) ([]byte, error) {
	var p args
	lim := p.add(limit + 1)
	// Each layer's properties have columns of their own, after layer, id and geometry.
	var shown []model.Layer
	fields := make([][]field, len(model.Layers))
	cols := make(propColumns, len(model.Layers))
	n := 3
	for _, l := range model.Layers {
		if !contains(ls, l) {
			continue
		}
		shown = append(shown, l)
		fields[l.Ordinal()] = propFields(ctx, l, props)
		cols[l.Ordinal()] = newPropLayout(l, fields[l.Ordinal()], n)
		n += len(fields[l.Ordinal()])
	}
	var parts []string
	for _, l := range shown {
		conds := append([]string{inArea(ctx, l, area, &p)}, scopeWhere(ctx, l, &p)...)
		sel := "SELECT " + strconv.Itoa(l.Ordinal()) + " AS layer, t.id, " + geoJSON(ctx, l, shape, &p) + " AS g"
		for _, o := range shown {
			for i, f := range fields[o.Ordinal()] {
				e := f.expr
				if o != l {
					// A NULL of the other layer's column type: UNION ALL needs the types to match.
					e = "(SELECT " + f.expr + " FROM " + layers[o].table + " t WHERE false)"
				}
				sel += ", " + e + " AS p" + strconv.Itoa(cols[o.Ordinal()].first+i)
			}
		}
		parts = append(parts, "("+sel+" FROM "+layers[l].table+" t WHERE "+and(conds)+" ORDER BY t.id LIMIT "+lim+")")
	}
	var buf chunks
	buf.WriteString(`{"type":"FeatureCollection","features":[`)
	var w written
	if len(parts) > 0 {
		q := "SELECT * FROM (" + strings.Join(parts, " UNION ALL ") + ") f ORDER BY layer, id LIMIT " + lim
		rows, err := s.read(ctx).Query(ctx, q, p...)
		if err != nil {
			return nil, wrap(err, "build feature collection")
		}
		if w, err = writeFeatures(rows, &buf, limit, transform, cols); err != nil {
			return nil, wrap(err, "build feature collection")
		}
	}
	buf.WriteString(`],"truncated":`)
	buf.WriteString(strconv.FormatBool(w.n > limit))
	buf.byte('}')
	return buf.Bytes(), nil
}

// propColumns says, by layer ordinal, where a row's properties are and what they are named.
type propColumns []*propLayout

// propLayout is one layer's properties in a row: columns first, first+1, … in keys' order.
type propLayout struct {
	open  string   // {"layer":"INCIDENT"
	keys  []string // ,"name":
	first int
}

func newPropLayout(l model.Layer, fs []field, first int) *propLayout {
	pl := &propLayout{open: `{"layer":"` + string(l) + `"`, first: first}
	for _, f := range fs {
		pl.keys = append(pl.keys, `,"`+f.name+`":`)
	}
	return pl
}

// appendProps appends the properties object of a row as row_to_json writes it.
func (pl *propLayout) appendProps(b []byte, raw [][]byte, fds []pgconn.FieldDescription) ([]byte, error) {
	b = append(b, pl.open...)
	for i, k := range pl.keys {
		c := pl.first + i
		if c >= len(raw) {
			return b, fmt.Errorf("a row of %d columns", len(raw))
		}
		b = append(b, k...)
		var err error
		if b, err = appendJSONValue(b, raw[c], fds[c].DataTypeOID, fds[c].Format); err != nil {
			return b, fmt.Errorf("property %d: %w", i, err)
		}
	}
	return append(b, '}'), nil
}

// written is what writeFeatures wrote: n rows read (up to limit+1), the ids of the first,
// second and last written, and where the first feature and its comma end in the buffer.
type written struct {
	n                   int
	first, second, last int64
	firstEnd            int
}

// writeFeatures writes rows of (layer ordinal, id, geometry, properties) as GeoJSON
// Feature objects, comma-separated, at most limit of them; it reads one row more to
// tell whether there are more, and closes rows. Geometry is JSON text in either wire
// format: copied, not decoded, except that transform (if not nil) re-projects it. The
// properties are the JSON text in the fourth column, or where cols (if not nil) says.
func writeFeatures(rows pgx.Rows, buf *chunks, limit int, transform func([]byte) ([]byte, error), cols propColumns) (written, error) {
	defer rows.Close()
	var w written
	start := buf.n
	var idBuf [64]byte
	var props []byte
	for rows.Next() {
		w.n++
		if w.n > limit {
			break
		}
		// The layer's ordinal and the id are read from the wire as they are: Scan
		// boxes its arguments, two allocations a feature.
		raw, fds := rows.RawValues(), rows.FieldDescriptions()
		ord, err := wireInt(raw[0], fds[0].Format)
		if err != nil || ord < 0 || int(ord) >= len(model.Layers) {
			return w, fmt.Errorf("feature layer %d: %v", ord, err)
		}
		id, err := wireInt(raw[1], fds[1].Format)
		if err != nil {
			return w, err
		}
		g := raw[2]
		if transform != nil {
			var err error
			if g, err = transform(g); err != nil {
				return w, err
			}
		}
		if w.n > 1 {
			buf.byte(',')
		}
		buf.WriteString(`{"type":"Feature","id":"`)
		buf.Write(model.AppendGlobalID(idBuf[:0], model.Layers[ord], id))
		buf.WriteString(`","geometry":`)
		buf.Write(g)
		buf.WriteString(`,"properties":`)
		if cols == nil {
			buf.Write(raw[3])
		} else if pl := cols[ord]; pl == nil {
			return w, fmt.Errorf("a feature of layer %d", ord)
		} else {
			if props, err = pl.appendProps(props[:0], raw, fds); err != nil {
				return w, err
			}
			buf.Write(props)
		}
		buf.byte('}')
		switch w.n {
		case 1:
			w.first, w.firstEnd = id, buf.n-start+1
		case 2:
			w.second = id
		}
		w.last = id
	}
	return w, rows.Err()
}

// chunks builds a document of unknown length in pieces that are never copied while it
// grows, then copies it once into a slice of its exact size. A bytes.Buffer grows by
// doubling from small, copying at each step: a 2.2 MB collection allocated ~8.8 MB of
// buffers in the server's allocation profile.
type chunks struct {
	full [][]byte
	cur  []byte
	n    int
}

const chunkSize = 32 << 10

func (c *chunks) Write(p []byte)       { write(c, p) }
func (c *chunks) WriteString(s string) { write(c, s) }
func (c *chunks) byte(b byte) {
	if len(c.cur) < cap(c.cur) {
		c.cur = append(c.cur, b)
		c.n++
		return
	}
	write(c, []byte{b})
}

// wireInt reads an integer column as PostgreSQL sent it: binary (2, 4 or 8 bytes, big
// endian) or text.
func wireInt(v []byte, format int16) (int64, error) {
	if format == pgtype.TextFormatCode {
		return strconv.ParseInt(string(v), 10, 64)
	}
	switch len(v) {
	case 2:
		return int64(int16(binary.BigEndian.Uint16(v))), nil
	case 4:
		return int64(int32(binary.BigEndian.Uint32(v))), nil
	case 8:
		return int64(binary.BigEndian.Uint64(v)), nil
	}
	return 0, fmt.Errorf("an integer of %d bytes", len(v))
}

func write[T string | []byte](c *chunks, p T) {
	for len(p) > 0 {
		if len(c.cur) == cap(c.cur) {
			if c.cur != nil {
				c.full = append(c.full, c.cur)
			}
			// Larger pieces as the document grows: at most ~1/4 of it is left unused.
			c.cur = make([]byte, 0, max(chunkSize, c.n/4))
		}
		k := copy(c.cur[len(c.cur):cap(c.cur)], p)
		c.cur = c.cur[:len(c.cur)+k]
		c.n += k
		p = p[k:]
	}
}

// Bytes is the document in one slice of its length.
func (c *chunks) Bytes() []byte {
	out := make([]byte, 0, c.n)
	for _, f := range c.full {
		out = append(out, f...)
	}
	return append(out, c.cur...)
}

func contains(ls []model.Layer, l model.Layer) bool {
	for _, x := range ls {
		if x == l {
			return true
		}
	}
	return false
}
