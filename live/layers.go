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
// this instance's subscribers. Each import records its change under an id given in commit
// order (store/layerchanges.go); after every (re)connect the listener publishes the
// recorded changes past the last id it published, so imports committed while it was
// disconnected are heard late rather than never, and a change both read there and
// announced is published once. pgxlisten calls it from one goroutine only.
type layerListener struct {
	h    *Hub
	last int64 // the newest change published, or recorded before the hub first listened
}

func (l *layerListener) HandleNotification(_ context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
	c, err := store.ParseLayerChange(n.Payload)
	if err != nil {
		return err
	}
	if c.ID != 0 { // 0: announced by a hub that records no changes, published as it comes
		if c.ID <= l.last {
			return nil
		}
		l.last = c.ID
	}
	l.h.publishLayer(c, nil)
	return nil
}

// HandleBacklog runs once the channel is listened on, before any notification is handled:
// it publishes what was committed since the last change published. When that fails it
// drops the connection, so that the next one tries again rather than skipping the gap.
func (l *layerListener) HandleBacklog(ctx context.Context, _ string, conn *pgx.Conn) error {
	if err := l.catchUp(ctx); err != nil {
		_ = conn.Close(ctx)
		return err
	}
	l.h.listening(1)
	return nil
}

func (l *layerListener) catchUp(ctx context.Context) error {
	newest, err := l.h.st.LastLayerChange(ctx)
	if err != nil {
		return err
	}
	if newest < l.last {
		// The table went back (restored from a backup, or a failover lost the newest
		// imports): ids above newest will be handed out again.
		l.h.log.Warn("live updates: layer changes were rewound", "from", l.last, "to", newest)
		l.last = newest
	}
	w := waiter{limit: slowSubscriber}
	defer w.stop()
	for l.last < newest {
		changes, err := l.h.st.LayerChangesAfter(ctx, l.last, 100)
		if err != nil || len(changes) == 0 {
			return err
		}
		for _, c := range changes {
			l.h.publishLayer(c, &w)
			l.last = c.ID
		}
	}
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

// publishLayer hands c to the subscribers it matches; one whose buffer is full waits
// while w lets it (a catch-up publishes many changes at once), else misses c.
func (h *Hub) publishLayer(c store.LayerChange, w *waiter) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.layerSubs {
		if !s.match(c) {
			continue
		}
		if !offer(w, s.C, c) {
			h.log.Warn("live updates: a layer change was not delivered to a subscriber that stopped reading", "layer", c.Layer)
		}
	}
}
