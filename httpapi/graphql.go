package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"

	"gridhub/auth"
	"gridhub/graph"
	"gridhub/live"
	"gridhub/resolvers"
	"gridhub/store"
)

// Limits that refuse abusive documents before any SQL runs.
const (
	parserTokenLimit = 4000 // a million-level nesting never gets parsed
	maxDepth         = 15
	maxAliases       = 60
	maxRootFields    = 20
	maxErrors        = 20
)

// newGraphQL builds the GraphQL handler with only the transports we serve: POST
// application/json, GET for queries, and websocket. Form and text/plain transports are
// left out so that no cross-site form can post a mutation without a CORS preflight.
func newGraphQL(st *store.Store, hub *live.Hub, an *auth.Authenticator, au *auditor, adm *admission, cfg Config, log *slog.Logger, m *metrics) http.Handler {
	r := &resolvers.Resolver{Store: st, Live: hub, Log: log, Cursor: resolvers.NewCursors(cfg.CursorSecret)}
	es := graph.NewExecutableSchema(graph.Config{Resolvers: r, Complexity: complexity()})
	srv := handler.New(es)
	srv.AddTransport(transport.Websocket{
		KeepAlivePingInterval: 10 * time.Second,
		InitTimeout:           10 * time.Second,
		InitFunc: func(ctx context.Context, init transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			// Browsers cannot set headers on a websocket: the credential comes in
			// connection_init, as GraphiQL and Apollo send it.
			if cred := init.Authorization(); cred != "" || auth.From(ctx) == nil {
				p, err := an.Principal(ctx, auth.Bearer(cred))
				if err != nil {
					return transport.AppendCloseReason(ctx, "unauthenticated"), nil, err
				}
				ctx = resolvers.WithActor(auth.With(ctx, p), p.Name)
			}
			// A subscriber that falls too far behind is disconnected with this reason.
			ctx, cancel := context.WithCancel(ctx)
			ctx = live.WithDrop(ctx, cancel)
			ctx = transport.AppendCloseReason(ctx, fmt.Sprintf("disconnected: more than %d incident changes were waiting; reconnect and resubscribe", live.Buffer))
			return ctx, nil, nil
		},
		Implementation: transport.CoderWebsocketImplementation{
			AcceptOptions: websocket.AcceptOptions{OriginPatterns: originHosts(cfg.CORSOrigins)},
		},
	})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(postJSON{log: log})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(parserTokenLimit)
	srv.SetDisableSuggestion(true)
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	if cfg.AllowList != nil {
		srv.Use(allowList(cfg.AllowList))
	}
	srv.Use(shapeLimit{})
	srv.Use(&roleLimits{})
	srv.Use(&extension.ComplexityLimit{Func: roleComplexity(cfg.ComplexityLimit)})
	guard := resolvers.NewFieldGuard(es.Schema())
	srv.AroundFields(guard.Around)
	if !cfg.ResolveEveryField {
		srv.AroundRootFields(resolvers.NewCompiler(r, guard).Around)
	}
	srv.SetErrorPresenter(presenter(log, m))
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(v))
		return errPanic
	})
	srv.AroundOperations(primaryFor)
	srv.AroundOperations(au.around)
	srv.AroundOperations(adm.around)
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		op := graphql.GetOperationContext(ctx).OperationName
		if op == "" {
			op = "anonymous"
		}
		start := time.Now()
		m.requests.WithLabelValues(op).Inc()
		h := next(ctx)
		return func(ctx context.Context) *graphql.Response {
			resp := h(ctx)
			m.latency.WithLabelValues(op).Observe(time.Since(start).Seconds())
			if errors.Is(ctx.Err(), context.Canceled) {
				// One line for the whole request, however many fields it stopped.
				m.cancelled.Inc()
				log.InfoContext(ctx, "request cancelled by the client", "operation", op, "took", time.Since(start))
			}
			return resp
		}
	})
	srv.AroundResponses(lsnExtension)
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if resp != nil && len(resp.Errors) > maxErrors {
			resp.Errors = resp.Errors[:maxErrors]
		}
		return resp
	})
	return srv
}

// originHosts turns the CORS allow-list into the host patterns the websocket accept
// checks browsers' Origin against (the page's own host is always allowed).
func originHosts(origins []string) []string {
	var hosts []string
	for _, o := range origins {
		if o == "*" {
			return []string{"*"}
		}
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			hosts = append(hosts, u.Host)
		}
	}
	return hosts
}
