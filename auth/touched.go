package auth

import (
	"context"
	"sync"

	"gridhub/model"
)

// Touched collects, for the audit log, the layers and areas a request read.
type Touched struct {
	mu     sync.Mutex
	layers map[model.Layer]bool
	areas  []string
}

type touchedKey struct{}

// WithTouched returns ctx collecting into t.
func WithTouched(ctx context.Context, t *Touched) context.Context {
	return context.WithValue(ctx, touchedKey{}, t)
}

// Touch records that the request read layers within area ("" for none).
func Touch(ctx context.Context, area string, layers ...model.Layer) {
	t, ok := ctx.Value(touchedKey{}).(*Touched)
	if !ok {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.layers == nil {
		t.layers = map[model.Layer]bool{}
	}
	for _, l := range layers {
		t.layers[l] = true
	}
	if area != "" && len(t.areas) < 10 {
		t.areas = append(t.areas, area)
	}
}

// Result is what was touched: layers in model.Layers order, and the areas.
func (t *Touched) Result() ([]string, []string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var ls []string
	for _, l := range model.Layers {
		if t.layers[l] {
			ls = append(ls, string(l))
		}
	}
	return ls, t.areas
}
