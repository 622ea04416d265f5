package store

import (
	"strconv"

	"github.com/paulmach/orb/encoding/wkb"

	"gridhub/geo"
)

// args collects query parameters; add returns the placeholder for the value it appended,
// so that no value is ever spliced into SQL text.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// areaClause is the predicate "the geometry column col intersects area a", written so
// that the GiST index on col is used: the query shape is transformed, never the column.
func areaClause(a *geo.Area, col string, p *args) string {
	switch a.Kind {
	case geo.AreaBBox:
		return "ST_Intersects(" + col + ", ST_MakeEnvelope(" + p.add(a.Bound.Min[0]) + ", " + p.add(a.Bound.Min[1]) + ", " +
			p.add(a.Bound.Max[0]) + ", " + p.add(a.Bound.Max[1]) + ", 4326))"
	case geo.AreaPolygon:
		b, err := wkb.Marshal(a.Polygon)
		if err != nil {
			// geo validated the polygon; a failure here means an empty area.
			return "false"
		}
		return "ST_Intersects(" + col + ", ST_GeomFromWKB(" + p.add(b) + ", 4326))"
	case geo.AreaCircle:
		// The envelope lets the index prune; ST_DWithin on geography measures on the spheroid.
		return col + " && ST_MakeEnvelope(" + p.add(a.Bound.Min[0]) + ", " + p.add(a.Bound.Min[1]) + ", " +
			p.add(a.Bound.Max[0]) + ", " + p.add(a.Bound.Max[1]) + ", 4326) AND ST_DWithin(" + col +
			"::geography, ST_SetSRID(ST_MakePoint(" + p.add(a.Center[0]) + ", " + p.add(a.Center[1]) + "), 4326)::geography, " +
			p.add(a.Radius) + ")"
	case geo.AreaGrid:
		return "ST_Intersects(" + col + ", (SELECT ag.geom FROM grids ag WHERE ag.code = " + p.add(a.GridCode) + "))"
	}
	return "false"
}
