// Package resolvers answers GraphQL fields: parse arguments, check them, call a loader or
// the store. No SQL here.
package resolvers

import (
	"log/slog"

	"gridhub/live"
	"gridhub/store"
)

// Resolver holds what every resolver needs.
type Resolver struct {
	Store  *store.Store
	Live   *live.Hub
	Log    *slog.Logger
	Cursor *Cursors
}

// Limits on arguments; each is stated in the OUT_OF_RANGE message when exceeded.
const (
	MaxFirst           = 1000
	MaxCollection      = 50000
	maxZoom            = 22
	maxRadius          = 50000.0
	maxNearbyCameras   = 2000.0
	maxPolygonVertices = 10000
	clusterPixels      = 64
	clusterIDsMaxCount = 20
)
