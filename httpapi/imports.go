package httpapi

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gridhub/auth"
	"gridhub/importer"
	"gridhub/internal/requestid"
	"gridhub/model"
	"gridhub/store"
)

// DefaultMaxImportBytes is the largest file POST /import takes when Config does not say.
const DefaultMaxImportBytes = 64 << 20

// importFormats are the files POST /import takes; a Shapefile comes as a .zip of its
// .shp, .shx, .dbf, .prj and .cpg.
var importFormats = []string{".geojson", ".json", ".geojsonl", ".csv", ".xlsx", ".gpkg", ".zip"}

// importHandler loads an uploaded file into a layer through the same importer as
// `gridhub import`, for roles whose policy says import.
type importHandler struct {
	st       *store.Store
	log      *slog.Logger
	maxBytes int64
}

// importReport is POST /import's answer.
type importReport struct {
	Layer         string          `json:"layer"`
	DryRun        bool            `json:"dryRun"`
	Written       bool            `json:"written"`
	Rows          int             `json:"rows"`
	Inserted      int             `json:"inserted"`
	Updated       int             `json:"updated"`
	Unchanged     int             `json:"unchanged"`
	Missing       int             `json:"missing"`
	Pruned        int             `json:"pruned"`
	Errors        int             `json:"errors"`
	ProblemsTotal int             `json:"problemsTotal"`
	CRS           string          `json:"crs"`
	Encoding      string          `json:"encoding,omitempty"`
	Mapping       string          `json:"mapping"`
	Guessed       []string        `json:"guessed"`
	Summary       string          `json:"summary"`
	Problems      []importProblem `json:"problems"`
	// Locations are the problems that have a place, as a GeoJSON FeatureCollection.
	Locations json.RawMessage `json:"locations"`
}

type importProblem struct {
	Row     int    `json:"row"`
	Field   string `json:"field"`
	Problem string `json:"problem"`
	Value   string `json:"value"`
	Warning bool   `json:"warning"`
}

// ServeHTTP answers GET /import (may this caller import, and what) and POST /import.
func (h *importHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := auth.From(r.Context())
	if p == nil || p.Role == nil || !p.Role.Import || p.FenceCode != "" || p.FencePolygon != nil {
		refuse(w, r, http.StatusForbidden, 0, model.CodeForbidden, "this key's role may not import data")
		return
	}
	if r.Method == http.MethodGet {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"layers": store.ImportLayers, "formats": importFormats, "maxBytes": h.maxBytes})
		return
	}
	h.post(w, r, p)
}

// post answers POST /import?layer=L&dryRun=1|0[&crs=…][&prune=1][&repair=1][&tolerance=m²]
// with the file as a multipart "file" part, or as the raw body named by ?filename=.
func (h *importHandler) post(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	ctx := r.Context()
	q := r.URL.Query()
	o := importer.Options{Layer: model.Layer(strings.ToUpper(q.Get("layer"))), CRS: q.Get("crs"), Tolerance: 1}
	if !slices.Contains(store.ImportLayers, o.Layer) {
		// Before the upload is read: the importer would refuse it only once written out.
		refuse(w, r, http.StatusBadRequest, 0, model.CodeBadInput, "layer must be one of "+store.ImportLayerNames())
		return
	}
	var ok bool
	if o.DryRun, ok = flag(q.Get("dryRun"), true); !ok {
		refuse(w, r, http.StatusBadRequest, 0, model.CodeBadInput, "dryRun must be 1 or 0")
		return
	}
	if o.Prune, ok = flag(q.Get("prune"), false); !ok {
		refuse(w, r, http.StatusBadRequest, 0, model.CodeBadInput, "prune must be 1 or 0")
		return
	}
	if o.Repair, ok = flag(q.Get("repair"), false); !ok {
		refuse(w, r, http.StatusBadRequest, 0, model.CodeBadInput, "repair must be 1 or 0")
		return
	}
	if t := q.Get("tolerance"); t != "" {
		if _, err := fmt.Sscanf(t, "%g", &o.Tolerance); err != nil || !(o.Tolerance >= 0 && o.Tolerance < 1e9) {
			refuse(w, r, http.StatusBadRequest, 0, model.CodeBadInput, "tolerance must be an area in m²")
			return
		}
	}
	// The audit log names the layer written (or checked, on a dry run).
	auth.Touch(ctx, "", o.Layer)
	if r.ContentLength > h.maxBytes {
		refuse(w, r, http.StatusRequestEntityTooLarge, 0, model.CodeBadInput, fmt.Sprintf("the file is larger than %d MB", h.maxBytes>>20))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.maxBytes)

	dir, err := os.MkdirTemp("", "gridhub-import-")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer os.RemoveAll(dir)
	file, err := h.receive(r, dir)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	o.File = file
	var stream *importStream
	if wantsStream(r) {
		stream = startStream(w, &o)
	}
	rep, err := h.run(r, p, o)
	switch {
	case stream != nil && err != nil:
		status, code, msg := h.classify(r, err)
		if status == 0 {
			noteOutcome(r.Context(), "cancelled")
			stream.end(nil)
			return
		}
		noteOutcome(r.Context(), code)
		stream.end(codedErrors(code, msg, errorExtensions(err)))
	case stream != nil:
		stream.end(map[string]any{"report": rep})
	case err != nil:
		h.fail(w, r, err)
	default:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(rep)
	}
}

// run imports o and makes the report.
func (h *importHandler) run(r *http.Request, p *auth.Principal, o importer.Options) (*importReport, error) {
	ctx := r.Context()
	res, err := importer.Run(ctx, h.st, o)
	if err != nil {
		return nil, err
	}
	h.log.InfoContext(ctx, "import", "actor", p.Name, "layer", o.Layer, "file", filepath.Base(o.File), "dryRun", o.DryRun,
		"rows", res.Rows, "inserted", res.Inserted, "updated", res.Updated, "problems", res.ProblemsTotal, "written", res.Written)
	var locs bytes.Buffer
	if err := res.WriteGeoJSON(&locs); err != nil {
		return nil, err
	}
	rep := &importReport{Layer: string(o.Layer), DryRun: o.DryRun, Written: res.Written, Rows: res.Rows, Inserted: res.Inserted,
		Updated: res.Updated, Unchanged: res.Unchanged, Missing: res.Missing, Pruned: res.Pruned, Errors: res.Errors(),
		ProblemsTotal: res.ProblemsTotal, CRS: res.CRS, Encoding: res.Encoding, Mapping: res.Mapping.YAML(o.Layer),
		Guessed: res.Guessed, Summary: res.Summary(o.DryRun), Problems: []importProblem{}, Locations: bytes.TrimSpace(locs.Bytes())}
	if rep.Guessed == nil {
		rep.Guessed = []string{}
	}
	for _, pr := range res.Problems {
		rep.Problems = append(rep.Problems, importProblem{Row: pr.Row, Field: pr.Field, Problem: pr.Problem, Value: pr.Value, Warning: pr.Warning})
	}
	return rep, nil
}

// flag reads a 1/0 (true/false) parameter; empty is def.
func flag(v string, def bool) (bool, bool) {
	switch strings.ToLower(v) {
	case "":
		return def, true
	case "1", "true":
		return true, true
	case "0", "false":
		return false, true
	}
	return false, false
}

// receive writes the uploaded file into dir under its own name's extension and answers
// its path (a zipped Shapefile is unpacked, and the path is its .shp).
func (h *importHandler) receive(r *http.Request, dir string) (string, error) {
	var name string
	var body io.Reader
	mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "multipart/form-data" {
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return "", model.Errorf(model.CodeBadInput, "the form has no \"file\" part")
			}
			if err != nil {
				return "", bodyError(err)
			}
			if part.FormName() == "file" {
				name, body = part.FileName(), part
				break
			}
		}
	} else {
		name, body = r.URL.Query().Get("filename"), r.Body
	}
	ext := strings.ToLower(filepath.Ext(name))
	if name == "" || !slices.Contains(importFormats, ext) {
		return "", model.Errorf(model.CodeBadInput, "name the file (multipart filename, or ?filename=): one of %s", strings.Join(importFormats, ", "))
	}
	path := filepath.Join(dir, "upload"+ext)
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		return "", bodyError(err)
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	if ext == ".zip" {
		return unzipShapefile(path, dir)
	}
	return path, nil
}

// unzipShapefile unpacks a Shapefile's parts (by their base names only) and answers its .shp.
func unzipShapefile(path, dir string) (string, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return "", model.Errorf(model.CodeBadInput, "the .zip cannot be read as a zip file")
	}
	defer zr.Close()
	var shp string
	for _, zf := range zr.File {
		base := filepath.Base(zf.Name)
		ext := strings.ToLower(filepath.Ext(base))
		if zf.FileInfo().IsDir() || strings.HasPrefix(base, ".") || !slices.Contains([]string{".shp", ".shx", ".dbf", ".prj", ".cpg"}, ext) {
			continue
		}
		// The parts keep one stem, whatever the archive called them.
		out := filepath.Join(dir, "shape"+ext)
		if ext == ".shp" {
			if shp != "" {
				return "", model.Errorf(model.CodeBadInput, "the .zip holds more than one .shp")
			}
			shp = out
		}
		if err := unzipOne(zf, out); err != nil {
			return "", err
		}
	}
	if shp == "" {
		return "", model.Errorf(model.CodeBadInput, "the .zip holds no .shp")
	}
	return shp, nil
}

func unzipOne(zf *zip.File, out string) error {
	rc, err := zf.Open()
	if err != nil {
		return model.Errorf(model.CodeBadInput, "the .zip's %s cannot be read", filepath.Base(zf.Name))
	}
	defer rc.Close()
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return model.Errorf(model.CodeBadInput, "the .zip's %s cannot be read", filepath.Base(zf.Name))
	}
	return f.Close()
}

// bodyError is a failure reading the request body: too large, or cut off.
func bodyError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		// Both: the coded error says what to show, the cause which status.
		return fmt.Errorf("%w%w", model.Errorf(model.CodeBadInput, "the file is larger than %d MB", tooLarge.Limit>>20), err)
	}
	return model.Errorf(model.CodeBadInput, "the upload was cut off")
}

// fail answers a coded error as it is, anything else as INTERNAL with the request id.
func (h *importHandler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, code, msg := h.classify(r, err)
	if status == 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	refuse(w, r, status, 0, code, msg)
}

// classify says how to answer a failed import: status 0 when the client went away (the
// import was rolled back and nobody is left to answer). Anything uncoded is logged in
// full and answered as INTERNAL with the request id.
func (h *importHandler) classify(r *http.Request, err error) (status int, code, msg string) {
	var coded *model.Error
	switch {
	case errors.As(err, &coded):
		status := http.StatusBadRequest
		if errors.As(err, new(*http.MaxBytesError)) {
			status = http.StatusRequestEntityTooLarge
		}
		return status, coded.Code, coded.Message
	case errors.Is(r.Context().Err(), context.Canceled):
		h.log.Debug("import cancelled by the client", "id", requestid.From(r.Context()))
		return 0, "", ""
	case errors.Is(err, store.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, model.CodeUnavailable, "the import took too long and was stopped: nothing was written"
	case errors.Is(err, store.ErrUnavailable):
		return http.StatusServiceUnavailable, model.CodeUnavailable, "the database is unavailable; try again shortly"
	}
	h.log.ErrorContext(r.Context(), "import failed", "err", err.Error())
	return http.StatusInternalServerError, model.CodeInternal, "internal error (request id " + requestid.From(r.Context()) + ")"
}
