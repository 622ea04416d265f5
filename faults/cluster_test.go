package faults

import (
	"testing"

	"gridhub/internal/pgcluster"
)

// cluster is a PostgreSQL server of the test's own (internal/pgcluster), so that it can
// be stopped, killed and started again without touching the cluster every other test uses.
type cluster struct{ *pgcluster.Cluster }

func newCluster(t testing.TB) *cluster { return &cluster{pgcluster.New(t)} }

func (c *cluster) url(name string) string { return c.URL(name) }
