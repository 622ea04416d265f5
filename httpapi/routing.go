package httpapi

import (
	"context"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"gridhub/model"
	"gridhub/store"
)

// lsnHeader carries a commit position: a write's answer tells where it committed, and a
// request that sends it back is read from a replica only once that replica has replayed it.
const lsnHeader = "X-Gridhub-LSN"

// routeReads reads a request's position and makes its writes' position its answer's.
func routeReads(st *store.Store, next http.Handler) http.Handler {
	if st.Routing() == nil {
		// One database: every read sees every write, no position is needed.
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if v := r.Header.Get(lsnHeader); v != "" {
			lsn, err := store.ParseLSN(v)
			if err != nil {
				refuse(w, r, http.StatusBadRequest, 0, model.CodeBadInput, lsnHeader+" must be a WAL position as a write answered it, like 16/B374D848")
				return
			}
			ctx = store.WithMinLSN(ctx, lsn)
		}
		wr := &store.Writes{}
		ctx = store.WithWrites(ctx, wr)
		next.ServeHTTP(&lsnWriter{ResponseWriter: w, writes: wr}, r.WithContext(ctx))
	})
}

// lsnWriter adds the position of the request's writes to its answer's headers.
type lsnWriter struct {
	http.ResponseWriter
	writes  *store.Writes
	written bool
}

func (w *lsnWriter) WriteHeader(code int) {
	if !w.written {
		w.written = true
		if l := w.writes.LSN(); l != 0 {
			w.Header().Set(lsnHeader, l.String())
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *lsnWriter) Write(b []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController and the websocket upgrader reach the connection.
func (w *lsnWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// primaryFor sends a mutation's reads (its answer) and a subscription's (what it
// delivers, just committed) to the primary: they must see their own writes.
func primaryFor(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation != ast.Query {
		ctx = store.WithPrimary(ctx)
	}
	return next(ctx)
}

// lsnExtension puts the position of the operation's writes in the answer's extensions,
// for clients that read the body only (and over the websocket).
func lsnExtension(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil {
		return nil
	}
	if w := store.WritesFrom(ctx); w != nil {
		if l := w.LSN(); l != 0 {
			if resp.Extensions == nil {
				resp.Extensions = map[string]any{}
			}
			resp.Extensions["lsn"] = l.String()
		}
	}
	return resp
}
