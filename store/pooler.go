package store

import (
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// PoolerIgnoredParameters are the settings gridhub sends when it connects that a
// transaction pooler (PgBouncer) must be told to ignore (ignore_startup_parameters):
// it cannot keep a session's settings across the server connections it hands out.
var PoolerIgnoredParameters = strings.Join([]string{"statement_timeout", "lock_timeout",
	"idle_in_transaction_session_timeout", "jit", "max_parallel_workers_per_gather", "search_path", "extra_float_digits"}, ",")

// PoolerRoleSettings are the statements that give role, on the database itself, the
// settings a pooler drops: every server connection PgBouncer opens for it then has them.
func PoolerRoleSettings(role string) []string {
	r := pgx.Identifier{role}.Sanitize()
	set := func(k, v string) string { return fmt.Sprintf("ALTER ROLE %s SET %s = %s", r, k, v) }
	return []string{
		set("statement_timeout", fmt.Sprint(int64(30*time.Second/time.Millisecond))),
		set("lock_timeout", fmt.Sprint(int64(5*time.Second/time.Millisecond))),
		set("idle_in_transaction_session_timeout", "30000"),
		set("jit", "off"),
		set("max_parallel_workers_per_gather", "0"),
	}
}
