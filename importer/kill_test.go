package importer_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"gridhub/importer"
	"gridhub/model"
	"gridhub/store"
)

// An import whose process is killed (SIGKILL) in the middle of its rows leaves the layer
// as it was, and the next import runs.
func TestKilledImportLeavesTheLayerAsItWas(t *testing.T) {
	db := seeded(t)
	before := count(t, db, "SELECT count(*) FROM cameras")
	cmd := exec.Command(os.Args[0], "-test.run=^TestImportChildProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "GRIDHUB_IMPORT_CHILD_URL="+db.URL, "GRIDHUB_IMPORT_CHILD_SCHEMA="+db.Schema,
		"GRIDHUB_IMPORT_CHILD_DIR="+t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	copying := false
	for lines.Scan() {
		// The child says how many rows it has sent; past a thousand, COPY is under way.
		var n int64
		if _, err := fmt.Sscanf(lines.Text(), "rows %d", &n); err == nil && n > 1000 {
			copying = true
			break
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if !copying {
		t.Fatal("the child import ended before it was under way")
	}
	if n := count(t, db, "SELECT count(*) FROM cameras"); n != before {
		t.Errorf("%d cameras after the killed import, want %d", n, before)
	}
	path := export(t, ctxFor(t), db, model.LayerCamera, "geojson", "", t.TempDir())
	load(t, db, importer.Options{Layer: model.LayerCamera, File: path})
}

// TestImportChildProcess is the process TestKilledImportLeavesTheLayerAsItWas kills: an
// import of cameras from a pipe that never ends. It does nothing when run by itself.
func TestImportChildProcess(t *testing.T) {
	url := os.Getenv("GRIDHUB_IMPORT_CHILD_URL")
	if url == "" {
		return
	}
	ctx := context.Background()
	st, err := store.Open(ctx, url, store.Options{SearchPath: os.Getenv("GRIDHUB_IMPORT_CHILD_SCHEMA")})
	if err != nil {
		t.Fatal(err)
	}
	pipe := filepath.Join(os.Getenv("GRIDHUB_IMPORT_CHILD_DIR"), "cameras.geojsonl")
	if err := syscall.Mkfifo(pipe, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		f, err := os.OpenFile(pipe, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		w := bufio.NewWriter(f)
		for i := 0; ; i++ {
			fmt.Fprintf(w, `{"type":"Feature","properties":{"code":"150203000013100%05d","name":"新摄像头","kind":"XUELIANG"},"geometry":{"type":"Point","coordinates":[109.8325,40.6411]}}`+"\n", i%100000)
		}
	}()
	_, err = importer.Run(ctx, st, importer.Options{Layer: model.LayerCamera, File: pipe, Progress: func(rows int64, _ float64) {
		fmt.Printf("rows %d\n", rows)
	}})
	t.Fatalf("the endless import ended: %v", strings.TrimSpace(fmt.Sprint(err)))
}
