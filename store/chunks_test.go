package store

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestChunksHoldWhatWasWritten: pieces of every size, across piece boundaries, come
// back in order in one slice of exactly their length.
func TestChunksHoldWhatWasWritten(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, total := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 3 << 20} {
		var c chunks
		var want bytes.Buffer
		for want.Len() < total {
			p := make([]byte, min(r.IntN(100_000), total-want.Len()))
			for i := range p {
				p[i] = byte(r.IntN(256))
			}
			switch r.IntN(3) {
			case 0:
				c.Write(p)
			case 1:
				c.WriteString(string(p))
			default:
				if len(p) > 0 {
					c.byte(p[0])
					p = p[:1]
				}
			}
			want.Write(p)
		}
		got := c.Bytes()
		if !bytes.Equal(got, want.Bytes()) || len(got) != cap(got) {
			t.Fatalf("%d bytes: got %d (cap %d), not what was written", total, len(got), cap(got))
		}
	}
}
