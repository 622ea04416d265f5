package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"gridhub/model"
)

// Expr is a condition on a layer's properties (a CQL2 filter, or the query parameters of
// an OGC items request), rendered to SQL with its values as parameters. Callers check
// that the properties exist, are queryable and suit the values; the store checks again
// and says which property it did not know rather than guess.
type Expr interface {
	sql(ctx context.Context, l model.Layer, p *args) (string, error)
}

// Compare is "property op value": op one of = <> < <= > >=; value a string, float64,
// bool, time.Time or another property (PropRef).
type Compare struct {
	Prop  string
	Op    string
	Value any
}

// PropRef names a property on the right of a comparison.
type PropRef string

// In is "property is one of values" (values of one Go type, as for Compare).
type In struct {
	Prop   string
	Values []any
}

// IsNull is "property has no value".
type IsNull struct{ Prop string }

// Logical joins conditions with AND or OR.
type Logical struct {
	Op   string
	Args []Expr
}

// Not negates a condition.
type Not struct{ Arg Expr }

// Intersects is "the feature's geometry intersects g" (g in WGS84 lon/lat).
type Intersects struct{ Geom orb.Geometry }

// Bool is a constant condition (CQL2's TRUE and FALSE).
type Bool bool

var compareOps = []string{"=", "<>", "<", "<=", ">", ">="}

// Queryable is property name of layer l if the caller may filter on it: FORBIDDEN when its
// role hides or masks it, BAD_INPUT when it does not exist or is not queryable.
func Queryable(ctx context.Context, l model.Layer, name string) (Property, error) {
	for _, p := range Properties(ctx, l) {
		switch {
		case p.Name != name:
		case p.Masked:
			return Property{}, model.Errorf(model.CodeForbidden, "this credential sees %s only masked and may not filter on it", name)
		case !p.Queryable:
			return Property{}, model.Errorf(model.CodeBadInput, "%s is not a queryable property of %s", name, l)
		default:
			return p, nil
		}
	}
	return Property{}, unknownProperty(ctx, l, name)
}

// param is a value as a typed placeholder: pgx sends Go values in binary, and the cast
// lets PostgreSQL compare it with the column's own type.
func param(v any, p *args) (string, error) {
	switch v.(type) {
	case string:
		return p.add(v) + "::text", nil
	case float64:
		return p.add(v) + "::float8", nil
	case bool:
		return p.add(v) + "::boolean", nil
	case time.Time:
		return p.add(v) + "::timestamptz", nil
	}
	return "", fmt.Errorf("unsupported filter value %T", v)
}

func (c Compare) sql(ctx context.Context, l model.Layer, p *args) (string, error) {
	prop, err := Queryable(ctx, l, c.Prop)
	if err != nil {
		return "", err
	}
	if !slices.Contains(compareOps, c.Op) {
		return "", fmt.Errorf("unknown comparison %q", c.Op)
	}
	var v string
	if ref, ok := c.Value.(PropRef); ok {
		other, err := Queryable(ctx, l, string(ref))
		if err != nil {
			return "", err
		}
		v = exprOf(ctx, l, other, p)
	} else if v, err = param(c.Value, p); err != nil {
		return "", err
	}
	return "(" + exprOf(ctx, l, prop, p) + " " + c.Op + " " + v + ")", nil
}

func (c In) sql(ctx context.Context, l model.Layer, p *args) (string, error) {
	prop, err := Queryable(ctx, l, c.Prop)
	if err != nil {
		return "", err
	}
	vs := make([]string, len(c.Values))
	for i, v := range c.Values {
		if vs[i], err = param(v, p); err != nil {
			return "", err
		}
	}
	return "(" + exprOf(ctx, l, prop, p) + " IN (" + strings.Join(vs, ", ") + "))", nil
}

func (c IsNull) sql(ctx context.Context, l model.Layer, p *args) (string, error) {
	prop, err := Queryable(ctx, l, c.Prop)
	if err != nil {
		return "", err
	}
	return "(" + exprOf(ctx, l, prop, p) + " IS NULL)", nil
}

func (c Logical) sql(ctx context.Context, l model.Layer, p *args) (string, error) {
	if c.Op != "AND" && c.Op != "OR" {
		return "", fmt.Errorf("unknown logical operator %q", c.Op)
	}
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		s, err := a.sql(ctx, l, p)
		if err != nil {
			return "", err
		}
		parts[i] = s
	}
	return "(" + strings.Join(parts, " "+c.Op+" ") + ")", nil
}

func (c Not) sql(ctx context.Context, l model.Layer, p *args) (string, error) {
	s, err := c.Arg.sql(ctx, l, p)
	// A comparison with a null is unknown, and so is its negation: NOT keeps that, as
	// CQL2 asks.
	return "(NOT " + s + ")", err
}

func (c Intersects) sql(ctx context.Context, l model.Layer, p *args) (string, error) {
	b, err := wkb.Marshal(c.Geom)
	if err != nil {
		return "", fmt.Errorf("encode filter geometry: %w", err)
	}
	shape := "ST_GeomFromWKB(" + p.add(b) + ", 4326)"
	if snapOf(ctx, l) == 0 {
		return "ST_Intersects(t.geom, " + shape + ")", nil
	}
	// A coarsened layer is tested by the point the caller sees, as an area filter is
	// (inArea); the index finds it through the shape grown by a cell.
	return "(t.geom && " + grown(ctx, l, shape, p) + " AND ST_Intersects(" + geomOut(ctx, l, p) + ", " + shape + "))", nil
}

func (c Bool) sql(context.Context, model.Layer, *args) (string, error) {
	if c {
		return "true", nil
	}
	return "false", nil
}
