package httpapi

import (
	"bytes"
	"compress/gzip"
	"sync"
)

// minGzipTile is the smallest tile worth compressing: below it the gzip framing eats
// most of the saving. MVT attribute tables compress about threefold.
const minGzipTile = 1024

// gzipWriters hold gzip writers at the fastest level for responses: the query behind a
// response costs far more than compressing it, and a command centre's network is shared
// by many screens.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

// gzipTile compresses a tile.
func gzipTile(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b) / 2)
	w := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(w)
	w.Reset(&buf)
	_, _ = w.Write(b)
	_ = w.Close()
	return buf.Bytes()
}
