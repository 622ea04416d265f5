package httpapi

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"gridhub/importer"
)

// ndjson is the media type a client names in Accept to have POST /import answer as a
// stream: progress lines while the import runs, then the report (or the error) as the
// last line. Without it the answer is the report alone, as curl users expect.
const ndjson = "application/x-ndjson"

func wantsStream(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), ndjson)
}

// importProgress is one progress line: {"progress": {...}}.
type importProgress struct {
	Phase string `json:"phase"` // reading, checking, writing (a dry run: counting what it would write)
	Rows  int64  `json:"rows"`  // rows read so far
	// Done is the share of the file read (0 to 1); 0 while unknown (XLSX, Shapefile,
	// GeoPackage are read whole before their rows come).
	Done float64 `json:"done"`
	// RowsPerSecond is the reading's pace: once the rows are read it stays as it ended.
	RowsPerSecond float64 `json:"rowsPerSecond"`
	ElapsedMs     int64   `json:"elapsedMs"`
}

// streamLinger is how long a stream may go quiet: a line then repeats where the import
// stands, so that the operator sees it alive and proxies keep the connection.
const streamLinger = 2 * time.Second

// streamWriteWindow is how long one line may take to reach the client; each line moves
// the server's write deadline on by it, so that an import may run past it in all.
const streamWriteWindow = time.Minute

// importStream writes an import's progress as NDJSON lines. The importer reports from
// more than one goroutine, so every line is written under mu.
type importStream struct {
	mu    sync.Mutex
	w     http.ResponseWriter
	rc    *http.ResponseController
	start time.Time
	cur   importProgress
	last  time.Time
	ended bool
	stop  chan struct{}
	done  chan struct{}
}

// startStream sends the header and the first line, and keeps the stream alive until end.
func startStream(w http.ResponseWriter, o *importer.Options) *importStream {
	s := &importStream{w: w, rc: http.NewResponseController(w), start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	w.Header().Set("Content-Type", ndjson)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	o.Progress = func(rows int64, done float64) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.cur.Rows, s.cur.Done = rows, done
		s.progress()
	}
	o.Phase = func(name string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.cur.Phase == importer.PhaseReading {
			s.setPace()
		}
		s.cur.Phase = name
		s.progress()
	}
	go func() {
		defer close(s.done)
		t := time.NewTicker(streamLinger / 2)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				s.mu.Lock()
				if time.Since(s.last) >= streamLinger {
					s.progress()
				}
				s.mu.Unlock()
			}
		}
	}()
	return s
}

// progress writes the current state; the caller holds mu.
func (s *importStream) progress() {
	if s.ended {
		return
	}
	s.cur.ElapsedMs = time.Since(s.start).Milliseconds()
	if s.cur.Phase == importer.PhaseReading {
		s.setPace()
	}
	s.line(map[string]any{"progress": s.cur})
}

// setPace sets the rows read per second so far; the caller holds mu.
func (s *importStream) setPace() {
	if el := time.Since(s.start); el > 0 {
		s.cur.RowsPerSecond = float64(s.cur.Rows) / el.Seconds()
	}
}

// line writes one JSON line and flushes it; the caller holds mu. A client that went away
// is noticed by the request's context, which stops the import.
func (s *importStream) line(v any) {
	_ = s.rc.SetWriteDeadline(time.Now().Add(streamWriteWindow))
	b, _ := json.Marshal(v)
	_, _ = s.w.Write(append(b, '\n'))
	_ = s.rc.Flush()
	s.last = time.Now()
}

// end stops the keep-alive lines and writes the last line: the report, or an error in
// the shape every other answer gives one ({"errors": [...]}).
func (s *importStream) end(last any) {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
	if last != nil {
		s.line(last)
	}
}

// streamError is the last line of a stream that failed.
func streamError(code, msg string, extensions map[string]any) map[string]any {
	ext := map[string]any{"code": code}
	for k, v := range extensions {
		ext[k] = v
	}
	return map[string]any{"errors": []any{map[string]any{"message": msg, "extensions": ext}}}
}

// errorExtensions are what a stream's error line says beyond its code: for a file refused
// because its rows fall outside the district, where they landed (a GeoJSON
// FeatureCollection, as a report's locations), when that is a place a map can show.
func errorExtensions(err error) map[string]any {
	var mis *importer.MisplacedError
	if !errors.As(err, &mis) || math.Abs(mis.At[0]) > 180 || math.Abs(mis.At[1]) > 85 {
		return nil
	}
	return map[string]any{"locations": map[string]any{"type": "FeatureCollection", "features": []any{map[string]any{
		"type":       "Feature",
		"geometry":   map[string]any{"type": "Point", "coordinates": mis.At},
		"properties": map[string]any{"row": 0, "field": "geometry", "problem": "where the file's first rows land", "value": "", "warning": false},
	}}}}
}
