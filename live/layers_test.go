package live

import (
	"io"
	"log/slog"
	"testing"

	"gridhub/model"
	"gridhub/store"
)

func TestLayerChangesSkipAStuckSubscriberWithoutHoldingOthersBack(t *testing.T) {
	h := New(nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	all := func(store.LayerChange) bool { return true }
	cameras := func(c store.LayerChange) bool { return c.Layer == model.LayerCamera }
	stuck, reading, picky := h.SubscribeLayers(all), h.SubscribeLayers(all), h.SubscribeLayers(cameras)
	got := 0
	for i := range layerBuffer + 5 {
		h.publishLayer(store.LayerChange{Layer: model.LayerServicePoint, Inserted: i})
		select {
		case c := <-reading.C:
			if c.Inserted != i {
				t.Fatalf("change %d arrived as %d", i, c.Inserted)
			}
			got++
		default:
		}
	}
	if got != layerBuffer+5 {
		t.Errorf("the reading subscriber got %d changes, want all %d", got, layerBuffer+5)
	}
	if n := len(stuck.C); n != layerBuffer {
		t.Errorf("the stuck subscriber holds %d changes, want its buffer of %d", n, layerBuffer)
	}
	if n := len(picky.C); n != 0 {
		t.Errorf("a subscriber to cameras got %d service point changes", n)
	}
	if n := h.Subscribers(); n != 3 {
		t.Errorf("%d subscribers, want 3: a stuck one is skipped, not dropped", n)
	}
	h.UnsubscribeLayers(stuck)
	h.UnsubscribeLayers(stuck)
	if n := h.Subscribers(); n != 2 {
		t.Errorf("%d subscribers after one left (twice), want 2", n)
	}
}
