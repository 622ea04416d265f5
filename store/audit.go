package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// AuditEntry is one request made with a credential.
type AuditEntry struct {
	ID           int64
	At           time.Time
	KeyID        *int64
	Principal    string
	Role         string
	Operation    string
	VariablesSHA string
	Layers       []string
	Area         *string
	DurationMS   float64
	ResultBytes  int
	Outcome      string
}

var auditCols = []string{"at", "key_id", "principal", "role", "operation", "variables_sha", "layers", "area", "duration_ms", "result_bytes", "outcome"}

// WriteAudit appends entries with one COPY.
func (s *Store) WriteAudit(ctx context.Context, es []AuditEntry) error {
	_, err := s.pool.CopyFrom(ctx, pgx.Identifier{"audit_log"}, auditCols, pgx.CopyFromSlice(len(es), func(i int) ([]any, error) {
		e := es[i]
		return []any{e.At, e.KeyID, e.Principal, e.Role, e.Operation, e.VariablesSHA, e.Layers, e.Area, float32(e.DurationMS), e.ResultBytes, e.Outcome}, nil
	}))
	return wrap(err, "write audit log")
}

// AuditQuery narrows the audit log; zero fields do not filter.
type AuditQuery struct {
	KeyPrefix string
	Since     *time.Time
	Before    int64 // entries with smaller ids (paging backwards), 0: from the newest
	Limit     int
}

// Audit reads the log, newest first.
func (s *Store) Audit(ctx context.Context, q AuditQuery) ([]AuditEntry, error) {
	var p args
	conds := []string{}
	if q.KeyPrefix != "" {
		conds = append(conds, "a.key_id = (SELECT k.id FROM api_keys k WHERE k.prefix = "+p.add(q.KeyPrefix)+")")
	}
	if q.Since != nil {
		conds = append(conds, "a.at >= "+p.add(*q.Since))
	}
	if q.Before > 0 {
		conds = append(conds, "a.id < "+p.add(q.Before))
	}
	rows, err := s.read(ctx).Query(ctx, `SELECT a.id, `+prefixed("a.", auditCols)+` FROM audit_log a WHERE `+and(conds)+
		` ORDER BY a.id DESC LIMIT `+p.add(q.Limit), p...)
	if err != nil {
		return nil, wrap(err, "read audit log")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AuditEntry, error) {
		var e AuditEntry
		var d float32
		err := r.Scan(&e.ID, &e.At, &e.KeyID, &e.Principal, &e.Role, &e.Operation, &e.VariablesSHA, &e.Layers, &e.Area, &d, &e.ResultBytes, &e.Outcome)
		e.DurationMS = float64(d)
		return e, err
	})
	return out, wrap(err, "read audit log")
}
