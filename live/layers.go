package live

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"gridhub/store"
)

// layerBuffer is how many layer changes may wait for one subscriber. They come one per
// committed import, so a subscriber this far behind has stopped reading: it misses the
// change rather than holding up the others.
const layerBuffer = 16

// LayerSub is one subscription to the layers imports change.
type LayerSub struct {
	C     chan store.LayerChange
	match func(store.LayerChange) bool
}

// SubscribeLayers adds a subscriber receiving the layer changes match accepts.
func (h *Hub) SubscribeLayers(match func(store.LayerChange) bool) *LayerSub {
	return join(h, h.layerSubs, &LayerSub{C: make(chan store.LayerChange, layerBuffer), match: match})
}

// UnsubscribeLayers removes s and closes its channel.
func (h *Hub) UnsubscribeLayers(s *LayerSub) { leave(h, h.layerSubs, s, func() { close(s.C) }) }

// layerListener hands committed imports, announced by whichever instance ran them, to
// this instance's subscribers. Imports announced while the listener was disconnected
// are not caught up: a map that misses one sees it on its next read.
type layerListener struct{ h *Hub }

func (l layerListener) HandleNotification(_ context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
	c, err := store.ParseLayerChange(n.Payload)
	if err != nil {
		return err
	}
	l.h.publishLayer(c)
	return nil
}

// HandleBacklog runs once the channel is listened on.
func (l layerListener) HandleBacklog(context.Context, string, *pgx.Conn) error {
	l.h.listening(1)
	return nil
}

// listening notes that channel i (0 incidents, 1 layers) is listened on; Listening
// closes once both are.
func (h *Hub) listening(i int) {
	h.mu.Lock()
	h.heard[i] = true
	both := h.heard[0] && h.heard[1]
	h.mu.Unlock()
	if both {
		h.once.Do(func() { close(h.up) })
	}
}

func (h *Hub) publishLayer(c store.LayerChange) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.layerSubs {
		if !s.match(c) {
			continue
		}
		select {
		case s.C <- c:
		default:
			h.log.Warn("live updates: a layer change was not delivered to a subscriber that stopped reading", "layer", c.Layer)
		}
	}
}
