package ogc

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"

	"gridhub/geo"
	"gridhub/model"
	"gridhub/store"
)

// geometryNames are what a filter may call the features' geometry.
var geometryNames = []string{"geometry", "geom"}

// intersects reads S_INTERSECTS(geometry, <geometry literal>), either way round.
func (p *cqlParser) intersects() (store.Expr, error) {
	if err := p.punct("("); err != nil {
		return nil, err
	}
	var g orb.Geometry
	sawProp := false
	for i := range 2 {
		if i == 1 {
			if err := p.punct(","); err != nil {
				return nil, err
			}
		}
		t := p.peek()
		if (t.kind == tokIdent || t.kind == tokQuoted) && containsFold(geometryNames, t.text) {
			p.next()
			sawProp = true
			continue
		}
		lit, err := p.geometry()
		if err != nil {
			return nil, err
		}
		g = lit
	}
	if !sawProp || g == nil {
		return nil, p.errAt(p.peek(), "S_INTERSECTS compares the geometry property with a geometry")
	}
	return store.Intersects{Geom: g}, p.punct(")")
}

// geometry reads a WKT literal or BBOX(...) in filter-crs, as WGS 84.
func (p *cqlParser) geometry() (orb.Geometry, error) {
	t := p.next()
	if t.kind != tokIdent {
		return nil, p.errAt(t, "expected a geometry (WKT or BBOX)")
	}
	// The literal runs to the parenthesis that closes its first one.
	depth, end := 0, -1
	for j := p.i; j < len(p.toks) && end < 0; j++ {
		switch tk := p.toks[j]; {
		case tk.kind == tokPunct && tk.text == "(":
			depth++
		case tk.kind == tokPunct && tk.text == ")":
			depth--
			if depth == 0 {
				end = j
			}
		case tk.kind == tokEOF:
			return nil, p.errAt(tk, "the geometry is not closed")
		}
	}
	text := p.src[t.pos:p.toks[end].end]
	p.i = end + 1
	if strings.EqualFold(t.text, "BBOX") {
		return p.bbox(text, t)
	}
	g, err := wkt.Unmarshal(text)
	if err != nil {
		return nil, p.errAt(t, "%s is not well-known text", truncate(t.text))
	}
	return p.checked(geo.TransformGeometry(g, func(x, y float64) (float64, float64) {
		q := p.crs.toWGS84(orb.Point{x, y})
		return q[0], q[1]
	}), t)
}

func (p *cqlParser) bbox(text string, at token) (orb.Geometry, error) {
	inner := text[strings.IndexByte(text, '(')+1 : len(text)-1]
	parts := strings.Split(inner, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return nil, p.errAt(at, "BBOX takes 4 numbers (or 6 with heights)")
	}
	n := make([]float64, len(parts))
	for i, s := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return nil, p.errAt(at, "BBOX takes numbers")
		}
		n[i] = f
	}
	if len(n) == 6 {
		n = []float64{n[0], n[1], n[3], n[4]}
	}
	a, err := p.crs.bboxArea(n)
	if err != nil {
		return nil, err
	}
	return a.Bound.ToPolygon(), nil
}

// checked refuses coordinates outside lon/lat and polygons that are not valid (PostGIS
// would fail on them), using the checks GraphQL applies to polygon areas.
func (p *cqlParser) checked(g orb.Geometry, at token) (orb.Geometry, error) {
	n := 0
	bad := false
	visit(g, func(pt orb.Point) {
		n++
		if geo.CheckLonLat(pt[0], pt[1]) != nil {
			bad = true
		}
	})
	switch {
	case n == 0:
		return nil, errorf(http.StatusBadRequest, model.CodeBadGeometry, "filter: the geometry at character %d is empty", at.pos+1)
	case n > maxFilterVertices:
		return nil, errorf(http.StatusBadRequest, model.CodeTooComplex, "filter: a geometry may have at most %d vertices", maxFilterVertices)
	case bad:
		return nil, errorf(http.StatusBadRequest, model.CodeBadGeometry, "filter: the geometry at character %d lies outside longitude/latitude", at.pos+1)
	}
	switch g.(type) {
	case orb.Polygon, orb.MultiPolygon:
		raw, err := geojson.NewGeometry(g).MarshalJSON()
		if err != nil {
			return nil, err
		}
		return geo.ParsePolygonGeoJSON(raw, maxFilterVertices)
	case orb.Collection:
		return nil, errorf(http.StatusBadRequest, model.CodeBadGeometry, "filter: geometry collections are not supported; use a multi-geometry")
	}
	return g, nil
}

// visit calls f for every position of g.
func visit(g orb.Geometry, f func(orb.Point)) {
	geo.TransformGeometry(g, func(x, y float64) (float64, float64) {
		f(orb.Point{x, y})
		return x, y
	})
}

func containsFold(names []string, s string) bool {
	for _, n := range names {
		if strings.EqualFold(n, s) {
			return true
		}
	}
	return false
}
