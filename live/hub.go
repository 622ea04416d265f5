// Package live fans incident changes and committed imports out to GraphQL subscribers.
// Changes come from PostgreSQL LISTEN/NOTIFY, so a change written through any server
// instance reaches the subscribers of every instance; after the listening connection is
// lost, the hub catches up from the timeline table and the recorded layer changes, so a
// subscriber that stays connected misses nothing.
package live

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgxlisten"

	"gridhub/model"
	"gridhub/store"
)

// Buffer is how many changes may wait for one subscriber; a subscriber further behind
// is dropped rather than slowing the others or growing memory without bound.
const Buffer = 256

// catchUpWindow reaches back before the newest change seen: timeline ids are handed out
// at insert and committed in any order, so a change with a smaller id can commit later.
const catchUpWindow = 1000

// Sub is one subscription.
type Sub struct {
	C       chan *model.Incident
	Dropped chan struct{} // closed when the hub dropped a subscriber that fell behind
	match   func(store.Placed) bool
}

// Hub is this instance's subscribers and the listener that feeds them.
type Hub struct {
	st  *store.Store
	log *slog.Logger
	// connect opens the listening connection (st.ListenConn when nil); tests hold it back.
	connect func(context.Context) (*pgx.Conn, error)

	mu        sync.Mutex
	subs      map[*Sub]struct{}
	layerSubs map[*LayerSub]struct{}
	polling   int            // subscriptions that poll (Hold)
	last      int64          // newest change delivered
	started   bool           // the first connection has noted where the timeline stood
	seen      map[int64]bool // recent change ids, so a catch-up delivers each change once
	ring      []int64        // seen's ids in arrival order, to forget the oldest
	up        chan struct{}  // closed once listening on both channels
	once      sync.Once
	heard     [2]bool // listening on the incident channel, the layer channel

	// Notifications queue here and are delivered in batches, one read of the changed
	// incidents per batch: one read per notification falls behind as soon as the
	// database answers slowly. One delivery runs at a time, so that none is sent twice.
	delivering sync.Mutex
	qmu        sync.Mutex
	queue      []store.Change
	behind     bool          // the queue overflowed, or a delivery failed: catch up from the timeline
	wake       chan struct{} // a batch is waiting
}

// queueMax is how many announced changes may wait; beyond it the queue is dropped and
// the hub catches up from the timeline instead, which holds them all.
const queueMax = 10000

// New makes a hub; Run starts it.
func New(st *store.Store, log *slog.Logger) *Hub {
	return &Hub{st: st, log: log, subs: map[*Sub]struct{}{}, layerSubs: map[*LayerSub]struct{}{}, seen: map[int64]bool{}, up: make(chan struct{}), wake: make(chan struct{}, 1)}
}

// Listening is closed once the hub has connected and listens.
func (h *Hub) Listening() <-chan struct{} { return h.up }

// Run listens until ctx ends, reconnecting after a lost connection.
func (h *Hub) Run(ctx context.Context) error {
	var channel, layerChannel string
	var lastLayer int64
	for {
		var err error
		if channel, err = h.st.IncidentChannel(ctx); err == nil {
			if layerChannel, err = h.st.LayerChannel(ctx); err == nil {
				// Read before listening: layer changes committed earlier are history, not
				// told to new subscribers; those committed from here on are caught up.
				if lastLayer, err = h.st.LastLayerChange(ctx); err == nil {
					break
				}
			}
		}
		h.log.Warn("live updates: cannot name the channel yet", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	connect := h.connect
	if connect == nil {
		connect = h.st.ListenConn
	}
	l := &pgxlisten.Listener{
		Connect:        connect,
		ReconnectDelay: 500 * time.Millisecond,
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() == nil {
				h.log.Warn("live updates: listener", "err", err)
			}
		},
	}
	l.Handle(channel, h)
	l.Handle(layerChannel, &layerListener{h: h, last: lastLayer})
	go h.drain(ctx)
	return l.Listen(ctx)
}

// drain delivers the queued changes in batches until ctx ends. After a failed delivery
// (the database went away again) it waits a moment and catches up from the timeline.
func (h *Hub) drain(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		}
		h.qmu.Lock()
		batch, behind := h.queue, h.behind
		h.queue, h.behind = nil, false
		h.qmu.Unlock()
		var err error
		if behind {
			err = h.catchUp(ctx)
		}
		if err == nil && len(batch) > 0 {
			err = h.deliver(ctx, batch)
		}
		if err != nil {
			h.log.Warn("live updates: delivery failed; catching up from the timeline", "err", err)
			h.qmu.Lock()
			h.behind = true
			h.qmu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-time.After(500 * time.Millisecond):
			}
			h.signal()
		}
	}
}

// signal wakes drain.
func (h *Hub) signal() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Subscribe adds a subscriber receiving the changed incidents match accepts.
func (h *Hub) Subscribe(match func(store.Placed) bool) *Sub {
	return join(h, h.subs, &Sub{C: make(chan *model.Incident, Buffer), Dropped: make(chan struct{}), match: match})
}

// Unsubscribe removes s and closes its channel.
func (h *Hub) Unsubscribe(s *Sub) { leave(h, h.subs, s, func() { close(s.C) }) }

// join adds s to subs.
func join[S comparable](h *Hub, subs map[S]struct{}, s S) S {
	h.mu.Lock()
	subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// leave removes s from subs and then closes it, once: a dropped subscriber may leave again.
func leave[S comparable](h *Hub, subs map[S]struct{}, s S, closeIt func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := subs[s]; ok {
		delete(subs, s)
		closeIt()
	}
}

// Subscribers counts the current subscribers, those that poll (Hold) included.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs) + len(h.layerSubs) + h.polling
}

// Hold counts a subscription that polls the database rather than hearing notifications
// (the workers' positions, too many to announce one by one); release ends it.
func (h *Hub) Hold() (release func()) {
	h.mu.Lock()
	h.polling++
	h.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			h.polling--
			h.mu.Unlock()
		})
	}
}

// HandleBacklog runs after every (re)connect: the first time it notes where the
// timeline stands; after a lost connection it delivers what was written meanwhile.
func (h *Hub) HandleBacklog(ctx context.Context, _ string, _ *pgx.Conn) error {
	h.mu.Lock()
	last, started := h.last, h.started
	h.mu.Unlock()
	if !started {
		newest, err := h.st.LastChange(ctx)
		if err != nil {
			return err
		}
		h.mu.Lock()
		h.last, h.started = max(h.last, newest), true
		h.mu.Unlock()
	} else {
		if err := h.catchUp(ctx); err != nil {
			return err
		}
		h.log.Info("live updates: listening again, caught up", "from", last)
	}
	h.listening(0)
	return nil
}

// catchUp delivers what the timeline holds from a window before the newest change
// delivered: what was written while nobody listened, and what was announced but not
// delivered.
func (h *Hub) catchUp(ctx context.Context) error {
	h.mu.Lock()
	last := h.last
	h.mu.Unlock()
	for from := max(last-catchUpWindow, 0); ; {
		changes, err := h.st.ChangesSince(ctx, from, 1000)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			return nil
		}
		if err := h.deliver(ctx, changes); err != nil {
			return err
		}
		from = changes[len(changes)-1].Event
	}
}

// HandleNotification queues one change announced by a writer.
func (h *Hub) HandleNotification(ctx context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
	var p struct {
		E int64 `json:"e"`
		I int64 `json:"i"`
	}
	if err := json.Unmarshal([]byte(n.Payload), &p); err != nil {
		return err
	}
	h.qmu.Lock()
	if len(h.queue) < queueMax {
		h.queue = append(h.queue, store.Change{Event: p.E, Incident: p.I})
	} else {
		h.queue, h.behind = nil, true
	}
	h.qmu.Unlock()
	h.signal()
	return nil
}

const seenSize = 4 * catchUpWindow

// slowSubscriber is how long one delivery waits for subscribers with full buffers.
const slowSubscriber = 2 * time.Second

// deliver sends the changed incidents (as they are now) to the subscribers they match.
// A change counts as delivered only once its incident could be read: when reading fails
// (the database went away again), deliver says so and the catch-up after the next
// connection sends it.
func (h *Hub) deliver(ctx context.Context, changes []store.Change) error {
	h.delivering.Lock()
	defer h.delivering.Unlock()
	h.mu.Lock()
	var fresh []store.Change
	for _, c := range changes {
		if !h.seen[c.Event] {
			fresh = append(fresh, c)
		}
	}
	empty := len(h.subs) == 0
	h.mu.Unlock()
	if len(fresh) == 0 {
		return nil
	}
	var placed map[int64]store.Placed
	if !empty {
		ids := make([]int64, len(fresh))
		for i, c := range fresh {
			ids[i] = c.Incident
		}
		var err error
		if placed, err = h.st.IncidentPoints(ctx, ids); err != nil {
			h.log.Warn("live updates: load changed incidents; catching up after reconnecting", "err", err)
			return err
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	w := waiter{limit: slowSubscriber}
	defer w.stop()
	for _, c := range fresh {
		if h.seen[c.Event] {
			continue
		}
		h.seen[c.Event] = true
		h.ring = append(h.ring, c.Event)
		if len(h.ring) > seenSize {
			delete(h.seen, h.ring[0])
			h.ring = h.ring[1:]
		}
		h.last = max(h.last, c.Event)
		pl, ok := placed[c.Incident]
		if !ok {
			continue
		}
		for s := range h.subs {
			if s.match(pl) && !offer(&w, s.C, pl.Incident) {
				delete(h.subs, s)
				close(s.C)
				close(s.Dropped)
				h.log.Warn("live updates: dropped a subscriber that fell behind", "buffer", Buffer)
			}
		}
	}
	return nil
}

// waiter hands changes to subscribers. One whose buffer is full gets a moment to catch
// up (a catch-up after a lost connection can bring hundreds of changes at once); the
// moment is shared by every subscriber and change of one delivery, so that stuck
// subscribers hold up the others for at most that long before they are dropped.
type waiter struct {
	limit time.Duration
	timer *time.Timer
	spent bool
}

// offer sends v on c, waiting while w's moment lasts (not at all when w is nil); false:
// c is full.
func offer[T any](w *waiter, c chan T, v T) bool {
	select {
	case c <- v:
		return true
	default:
	}
	if w == nil || w.spent {
		return false
	}
	if w.timer == nil {
		w.timer = time.NewTimer(w.limit)
	}
	select {
	case c <- v:
		return true
	case <-w.timer.C:
		w.spent = true
		return false
	}
}

func (w *waiter) stop() {
	if w.timer != nil {
		w.timer.Stop()
	}
}

type dropKey struct{}

// WithDrop records how to end the connection a subscription arrives on, so that a
// subscriber that fell behind can be disconnected with a reason.
func WithDrop(ctx context.Context, drop func()) context.Context {
	return context.WithValue(ctx, dropKey{}, drop)
}

// Drop ends the connection recorded by WithDrop, if any.
func Drop(ctx context.Context) {
	if drop, ok := ctx.Value(dropKey{}).(func()); ok {
		drop()
	}
}
