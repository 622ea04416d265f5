package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gridhub/auth"
	"gridhub/internal/testdb"
	"gridhub/model"
	"gridhub/seed"
)

func demoKey(role string) string {
	for _, d := range auth.DemoKeys {
		if d.Role == role {
			return d.Key
		}
	}
	panic("no demo key for " + role)
}

// Exports under the street office's and the public's keys hold what those roles may read
// and nothing more; the import command checks and writes what the export wrote.
func TestExportUnderARoleAndImportCommands(t *testing.T) {
	db := testdb.New(t)
	ctx := context.Background()
	if _, err := seed.Run(ctx, db.Store, seed.Options{Scale: 1, Reference: testdb.Reference}); err != nil {
		t.Fatal(err)
	}
	if err := putDemoKeys(ctx, db.Store, io.Discard); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": db.URL + "&search_path=" + db.Schema + ",public"}
	cli := func(args ...string) (string, error) {
		var out strings.Builder
		err := run(ctx, args, func(k string) string { return env[k] }, &out, nil)
		return out.String(), err
	}
	dir := t.TempDir()
	var n int
	count := func(q string) int {
		if err := db.Store.Pool().QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	features := func(path string) []map[string]any {
		var fc struct {
			Features []struct{ Properties map[string]any }
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &fc); err != nil {
			t.Fatal(err)
		}
		var out []map[string]any
		for _, f := range fc.Features {
			out = append(out, f.Properties)
		}
		return out
	}

	t.Run("the street office's buildings and cameras are its street's, without stream URLs", func(t *testing.T) {
		for _, c := range []struct {
			layer, table string
		}{{"BUILDING", "buildings"}, {"CAMERA", "cameras"}} {
			path := filepath.Join(dir, "street-"+c.layer+".geojson")
			if _, err := cli("export", "-layer", c.layer, "-key", demoKey("street_office"), "-o", path); err != nil {
				t.Fatal(err)
			}
			fs := features(path)
			want := count("SELECT count(*) FROM " + c.table + " t JOIN grids g ON g.id = t.grid_id WHERE g.code LIKE '150203002%'")
			if len(fs) != want || want == 0 {
				t.Errorf("%s: %d features, want the street's %d", c.layer, len(fs), want)
			}
			for _, f := range fs {
				if grid, _ := f["grid"].(string); !strings.HasPrefix(grid, "150203002") {
					t.Fatalf("%s: a feature of grid %q, outside the key's street", c.layer, grid)
				}
				if _, ok := f["streamUrl"]; ok {
					t.Fatalf("%s: a stream URL, which the street office may not read", c.layer)
				}
			}
		}
	})
	t.Run("the public's grids have no worker, and its cameras are refused", func(t *testing.T) {
		path := filepath.Join(dir, "public-grids.csv")
		if _, err := cli("export", "-layer", "GRID", "-format", "csv", "-key", demoKey("public"), "-o", path); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		header := rows[0]
		if slices.Contains(header, "workerName") || slices.Contains(header, "workerPhone") || !slices.Contains(header, "code") {
			t.Errorf("public grid columns %v: want code, and no worker", header)
		}
		if want := count("SELECT count(*) FROM grids"); len(rows)-1 != want {
			t.Errorf("%d grids, want %d", len(rows)-1, want)
		}
		_, err = cli("export", "-layer", "CAMERA", "-key", demoKey("public"), "-o", filepath.Join(dir, "x.geojson"))
		var me *model.Error
		if !errors.As(err, &me) || me.Code != model.CodeForbidden {
			t.Errorf("public camera export: got %v, want FORBIDDEN", err)
		}
	})
	t.Run("import -dry-run reports and writes nothing; import then writes", func(t *testing.T) {
		path := filepath.Join(dir, "sp.xlsx")
		if _, err := cli("export", "-layer", "SERVICE_POINT", "-format", "xlsx", "-o", path); err != nil {
			t.Fatal(err)
		}
		before := count("SELECT count(*) FROM service_points")
		// One point removed since the export: the file brings it back.
		if _, err := db.Store.Pool().Exec(ctx, "DELETE FROM service_points WHERE id = (SELECT max(id) FROM service_points)"); err != nil {
			t.Fatal(err)
		}
		out, err := cli("import", "-layer", "SERVICE_POINT", "-file", path, "-dry-run")
		if err != nil || !strings.Contains(out, "dry run: nothing written") || !strings.Contains(out, "sourceId: sourceId") {
			t.Fatalf("dry run (%v):\n%s", err, out)
		}
		if count("SELECT count(*) FROM service_points") != before-1 {
			t.Fatal("the dry run wrote")
		}
		// The demo's own rows have no source id: the export names them by their stable ids,
		// which match them, so only the removed point is new (keeping its stable id as its
		// source id), and -prune finds nothing to remove.
		out, err = cli("import", "-layer", "SERVICE_POINT", "-file", path, "-prune")
		if err != nil || !strings.Contains(out, "1 new, 0 changed") {
			t.Fatalf("import (%v):\n%s", err, out)
		}
		if got := count("SELECT count(*) FROM service_points WHERE source_id IS NOT NULL"); got != 1 || count("SELECT count(*) FROM service_points") != before {
			t.Errorf("%d service points with a source id of %d in all, want 1 of %d", got, n, before)
		}
	})
}
