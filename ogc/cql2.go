package ogc

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"

	"gridhub/geo"
	"gridhub/model"
	"gridhub/store"
)

// Limits on a filter: its length, how deeply it nests and the vertices of its
// geometries. Filters come in URLs, which are short; these stop pathological ones.
const (
	maxFilterLen      = 16 << 10
	maxFilterDepth    = 64
	maxFilterVertices = 10000
)

// parseFilter reads filter (CQL2 text: basic CQL2 and S_INTERSECTS, OGC API – Features
// Part 3) with filter-lang and filter-crs.
func parseFilter(ctx context.Context, l model.Layer, v url.Values) (store.Expr, error) {
	if lang := v.Get("filter-lang"); lang != "" && lang != "cql2-text" {
		return nil, badInput("filter-lang must be cql2-text, not %q", truncate(lang))
	}
	in, err := parseCRS(v.Get("filter-crs"), "filter-crs")
	if err != nil {
		return nil, err
	}
	text := v.Get("filter")
	if len(text) > maxFilterLen {
		return nil, errorf(http.StatusBadRequest, model.CodeTooComplex, "filter is longer than %d bytes", maxFilterLen)
	}
	toks, err := lex(text)
	if err != nil {
		return nil, err
	}
	p := &cqlParser{ctx: ctx, layer: l, src: text, toks: toks, crs: in}
	e, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errAt(t, "unexpected %q", t.text)
	}
	return e, nil
}

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokQuoted // "property name"
	tokString
	tokNumber
	tokOp // = <> < <= > >=
	tokPunct
)

type token struct {
	kind     tokKind
	text     string // an identifier, operator, punctuation; a string's or quoted name's value
	pos, end int
}

func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == ',':
			out = append(out, token{tokPunct, s[i : i+1], i, i + 1})
			i++
		case c == '=' || c == '<' || c == '>':
			j := i + 1
			if j < len(s) && (s[j] == '=' || (c == '<' && s[j] == '>')) {
				j++
			}
			out = append(out, token{tokOp, s[i:j], i, j})
			i = j
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for ; ; j++ {
				if j >= len(s) {
					return nil, badInput("filter: the %c opened at character %d is not closed", c, i+1)
				}
				if s[j] == c {
					if j+1 < len(s) && s[j+1] == c { // doubled: the character itself
						b.WriteByte(c)
						j++
						continue
					}
					break
				}
				b.WriteByte(s[j])
			}
			kind := tokString
			if c == '"' {
				kind = tokQuoted
			}
			out = append(out, token{kind, b.String(), i, j + 1})
			i = j + 1
		case c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == 'e' || s[j] == 'E' ||
				(s[j] == '-' || s[j] == '+') && (s[j-1] == 'e' || s[j-1] == 'E')) {
				j++
			}
			if _, err := strconv.ParseFloat(s[i:j], 64); err != nil {
				return nil, badInput("filter: %q at character %d is not a number", truncate(s[i:j]), i+1)
			}
			out = append(out, token{tokNumber, s[i:j], i, j})
			i = j
		case c == '_' || c < 0x80 && unicode.IsLetter(rune(c)):
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] == ':' || s[j] == '.' || s[j] < 0x80 && (unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j])))) {
				j++
			}
			out = append(out, token{tokIdent, s[i:j], i, j})
			i = j
		default:
			return nil, badInput("filter: unexpected character %q at %d", truncate(s[i:i+1]), i+1)
		}
	}
	return append(out, token{kind: tokEOF, pos: len(s), end: len(s)}), nil
}

type cqlParser struct {
	ctx   context.Context
	layer model.Layer
	src   string
	toks  []token
	i     int
	crs   crsDef
}

func (p *cqlParser) peek() token { return p.toks[p.i] }
func (p *cqlParser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *cqlParser) errAt(t token, format string, a ...any) error {
	where := "at the end"
	if t.kind != tokEOF {
		where = "at character " + strconv.Itoa(t.pos+1)
	}
	return badInput("filter: "+format+" "+where, a...)
}

// keyword reports whether the next token is the keyword kw (any case), and takes it.
func (p *cqlParser) keyword(kw string) bool {
	if t := p.peek(); t.kind == tokIdent && strings.EqualFold(t.text, kw) {
		p.i++
		return true
	}
	return false
}

func (p *cqlParser) punct(c string) error {
	if t := p.next(); t.kind != tokPunct || t.text != c {
		return p.errAt(t, "expected %q", c)
	}
	return nil
}

func (p *cqlParser) or(depth int) (store.Expr, error) {
	if depth > maxFilterDepth {
		return nil, errorf(http.StatusBadRequest, model.CodeTooComplex, "filter nests deeper than %d", maxFilterDepth)
	}
	return p.chain("OR", depth, p.and)
}

func (p *cqlParser) and(depth int) (store.Expr, error) { return p.chain("AND", depth, p.not) }

// chain reads operands joined by op.
func (p *cqlParser) chain(op string, depth int, operand func(int) (store.Expr, error)) (store.Expr, error) {
	e, err := operand(depth)
	if err != nil {
		return nil, err
	}
	args := []store.Expr{e}
	for p.keyword(op) {
		e, err := operand(depth)
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if len(args) == 1 {
		return e, nil
	}
	return store.Logical{Op: op, Args: args}, nil
}

func (p *cqlParser) not(depth int) (store.Expr, error) {
	if p.keyword("NOT") {
		e, err := p.not(depth + 1)
		return store.Not{Arg: e}, err
	}
	return p.primary(depth)
}

func (p *cqlParser) primary(depth int) (store.Expr, error) {
	t := p.peek()
	switch {
	case t.kind == tokPunct && t.text == "(":
		p.next()
		e, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		return e, p.punct(")")
	case p.keyword("TRUE"):
		return store.Bool(true), nil
	case p.keyword("FALSE"):
		return store.Bool(false), nil
	case p.keyword("S_INTERSECTS"):
		return p.intersects()
	}
	return p.predicate()
}

// predicate reads a comparison, IS [NOT] NULL or IN, with a property on at least one side.
func (p *cqlParser) predicate() (store.Expr, error) {
	start := p.peek()
	left, lprop, err := p.operand()
	if err != nil {
		return nil, err
	}
	switch {
	case p.keyword("IS"):
		if lprop == nil {
			return nil, p.errAt(start, "IS NULL needs a property")
		}
		negate := p.keyword("NOT")
		if !p.keyword("NULL") {
			return nil, p.errAt(p.peek(), "expected NULL")
		}
		var e store.Expr = store.IsNull{Prop: lprop.Name}
		if negate {
			e = store.Not{Arg: e}
		}
		return e, nil
	case p.keyword("IN"):
		if lprop == nil {
			return nil, p.errAt(start, "IN needs a property on its left")
		}
		return p.in(*lprop)
	}
	opTok := p.next()
	if opTok.kind != tokOp {
		return nil, p.errAt(opTok, "expected a comparison (=, <>, <, <=, >, >=)")
	}
	rightTok := p.peek()
	right, rprop, err := p.operand()
	if err != nil {
		return nil, err
	}
	switch {
	case lprop != nil && rprop != nil:
		if lprop.Type != rprop.Type || lprop.Format != rprop.Format {
			return nil, p.errAt(start, "%s and %s are of different types", lprop.Name, rprop.Name)
		}
		return store.Compare{Prop: lprop.Name, Op: opTok.text, Value: store.PropRef(rprop.Name)}, nil
	case lprop != nil:
		v, err := p.value(*lprop, right, rightTok)
		return store.Compare{Prop: lprop.Name, Op: opTok.text, Value: v}, err
	case rprop != nil:
		v, err := p.value(*rprop, left, start)
		return store.Compare{Prop: rprop.Name, Op: mirror[opTok.text], Value: v}, err
	}
	return nil, p.errAt(start, "a comparison needs a property")
}

// mirror is the operator with its sides swapped: 3 < x is x > 3.
var mirror = map[string]string{"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

// literal is a value as written: its Go value and what kind of literal it was.
type literal struct {
	v    any
	kind string // string, number, boolean, timestamp
}

// operand reads a property (prop set) or a literal.
func (p *cqlParser) operand() (literal, *store.Property, error) {
	t := p.next()
	switch t.kind {
	case tokString:
		return literal{t.text, "string"}, nil, nil
	case tokNumber:
		f, _ := strconv.ParseFloat(t.text, 64)
		return literal{f, "number"}, nil, nil
	case tokQuoted:
		prop, err := store.Queryable(p.ctx, p.layer, t.text)
		return literal{}, &prop, err
	case tokIdent:
		switch up := strings.ToUpper(t.text); up {
		case "TRUE", "FALSE":
			return literal{up == "TRUE", "boolean"}, nil, nil
		case "TIMESTAMP", "DATE":
			return p.timeLiteral(up)
		}
		prop, err := store.Queryable(p.ctx, p.layer, t.text)
		return literal{}, &prop, err
	}
	return literal{}, nil, p.errAt(t, "expected a property or a value")
}

func (p *cqlParser) timeLiteral(kind string) (literal, *store.Property, error) {
	if err := p.punct("("); err != nil {
		return literal{}, nil, err
	}
	t := p.next()
	if t.kind != tokString {
		return literal{}, nil, p.errAt(t, "%s takes a quoted value", kind)
	}
	var tm time.Time
	var err error
	if kind == "DATE" {
		tm, err = time.ParseInLocation(time.DateOnly, t.text, model.Beijing)
	} else {
		tm, err = time.Parse(time.RFC3339Nano, t.text)
	}
	if err != nil {
		return literal{}, nil, p.errAt(t, "%q is not a %s", truncate(t.text), strings.ToLower(kind))
	}
	return literal{tm, "timestamp"}, nil, p.punct(")")
}

// value checks that a literal suits property prop and gives its Go value.
func (p *cqlParser) value(prop store.Property, l literal, at token) (any, error) {
	want := prop.Type
	if prop.Format == "date-time" {
		want = "timestamp"
	} else if want == "integer" {
		want = "number"
	}
	if l.kind != want {
		return nil, p.errAt(at, "%s is a %s, compared with a %s", prop.Name, want, l.kind)
	}
	return l.v, nil
}

func (p *cqlParser) in(prop store.Property) (store.Expr, error) {
	if err := p.punct("("); err != nil {
		return nil, err
	}
	var vals []any
	for {
		at := p.peek()
		l, other, err := p.operand()
		if err != nil {
			return nil, err
		}
		if other != nil {
			return nil, p.errAt(at, "IN takes values, not properties")
		}
		v, err := p.value(prop, l, at)
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		if t := p.peek(); t.kind == tokPunct && t.text == "," {
			p.next()
			continue
		}
		return store.In{Prop: prop.Name, Values: vals}, p.punct(")")
	}
}

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
