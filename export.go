package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"gridhub/auth"
	"gridhub/exporter"
	"gridhub/geo"
	"gridhub/model"
	"gridhub/store"
)

// exportConfig is export's flags.
type exportConfig struct {
	db     *dbConfig
	opts   exporter.Options
	policy *auth.Policy
	key    string
}

func parseExport(args []string, getenv func(string) string) (exportConfig, error) {
	fs, db := newFlags("export", getenv)
	c := exportConfig{db: db}
	layer := fs.String("layer", "", "the layer: GRID, BUILDING, PARTY_UNIT, CAMERA, SERVICE_POINT or INCIDENT")
	fs.StringVar(&c.opts.Format, "format", "geojson", "geojson, gpkg, shp, csv or xlsx")
	fs.StringVar(&c.opts.CRS, "crs", "", "the coordinates' CRS: EPSG:NNNN, WGS84, CGCS2000, GCJ02 or BD09 (default WGS84)")
	fs.StringVar(&c.opts.File, "o", "", "output file (default: the layer's name and the format's extension)")
	area := fs.String("area", "", "only this area: a grid code, or a WGS84 bbox minLon,minLat,maxLon,maxLat")
	fs.StringVar(&c.key, "key", getenv("GRIDHUB_KEY"), "export as this API key's role may read (fence, hidden fields, coarsening); default: everything (GRIDHUB_KEY)")
	policy := policyFlag(fs, getenv)
	if err := parse(fs, args); err != nil {
		return c, err
	}
	c.opts.Layer = model.Layer(strings.ToUpper(*layer))
	if !c.opts.Layer.IsValid() {
		return c, fmt.Errorf("export: -layer must be one of %v", model.Layers)
	}
	if !slices.Contains(exporter.Formats, c.opts.Format) {
		return c, fmt.Errorf("export: -format must be one of %s", strings.Join(exporter.Formats, ", "))
	}
	if c.opts.File == "" {
		c.opts.File = strings.ToLower(string(c.opts.Layer)) + "." + c.opts.Format
	}
	if *area != "" {
		spec := geo.AreaSpec{}
		if strings.Contains(*area, ",") {
			for _, s := range strings.Split(*area, ",") {
				v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
				if err != nil {
					return c, fmt.Errorf("export: -area %q: a bbox is four numbers", *area)
				}
				spec.BBox = append(spec.BBox, v)
			}
		} else {
			spec.GridCode = area
		}
		a, err := geo.ParseArea(spec, 0)
		if err != nil {
			return c, fmt.Errorf("export: -area: %w", err)
		}
		c.opts.Area = a
	}
	var err error
	if c.policy, err = auth.LoadPolicy(*policy); err != nil {
		return c, err
	}
	return c, db.check()
}

// runExport writes the layer, as the key's role may read it when a key is given.
func runExport(ctx context.Context, st *store.Store, cfg exportConfig, out io.Writer, log *slog.Logger) error {
	who := "everything (no -key)"
	if cfg.key != "" {
		a := auth.NewAuthenticator(st, cfg.policy, auth.Options{}, log)
		p, err := a.Principal(ctx, cfg.key)
		if err != nil {
			return err
		}
		if !p.Role.CanRead(cfg.opts.Layer) {
			return model.Errorf(model.CodeForbidden, "the %s role may not read %s", p.Role.Name, cfg.opts.Layer)
		}
		ctx = auth.With(ctx, p)
		who = "as " + p.Role.Name + " (" + p.Name + ") may read it"
	}
	start := time.Now()
	n, err := exporter.Export(ctx, st, cfg.opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "gridhub export: %d %s features to %s, %s, in %s\n", n, cfg.opts.Layer, cfg.opts.File, who, time.Since(start).Round(time.Millisecond))
	return nil
}
