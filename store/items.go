package store

import (
	"context"
	"slices"
	"strconv"
	"time"

	"gridhub/model"
)

// ItemsQuery is one page of a layer's features for OGC API – Features: the rows f and
// Where keep (in the caller's scope), in id order, after or before a key.
type ItemsQuery struct {
	Filter Filter
	Where  Expr // nil: no condition
	// ID keeps the one feature with that id (0: any).
	ID int64
	// After keeps ids above it; Before (when not 0) the last Limit ids below it instead.
	After, Before int64
	Limit         int
	// Props are the properties written (nil: every one the caller may see).
	Props []string
	Out   Output
	// Count asks for numberMatched: every row the query keeps, on any page.
	Count bool
}

// Output is how geometry is written: in EPSG:4326 with the axes as stored (lon, lat),
// swapped (lat, lon, as EPSG:4326 and EPSG:4490 order them), or transformed by PostGIS
// into another SRID, rounded to Decimals.
type Output struct {
	Flip     bool
	SRID     int // 0: as stored
	Decimals int
	// Transform, when set, re-projects each GeoJSON geometry after PostGIS wrote it (the
	// offset systems GCJ-02 and BD-09, done in geo).
	Transform func([]byte) ([]byte, error)
}

// ItemsPage is a page of features as GeoJSON Feature objects, comma-separated (no
// brackets), ready to be put in a FeatureCollection's features array.
type ItemsPage struct {
	Features []byte
	Returned int
	Matched  int // when asked for
	// First and Last are the ids of the first and last feature; More says whether rows
	// lie beyond the page in its direction.
	First, Last int64
	More        bool
}

// Items reads a page of layer l's features, and counts what the query keeps when the
// page does not already hold all of it (a second statement).
func (s *Store) Items(ctx context.Context, l model.Layer, q ItemsQuery) (ItemsPage, error) {
	ls := layers[l]
	var p args
	conds := q.Filter.where(ctx, l, &p)
	if q.Where != nil {
		c, err := q.Where.sql(ctx, l, &p)
		if err != nil {
			return ItemsPage{}, err
		}
		conds = append(conds, c)
	}
	if q.ID != 0 {
		conds = append(conds, "t.id = "+p.add(q.ID))
	}
	// The count takes the conditions' parameters only: those after them are the page's.
	countSQL, countArgs := "SELECT count(*) FROM "+ls.table+" t WHERE "+and(conds), slices.Clone(p)
	props, err := itemProps(ctx, l, q.Props, &p)
	if err != nil {
		return ItemsPage{}, err
	}
	page := slices.Clone(conds)
	order := "t.id"
	if q.Before != 0 {
		page, order = append(page, "t.id < "+p.add(q.Before)), "t.id DESC"
	} else if q.After != 0 {
		page = append(page, "t.id > "+p.add(q.After))
	}
	sel := "SELECT " + strconv.Itoa(l.Ordinal()) + " AS layer, t.id, " + itemGeometry(ctx, l, q.Out, &p) + " AS g, " + props +
		" AS props FROM " + ls.table + " t WHERE " + and(page) + " ORDER BY " + order + " LIMIT " + p.add(q.Limit+1)
	if q.Before != 0 {
		// The last rows before the key, handed back in id order.
		sel = "SELECT * FROM (" + sel + ") b ORDER BY id"
	}
	rows, err := s.read(ctx).Query(ctx, sel, p...)
	if err != nil {
		return ItemsPage{}, wrap(err, "list "+ls.table)
	}
	var buf chunks
	limit := q.Limit
	if q.Before != 0 {
		// In id order, the extra row that tells whether more lie before comes first.
		limit++
	}
	w, err := writeFeatures(rows, &buf, limit, q.Out.Transform, nil)
	if err != nil {
		return ItemsPage{}, wrap(err, "list "+ls.table)
	}
	var out ItemsPage
	out.Features, out.First, out.Last = buf.Bytes(), w.first, w.last
	out.Returned, out.More = min(w.n, q.Limit), w.n > q.Limit
	if q.Before != 0 && out.More {
		out.Features = out.Features[min(w.firstEnd, len(out.Features)):]
		out.First = w.second
	}
	switch {
	case !q.Count:
	case q.After == 0 && q.Before == 0 && !out.More:
		// The first page holds every row the query keeps: they need no counting again.
		out.Matched = out.Returned
	default:
		if err := s.read(ctx).QueryRow(ctx, countSQL, countArgs...).Scan(&out.Matched); err != nil {
			return ItemsPage{}, wrap(err, "count "+ls.table)
		}
	}
	return out, nil
}

// itemProps is the properties object of the names given (nil: every one the caller may
// see but those written on request only); a name the caller may not see is an error, as
// it would be in GraphQL.
func itemProps(ctx context.Context, l model.Layer, names []string, pa *args) (string, error) {
	visible := Properties(ctx, l)
	var fs []field
	add := func(p Property) { fs = append(fs, field{p.Name, exprOf(ctx, l, p, pa)}) }
	if names == nil {
		for _, p := range visible {
			if !p.OnRequest {
				add(p)
			}
		}
		return jsonObject(fs), nil
	}
	for _, name := range names {
		i := slices.IndexFunc(visible, func(p Property) bool { return p.Name == name })
		if i < 0 {
			return "", unknownProperty(ctx, l, name)
		}
		add(visible[i])
	}
	return jsonObject(fs), nil
}

// unknownProperty tells a property the caller may not see (FORBIDDEN, as GraphQL says it)
// from one that does not exist.
func unknownProperty(ctx context.Context, l model.Layer, name string) error {
	for _, p := range properties[l] {
		if p.Name == name {
			return model.Errorf(model.CodeForbidden, "this credential may not read the %s property of %s", name, l)
		}
	}
	return model.Errorf(model.CodeBadInput, "%s has no property %s", l, name)
}

// itemGeometry writes layer l's geometry (as the caller may see it) as GeoJSON in o.
func itemGeometry(ctx context.Context, l model.Layer, o Output, p *args) string {
	g := geomOut(ctx, l, p)
	if o.SRID != 0 && o.SRID != 4326 {
		g = "ST_Transform(" + g + ", " + strconv.Itoa(o.SRID) + ")"
	}
	if o.Flip {
		g = "ST_FlipCoordinates(" + g + ")"
	}
	return "ST_AsGeoJSON(" + g + ", " + strconv.Itoa(Shape{Decimals: o.Decimals}.Digits()) + ")"
}

// FirstReported is when the first incident the caller may see was reported (nil: none):
// where the incidents' temporal extent begins.
func (s *Store) FirstReported(ctx context.Context) (*time.Time, error) {
	var p args
	conds := (&Filter{}).where(ctx, model.LayerIncident, &p)
	var t *time.Time
	err := s.read(ctx).QueryRow(ctx, "SELECT min(t.reported_at) FROM incidents t WHERE "+and(conds), p...).Scan(&t)
	return t, wrap(err, "first incident")
}
