package main

import (
	"encoding/json"
	"slices"
	"testing"
)

func decode(t *testing.T, raw string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// gridhub's edges { node } and PostGraphile's nodes, with their own relation names, come
// to the same rows; a missing relation ends the chain.
func TestNestedShapesAgree(t *testing.T) {
	hub := decode(t, `{"edges":[{"node":{"code":"A","grid":{"code":"g","parent":{"code":"p","parent":null}}}},
		{"node":{"code":"B","grid":null}}]}`)
	peer := decode(t, `{"nodes":[{"code":"A","gridByGridId":{"code":"g","gridByParentId":{"code":"p","gridByParentId":null}}},
		{"code":"B","gridByGridId":null}]}`)
	want := []string{"A g p", "B"}
	if got := hubShape.n1Rows(hub); !slices.Equal(got, want) {
		t.Errorf("gridhub N1 rows %q, want %q", got, want)
	}
	if got := peerShape.n1Rows(peer); !slices.Equal(got, want) {
		t.Errorf("PostGraphile N1 rows %q, want %q", got, want)
	}

	hub = decode(t, `{"edges":[{"node":{"code":"G","buildings":{"edges":[{"node":{"name":"b1","floors":6}}]},
		"incidents":{"edges":[{"node":{"code":"i1","status":"CLOSED"}},{"node":{"code":"i2","status":"REPORTED"}}]}}}]}`)
	peer = decode(t, `{"nodes":[{"code":"G","buildingsByGridId":{"nodes":[{"name":"b1","floors":6}]},
		"incidentsByGridId":{"nodes":[{"code":"i1","status":"CLOSED"},{"code":"i2","status":"REPORTED"}]}}]}`)
	want = []string{"G | b1:6 | i1:CLOSED i2:REPORTED"}
	if got := hubShape.n2Rows(hub); !slices.Equal(got, want) {
		t.Errorf("gridhub N2 rows %q, want %q", got, want)
	}
	if got := peerShape.n2Rows(peer); !slices.Equal(got, want) {
		t.Errorf("PostGraphile N2 rows %q, want %q", got, want)
	}
	if err := sameRows("peer", []string{"A", "C"}, []string{"A", "B"}); err == nil {
		t.Error("rows that differ compared equal")
	}
}

// W6's PostGraphile answer decodes to the rows gridhub's does.
func TestPeerIncidents(t *testing.T) {
	conn := decode(t, `{"nodes":[{"code":"A","gridByGridId":{"code":"g","gridByParentId":{"code":"p"}},
		"nearbyCameras":{"nodes":[{"distanceMeters":43.69155021,"name":"c1"}]}}]}`)
	hub, err := decodeHubIncidents([]byte(`{"data":{"incidents":{"edges":[{"node":{"code":"A","grid":{"code":"g","parent":{"code":"p"}},
		"nearbyCameras":[{"distanceMeters":43.69155021,"feature":{"name":"c1"}}]}}]}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rowStrings(peerIncidents(conn)), rowStrings(hub); !slices.Equal(got, want) || len(got) != 1 {
		t.Errorf("PostGraphile %q, gridhub %q", got, want)
	}
}
