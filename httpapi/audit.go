package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"

	"gridhub/auth"
	"gridhub/store"
)

// auditor records every request made with a credential, off the request path: entries
// queue in memory and are written in batches, kept and tried again while the database
// is away; if it stays away or falls behind, entries beyond the queue are dropped and
// counted rather than slowing requests down.
type auditor struct {
	st      *store.Store
	log     *slog.Logger
	queue   chan store.AuditEntry
	dropped prometheus.Counter
	done    chan struct{}
}

const (
	auditQueue = 10000
	auditBatch = 500
	auditEvery = 500 * time.Millisecond
)

func newAuditor(st *store.Store, log *slog.Logger, reg *prometheus.Registry) *auditor {
	a := &auditor{st: st, log: log, queue: make(chan store.AuditEntry, auditQueue), done: make(chan struct{}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "gridhub_audit_dropped_total", Help: "Audit entries dropped because the writer fell behind."})}
	reg.MustRegister(a.dropped)
	go a.run()
	return a
}

func (a *auditor) add(e store.AuditEntry) {
	select {
	case a.queue <- e:
	default:
		a.dropped.Inc()
	}
}

func (a *auditor) run() {
	defer close(a.done)
	t := time.NewTicker(auditEvery)
	defer t.Stop()
	var batch []store.AuditEntry
	flush := func() {
		if len(batch) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.st.WriteAudit(ctx, batch); err != nil {
			// Kept for the next tick (the database may be restarting), up to a queue's
			// worth; beyond that the oldest are dropped and counted.
			a.log.Warn("audit log not written yet", "entries", len(batch), "err", err)
			if over := len(batch) - auditQueue; over > 0 {
				a.dropped.Add(float64(over))
				batch = append(batch[:0], batch[over:]...)
			}
			return
		}
		batch = batch[:0]
	}
	for {
		select {
		case e, ok := <-a.queue:
			if !ok {
				flush()
				return
			}
			if batch = append(batch, e); len(batch)%auditBatch == 0 {
				flush()
			}
		case <-t.C:
			flush()
		}
	}
}

// close writes what is queued and stops.
func (a *auditor) close() {
	close(a.queue)
	<-a.done
}

// around is the operation middleware that records the request once it is answered.
func (a *auditor) around(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	p := auth.From(ctx)
	if !audited(p) {
		return next(ctx)
	}
	oc := graphql.GetOperationContext(ctx)
	start := time.Now()
	touched := &auth.Touched{}
	h := next(auth.WithTouched(ctx, touched))
	first := true
	return func(ctx context.Context) *graphql.Response {
		resp := h(ctx)
		if !first || resp == nil {
			return resp // a subscription's later events are not requests
		}
		first = false
		vars, _ := json.Marshal(oc.Variables)
		e := entry(p, start, opName(oc), vars, touched, len(resp.Data))
		if len(resp.Errors) > 0 {
			e.Outcome, _ = resp.Errors[0].Extensions["code"].(string)
			if e.Outcome == "" {
				e.Outcome = "error"
			}
		}
		a.add(e)
		return resp
	}
}

// audited reports whether p's requests are recorded: those made with a key or a token.
func audited(p *auth.Principal) bool {
	return p != nil && (p.KeyID != nil || strings.HasPrefix(p.Name, "jwt:"))
}

// entry is the record of a request by p that began at start, whose arguments (hashed)
// were args, which read what touched collected and answered size bytes.
func entry(p *auth.Principal, start time.Time, op string, args []byte, touched *auth.Touched, size int) store.AuditEntry {
	sum := sha256.Sum256(args)
	layers, areas := touched.Result()
	e := store.AuditEntry{At: start, KeyID: p.KeyID, Principal: p.Name, Role: p.Role.Name, Operation: op,
		VariablesSHA: hex.EncodeToString(sum[:]), Layers: layers, DurationMS: float64(time.Since(start).Microseconds()) / 1000,
		ResultBytes: size, Outcome: "ok"}
	if layers == nil {
		e.Layers = []string{}
	}
	if len(areas) > 0 {
		s := strings.Join(areas, "; ")
		e.Area = &s
	}
	return e
}

func opName(oc *graphql.OperationContext) string {
	if oc.OperationName != "" {
		return oc.OperationName
	}
	if oc.Operation != nil {
		if oc.Operation.Name != "" {
			return oc.Operation.Name
		}
		return string(oc.Operation.Operation) + " (anonymous)"
	}
	return "anonymous"
}
