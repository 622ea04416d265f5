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
	"gridhub/graph"
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
