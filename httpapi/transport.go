package httpapi

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"gridhub/model"
	"gridhub/web/static"
)

// postJSON is gqlgen's POST application/json transport with two changes that matter on
// the map's hot path and for safety:
//   - the response is written as it is: gqlgen's encoding/json pass re-validates and
//     compacts the data (a FeatureCollection of megabytes PostGIS already built) and
//     took half the CPU of a 5,000-feature request;
//   - a body that is not JSON is answered with a plain message, never echoed back
//     (gqlgen quotes the whole body in its error).
type postJSON struct{ log *slog.Logger }

var _ graphql.Transport = postJSON{}

func (postJSON) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" || r.Method != http.MethodPost {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

func (t postJSON) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	w.Header().Set("Content-Type", "application/json")
	start := graphql.Now()
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			w.WriteHeader(http.StatusRequestEntityTooLarge)
		} else {
			w.WriteHeader(http.StatusBadRequest)
		}
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{inputError("the request body could not be read")}))
		return
	}
	if !utf8.Valid(body) {
		w.WriteHeader(http.StatusBadRequest)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{inputError("the request body is not valid UTF-8")}))
		return
	}
	var params graphql.RawParams
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&params); err != nil {
		t.log.InfoContext(ctx, "request body is not JSON", "err", err.Error())
		w.WriteHeader(http.StatusBadRequest)
		writeResponse(w, exec.DispatchError(ctx, gqlerror.List{inputError("the request body is not a JSON GraphQL request")}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	oc, errs := exec.CreateOperationContext(ctx, &params)
	if errs != nil {
		w.WriteHeader(http.StatusUnprocessableEntity)
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	resp := responses(ctx)
	w.Header().Add("Vary", "Accept-Encoding")
	if len(resp.Data) < gzipAbove || !static.AcceptsGzip(r.Header.Get("Accept-Encoding")) {
		writeResponse(w, resp)
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	gz := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(gz)
	gz.Reset(w)
	writeResponse(gz, resp)
	_ = gz.Close()
}

// gzipAbove is the response size from which a client that accepts gzip gets it: a
// viewport's FeatureCollection of megabytes shrinks about tenfold, while small answers
// are not worth the CPU.
const gzipAbove = 32 << 10

func inputError(msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": model.CodeBadInput}}
}

// writeResponse writes {"errors":…,"data":…,"extensions":…} with data copied as it is,
// piece by piece: a collection of megabytes is not copied into yet another buffer.
func writeResponse(w io.Writer, resp *graphql.Response) {
	ew := errWriter{w: w}
	ew.write([]byte("{"))
	if len(resp.Errors) > 0 {
		errs, _ := json.Marshal(resp.Errors)
		ew.write([]byte(`"errors":`))
		ew.write(errs)
		ew.write([]byte(","))
	}
	ew.write([]byte(`"data":`))
	if len(resp.Data) == 0 {
		ew.write([]byte("null"))
	} else {
		ew.write(resp.Data)
	}
	if len(resp.Extensions) > 0 {
		ext, _ := json.Marshal(resp.Extensions)
		ew.write([]byte(`,"extensions":`))
		ew.write(ext)
	}
	ew.write([]byte("}"))
}

// errWriter stops writing after the first error (a client that went away).
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) write(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}
