package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"gridhub/importer"
	"gridhub/model"
	"gridhub/store"
)

// importConfig is import's flags.
type importConfig struct {
	db       *dbConfig
	opts     importer.Options
	mapping  string
	problems string
	showRows int
}

func parseImport(args []string, getenv func(string) string) (importConfig, error) {
	fs, db := newFlags("import", getenv)
	c := importConfig{db: db}
	layer := fs.String("layer", "", "the layer to fill: GRID, BUILDING, PARTY_UNIT, CAMERA, SERVICE_POINT or INCIDENT")
	fs.StringVar(&c.opts.File, "file", "", "the file: .geojson/.json, .geojsonl, .csv, .xlsx, .shp, .gpkg")
	fs.StringVar(&c.mapping, "map", "", "mapping file (YAML): which column feeds which field; without one, well-known column names are recognised")
	fs.StringVar(&c.opts.CRS, "crs", "", "the coordinates' CRS: EPSG:NNNN, WGS84, CGCS2000, GCJ02 or BD09; default: the file's own (.prj, GeoPackage), else WGS84")
	fs.BoolVar(&c.opts.DryRun, "dry-run", false, "check and count, write nothing")
	fs.BoolVar(&c.opts.Prune, "prune", false, "remove the layer's rows the file does not hold")
	fs.BoolVar(&c.opts.Repair, "repair", false, "apply PostGIS's ST_MakeValid to invalid geometry instead of refusing it")
	fs.Float64Var(&c.opts.Tolerance, "tolerance", 1, "area in m² of a gap or overlap between grids that is let pass")
	fs.StringVar(&c.problems, "problems", "", "write the problems' locations to this GeoJSON file")
	fs.IntVar(&c.showRows, "show", 50, "problems listed on the terminal")
	if err := parse(fs, args); err != nil {
		return c, err
	}
	c.opts.Layer = model.Layer(strings.ToUpper(*layer))
	if c.opts.File == "" || *layer == "" {
		return c, fmt.Errorf("import: -layer and -file are required")
	}
	if c.mapping != "" {
		m, err := importer.LoadMapping(c.mapping)
		if err != nil {
			return c, err
		}
		c.opts.Mapping = m
	}
	return c, db.check()
}

// errProblems makes the command exit non-zero when the file was refused.
var errProblems = fmt.Errorf("the file has problems: nothing was written")

// runImport imports a file, showing progress on a terminal (plain lines otherwise) and
// the checks' problems as a table.
func runImport(ctx context.Context, st *store.Store, cfg importConfig, out io.Writer) error {
	progressOut := os.Stderr
	if term.IsTerminal(int(progressOut.Fd())) {
		bar := progressbar.NewOptions64(1000, progressbar.OptionSetWriter(progressOut), progressbar.OptionSetPredictTime(true),
			progressbar.OptionSetElapsedTime(true), progressbar.OptionClearOnFinish(), progressbar.OptionSetWidth(30))
		start := time.Now()
		cfg.opts.Progress = func(rows int64, done float64) {
			bar.Describe(fmt.Sprintf("%d rows, %.0f rows/s", rows, float64(rows)/time.Since(start).Seconds()))
			if done > 0 {
				_ = bar.Set64(int64(done * 1000))
			}
		}
		cfg.opts.Phase = func(name string) {
			if name != importer.PhaseReading {
				bar.Describe(name)
			}
		}
		defer bar.Finish()
	} else {
		start, last := time.Now(), time.Time{}
		cfg.opts.Progress = func(rows int64, done float64) {
			if time.Since(last) < 5*time.Second && done < 1 {
				return
			}
			last = time.Now()
			el := time.Since(start)
			line := fmt.Sprintf("gridhub import: %d rows read, %.0f rows/s", rows, float64(rows)/el.Seconds())
			if done > 0 && done < 1 {
				line += fmt.Sprintf(", %.0f%%, ETA %s", done*100, (time.Duration(float64(el)/done) - el).Round(time.Second))
			}
			fmt.Fprintln(progressOut, line)
		}
		cfg.opts.Phase = func(name string) {
			if name != importer.PhaseReading {
				fmt.Fprintf(progressOut, "gridhub import: %s\n", name)
			}
		}
	}
	res, err := importer.Run(ctx, st, cfg.opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "gridhub import: %s into %s\n", cfg.opts.File, cfg.opts.Layer)
	if len(res.Guessed) > 0 {
		fmt.Fprintf(out, "mapping (columns recognised by name; put this in a -map file to change it):\n%s", indent(res.Mapping.YAML(cfg.opts.Layer)))
	}
	for _, l := range res.Late {
		fmt.Fprintf(out, "%s: %s is first named by feature %d, and read from there on\n", l.Field, l.Column, l.Row)
	}
	fmt.Fprintf(out, "coordinates: %s\n", res.CRS)
	if res.Encoding != "" {
		fmt.Fprintf(out, "text encoding: %s\n", res.Encoding)
	}
	if err := res.WriteTable(out, cfg.showRows); err != nil {
		return err
	}
	if cfg.problems != "" && len(res.Problems) > 0 {
		f, err := os.Create(cfg.problems)
		if err != nil {
			return err
		}
		if err := res.WriteGeoJSON(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(out, "problem locations: %s\n", cfg.problems)
	}
	var phases []string
	for _, p := range res.Phases {
		phases = append(phases, p.Name+" "+p.Took.Round(time.Millisecond).String())
	}
	fmt.Fprintf(out, "%s\n(%s: %s)\n", res.Summary(cfg.opts.DryRun), res.Elapsed.Round(time.Millisecond), strings.Join(phases, ", "))
	if res.Errors() > 0 {
		return errProblems
	}
	return nil
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n  ") + "\n"
}
