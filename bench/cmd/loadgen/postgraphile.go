package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
)

// peerCollection is PostGraphile's request for a collection workload: the query for the
// layer's table, bench/peers/postgraphile/queries/<table>.graphql, over the same bbox,
// checked to return the same features (by database id) as gridhub. No peer configured:
// nil and a note.
func (b *bench) peerCollection(ctx context.Context, l layerSQL, x box, want []int64) (*target, string, error) {
	if b.o.Peer == "" {
		return nil, "PostGraphile was not measured (not started; see bench/run.sh's output)", nil
	}
	file := filepath.Join(b.o.PeerQueries, l.table+".graphql")
	q, err := os.ReadFile(file)
	if err != nil {
		return nil, "", fmt.Errorf("PostGraphile's query: %w", err)
	}
	body := gql(string(q), map[string]any{"area": x.polygon(), "n": collectionLimit})
	raw, err := b.fetch(ctx, "POST", b.o.Peer, body)
	if err != nil {
		return nil, "", fmt.Errorf("PostGraphile: %w", err)
	}
	// Every query answers {data: {<one field>: {nodes: [{id, ...}]}}}.
	var resp struct {
		Data map[string]struct {
			Nodes []struct {
				ID string `json:"id"`
			}
		}
	}
	if err := json.Unmarshal(raw, &resp); err != nil || len(resp.Data) != 1 {
		return nil, "", fmt.Errorf("PostGraphile's answer is not one connection: %.200s", raw)
	}
	var got []int64
	for _, conn := range resp.Data {
		for _, n := range conn.Nodes {
			v, err := strconv.ParseInt(n.ID, 10, 64)
			if err != nil {
				return nil, "", fmt.Errorf("PostGraphile id %q", n.ID)
			}
			got = append(got, v)
		}
	}
	if !slices.Equal(got, want) {
		return nil, "", fmt.Errorf("PostGraphile returns %d %s, gridhub %d, not the same ids", len(got), l.table, len(want))
	}
	note := fmt.Sprintf("PostGraphile (%s): the same %d ids in the same order, %d bytes", filepath.Base(file), len(got), len(raw))
	return &target{namePeer, b.request("POST", b.o.Peer, body)}, note, nil
}
