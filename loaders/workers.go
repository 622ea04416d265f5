package loaders

import (
	"context"

	"gridhub/model"
	"gridhub/store"
)

// The grid workers' relations, batched like the others.

func (l *Loaders) workersOfGrids() *loader[int64, []model.Feature] {
	return l.gridWorkers.get(l, (*store.Store).WorkersOfGrids)
}

func (l *Loaders) gridsOfWorkers() *loader[int64, []model.Feature] {
	return l.workerGrids.get(l, (*store.Store).GridsOfWorkers)
}

func (l *Loaders) assignedTo() *loader[int64, []model.Feature] {
	return l.assigned.get(l, (*store.Store).IncidentsAssignedTo)
}

func (l *Loaders) coverageOf() *loader[store.CoverageKey, *float64] {
	return l.coverage.get(l, func(st *store.Store, ctx context.Context, keys []store.CoverageKey) (map[store.CoverageKey]*float64, error) {
		out, err := st.VisitCoverage(ctx, keys)
		return byPosition(keys, out, err)
	})
}

// WorkersOfGrid loads the workers serving a grid or any GRID under it.
func (l *Loaders) WorkersOfGrid(ctx context.Context, grid int64) ([]model.Feature, error) {
	return l.workersOfGrids().Load(ctx, grid)
}

// GridsOfWorker loads the GRIDs a worker serves.
func (l *Loaders) GridsOfWorker(ctx context.Context, worker int64) ([]model.Feature, error) {
	return l.gridsOfWorkers().Load(ctx, worker)
}

// IncidentsAssignedTo loads the incidents dispatched to a worker.
func (l *Loaders) IncidentsAssignedTo(ctx context.Context, worker int64) ([]model.Feature, error) {
	return l.assignedTo().Load(ctx, worker)
}

// VisitCoverage loads the share of a grid's buildings visited in the last days.
func (l *Loaders) VisitCoverage(ctx context.Context, grid int64, days int) (*float64, error) {
	return l.coverageOf().Load(ctx, store.CoverageKey{Grid: grid, Days: days})
}

// Worker loads a worker by id; nil when it does not exist or is out of the caller's reach.
func (l *Loaders) Worker(ctx context.Context, id int64) (*model.GridWorker, error) {
	f, err := l.Feature(ctx, model.LayerWorker, id)
	if f == nil || err != nil {
		return nil, err
	}
	return f.(*model.GridWorker), nil
}
