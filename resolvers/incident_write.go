package resolvers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"gridhub/auth"
	"gridhub/geo"
	"gridhub/graph"
	"gridhub/live"
	"gridhub/model"
	"gridhub/store"
)

type actorKey struct{}

// WithActor names who is calling, for the incident timeline.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

func actorOf(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return "api"
}

// report checks a report's shape before it reaches the store.
func (r *Resolver) report(ctx context.Context, in graph.ReportIncidentInput, key string) (store.Report, error) {
	rep := store.Report{Title: strings.TrimSpace(in.Title), Description: in.Description, Category: in.Category,
		Source: in.Source, Priority: in.Priority, Actor: actorOf(ctx), Key: key}
	if n := utf8.RuneCountInString(rep.Title); n < 1 || n > 200 {
		return rep, model.Errorf(model.CodeOutOfRange, "title must be 1 to 200 characters, got %d", n)
	}
	if in.Description != nil && utf8.RuneCountInString(*in.Description) > 2000 {
		return rep, model.Errorf(model.CodeOutOfRange, "description must be at most 2000 characters")
	}
	if n := utf8.RuneCountInString(key); n < 1 || n > 128 {
		return rep, model.Errorf(model.CodeBadInput, "idempotencyKey must be 1 to 128 characters, got %d", n)
	}
	if in.Priority != nil && (*in.Priority < 1 || *in.Priority > 5) {
		return rep, model.Errorf(model.CodeOutOfRange, "priority must be between 1 and 5, got %d", *in.Priority)
	}
	if len(in.Location) != 2 {
		return rep, model.Errorf(model.CodeBadInput, "location must be [lon, lat], got %d numbers", len(in.Location))
	}
	var err error
	rep.Lon, rep.Lat, err = point(in.Location[0], in.Location[1], in.Crs)
	auth.Touch(ctx, fmt.Sprintf("point %.6f,%.6f", rep.Lon, rep.Lat), model.LayerIncident)
	return rep, err
}

// reportError turns the store's refusals into answers a caller can act on.
func (r *Resolver) reportError(ctx context.Context, err error, category string) error {
	switch {
	case errors.Is(err, store.ErrUnknownCategory):
		cats, cerr := r.Store.Categories(ctx)
		if cerr != nil {
			return cerr
		}
		names := make([]string, len(cats))
		for i, c := range cats {
			names[i] = c.Name
		}
		return model.Errorf(model.CodeBadInput, "unknown category %q; use one of: %s", category, strings.Join(names, ", "))
	case errors.Is(err, store.ErrOutsideDistrict):
		return model.Errorf(model.CodeBadArea, "the location is outside the district (more than 1 km beyond its boundary)")
	case errors.Is(err, store.ErrOutsideFence):
		return model.Errorf(model.CodeForbidden, "the location is outside the area this credential may report in")
	case errors.Is(err, store.ErrIdempotencyConflict):
		return model.Errorf(model.CodeIdempotencyConflict, "this idempotencyKey was used for a different report; use a new key for a new report")
	case errors.Is(err, store.ErrNotFound):
		// Filed, but outside what the caller may read.
		return errNoIncident
	}
	return err
}

// transitionError explains a refused move.
func transitionError(err error) error {
	var inv *store.InvalidTransitionError
	switch {
	case errors.As(err, &inv):
		if len(inv.Allowed) == 0 {
			return model.Errorf(model.CodeInvalidTransition, "the incident is %s: it cannot move any further", inv.From)
		}
		allowed := make([]string, len(inv.Allowed))
		for i, s := range inv.Allowed {
			allowed[i] = string(s)
		}
		return model.Errorf(model.CodeInvalidTransition, "cannot move the incident from %s to %s; allowed: %s", inv.From, inv.To, strings.Join(allowed, ", "))
	case errors.Is(err, store.ErrNotFound):
		return errNoIncident
	}
	return err
}

var errNoIncident = model.Errorf(model.CodeNotFound, "no incident has this id")

// incident reads an incident as it is now, past the request's cache.
func (r *Resolver) incident(ctx context.Context, id int64) (*model.Incident, error) {
	m, err := r.Store.ByIDs(ctx, model.LayerIncident, []int64{id})
	if err != nil {
		return nil, err
	}
	if m[id] == nil {
		return nil, errNoIncident
	}
	prefetchOne(ctx, m[id])
	return m[id].(*model.Incident), nil
}

// gridArea is the polygon of the grid with that code, for matching points in Go.
func (r *Resolver) gridArea(ctx context.Context, code string) (*geo.Area, error) {
	b, err := r.Store.GridGeometryWKB(ctx, code)
	if err != nil {
		return nil, err
	}
	g, err := wkb.Unmarshal(b)
	if err != nil {
		return nil, err
	}
	mp, ok := g.(orb.MultiPolygon)
	if !ok {
		return nil, errors.New("grid geometry is not a multipolygon")
	}
	return geo.PolygonArea(mp), nil
}

// subscribe validates a subscription's filter and registers it with the hub.
func (r *Resolver) subscribe(ctx context.Context, area *graph.AreaInput, statuses []model.IncidentStatus) (<-chan *model.Incident, error) {
	a, err := r.area(ctx, area)
	if err != nil {
		return nil, err
	}
	auth.Touch(ctx, describeArea(a), model.LayerIncident)
	if a != nil && a.Kind == geo.AreaGrid {
		if a, err = r.gridArea(ctx, a.GridCode); err != nil {
			return nil, err
		}
	}
	want := map[model.IncidentStatus]bool{}
	for _, s := range statuses {
		want[s] = true
	}
	inScope, at, err := r.scopeMatcher(ctx)
	if err != nil {
		return nil, err
	}
	sub := r.Live.Subscribe(func(pl store.Placed) bool {
		return (len(want) == 0 || want[pl.Incident.Status]) && (a == nil || a.Contains(at(pl))) && inScope(pl)
	})
	go func() {
		select {
		case <-ctx.Done():
			r.Live.Unsubscribe(sub)
		case <-sub.Dropped:
			live.Drop(ctx)
		}
	}()
	if p := auth.From(ctx); p != nil && p.Role.Coarsen[model.LayerIncident] > 0 {
		return r.asSeenBy(ctx, sub.C), nil
	}
	return sub.C, nil
}

// asSeenBy reads each changed incident again in the caller's scope: the hub loads it once
// for every subscriber, with its stored grid, where a caller whose role coarsens
// incidents must see the grid of the snapped point, as every read gives it.
func (r *Resolver) asSeenBy(ctx context.Context, in <-chan *model.Incident) <-chan *model.Incident {
	out := make(chan *model.Incident, live.Buffer)
	go func() {
		defer close(out)
		for inc := range in {
			m, err := r.Store.ByIDs(ctx, model.LayerIncident, []int64{inc.DBID})
			if err != nil {
				r.Log.WarnContext(ctx, "live updates: read a changed incident for a subscriber", "err", err)
				continue
			}
			if f, ok := m[inc.DBID]; ok {
				select {
				case out <- f.(*model.Incident):
				case <-ctx.Done():
				}
			}
		}
	}()
	return out
}
