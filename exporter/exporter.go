// Package exporter writes a layer to a file (GeoJSON, GeoPackage, Shapefile, CSV, XLSX)
// as the caller may read it: the rows come from the store's OGC items reads, which apply
// the caller's scope (fence, row filters, hidden fields, coarsening) as every read does.
package exporter

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkt"
	"github.com/paulmach/orb/geojson"
	"github.com/xuri/excelize/v2"

	"gridhub/geo"
	"gridhub/importer"
	"gridhub/model"
	"gridhub/store"
)

// Formats are the formats Export writes.
var Formats = []string{"geojson", "gpkg", "shp", "csv", "xlsx"}

// Options is one export.
type Options struct {
	Layer  model.Layer
	Format string
	CRS    string // as importer.ParseCRS reads it; "": WGS84
	Area   *geo.Area
	File   string
}

const pageSize = 5000

// Export writes o.Layer to o.File and returns how many features it holds. ctx's scope
// decides what is written.
func Export(ctx context.Context, st *store.Store, o Options) (int, error) {
	crs, err := importer.ParseCRS(o.CRS)
	if err != nil {
		return 0, err
	}
	if crs.SRID == 0 {
		crs = importer.CRS{Name: "WGS84", SRID: 4326}
	}
	out := store.Output{SRID: crs.SRID}
	if crs.SRID == 4490 {
		out.SRID = 0 // equal to WGS84 at map precision: the coordinates are written as stored
	}
	if crs.Offset != "" {
		out.Transform = func(raw []byte) ([]byte, error) { return geo.TransformGeoJSON(raw, crs.Offset, 7) }
	}
	switch o.Format {
	case "geojson":
		f, err := os.Create(o.File)
		if err != nil {
			return 0, err
		}
		n, err := writeGeoJSON(ctx, st, o, out, crs, f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return n, err
	case "gpkg", "shp":
		tmp, err := os.CreateTemp("", "gridhub-export-*.geojson")
		if err != nil {
			return 0, err
		}
		defer os.Remove(tmp.Name())
		n, err := writeGeoJSON(ctx, st, o, out, crs, tmp)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, err
		}
		return n, ogr(ctx, tmp.Name(), o, crs)
	case "csv", "xlsx":
		return writeTable(ctx, st, o, out)
	}
	return 0, model.Errorf(model.CodeBadInput, "format %q: give geojson, gpkg, shp, csv or xlsx", o.Format)
}

// pages calls f with each page of the layer's features in id order.
func pages(ctx context.Context, st *store.Store, o Options, out store.Output, f func([]byte, int) error) (int, error) {
	q := store.ItemsQuery{Filter: store.Filter{Area: o.Area}, Limit: pageSize, Out: out}
	n := 0
	for {
		pg, err := st.Items(ctx, o.Layer, q)
		if err != nil {
			return n, err
		}
		if pg.Returned > 0 {
			if err := f(pg.Features, pg.Returned); err != nil {
				return n, err
			}
		}
		n += pg.Returned
		if !pg.More {
			return n, nil
		}
		q.After = pg.Last
	}
}

func writeGeoJSON(ctx context.Context, st *store.Store, o Options, out store.Output, crs importer.CRS, w io.Writer) (int, error) {
	bw := bufio.NewWriterSize(w, 256<<10)
	bw.WriteString(`{"type":"FeatureCollection",`)
	if crs.SRID != 4326 && crs.Offset == "" {
		// The legacy crs member: how GDAL and QGIS learn a GeoJSON is not in WGS84.
		fmt.Fprintf(bw, `"crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::%d"}},`, crs.SRID)
	}
	bw.WriteString(`"features":[`)
	first := true
	n, err := pages(ctx, st, o, out, func(b []byte, _ int) error {
		if !first {
			bw.WriteByte(',')
		}
		first = false
		_, err := bw.Write(b)
		return err
	})
	if err != nil {
		return n, err
	}
	bw.WriteString("]}\n")
	return n, bw.Flush()
}

// ogr converts the GeoJSON at src to a GeoPackage or a Shapefile (UTF-8, with its .cpg
// and .prj) with GDAL.
func ogr(ctx context.Context, src string, o Options, crs importer.CRS) error {
	if _, err := exec.LookPath("ogr2ogr"); err != nil {
		return fmt.Errorf("writing %s needs GDAL's ogr2ogr: run scripts/gdal.sh (make run does) or apt-get install gdal-bin", o.Format)
	}
	args := []string{"-overwrite", "-nln", store.TableName(o.Layer)}
	if o.Format == "shp" {
		// A .dbf has dates but no times of day: times are written as text, as the GeoJSON has them.
		args = append(args, "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", "-mapFieldType", "DateTime=String")
	} else {
		args = append(args, "-f", "GPKG")
	}
	if crs.Offset == "" {
		args = append(args, "-a_srs", "EPSG:"+strconv.Itoa(crs.SRID))
	}
	_ = os.Remove(o.File)
	args = append(args, o.File, src)
	cmd := exec.CommandContext(ctx, "ogr2ogr", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("ogr2ogr could not write %s: %v: %s", filepath.Base(o.File), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}

// writeTable writes a CSV (UTF-8 with a byte-order mark, which Excel needs to read it as
// such) or an XLSX: the id, the properties the caller may see, and lon/lat for points or
// WKT for polygons.
func writeTable(ctx context.Context, st *store.Store, o Options, out store.Output) (int, error) {
	header := []string{"id"}
	for _, p := range store.Properties(ctx, o.Layer) {
		if !p.OnRequest {
			header = append(header, p.Name)
		}
	}
	props := header[1:]
	points := o.Layer != model.LayerGrid && o.Layer != model.LayerBuilding
	if points {
		header = append(header, "lon", "lat")
	} else {
		header = append(header, "wkt")
	}
	var write func([]string) error
	var finish func() error
	if o.Format == "csv" {
		f, err := os.Create(o.File)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		bw := bufio.NewWriter(f)
		bw.WriteString("\ufeff")
		cw := csv.NewWriter(bw)
		write = cw.Write
		finish = func() error {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return err
			}
			if err := bw.Flush(); err != nil {
				return err
			}
			return f.Close()
		}
	} else {
		x := excelize.NewFile()
		defer x.Close()
		sw, err := x.NewStreamWriter("Sheet1")
		if err != nil {
			return 0, err
		}
		row := 0
		write = func(cells []string) error {
			row++
			vals := make([]any, len(cells))
			for i, c := range cells {
				vals[i] = c
			}
			cell, _ := excelize.CoordinatesToCellName(1, row)
			return sw.SetRow(cell, vals)
		}
		finish = func() error {
			if err := sw.Flush(); err != nil {
				return err
			}
			return x.SaveAs(o.File)
		}
	}
	if err := write(header); err != nil {
		return 0, err
	}
	n, err := pages(ctx, st, o, out, func(b []byte, _ int) error {
		var fs []struct {
			ID         string          `json:"id"`
			Geometry   json.RawMessage `json:"geometry"`
			Properties map[string]any  `json:"properties"`
		}
		d := json.NewDecoder(bytes.NewReader(append(append([]byte{'['}, b...), ']')))
		d.UseNumber()
		if err := d.Decode(&fs); err != nil {
			return err
		}
		for _, f := range fs {
			row := make([]string, 0, len(header))
			row = append(row, f.ID)
			for _, h := range props {
				v := f.Properties[h]
				if v == nil {
					row = append(row, "")
				} else {
					row = append(row, fmt.Sprint(v))
				}
			}
			g, err := geojson.UnmarshalGeometry(f.Geometry)
			if err != nil {
				return err
			}
			if p, ok := g.Geometry().(orb.Point); ok && points {
				row = append(row, strconv.FormatFloat(p[0], 'f', -1, 64), strconv.FormatFloat(p[1], 'f', -1, 64))
			} else {
				row = append(row, wkt.MarshalString(g.Geometry()))
			}
			if err := write(row); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, finish()
}
