// Package loaders batches per-request lookups by key, so that a page of N features with
// their relations costs a fixed number of SQL statements whatever N is.
package loaders

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"gridhub/model"
	"gridhub/store"
)

// Loaders are created per request; they cache for that request only. Each loader is
// made on first use: a request uses few of them, and making them all cost a small
// request ~70 allocations.
type Loaders struct {
	st   *store.Store
	gate *gate

	gridByCode    lazy[string, *model.Grid]
	gridChildren  lazy[int64, []model.Feature]
	partyChildren lazy[int64, []model.Feature]
	partyOfGrid   lazy[int64, []model.Feature]
	partyGroup    lazy[int64, []model.Feature]
	timelines     lazy[int64, []*model.IncidentEvent]
	camerasNear   lazy[store.CameraNearKey, []*model.NearbyFeature]
	gridWorkers   lazy[int64, []model.Feature]
	workerGrids   lazy[int64, []model.Feature]
	assigned      lazy[int64, []model.Feature]
	coverage      lazy[store.CoverageKey, *float64]

	mu         sync.Mutex
	features   map[model.Layer]*loader[int64, model.Feature]
	geometries map[model.Layer]*loader[GeometryKey, []byte]
	sourceIDs  map[model.Layer]*loader[int64, string]
	pages      map[pageGroup]*loader[store.PageKey, []model.Feature]
	counts     map[countGroup]*loader[string, int]
}

// New makes a request's loaders.
func New(st *store.Store) *Loaders {
	return &Loaders{st: st, gate: &gate{}}
}

// lazy is a loader made when first asked for.
type lazy[K comparable, V any] struct {
	once sync.Once
	ld   *loader[K, V]
}

// get is z's loader, made with fetch on first use.
func (z *lazy[K, V]) get(l *Loaders, fetch func(st *store.Store, ctx context.Context, keys []K) (map[K]V, error)) *loader[K, V] {
	z.once.Do(func() {
		st := l.st
		z.ld = newLoader(l.gate, func(ctx context.Context, keys []K) (map[K]V, error) { return fetch(st, ctx, keys) })
	})
	return z.ld
}

// byLayer is the loader of layer in m, made with fetch on first use.
func byLayer[K comparable, V any](l *Loaders, m *map[model.Layer]*loader[K, V], layer model.Layer,
	fetch func(st *store.Store, ctx context.Context, layer model.Layer, keys []K) (map[K]V, error)) *loader[K, V] {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ld := (*m)[layer]; ld != nil {
		return ld
	}
	if *m == nil {
		*m = map[model.Layer]*loader[K, V]{}
	}
	st := l.st
	ld := newLoader(l.gate, func(ctx context.Context, keys []K) (map[K]V, error) { return fetch(st, ctx, layer, keys) })
	(*m)[layer] = ld
	return ld
}

func (l *Loaders) featuresOf(layer model.Layer) *loader[int64, model.Feature] {
	return byLayer(l, &l.features, layer, (*store.Store).ByIDs)
}

func (l *Loaders) geometriesOf(layer model.Layer) *loader[GeometryKey, []byte] {
	return byLayer(l, &l.geometries, layer, geometries)
}

func (l *Loaders) sourceIDsOf(layer model.Layer) *loader[int64, string] {
	return byLayer(l, &l.sourceIDs, layer, (*store.Store).SourceIDs)
}

func (l *Loaders) gridsByCode() *loader[string, *model.Grid] {
	return l.gridByCode.get(l, (*store.Store).GridsByCodes)
}

func (l *Loaders) childrenOfGrids() *loader[int64, []model.Feature] {
	return l.gridChildren.get(l, func(st *store.Store, ctx context.Context, ids []int64) (map[int64][]model.Feature, error) {
		return st.ChildrenOf(ctx, model.LayerGrid, ids)
	})
}

func (l *Loaders) childrenOfParty() *loader[int64, []model.Feature] {
	return l.partyChildren.get(l, func(st *store.Store, ctx context.Context, ids []int64) (map[int64][]model.Feature, error) {
		return st.ChildrenOf(ctx, model.LayerPartyUnit, ids)
	})
}

func (l *Loaders) partyOfGrids() *loader[int64, []model.Feature] {
	return l.partyOfGrid.get(l, (*store.Store).PartyUnitsOrganisedFor)
}

func (l *Loaders) partyGroups() *loader[int64, []model.Feature] {
	return l.partyGroup.get(l, (*store.Store).PartyGroupsOfBuildings)
}

func (l *Loaders) timelinesOf() *loader[int64, []*model.IncidentEvent] {
	return l.timelines.get(l, (*store.Store).Timelines)
}

func (l *Loaders) camerasNearOf() *loader[store.CameraNearKey, []*model.NearbyFeature] {
	return l.camerasNear.get(l, func(st *store.Store, ctx context.Context, keys []store.CameraNearKey) (map[store.CameraNearKey][]*model.NearbyFeature, error) {
		out, err := st.CamerasNearIncidents(ctx, keys)
		return byPosition(keys, out, err)
	})
}

// byPosition turns an answer in the keys' order into one by key.
func byPosition[K comparable, V any](keys []K, vals []V, err error) (map[K]V, error) {
	if err != nil {
		return nil, err
	}
	m := make(map[K]V, len(keys))
	for i, k := range keys {
		m[k] = vals[i]
	}
	return m, nil
}

type ctxKey struct{}

// Middleware puts fresh loaders on every request's context.
func Middleware(st *store.Store, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(With(r.Context(), New(st))))
	})
}

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the request's loaders.
func For(ctx context.Context) *Loaders { return ctx.Value(ctxKey{}).(*Loaders) }

// Feature loads one feature by layer and id; nil when it does not exist.
func (l *Loaders) Feature(ctx context.Context, layer model.Layer, id int64) (model.Feature, error) {
	return l.featuresOf(layer).Load(ctx, id)
}

// FeatureNow is Feature for a root field or argument: no other key of its level will
// come, so the statement runs at once rather than after the batch's idle gap (node(id:)
// took 2.7 ms, 2 of them waiting).
func (l *Loaders) FeatureNow(ctx context.Context, layer model.Layer, id int64) (model.Feature, error) {
	return now(l, l.featuresOf(layer), ctx, id)
}

// GridByCodeNow is GridByCode at once, as FeatureNow.
func (l *Loaders) GridByCodeNow(ctx context.Context, code string) (*model.Grid, error) {
	return now(l, l.gridsByCode(), ctx, code)
}

// now loads key as a level of its own, which runs as soon as it is started.
func now[K comparable, V any](l *Loaders, ld *loader[K, V], ctx context.Context, key K) (V, error) {
	var th func() (V, error)
	l.Level(func() { th = ld.Thunk(ctx, key) })
	return th()
}

// FeatureThunk starts loading a feature and returns a function that waits for it;
// starting many before waiting puts them in one batch per layer.
func (l *Loaders) FeatureThunk(ctx context.Context, layer model.Layer, id int64) func() (model.Feature, error) {
	return l.featuresOf(layer).Thunk(ctx, id)
}

// Grid loads a grid by id; nil when it does not exist.
func (l *Loaders) Grid(ctx context.Context, id int64) (*model.Grid, error) {
	f, err := l.Feature(ctx, model.LayerGrid, id)
	if f == nil || err != nil {
		return nil, err
	}
	return f.(*model.Grid), nil
}

// GridByCode loads a grid by code; nil when there is none.
func (l *Loaders) GridByCode(ctx context.Context, code string) (*model.Grid, error) {
	return l.gridsByCode().Load(ctx, code)
}

// GeometryKey is a feature and the shape its geometry is wanted in.
type GeometryKey struct {
	ID    int64
	Shape store.Shape
}

// geometries answers keys in one statement per distinct shape (a page asks for one).
func geometries(st *store.Store, ctx context.Context, l model.Layer, keys []GeometryKey) (map[GeometryKey][]byte, error) {
	byShape := map[store.Shape][]int64{}
	for _, k := range keys {
		byShape[k.Shape] = append(byShape[k.Shape], k.ID)
	}
	out := make(map[GeometryKey][]byte, len(keys))
	for shape, ids := range byShape {
		m, err := st.Geometries(ctx, l, ids, shape)
		if err != nil {
			return nil, err
		}
		for id, g := range m {
			out[GeometryKey{id, shape}] = g
		}
	}
	return out, nil
}

// Geometry loads a feature's WGS84 GeoJSON geometry in shape.
func (l *Loaders) Geometry(ctx context.Context, layer model.Layer, id int64, shape store.Shape) ([]byte, error) {
	return l.geometriesOf(layer).Load(ctx, GeometryKey{id, shape})
}

// SourceID loads the sourceId of a building, party unit or service point: "" for a row
// that is gone.
func (l *Loaders) SourceID(ctx context.Context, layer model.Layer, id int64) (string, error) {
	return l.sourceIDsOf(layer).Load(ctx, id)
}

func (l *Loaders) GridChildren(ctx context.Context, id int64) ([]model.Feature, error) {
	return l.childrenOfGrids().Load(ctx, id)
}

func (l *Loaders) PartyChildren(ctx context.Context, id int64) ([]model.Feature, error) {
	return l.childrenOfParty().Load(ctx, id)
}

func (l *Loaders) PartyUnitsOfGrid(ctx context.Context, id int64) ([]model.Feature, error) {
	return l.partyOfGrids().Load(ctx, id)
}

// PartyGroupOfBuilding loads the building's party group, nil if it has none.
func (l *Loaders) PartyGroupOfBuilding(ctx context.Context, id int64) (*model.PartyUnit, error) {
	fs, err := l.partyGroups().Load(ctx, id)
	if err != nil || len(fs) == 0 {
		return nil, err
	}
	return fs[0].(*model.PartyUnit), nil
}

func (l *Loaders) Timeline(ctx context.Context, id int64) ([]*model.IncidentEvent, error) {
	return l.timelinesOf().Load(ctx, id)
}

func (l *Loaders) CamerasNear(ctx context.Context, incident int64, meters float64) ([]*model.NearbyFeature, error) {
	return l.camerasNearOf().Load(ctx, store.CameraNearKey{Incident: incident, Meters: meters})
}

// pageGroup identifies page requests that one statement can answer together.
type pageGroup struct {
	layer  model.Layer
	filter string
	limit  int
}

type countGroup struct {
	layer  model.Layer
	filter string
}

// SubtreePage loads up to limit rows of layer under the grid code, after the id, with f.
func (l *Loaders) SubtreePage(ctx context.Context, layer model.Layer, f store.Filter, code string, after int64, limit int) ([]model.Feature, error) {
	l.mu.Lock()
	g := pageGroup{layer, filterKey(f), limit}
	ld, ok := l.pages[g]
	if !ok {
		if l.pages == nil {
			l.pages = map[pageGroup]*loader[store.PageKey, []model.Feature]{}
		}
		ld = newLoader(l.gate, func(ctx context.Context, keys []store.PageKey) (map[store.PageKey][]model.Feature, error) {
			out, err := l.st.ListSubtrees(ctx, layer, f, keys, limit)
			return byPosition(keys, out, err)
		})
		l.pages[g] = ld
	}
	l.mu.Unlock()
	return ld.Load(ctx, store.PageKey{Subtree: code, After: after})
}

// SubtreeCount counts rows of layer under the grid code with f.
func (l *Loaders) SubtreeCount(ctx context.Context, layer model.Layer, f store.Filter, code string) (int, error) {
	l.mu.Lock()
	g := countGroup{layer, filterKey(f)}
	ld, ok := l.counts[g]
	if !ok {
		if l.counts == nil {
			l.counts = map[countGroup]*loader[string, int]{}
		}
		ld = newLoader(l.gate, func(ctx context.Context, codes []string) (map[string]int, error) {
			out, err := l.st.CountSubtrees(ctx, layer, f, codes)
			return byPosition(codes, out, err)
		})
		l.counts[g] = ld
	}
	l.mu.Unlock()
	return ld.Load(ctx, code)
}

// filterKey identifies a filter's value; nested lists carry no area, so the incident
// filter and the simple fields are all there is to compare.
func filterKey(f store.Filter) string {
	b, _ := json.Marshal(struct {
		K, S string
		I    *model.IncidentFilter
	}{f.Kind, f.Status, f.Incident})
	return string(b)
}

// Level starts a level of loads as one batch per loader: start calls Thunk methods, and
// nothing is fetched until it returns; then everything it started runs at once.
func (l *Loaders) Level(start func()) {
	l.gate.hold()
	defer l.gate.release()
	start()
}

// Thunk forms of the relations, for starting a whole level of loads under Level.

func (l *Loaders) GeometryThunk(ctx context.Context, layer model.Layer, id int64, shape store.Shape) func() ([]byte, error) {
	return l.geometriesOf(layer).Thunk(ctx, GeometryKey{id, shape})
}

func (l *Loaders) SourceIDThunk(ctx context.Context, layer model.Layer, id int64) func() (string, error) {
	return l.sourceIDsOf(layer).Thunk(ctx, id)
}

func (l *Loaders) GridChildrenThunk(ctx context.Context, id int64) func() ([]model.Feature, error) {
	return l.childrenOfGrids().Thunk(ctx, id)
}

func (l *Loaders) PartyChildrenThunk(ctx context.Context, id int64) func() ([]model.Feature, error) {
	return l.childrenOfParty().Thunk(ctx, id)
}

func (l *Loaders) PartyUnitsOfGridThunk(ctx context.Context, id int64) func() ([]model.Feature, error) {
	return l.partyOfGrids().Thunk(ctx, id)
}

func (l *Loaders) PartyGroupThunk(ctx context.Context, building int64) func() ([]model.Feature, error) {
	return l.partyGroups().Thunk(ctx, building)
}

func (l *Loaders) TimelineThunk(ctx context.Context, id int64) func() ([]*model.IncidentEvent, error) {
	return l.timelinesOf().Thunk(ctx, id)
}

func (l *Loaders) CamerasNearThunk(ctx context.Context, incident int64, meters float64) func() ([]*model.NearbyFeature, error) {
	return l.camerasNearOf().Thunk(ctx, store.CameraNearKey{Incident: incident, Meters: meters})
}
