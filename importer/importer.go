package importer

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/encoding/wkt"

	"gridhub/geo"
	"gridhub/model"
	"gridhub/store"
)

// Options is one import.
type Options struct {
	Layer   model.Layer
	File    string
	Mapping Mapping // nil: guessed from the columns
	CRS     string  // "": the file's own (.prj, GeoPackage, GeoJSON crs), else WGS84
	DryRun  bool
	Prune   bool
	Repair  bool
	// Tolerance is the area in m² of a gap or overlap between grids that is let pass.
	Tolerance float64
	// Progress, when set, is told the rows read so far and the share of the file.
	Progress func(rows int64, done float64)
	// Phase, when set, is told each phase as it begins: PhaseReading, PhaseChecking,
	// then PhaseWriting when the checks let the import through (on a dry run, counting
	// what it would write).
	Phase func(name string)
}

// An import's phases, as Options.Phase names them.
const (
	PhaseReading  = "reading"
	PhaseChecking = "checking"
	PhaseWriting  = "writing"
)

// Result is what an import found and did.
type Result struct {
	store.ImportResult
	Mapping Mapping
	Guessed []string // fields whose column was guessed
	// Late are fields whose column no feature named before the mapping was guessed: they
	// are read from the feature that first names it on.
	Late     []LateColumn
	Encoding string // how the text was decoded, when it was not plain UTF-8
	CRS      string // the CRS the coordinates were read in, and from where
	Elapsed  time.Duration
}

// Run imports o.File into o.Layer.
func Run(ctx context.Context, st *store.Store, o Options) (*Result, error) {
	start := time.Now()
	if err := store.CheckImportLayer(o.Layer); err != nil {
		return nil, err
	}
	crs, err := ParseCRS(o.CRS)
	if err != nil {
		return nil, err
	}
	if crs.SRID != 0 && crs.SRID != 4326 {
		if ok, err := st.KnownSRID(ctx, crs.SRID); err != nil {
			return nil, err
		} else if !ok {
			return nil, badFile("PostGIS does not know %s", crs.Name)
		}
	}
	res := &Result{}
	src, size, bytesRead, err := open(ctx, o.File, &crs, res)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	if _, ok := src.(*geoJSONSource); ok {
		src = newLookAhead(src, columnsAhead)
	}
	if crs.SRID == 0 {
		crs = CRS{Name: "WGS84", SRID: 4326}
		if res.CRS == "" {
			res.CRS = "WGS84 (the default: the file does not say)"
		}
	}
	if res.CRS == "" {
		res.CRS = crs.Name + " (-crs)"
	}
	first, err := src.Next()
	if err != nil && err != io.EOF {
		return nil, err
	}
	_, table := src.(*tableSource)
	res.Mapping = Guess(o.Layer, src.Columns(), o.Mapping)
	for k := range res.Mapping {
		if _, given := o.Mapping[k]; !given {
			res.Guessed = append(res.Guessed, k)
		}
	}
	if err := res.Mapping.check(o.Layer, src.Columns(), table); err != nil {
		return nil, err
	}
	if table {
		_, hasWKT := res.Mapping["wkt"]
		_, hasLon := res.Mapping["lon"]
		_, hasLat := res.Mapping["lat"]
		if !hasWKT && (!hasLon || !hasLat) {
			return nil, badFile("no coordinate columns: map lon and lat (or wkt) to the file's columns (it has %s)", strings.Join(src.Columns(), ", "))
		}
	}
	rows := &copyRows{src: src, fields: store.ImportFields(o.Layer), m: res.Mapping, crs: crs, table: table, next: first,
		layer: o.Layer, seen: len(src.Columns()), res: res}
	if first == nil {
		rows.done = true
	}
	phase := func(string) {}
	if o.Phase != nil {
		phase = o.Phase
	}
	phase(PhaseReading)
	stop := make(chan struct{})
	if o.Progress != nil {
		go func() {
			t := time.NewTicker(500 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					done := 0.0
					if size > 0 {
						done = float64(bytesRead()) / float64(size)
					}
					o.Progress(rows.n.Load(), done)
				}
			}
		}()
	}
	spec := store.ImportSpec{Layer: o.Layer, SRID: crs.SRID, DryRun: o.DryRun, Prune: o.Prune, Repair: o.Repair,
		Tolerance: o.Tolerance, Placed: placed(ctx, st, crs)}
	spec.Staged = func() {
		close(stop)
		if o.Progress != nil {
			o.Progress(rows.n.Load(), 1)
		}
		phase(PhaseChecking)
	}
	spec.Checked = func() { phase(PhaseWriting) }
	ir, err := st.Import(ctx, spec, rows)
	select {
	case <-stop:
	default:
		close(stop)
	}
	if err != nil {
		return nil, err
	}
	res.ImportResult = *ir
	if h := offsetHint(ctx, st, crs, ir); h != nil {
		res.Problems = append([]store.Problem{*h}, res.Problems...)
		res.ProblemsTotal++
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// open picks the reader by the file's extension. crs is filled from the file when it
// says and -crs did not.
func open(ctx context.Context, path string, crs *CRS, res *Result) (Source, int64, func() int64, error) {
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".shp", ".gpkg":
		// GDAL transforms from an EPSG code; the web maps' offsets are undone here after.
		srid := crs.SRID
		if crs.Offset != "" {
			srid = 0
		}
		o, info, err := openOGR(ctx, path, srid)
		if err != nil {
			return nil, 0, nil, err
		}
		res.Encoding = info.Encoding
		if crs.SRID == 0 && info.HasSRS {
			own := "the GeoPackage's"
			if ext == ".shp" {
				own = "the .prj's"
			}
			res.CRS = own + ", transformed to WGS84 by GDAL"
		}
		if info.HasSRS {
			// GDAL hands the features over in WGS84.
			crs.SRID = 4326
			if crs.Name == "" {
				crs.Name = "the file's CRS"
			}
		}
		return o, 0, func() int64 { return 0 }, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	c := &counter{r: f}
	switch ext {
	case ".geojson", ".json":
		g := newGeoJSON(c, f, false)
		if err := g.start(); err != nil {
			f.Close()
			return nil, 0, nil, err
		}
		if g.CRS != "" && crs.SRID == 0 {
			fc, err := ParseCRS(g.CRS)
			if err != nil {
				f.Close()
				return nil, 0, nil, badFile("the GeoJSON's crs member: %v", err)
			}
			*crs = fc
			res.CRS = fc.Name + " (the GeoJSON's crs member)"
		}
		return g, st.Size(), c.n.Load, nil
	case ".geojsonl", ".geojsons", ".ndjson":
		return newGeoJSON(c, f, true), st.Size(), c.n.Load, nil
	case ".csv", ".txt":
		t, gbk, err := newCSV(c, f)
		if err != nil {
			f.Close()
			return nil, 0, nil, err
		}
		if gbk {
			res.Encoding = "GBK (detected: not UTF-8)"
		}
		return t, st.Size(), c.n.Load, nil
	case ".xlsx":
		t, err := newXLSX(c)
		f.Close()
		if err != nil {
			return nil, 0, nil, err
		}
		return t, 0, func() int64 { return 0 }, nil
	}
	f.Close()
	return nil, 0, nil, badFile("%s: not a format gridhub imports (.geojson, .json, .geojsonl, .csv, .xlsx, .shp, .gpkg)", filepath.Base(path))
}

// LateColumn is a field first recognised in a feature after the mapping was guessed.
type LateColumn struct {
	Field, Column string
	Row           int // the first feature naming it
}

// copyRows feeds COPY: each record's field values, then its geometry as WKB, converted
// out of GCJ-02/BD-09 here and out of any EPSG system by PostGIS.
type copyRows struct {
	src    Source
	fields []store.ImportField
	m      Mapping
	crs    CRS
	table  bool
	next   *Record
	done   bool
	vals   []any
	err    error
	n      atomic.Int64
	layer  model.Layer
	seen   int // how many columns the mapping was guessed from
	res    *Result
}

// adopt maps the columns a feature names for the first time, when they are recognised
// names of fields the mapping leaves out: the features before it did not have them, so
// reading them from here on reads the whole file.
func (c *copyRows) adopt(row int) {
	cols := c.src.Columns()
	if len(cols) == c.seen {
		return
	}
	c.seen = len(cols)
	for k, f := range Guess(c.layer, cols, c.m) {
		if _, ok := c.m[k]; !ok {
			c.m[k] = f
			c.res.Guessed = append(c.res.Guessed, k)
			c.res.Late = append(c.res.Late, LateColumn{Field: k, Column: f.Column, Row: row})
		}
	}
}

func (c *copyRows) Next() bool {
	if c.done {
		return false
	}
	rec := c.next
	if rec == nil {
		var err error
		rec, err = c.src.Next()
		if err == io.EOF {
			c.done = true
			return false
		}
		if err != nil {
			c.err, c.done = err, true
			return false
		}
	}
	c.next = nil
	if !c.table {
		c.adopt(rec.Row)
	}
	c.vals = c.vals[:0]
	c.vals = append(c.vals, int32(rec.Row))
	for _, f := range c.fields {
		v := c.m[f.Name].value(rec)
		if v == "" && f.Name == "sourceId" {
			v = rec.ID
		}
		if len(f.Enum) > 0 {
			v = enumValue(f.Name, v, f.Enum)
		}
		if v == "" {
			c.vals = append(c.vals, nil)
		} else {
			c.vals = append(c.vals, v)
		}
	}
	if !c.table && c.crs.Offset == "" {
		if rec.Geometry == nil {
			c.vals = append(c.vals, nil)
			c.n.Add(1)
			return true
		}
		if b, ok := geo.AppendWKB(nil, rec.Geometry); ok {
			c.vals = append(c.vals, b)
			c.n.Add(1)
			return true
		}
	}
	var g orb.Geometry
	if c.table {
		g = c.tableGeometry(rec)
	} else if g, c.err = rec.geom(); c.err != nil {
		c.done = true
		return false
	}
	if g != nil && c.crs.Offset != "" {
		g = geo.TransformGeometry(g, func(lon, lat float64) (float64, float64) { return geo.ToWGS84(c.crs.Offset, lon, lat) })
	}
	if g == nil {
		c.vals = append(c.vals, nil)
	} else {
		b, err := wkb.Marshal(g)
		if err != nil {
			c.err, c.done = badFile("row %d: geometry: %v", rec.Row, err), true
			return false
		}
		c.vals = append(c.vals, b)
	}
	c.n.Add(1)
	return true
}

func (c *copyRows) tableGeometry(rec *Record) orb.Geometry {
	if f, ok := c.m["wkt"]; ok {
		if s := f.value(rec); s != "" {
			g, err := wkt.Unmarshal(s)
			if err == nil {
				return g
			}
		}
		return nil
	}
	lon, err1 := strconv.ParseFloat(strings.TrimSpace(c.m["lon"].value(rec)), 64)
	lat, err2 := strconv.ParseFloat(strings.TrimSpace(c.m["lat"].value(rec)), 64)
	if err1 != nil || err2 != nil {
		return nil
	}
	return orb.Point{lon, lat}
}

func (c *copyRows) Values() ([]any, error) { return c.vals, nil }
func (c *copyRows) Err() error             { return c.err }
