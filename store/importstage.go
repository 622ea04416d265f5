package store

import (
	"context"
	"encoding/binary"
	"strings"

	"github.com/jackc/pgx/v5"

	"gridhub/model"
)

// createStaging makes import_rows, the table COPY fills. PostgreSQL derives the rest of
// each row from what is copied, as it arrives (generated columns): the numbers parsed where
// they parse, the geometry in WGS84 (repaired when asked), why it is invalid, and the point
// that places it in a GRID. So the staging runs on the server's core while the reader
// parses the file on another, in one pass and one write of each row.
// It returns the column COPY writes the geometry into.
func createStaging(ctx context.Context, tx pgx.Tx, il importLayer, spec ImportSpec) (string, error) {
	defs := []string{"row int"}
	timed := false
	for _, f := range il.fields {
		defs = append(defs, f.Column+" text")
		switch {
		case f.Integer:
			defs = append(defs, "i_"+f.Column+" bigint GENERATED ALWAYS AS (CASE WHEN "+f.Column+` ~ '^-?[0-9]{1,12}(\.0*)?$' THEN `+f.Column+"::numeric::bigint END) STORED")
		case f.Number:
			defs = append(defs, "i_"+f.Column+" float8 GENERATED ALWAYS AS (CASE WHEN "+f.Column+` ~ '^-?[0-9]{1,12}(\.[0-9]*)?$' THEN `+f.Column+"::float8 END) STORED")
		case f.Time:
			defs = append(defs, "i_"+f.Column+" timestamptz GENERATED ALWAYS AS (pg_temp.import_time("+f.Column+")) STORED")
			timed = true
		}
	}
	// The geometry arrives as the file gives it, already shaped as the layer stores it
	// (stagedRows). In WGS84 and not repaired, the usual case, that is geom itself; else it
	// is kept as src and geom derived from it. A generated column cannot use another, so
	// each one repeats g.
	g, from := "geom", "geom"
	if spec.SRID != 4326 || spec.Repair {
		g, from = "src", "src"
		if spec.SRID != 4326 {
			g = "ST_Transform(src, 4326)"
		}
	}
	fixed := "ST_MakeValid(" + g + ")"
	if polygonal(spec.Layer) {
		fixed = "ST_Multi(ST_CollectionExtract(" + fixed + ", 3))"
	}
	// The point a row is placed in its GRID by: itself, or a point on a polygon's surface
	// (none for an invalid one, unless repaired).
	point := "NULL::geometry"
	if spec.Layer != model.LayerGrid {
		point = "CASE WHEN ST_GeometryType(" + g + ") = 'ST_Point' THEN " + g +
			" WHEN " + g + " IS NULL OR ST_IsEmpty(" + g + ") THEN NULL" +
			" WHEN ST_IsValid(" + g + ") THEN ST_PointOnSurface(" + g + ")"
		if spec.Repair {
			point += " ELSE ST_PointOnSurface(" + fixed + ")"
		}
		point += " END"
	}
	if from == "src" {
		geom := g
		if spec.Repair {
			geom = "CASE WHEN ST_IsValid(" + g + ") THEN " + g + " ELSE " + fixed + " END"
		}
		defs = append(defs, "src geometry", "geom geometry GENERATED ALWAYS AS ("+geom+") STORED")
	} else {
		defs = append(defs, "geom geometry")
	}
	defs = append(defs,
		"invalid text GENERATED ALWAYS AS ((ST_IsValidDetail("+g+")).reason) STORED",
		"pt geometry GENERATED ALWAYS AS ("+point+") STORED")
	if timed {
		if _, err := tx.Exec(ctx, importTimeSQL); err != nil {
			return "", wrap(err, "stage import")
		}
	}
	ddl := "CREATE TEMP TABLE import_rows (" + strings.Join(defs, ", ") + ") ON COMMIT DROP"
	if _, err := tx.Exec(ctx, ddl); err != nil {
		return "", wrap(err, "stage import")
	}
	return from, nil
}

// stagedRows hands the reader's rows to COPY as import_rows takes them: text trimmed of
// spaces (empty: NULL), the WKB shaped and given its SRID (shapeWKB).
type stagedRows struct {
	src     pgx.CopyFromSource
	srid    uint32
	polygon bool
	vals    []any
}

func (r *stagedRows) Next() bool { return r.src.Next() }
func (r *stagedRows) Err() error { return r.src.Err() }

func (r *stagedRows) Values() ([]any, error) {
	vals, err := r.src.Values()
	if err != nil {
		return nil, err
	}
	r.vals = append(r.vals[:0], vals...)
	for i, v := range r.vals {
		switch v := v.(type) {
		case string:
			if v = strings.Trim(v, " "); v == "" {
				r.vals[i] = nil
			} else {
				r.vals[i] = v
			}
		case []byte:
			r.vals[i] = shapeWKB(v, r.srid, r.polygon)
		}
	}
	return r.vals, nil
}

// WKB geometry types, and EWKB's flag for a geometry that carries its SRID.
const (
	wkbPoint, wkbLineString, wkbPolygon, wkbMultiPoint, wkbCollection = 1, 2, 3, 4, 7
	wkbHasSRID                                                        = 0x20000000
)

// shapeWKB is WKB b as EWKB in srid, shaped as a layer stores it, as ST_Multi does for a
// polygon layer (a single geometry becomes a collection of one) and as a point layer wants
// it (a collection of one becomes its member). Doing it here, on bytes, spares PostgreSQL
// a parse of every geometry per expression that reads it. What it cannot read it leaves
// to PostGIS, which refuses it.
func shapeWKB(b []byte, srid uint32, polygon bool) []byte {
	if len(b) < 9 {
		return b
	}
	var order binary.ByteOrder = binary.LittleEndian
	if b[0] == 0 {
		order = binary.BigEndian
	}
	typ := order.Uint32(b[1:5])
	if typ&^0xff != 0 || typ < wkbPoint || typ > wkbCollection {
		return b // extended or unknown: as it is
	}
	if polygon && typ < wkbMultiPoint {
		out := make([]byte, 13, 13+len(b))
		out[0] = b[0]
		order.PutUint32(out[1:], (typ+3)|wkbHasSRID)
		order.PutUint32(out[5:], srid)
		order.PutUint32(out[9:], 1)
		return append(out, b...)
	}
	if !polygon && typ >= wkbMultiPoint && order.Uint32(b[5:9]) == 1 && len(b) >= 14 {
		b = b[9:]
		if b[0] == 0 {
			order = binary.BigEndian
		} else {
			order = binary.LittleEndian
		}
		typ = order.Uint32(b[1:5])
	}
	out := make([]byte, len(b)+4)
	out[0] = b[0]
	order.PutUint32(out[1:], typ|wkbHasSRID)
	order.PutUint32(out[5:], srid)
	copy(out[9:], b[5:])
	return out
}
