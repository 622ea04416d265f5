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
// its own goroutines, inside the import's transaction, and must never wait for the
// client: a report only queues where the import stands, and one goroutine writes.
type importStream struct {
	w     http.ResponseWriter
	rc    *http.ResponseController
	start time.Time
	wake  chan struct{}
	stop  chan struct{}
	done  chan struct{}

	mu  sync.Mutex
	cur importProgress
	// queue holds what is not written yet: a line per phase at the most, each the
	// newest of its phase, so that a phase passing quickly is still told.
	queue []importProgress
}

// startStream sends the header and keeps the stream going until end.
func startStream(w http.ResponseWriter, o *importer.Options) *importStream {
	s := &importStream{w: w, rc: http.NewResponseController(w), start: time.Now(),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	w.Header().Set("Content-Type", ndjson)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	o.Progress = func(rows int64, done float64) {
		s.report(func(p *importProgress) { p.Rows, p.Done = rows, done })
	}
	o.Phase = func(name string) {
		s.report(func(p *importProgress) { p.Phase = name })
	}
	go s.write()
	return s
}

// report updates where the import stands and queues it to be written.
func (s *importStream) report(update func(*importProgress)) {
	s.mu.Lock()
	reading := s.cur.Phase == importer.PhaseReading
	update(&s.cur)
	el := time.Since(s.start)
	s.cur.ElapsedMs = el.Milliseconds()
	if reading && el > 0 {
		// The reading's pace; once the rows are read it stays as it ended.
		s.cur.RowsPerSecond = float64(s.cur.Rows) / el.Seconds()
	}
	if n := len(s.queue); n > 0 && s.queue[n-1].Phase == s.cur.Phase {
		s.queue[n-1] = s.cur
	} else {
		s.queue = append(s.queue, s.cur)
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// write writes what is queued as it comes, and where the import stands again whenever
// the stream has been quiet for streamLinger, until end.
func (s *importStream) write() {
	defer close(s.done)
	t := time.NewTicker(streamLinger / 2)
	defer t.Stop()
	var last time.Time
	for {
		select {
		case <-s.stop:
			s.flush()
			return
		case <-s.wake:
		case <-t.C:
			if time.Since(last) < streamLinger {
				continue
			}
			s.report(func(*importProgress) {})
		}
		s.flush()
		last = time.Now()
	}
}

// flush writes the queued lines.
func (s *importStream) flush() {
	s.mu.Lock()
	queue := s.queue
	s.queue = nil
	s.mu.Unlock()
	for _, p := range queue {
		s.line(map[string]any{"progress": p})
	}
}

// line writes one JSON line and flushes it. A client that went away is noticed by the
// request's context, which stops the import.
func (s *importStream) line(v any) {
	_ = s.rc.SetWriteDeadline(time.Now().Add(streamWriteWindow))
	b, _ := json.Marshal(v)
	_, _ = s.w.Write(append(b, '\n'))
	_ = s.rc.Flush()
}

// end writes what is queued, then the last line: the report, or an error in the shape
// every other answer gives one ({"errors": [...]}); none when the client went away.
func (s *importStream) end(last any) {
	close(s.stop)
	<-s.done
	if last != nil {
		s.line(last)
	}
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
