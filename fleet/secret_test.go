package fleet

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"gridhub/internal/testdb"
	"gridhub/store"
)

// TestSharedCursorSecret has hubs starting together on one database agree on one cursor
// secret, made by whichever asked first, and a hub started later read the same.
func TestSharedCursorSecret(t *testing.T) {
	db := testdb.New(t)
	var wg sync.WaitGroup
	got := make([][]byte, 4)
	for i := range got {
		st := db.Store
		if i > 0 {
			st = open(t, db.URL, store.Options{SearchPath: db.Schema})
		}
		wg.Go(func() {
			s, err := st.SharedSecret(context.Background(), "cursor")
			if err != nil {
				t.Error(err)
			}
			got[i] = s
		})
	}
	wg.Wait()
	for i, s := range got {
		if len(s) != 32 || !bytes.Equal(s, got[0]) {
			t.Fatalf("hub %d has secret %x, hub 0 %x: want the same 32 bytes", i, s, got[0])
		}
	}
	later, err := open(t, db.URL, store.Options{SearchPath: db.Schema}).SharedSecret(context.Background(), "cursor")
	if err != nil || !bytes.Equal(later, got[0]) {
		t.Errorf("a hub started later has %x (%v), want %x", later, err, got[0])
	}
}
