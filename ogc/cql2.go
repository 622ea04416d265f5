package ogc

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

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
