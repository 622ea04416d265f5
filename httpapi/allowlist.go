package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"gridhub/model"
)

// LoadAllowList reads a JSON array of GraphQL documents: in production, the only
// operations the server runs (what the deployed clients send, and nothing crafted).
func LoadAllowList(path string) (map[string]bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("allow-list: %w", err)
	}
	var docs []string
	if err := json.Unmarshal(b, &docs); err != nil {
		return nil, fmt.Errorf("allow-list: want a JSON array of GraphQL documents: %w", err)
	}
	out := map[string]bool{}
	for _, d := range docs {
		out[docHash(d)] = true
	}
	return out, nil
}

func docHash(doc string) string {
	h := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(h[:])
}

// allowList refuses documents not on the list; it runs after persisted queries are
// resolved, so a client may send a hash of an allowed document instead of its text.
type allowList map[string]bool

func (allowList) ExtensionName() string                   { return "AllowList" }
func (allowList) Validate(graphql.ExecutableSchema) error { return nil }
func (a allowList) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if a[docHash(p.Query)] {
		return nil
	}
	e := gqlerror.Errorf("this operation is not on the server's allow-list")
	e.Extensions = map[string]any{"code": model.CodeForbidden}
	return e
}
