package ogc

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"gridhub/geo"
	"gridhub/model"
	"gridhub/store"
)

// parseItems reads an items request's query: paging, bbox, datetime, the queryables'
// own parameters, filter, properties and crs.
func parseItems(ctx context.Context, c collectionDef, v url.Values) (store.ItemsQuery, crsDef, error) {
	q := store.ItemsQuery{Filter: c.filter(), Limit: defaultLimit, Count: true}
	var err error
	if q.Limit, err = intParam(v, "limit", defaultLimit, 1, maxLimit); err != nil {
		return q, crsDef{}, err
	}
	after, err := intParam(v, "after", 0, 1, math.MaxInt64)
	if err != nil {
		return q, crsDef{}, err
	}
	before, err := intParam(v, "before", 0, 1, math.MaxInt64)
	if err != nil {
		return q, crsDef{}, err
	}
	if after != 0 && before != 0 {
		return q, crsDef{}, badInput("give after or before, not both")
	}
	q.After, q.Before = int64(after), int64(before)
	out, err := parseCRS(v.Get("crs"), "crs")
	if err != nil {
		return q, crsDef{}, err
	}
	q.Out = out.output()
	if q.Filter.Area, err = parseBBox(v); err != nil {
		return q, crsDef{}, err
	}
	if q.Props, err = parseProperties(v); err != nil {
		return q, crsDef{}, err
	}
	var where []store.Expr
	if d := v.Get("datetime"); d != "" {
		e, err := parseDatetime(c, d)
		if err != nil {
			return q, crsDef{}, err
		}
		where = append(where, e)
	}
	for _, p := range store.Properties(ctx, c.layer) {
		if vals, ok := v[p.Name]; ok && p.Queryable {
			e, err := propertyParam(p, vals)
			if err != nil {
				return q, crsDef{}, err
			}
			where = append(where, e)
		}
	}
	if text := v.Get("filter"); text != "" {
		e, err := parseFilter(ctx, c.layer, v)
		if err != nil {
			return q, crsDef{}, err
		}
		where = append(where, e)
	} else if v.Has("filter-lang") || v.Has("filter-crs") {
		return q, crsDef{}, badInput("filter-lang and filter-crs go with a filter")
	}
	switch len(where) {
	case 0:
	case 1:
		q.Where = where[0]
	default:
		q.Where = store.Logical{Op: "AND", Args: where}
	}
	return q, out, nil
}

func badInput(format string, a ...any) *apiError {
	return errorf(http.StatusBadRequest, model.CodeBadInput, format, a...)
}

// intParam reads a whole number in [lo, hi]; def when absent.
func intParam(v url.Values, name string, def, lo, hi int) (int, error) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, badInput("%s must be a whole number, not %q", name, truncate(s))
	}
	if n < lo || n > hi {
		return 0, errorf(http.StatusBadRequest, model.CodeOutOfRange, "%s must be between %d and %d, got %d", name, lo, hi, n)
	}
	return n, nil
}

// parseBBox reads bbox (4 numbers, or 6 with heights, which are ignored: the layers are
// flat) in bbox-crs, axis order as that CRS has it.
func parseBBox(v url.Values) (*geo.Area, error) {
	s := v.Get("bbox")
	if s == "" {
		if v.Has("bbox-crs") {
			return nil, badInput("bbox-crs goes with a bbox")
		}
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != 4 && len(parts) != 6 {
		return nil, errorf(http.StatusBadRequest, model.CodeBadArea, "bbox must have 4 numbers (or 6 with heights), not %d", len(parts))
	}
	nums := make([]float64, len(parts))
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, errorf(http.StatusBadRequest, model.CodeBadArea, "bbox must hold numbers: %q is not one", truncate(p))
		}
		nums[i] = f
	}
	if len(nums) == 6 {
		nums = []float64{nums[0], nums[1], nums[3], nums[4]}
	}
	in, err := parseCRS(v.Get("bbox-crs"), "bbox-crs")
	if err != nil {
		return nil, err
	}
	return in.bboxArea(nums)
}

// parseProperties reads properties=a,b (nil: every property).
func parseProperties(v url.Values) ([]string, error) {
	if !v.Has("properties") {
		return nil, nil
	}
	names := []string{}
	for _, n := range strings.Split(v.Get("properties"), ",") {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		if slices.Contains(names, n) {
			return nil, badInput("properties names %s twice", truncate(n))
		}
		names = append(names, n)
	}
	return names, nil
}

// queryableNames are the query parameters a collection's queryables add for this caller.
func queryableNames(ctx context.Context, l model.Layer) []string {
	var out []string
	for _, p := range store.Properties(ctx, l) {
		if p.Queryable {
			out = append(out, p.Name)
		}
	}
	return out
}

// propertyParam reads ?name=value: equality, or for enumerations one of several values
// separated by commas (no enumerated value holds one).
func propertyParam(p store.Property, vals []string) (store.Expr, error) {
	if len(vals) != 1 {
		return nil, badInput("give %s once", p.Name)
	}
	raw := []string{vals[0]}
	if p.Enum != nil {
		raw = strings.Split(vals[0], ",")
	}
	values := make([]any, len(raw))
	for i, s := range raw {
		val, err := literalFor(p, strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		values[i] = val
	}
	if len(values) == 1 {
		return store.Compare{Prop: p.Name, Op: "=", Value: values[0]}, nil
	}
	return store.In{Prop: p.Name, Values: values}, nil
}

// literalFor reads a query parameter's text as a value of p's type.
func literalFor(p store.Property, s string) (any, error) {
	switch {
	case p.Enum != nil && !slices.Contains(p.Enum, s):
		return nil, badInput("%s must be one of %s, not %q", p.Name, strings.Join(p.Enum, ", "), truncate(s))
	case p.Format == "date-time":
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return nil, badInput("%s must be an RFC 3339 time, not %q", p.Name, truncate(s))
		}
		return t, nil
	case p.Type == "integer" || p.Type == "number":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, badInput("%s must be a number, not %q", p.Name, truncate(s))
		}
		return f, nil
	case p.Type == "boolean":
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, badInput("%s must be true or false, not %q", p.Name, truncate(s))
		}
		return b, nil
	}
	return s, nil
}

// parseDatetime reads datetime — an instant, a date (that whole day in the district's
// time) or an interval start/end with ".." or nothing for an open end — as a condition
// on reportedAt, the one time incidents are placed by.
func parseDatetime(c collectionDef, s string) (store.Expr, error) {
	if c.layer != model.LayerIncident {
		return nil, badInput("%s has no time to filter by: datetime applies to incidents", c.id)
	}
	const prop = "reportedAt"
	start, end, interval := strings.Cut(s, "/")
	if !interval {
		from, to, err := instant(s)
		if err != nil {
			return nil, err
		}
		if from.Equal(to) {
			return store.Compare{Prop: prop, Op: "=", Value: from}, nil
		}
		return store.Logical{Op: "AND", Args: []store.Expr{
			store.Compare{Prop: prop, Op: ">=", Value: from}, store.Compare{Prop: prop, Op: "<", Value: to}}}, nil
	}
	var args []store.Expr
	if start != "" && start != ".." {
		from, _, err := instant(start)
		if err != nil {
			return nil, err
		}
		args = append(args, store.Compare{Prop: prop, Op: ">=", Value: from})
	}
	if end != "" && end != ".." {
		from, to, err := instant(end)
		if err != nil {
			return nil, err
		}
		if from.Equal(to) {
			args = append(args, store.Compare{Prop: prop, Op: "<=", Value: from})
		} else {
			args = append(args, store.Compare{Prop: prop, Op: "<", Value: to})
		}
	}
	switch len(args) {
	case 0:
		return store.Bool(true), nil
	case 1:
		return args[0], nil
	}
	return store.Logical{Op: "AND", Args: args}, nil
}

// instant reads an RFC 3339 time (from == to) or a date: that day in the district's
// time zone, [from, to).
func instant(s string) (from, to time.Time, err error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, model.Beijing)
	if err != nil {
		return from, to, badInput("datetime must be an RFC 3339 time, a date or an interval a/b, not %q", truncate(s))
	}
	return d, d.AddDate(0, 0, 1), nil
}

// mustJSON encodes our own documents; URLs keep their & (no HTML escaping: this is not HTML).
func mustJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only our own structs come here: they always marshal.
		panic(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
