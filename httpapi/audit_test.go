package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestAuditLog(t *testing.T) {
	g := guardedDistrict(t)
	before := time.Now().Add(-time.Second)
	r := g.as(g.keys["judicial"], `query Disputes { incidents(area: {bbox: [109.8, 40.6, 109.9, 40.7]}, first: 3) { totalCount } }`, nil)
	if r.codeOf() != "ok" {
		t.Fatal(string(r.raw))
	}
	g.as(g.keys["judicial"], `query Cams { cameras { totalCount } }`, nil)
	var got struct {
		AuditLog []struct {
			Principal, Role, Operation, Outcome, VariablesSha256 string
			Layers                                               []string
			Area                                                 *string
			ResultBytes                                          int
		}
	}
	var disputes, cams bool
	deadline := time.Now().Add(20 * time.Second) // a loaded machine may take a while
	for time.Now().Before(deadline) && !(disputes && cams) {
		time.Sleep(200 * time.Millisecond) // entries are written in batches, off the request path
		r := g.as(g.keys["command_center"], `query($s: DateTime) { auditLog(since: $s, first: 50) { principal role operation outcome variablesSha256 layers area resultBytes } }`,
			map[string]any{"s": before.Format(time.RFC3339Nano)})
		_ = json.Unmarshal(r.Data, &got)
		for _, e := range got.AuditLog {
			switch e.Operation {
			case "Disputes":
				disputes = e.Role == "judicial" && e.Outcome == "ok" && len(e.Layers) == 1 && e.Layers[0] == "INCIDENT" &&
					e.Area != nil && strings.HasPrefix(*e.Area, "bbox") && len(e.VariablesSha256) == 64 && e.ResultBytes > 0
			case "Cams":
				cams = e.Outcome == "FORBIDDEN"
			}
		}
	}
	if !disputes || !cams {
		t.Errorf("audit log %+v: want the judicial key's Disputes (ok, INCIDENT, bbox) and Cams (FORBIDDEN)", got.AuditLog)
	}
}
