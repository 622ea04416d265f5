package resolvers

import (
	"context"
	"slices"

	"github.com/paulmach/orb"

	"gridhub/auth"
	"gridhub/geo"
	"gridhub/model"
	"gridhub/store"
)

// layerChanges subscribes to committed imports on layers (every layer the caller may
// read when nil; naming one it may not is FORBIDDEN). A fenced caller hears of an import
// when the rows' extent meets its fence's extent (a test of bounds, not of shapes: it
// may hear of rows just outside its fence, never miss rows inside it), and of every
// import that removed rows, whose places are not known. Where the role sees a layer's
// points coarsened, the extent is that of the coarsened points.
func (r *Resolver) layerChanges(ctx context.Context, layers []model.Layer) (<-chan *store.LayerChange, error) {
	p := auth.From(ctx)
	if layers == nil {
		for _, l := range model.Layers {
			if visible(ctx, l) {
				layers = append(layers, l)
			}
		}
	}
	if err := readable(ctx, nil, layers...); err != nil {
		return nil, err
	}
	want := map[model.Layer]bool{}
	for _, l := range layers {
		want[l] = true
	}
	var fence *orb.Bound
	if p != nil && p.FencePolygon != nil {
		b := geo.PolygonArea(p.FencePolygon).Bound
		fence = &b
	} else if p != nil && p.FenceCode != "" {
		a, err := r.gridArea(ctx, p.FenceCode)
		if err != nil {
			return nil, err
		}
		fence = &a.Bound
	}
	sub := r.Live.SubscribeLayers(func(c store.LayerChange) bool {
		if !want[c.Layer] {
			return false
		}
		if fence == nil || len(c.BBox) != 4 {
			return true
		}
		return fence.Intersects(orb.Bound{Min: orb.Point{c.BBox[0], c.BBox[1]}, Max: orb.Point{c.BBox[2], c.BBox[3]}})
	})
	var scope *store.Scope
	if p != nil {
		scope = p.Scope()
	}
	out := make(chan *store.LayerChange)
	go func() {
		defer close(out)
		defer r.Live.UnsubscribeLayers(sub)
		for {
			select {
			case <-ctx.Done():
				return
			case c, ok := <-sub.C:
				if !ok {
					return
				}
				if len(c.BBox) == 4 {
					c.BBox = slices.Clone(c.BBox)
					c.BBox[0], c.BBox[1] = scope.Coarsen(c.Layer, c.BBox[0], c.BBox[1])
					c.BBox[2], c.BBox[3] = scope.Coarsen(c.Layer, c.BBox[2], c.BBox[3])
				}
				select {
				case out <- &c:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}
