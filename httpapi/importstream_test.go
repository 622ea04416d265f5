package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// streamLine is one line of POST /import's NDJSON answer.
type streamLine struct {
	Progress *importProgress `json:"progress"`
	Report   *importReport   `json:"report"`
	Errors   []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code      string `json:"code"`
			Locations *struct {
				Features []struct {
					Geometry struct{ Coordinates []float64 }
				}
			} `json:"locations"`
		} `json:"extensions"`
	} `json:"errors"`
}

// uploadStream posts a file to /import (with key, when not empty) asking for the NDJSON stream and hands each line
// to onLine until it answers false (the client then goes away) or the stream ends.
func (a *api) uploadStream(t *testing.T, key, query, filename string, body []byte, onLine func(streamLine) bool) (status int, contentType string) {
	t.Helper()
	form, contentType := fileForm(t, filename, body)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, a.srv.URL+"/import?"+query, form)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/x-ndjson")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var l streamLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("a line that is not JSON: %q", sc.Text())
		}
		if !onLine(l) {
			break
		}
	}
	return resp.StatusCode, resp.Header.Get("Content-Type")
}

func TestImportStream(t *testing.T) {
	a, keys := importAPIKeys(t)
	lon, lat := a.gridPoint(t)
	before := a.scalar(`SELECT count(*) FROM service_points`)

	t.Run("progress lines name the phases in order, then the report comes last", func(t *testing.T) {
		for _, dryRun := range []string{"1", "0"} {
			var phases []string
			var last streamLine
			lines := 0
			status, ct := a.uploadStream(t, "", "layer=SERVICE_POINT&dryRun="+dryRun, "点位.geojson",
				servicePoints("stream", [2]float64{lon, lat}, [2]float64{lon, lat}, [2]float64{lon, lat}), func(l streamLine) bool {
					lines++
					last = l
					if l.Progress != nil && (len(phases) == 0 || phases[len(phases)-1] != l.Progress.Phase) {
						phases = append(phases, l.Progress.Phase)
					}
					return true
				})
			if status != http.StatusOK || ct != ndjson {
				t.Fatalf("dryRun=%s: status %d, %s; want 200 and %s", dryRun, status, ct, ndjson)
			}
			if strings.Join(phases, ",") != "reading,checking,writing" {
				t.Errorf("dryRun=%s: phases %v, want reading, checking, writing", dryRun, phases)
			}
			r := last.Report
			if r == nil {
				t.Fatalf("dryRun=%s: the last of %d lines is no report: %+v", dryRun, lines, last)
			}
			if r.Rows != 3 || r.Errors != 0 || r.Inserted != 3 || r.Written != (dryRun == "0") {
				t.Errorf("dryRun=%s: report %+v, want 3 rows, all to insert", dryRun, r)
			}
		}
		if got := a.scalar(`SELECT count(*) FROM service_points`); got != before+3 {
			t.Errorf("%d service points, want %d after one dry run and one import of 3", got, before+3)
		}
	})

	t.Run("the last progress line counts every row read", func(t *testing.T) {
		var rows int64 = -1
		a.uploadStream(t, "", "layer=SERVICE_POINT&dryRun=1", "点位.geojson", servicePoints("count", [2]float64{lon, lat}, [2]float64{lon, lat}),
			func(l streamLine) bool {
				if l.Progress != nil && l.Progress.Phase == "writing" {
					rows = l.Progress.Rows
				}
				return true
			})
		if rows != 2 {
			t.Errorf("the writing phase says %d rows read, want 2", rows)
		}
	})

	t.Run("a file whose rows land far away ends with a coded error saying where", func(t *testing.T) {
		far := [2]float64{lon + 8, lat}
		var last streamLine
		a.uploadStream(t, keys["command_center"], "layer=SERVICE_POINT&dryRun=1", "点位.geojson", servicePoints("far", far, far, far), func(l streamLine) bool {
			last = l
			return true
		})
		if len(last.Errors) != 1 || last.Errors[0].Extensions.Code != "BAD_GEOMETRY" {
			t.Fatalf("last line %+v: want one BAD_GEOMETRY error", last)
		}
		locs := last.Errors[0].Extensions.Locations
		if locs == nil || len(locs.Features) != 1 {
			t.Fatalf("error %+v: want the place the rows landed", last.Errors[0])
		}
		if c := locs.Features[0].Geometry.Coordinates; len(c) != 2 || c[0] < far[0]-0.01 || c[0] > far[0]+0.01 || c[1] < far[1]-0.01 || c[1] > far[1]+0.01 {
			t.Errorf("the rows landed at %v, want %v", c, far)
		}
		// The answer was 200 before the error: the audit log keeps the error's code.
		a.awaitOne(t, `SELECT count(*) FROM audit_log WHERE operation = 'IMPORT /import' AND role = 'command_center' AND outcome = 'BAD_GEOMETRY'`,
			"audit entries of the refused import with its code")
	})

	t.Run("bad input before the upload is read keeps its status", func(t *testing.T) {
		status, ct := a.uploadStream(t, "", "layer=INCIDENTS", "点位.geojson", servicePoints("bad", [2]float64{lon, lat}), func(streamLine) bool { return true })
		if status != http.StatusBadRequest || ct != "application/json" {
			t.Errorf("status %d, %s: want 400 application/json", status, ct)
		}
	})

	t.Run("a client that goes away stops the import: nothing is written", func(t *testing.T) {
		held := holdTable(t, a, "service_points")
		sawWriting := false
		a.uploadStream(t, "", "layer=SERVICE_POINT&dryRun=0", "点位.geojson", servicePoints("gone", [2]float64{lon, lat}, [2]float64{lon, lat}),
			func(l streamLine) bool {
				if l.Progress == nil || l.Progress.Phase != "writing" {
					return true
				}
				sawWriting = true
				held.waitedFor()
				return false
			})
		if !sawWriting {
			t.Fatal("the import never reached its writing phase")
		}
		held.release()
		if n := a.scalar(`SELECT count(*) FROM service_points WHERE source_id LIKE 'gone-%'`); n != 0 {
			t.Errorf("%d rows of the abandoned import written", n)
		}
	})
}

// heldTable is a table locked against writes, so that an import waits in its writing
// phase for as long as a test needs.
type heldTable struct {
	t     *testing.T
	a     *api
	table string
	tx    pgx.Tx
	rows  int
}

func holdTable(t *testing.T, a *api, table string) *heldTable {
	t.Helper()
	ctx := context.Background()
	tx, err := a.db.Store.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(ctx) })
	if _, err := tx.Exec(ctx, `LOCK TABLE `+pgx.Identifier{table}.Sanitize()+` IN EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	return &heldTable{t: t, a: a, table: table, tx: tx, rows: a.scalar(`SELECT count(*) FROM ` + pgx.Identifier{table}.Sanitize())}
}

// waiters counts the sessions waiting for the table.
func (h *heldTable) waiters() int {
	return h.a.scalar(`SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
		WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace AND NOT l.granted`, h.table)
}

func (h *heldTable) until(what string, done func() bool) {
	h.t.Helper()
	for i := 0; !done(); i++ {
		if i == 400 {
			h.t.Fatal(what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// waitedFor waits until an import waits for the table.
func (h *heldTable) waitedFor() {
	h.t.Helper()
	h.until("no import waited for "+h.table, func() bool { return h.waiters() > 0 })
}

// release waits until nothing waits for the table any more (the import was stopped),
// lets the table go and checks that it holds the rows it held before.
func (h *heldTable) release() {
	h.t.Helper()
	h.until("an import still waits for "+h.table+" after its client left", func() bool { return h.waiters() == 0 })
	if err := h.tx.Rollback(context.Background()); err != nil {
		h.t.Fatal(err)
	}
	if got := h.a.scalar(`SELECT count(*) FROM ` + pgx.Identifier{h.table}.Sanitize()); got != h.rows {
		h.t.Errorf("%s holds %d rows after the import's client left, want the %d it held", h.table, got, h.rows)
	}
}
