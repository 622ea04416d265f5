package resolvers

import (
	"context"

	"gridhub/loaders"
	"gridhub/model"
)

// sourceID is the sourceId of f (a building, party unit or service point) as exports
// write it. It is loaded for the page it is asked for, not with every row: most reads
// never ask for it.
func sourceID(ctx context.Context, f model.Feature) (string, error) {
	s, err := loaders.For(ctx).SourceID(ctx, f.FeatureLayer(), f.Key())
	if err == nil && s == "" {
		err = model.Errorf(model.CodeNotFound, "this %s no longer exists", f.FeatureLayer())
	}
	return s, err
}
