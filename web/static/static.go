// Package static serves the embedded web pages (GraphiQL, the map): each file with its
// gzip form when that is smaller, a strong ETag per representation, and the caching its
// kind allows. A page's index names its script and style with a content hash in the query
// string, so that they can be cached for a year while a new build still reaches every
// browser. AcceptsGzip and ETagMatches are the content negotiation the HTTP layer's tiles
// and GraphQL answers use too.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Cache-Control values: an index is revalidated every time, a file it names by content
// hash never is.
const (
	Revalidate = "no-cache"
	Immutable  = "public, max-age=31536000, immutable"
)

// File is one embedded file.
type File struct {
	body, gz    []byte
	contentType string
	cache       string
	etag        string
}

// NewFile holds body to be served as contentType with Cache-Control cache.
func NewFile(body []byte, contentType, cache string) *File {
	f := &File{body: body, contentType: contentType, cache: cache, etag: Hash(body)}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(body)
	if zw.Close() == nil && buf.Len() < len(body) {
		f.gz = buf.Bytes()
	}
	return f
}

// Hash is a short content hash: ETags and the ?v= of versioned names.
func Hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Versioned rewrites the reference attr="name" in index to attr="name?v=<hash of body>".
func Versioned(index []byte, attr, name string, body []byte) []byte {
	return bytes.Replace(index, []byte(attr+`="`+name+`"`), []byte(attr+`="`+name+`?v=`+Hash(body)+`"`), 1)
}

// Site serves Files by URL path, and 404 for any other path.
type Site struct {
	Files map[string]*File
	// Page adds headers (a Content-Security-Policy, say) to the answer for path, if set.
	Page func(h http.Header, r *http.Request)
}

func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := s.Files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", f.contentType)
	hdr.Set("Cache-Control", f.cache)
	hdr.Set("Vary", "Accept-Encoding")
	hdr.Set("X-Content-Type-Options", "nosniff")
	if s.Page != nil {
		s.Page(hdr, r)
	}
	body, etag := f.body, f.etag
	if f.gz != nil && AcceptsGzip(r.Header.Get("Accept-Encoding")) {
		body, etag = f.gz, f.etag+"-gz"
		hdr.Set("Content-Encoding", "gzip")
	}
	hdr.Set("ETag", `"`+etag+`"`)
	// ServeContent answers If-None-Match with 304 and HEAD without a body.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// AcceptsGzip reports whether an Accept-Encoding header allows gzip ("gzip;q=0" refuses it).
func AcceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			continue
		}
		q, found := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !found {
			return true
		}
		v, err := strconv.ParseFloat(q, 64)
		return err == nil && v > 0
	}
	return false
}

// ETagMatches reports whether an If-None-Match header names etag (or is "*"), weak
// validators included as RFC 9110 §13.1.2 asks.
func ETagMatches(ifNoneMatch, etag string) bool {
	for _, t := range strings.Split(ifNoneMatch, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
