package auth

import (
	"context"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"gridhub/model"
	"gridhub/store"
)

// Principal is the caller of one request.
type Principal struct {
	// KeyID is the API key's id; nil for JWT and anonymous callers.
	KeyID *int64
	// Name is who the timeline and the audit log record: the key's name or the token's subject.
	Name string
	Role *Role
	// FenceCode narrows what the caller sees to one grid's subtree (the key's own fence,
	// or the role's).
	FenceCode    string
	FencePolygon orb.MultiPolygon
	// WorkerID is the grid worker a worker's key belongs to; nil for everyone else.
	WorkerID *int64

	// The scope is worked out once: the authenticator hands out one principal per key
	// while it trusts the key, and building the scope cost a request ~30 allocations.
	scopeOnce sync.Once
	scope     *store.Scope
}

type principalKey struct{}

// With returns ctx carrying p, and the store scope p's role and fence imply.
func With(ctx context.Context, p *Principal) context.Context {
	return store.WithScope(context.WithValue(ctx, principalKey{}, p), p.Scope())
}

// From returns the request's principal, nil when there is none.
func From(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// metresPerDegree is a degree of latitude; coarsening snaps to a square grid of
// degrees, a little finer east-west at the district's latitude, which only helps.
const metresPerDegree = 111320.0

// Scope is what the store applies to every read for p.
func (p *Principal) Scope() *store.Scope {
	p.scopeOnce.Do(func() { p.scope = p.newScope() })
	return p.scope
}

func (p *Principal) newScope() *store.Scope {
	r := p.Role
	s := &store.Scope{FenceCode: p.FenceCode, Hidden: map[model.Layer]map[string]bool{}, Masked: map[model.Layer]map[string]bool{}}
	if p.FencePolygon != nil {
		s.FenceWKB, _ = wkb.Marshal(p.FencePolygon)
	}
	if len(r.Rows) > 0 {
		s.Kinds = map[model.Layer][]string{}
		for l, kinds := range r.Rows {
			if l == model.LayerIncident {
				s.Categories = kinds
			} else {
				s.Kinds[l] = kinds
			}
		}
	}
	if len(r.Coarsen) > 0 {
		s.Snap = map[model.Layer]float64{}
		for l, m := range r.Coarsen {
			s.Snap[l] = m / metresPerDegree
		}
	}
	// Properties of built JSON follow the GraphQL field rules of the layer's type.
	for _, l := range model.Layers {
		typ := TypeOf(l)
		for _, prop := range store.PropertyNames(l) {
			rule := r.Field(typ, prop)
			if rule == Deny || rule == Hide || rule == Mask {
				mark(s.Hidden, l, prop)
			}
			if rule == Mask {
				mark(s.Masked, l, prop)
			}
		}
	}
	return s
}

func mark(m map[model.Layer]map[string]bool, l model.Layer, prop string) {
	if m[l] == nil {
		m[l] = map[string]bool{}
	}
	m[l][prop] = true
}

// TypeOf is the GraphQL type of a layer's features.
func TypeOf(l model.Layer) string {
	switch l {
	case model.LayerPartyUnit:
		return "PartyUnit"
	case model.LayerServicePoint:
		return "ServicePoint"
	case model.LayerWorker:
		return "GridWorker"
	}
	s := strings.ToLower(string(l))
	return strings.ToUpper(s[:1]) + s[1:]
}

// MaskDigits hides the middle of a phone number: 13812341234 → 138****1234.
func MaskDigits(s string) string {
	r := []rune(s)
	if len(r) <= 7 {
		return strings.Repeat("*", len(r))
	}
	for i := 3; i < len(r)-4; i++ {
		r[i] = '*'
	}
	return string(r)
}
