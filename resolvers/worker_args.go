package resolvers

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"gridhub/auth"
	"gridhub/geo"
	"gridhub/graph"
	"gridhub/live"
	"gridhub/model"
	"gridhub/store"
)

// Limits of the grid workers' arguments.
const (
	maxPositionBatch = 500
	maxPositionAhead = 5 * time.Minute
	maxTrackSpan     = 7 * 24 * time.Hour
	maxTrackSimplify = 100.0
	maxSuggestions   = 50
)

var errNoWorker = model.Errorf(model.CodeNotFound, "no grid worker has this id")

// workerMovedEvery is how often a workerMoved subscription reads the workers that moved:
// at most one update per worker in that time. Phones' batches commit late and out of
// order, so each poll looks back workerMovedLag and sends a worker again only when its
// position is newer than the one it last sent.
const (
	workerMovedEvery = 3 * time.Second
	workerMovedLag   = 2 * time.Minute
)

// pollWorkers sends the workers in a (nil: anywhere) the caller may see whose position
// moved, every workerMovedEvery until ctx ends.
func (r *Resolver) pollWorkers(ctx context.Context, a *geo.Area) <-chan *model.GridWorker {
	out := make(chan *model.GridWorker, live.Buffer)
	release := r.Live.Hold()
	go func() {
		defer close(out)
		defer release()
		start := r.Store.Now()
		sent := map[int64]time.Time{}
		t := time.NewTicker(workerMovedEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			since := r.Store.Now().Add(-workerMovedLag)
			if since.Before(start) {
				since = start
			}
			for after := int64(0); ; {
				fs, err := r.Store.List(ctx, model.LayerWorker, store.Filter{Area: a, SeenAfter: &since}, after, MaxFirst)
				if err != nil {
					if ctx.Err() == nil {
						r.Log.WarnContext(ctx, "workerMoved poll", "err", err)
					}
					break
				}
				for _, f := range fs {
					w := f.(*model.GridWorker)
					after = w.DBID
					if w.LastSeenAt == nil || !w.LastSeenAt.After(sent[w.DBID]) {
						continue
					}
					select {
					case out <- w:
						sent[w.DBID] = *w.LastSeenAt
					default: // a subscriber this far behind hears of the worker at the next poll
					}
				}
				if len(fs) < MaxFirst {
					break
				}
			}
			for id, at := range sent {
				if at.Before(since) {
					delete(sent, id)
				}
			}
		}
	}()
	return out
}

// figureParts are the parts of WorkFigures the request selects.
func figureParts(ctx context.Context) store.FigureParts {
	var p store.FigureParts
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		switch f.Name {
		case "patrolKilometres", "onDutyHours":
			p.Patrols = true
		case "visits":
			p.Visits = true
		case "visitedBuildings", "buildings", "visitCoverage":
			p.Buildings = true
		case "incidentsFoundOnPatrol":
			p.Incidents = true
		case "medianMinutesToAccept", "medianMinutesToClose":
			p.Medians = true
		}
	}
	return p
}

// callingWorker is the worker whose credential calls mutation.
func callingWorker(ctx context.Context, mutation string) (int64, error) {
	p := auth.From(ctx)
	if p == nil || p.WorkerID == nil {
		return 0, model.Errorf(model.CodeForbidden, "%s acts as a grid worker: call it with a worker's own credential", mutation)
	}
	return *p.WorkerID, nil
}

// worker reads a worker as it is now, past the request's cache.
func (r *Resolver) worker(ctx context.Context, id int64) (*model.GridWorker, error) {
	m, err := r.Store.ByIDs(ctx, model.LayerWorker, []int64{id})
	if err != nil {
		return nil, err
	}
	w, ok := m[id].(*model.GridWorker)
	if !ok {
		return nil, model.Errorf(model.CodeNotFound, "no worker has this id")
	}
	return w, nil
}

// visitInput checks a visit's shape before it reaches the store.
func (r *Resolver) visitInput(ctx context.Context, worker int64, in graph.RecordVisitInput, key string) (store.VisitInput, error) {
	v := store.VisitInput{Worker: worker, At: in.At, Kind: in.Kind, Note: in.Note, Key: key}
	if n := utf8.RuneCountInString(key); n < 1 || n > 128 {
		return v, model.Errorf(model.CodeBadInput, "idempotencyKey must be 1 to 128 characters, got %d", n)
	}
	if in.Note != nil && utf8.RuneCountInString(*in.Note) > 2000 {
		return v, model.Errorf(model.CodeOutOfRange, "note must be at most 2000 characters")
	}
	if in.At.After(r.Store.Now().Add(maxPositionAhead)) {
		return v, model.Errorf(model.CodeOutOfRange, "at is ahead of the server's clock")
	}
	switch {
	case (in.BuildingID == nil) == (in.Location == nil):
		return v, model.Errorf(model.CodeBadInput, "give exactly one of buildingId and location")
	case in.BuildingID != nil:
		l, id, ok := model.ParseGlobalID(*in.BuildingID)
		if !ok || l != model.LayerBuilding {
			return v, model.Errorf(model.CodeNotFound, "no building has this id")
		}
		v.Building = &id
	case len(in.Location) != 2:
		return v, model.Errorf(model.CodeBadInput, "location must be [lon, lat], got %d numbers", len(in.Location))
	default:
		var err error
		if v.Lon, v.Lat, err = point(in.Location[0], in.Location[1], in.Crs); err != nil {
			return v, err
		}
	}
	b, _ := json.Marshal([]any{v.Building, strconv.FormatFloat(v.Lon, 'f', 7, 64), strconv.FormatFloat(v.Lat, 'f', 7, 64),
		v.At.UTC().Format(time.RFC3339Nano), v.Kind, v.Note})
	h := sha256.Sum256(b)
	v.Hash = h[:]
	auth.Touch(ctx, "", model.LayerVisit)
	return v, nil
}
