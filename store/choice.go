package store

import (
	"context"
	"slices"
	"sort"
	"strings"

	"gridhub/model"
)

// A map layer usually draws a few fields: featureCollection(properties:) and the tiles'
// ?properties= name the ones wanted, checked here against what exists and what the
// caller may read.

// CheckChoice checks names chosen among the properties the layers ls offer (offered
// lists them per layer): a name no layer has is BAD_INPUT (naming those there are),
// one the caller may not read is FORBIDDEN.
func CheckChoice(ctx context.Context, ls []model.Layer, names []string, offered func(model.Layer) []string) error {
	for _, name := range names {
		exists, readable := false, false
		for _, l := range ls {
			if slices.Contains(offered(l), name) {
				exists = true
				readable = readable || !hidden(ctx, l, name)
			}
		}
		switch {
		case !exists:
			var all []string
			for _, l := range ls {
				for _, n := range offered(l) {
					if !slices.Contains(all, n) {
						all = append(all, n)
					}
				}
			}
			sort.Strings(all)
			return model.Errorf(model.CodeBadInput, "no layer asked for has the property %q; there are: %s", name, strings.Join(all, ", "))
		case !readable:
			return model.Errorf(model.CodeForbidden, "this credential may not read the property %q", name)
		}
	}
	return nil
}

// CollectionProperties are the properties of layer l's features in featureCollection,
// those written only when named included.
func CollectionProperties(l model.Layer) []string {
	var out []string
	for _, kv := range layers[l].allProps() {
		out = append(out, kv[0])
	}
	return out
}

// TileProperties are the attributes of layer l's features in tiles, the global id first.
func TileProperties(l model.Layer) []string {
	out := []string{idAttr.name}
	for _, a := range tileAttrs[l] {
		out = append(out, a.name)
	}
	return out
}
