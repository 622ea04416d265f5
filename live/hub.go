// Package live fans incident changes out to GraphQL subscribers. Changes come from
// PostgreSQL LISTEN/NOTIFY, so a change written through any server instance reaches the
// subscribers of every instance; after the listening connection is lost, the hub catches
// up from the timeline table, so a subscriber that stays connected misses nothing.
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

	mu      sync.Mutex
	subs    map[*Sub]struct{}
	last    int64          // newest change delivered
	started bool           // the first connection has noted where the timeline stood
	seen    map[int64]bool // recent change ids, so a catch-up delivers each change once
	ring    []int64        // seen's ids in arrival order, to forget the oldest
	up      chan struct{}  // closed once listening
	once    sync.Once
}

// New makes a hub; Run starts it.
func New(st *store.Store, log *slog.Logger) *Hub {
	return &Hub{st: st, log: log, subs: map[*Sub]struct{}{}, seen: map[int64]bool{}, up: make(chan struct{})}
}

// Listening is closed once the hub has connected and listens.
func (h *Hub) Listening() <-chan struct{} { return h.up }

// Run listens until ctx ends, reconnecting after a lost connection.
func (h *Hub) Run(ctx context.Context) error {
	var channel string
	for {
		var err error
		if channel, err = h.st.IncidentChannel(ctx); err == nil {
			break
		}
		h.log.Warn("live updates: cannot name the channel yet", "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	l := &pgxlisten.Listener{
		Connect:        h.st.ListenConn,
		ReconnectDelay: 500 * time.Millisecond,
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() == nil {
				h.log.Warn("live updates: listener", "err", err)
			}
		},
	}
	l.Handle(channel, h)
	return l.Listen(ctx)
}

// Subscribe adds a subscriber receiving the changed incidents match accepts.
func (h *Hub) Subscribe(match func(store.Placed) bool) *Sub {
	s := &Sub{C: make(chan *model.Incident, Buffer), Dropped: make(chan struct{}), match: match}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	return s
}

// Unsubscribe removes s and closes its channel.
func (h *Hub) Unsubscribe(s *Sub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; ok {
		delete(h.subs, s)
		close(s.C)
	}
}

// Subscribers counts the current subscribers.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
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
		for from := max(last-catchUpWindow, 0); ; {
			changes, err := h.st.ChangesSince(ctx, from, 1000)
			if err != nil {
				return err
			}
			if len(changes) == 0 {
				break
			}
			h.deliver(ctx, changes)
			from = changes[len(changes)-1].Event
		}
		h.log.Info("live updates: listening again, caught up", "from", last)
	}
	h.once.Do(func() { close(h.up) })
	return nil
}

// HandleNotification delivers one change announced by a writer.
func (h *Hub) HandleNotification(ctx context.Context, n *pgconn.Notification, _ *pgx.Conn) error {
	var p struct {
		E int64 `json:"e"`
		I int64 `json:"i"`
	}
	if err := json.Unmarshal([]byte(n.Payload), &p); err != nil {
		return err
	}
	h.deliver(ctx, []store.Change{{Event: p.E, Incident: p.I}})
	return nil
}

const seenSize = 4 * catchUpWindow

// deliver sends the changed incidents (as they are now) to the subscribers they match.
func (h *Hub) deliver(ctx context.Context, changes []store.Change) {
	h.mu.Lock()
	var ids []int64
	for _, c := range changes {
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
		ids = append(ids, c.Incident)
	}
	empty := len(h.subs) == 0
	h.mu.Unlock()
	if len(ids) == 0 || empty {
		return
	}
	placed, err := h.st.IncidentPoints(ctx, ids)
	if err != nil {
		h.log.Warn("live updates: load changed incidents", "err", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, id := range ids {
		pl, ok := placed[id]
		if !ok {
			continue
		}
		for s := range h.subs {
			if !s.match(pl) {
				continue
			}
			select {
			case s.C <- pl.Incident:
			default:
				delete(h.subs, s)
				close(s.C)
				close(s.Dropped)
				h.log.Warn("live updates: dropped a subscriber that fell behind", "buffer", Buffer)
			}
		}
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
