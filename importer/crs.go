package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"gridhub/geo"
	"gridhub/model"
	"gridhub/store"
)

// CRS is what a file's coordinates are in: an EPSG code PostGIS transforms from, or
// WGS84 lon/lat with one of the offsets Chinese web maps apply (undone in geo).
type CRS struct {
	Name   string
	SRID   int
	Offset geo.CRS // GCJ02 or BD09; "" for none
}

// ParseCRS reads -crs: EPSG:NNNN (or NNNN), WGS84, CGCS2000, GCJ02, BD09; "" is unknown.
func ParseCRS(s string) (CRS, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	u = strings.ReplaceAll(u, "-", "")
	switch u {
	case "":
		return CRS{}, nil
	case "WGS84", "CRS84", "URN:OGC:DEF:CRS:OGC:1.3:CRS84", "URN:OGC:DEF:CRS:OGC::CRS84":
		return CRS{Name: "WGS84", SRID: 4326}, nil
	case "CGCS2000":
		return CRS{Name: "CGCS2000", SRID: 4490}, nil
	case "GCJ02":
		return CRS{Name: "GCJ-02", SRID: 4326, Offset: geo.GCJ02}, nil
	case "BD09":
		return CRS{Name: "BD-09", SRID: 4326, Offset: geo.BD09}, nil
	}
	code := u
	for _, p := range []string{"URN:OGC:DEF:CRS:EPSG::", "URN:OGC:DEF:CRS:EPSG:", "EPSG:"} {
		code = strings.TrimPrefix(code, p)
	}
	n, err := strconv.Atoi(code)
	if err != nil || n <= 0 {
		return CRS{}, badFile("crs %q: give EPSG:NNNN, WGS84, CGCS2000, GCJ02 or BD09", s)
	}
	return CRS{Name: "EPSG:" + strconv.Itoa(n), SRID: n}, nil
}

// candidates are the systems a district's files come in besides WGS84: CGCS2000
// Gauss-Krüger 3° zones around the district's 111°E meridian, with and without the zone
// prefix, and web mercator.
var candidates = []int{4546, 4525, 4545, 4524, 4547, 4526, 4490, 3857}

// placed refuses a file most of whose first rows fall outside the district under the
// CRS taken, saying where they fell and which systems would place them: a guess is
// offered, never applied.
func placed(ctx context.Context, st *store.Store, c CRS) func(store.Placement) error {
	return func(p store.Placement) error {
		if p.Sampled == 0 || p.Inside*2 > p.Sampled {
			return nil
		}
		outline := "the district's WGS84 outline"
		if !p.HasDistrict {
			outline = "China's extent (the database holds no district yet)"
		}
		where := fmt.Sprintf("%s %s of %s", distance(p.DistanceMeters), compass(p.BearingDegrees), outline)
		x, y := p.Sample[0], p.Sample[1]
		if math.Abs(x) > 180 || math.Abs(y) > 90 {
			where = fmt.Sprintf("at (%.1f, %.1f), which are not degrees", x, y)
		}
		var looks []string
		if math.Abs(x) <= 180 && math.Abs(y) <= 90 {
			if c.Offset == "" {
				for _, o := range []struct {
					crs  geo.CRS
					name string
				}{{geo.GCJ02, "GCJ02"}, {geo.BD09, "BD09"}} {
					lon, lat := geo.ToWGS84(o.crs, p.SampleWGS84[0], p.SampleWGS84[1])
					if in, err := st.InDistrict(ctx, lon, lat); err == nil && in {
						looks = append(looks, o.name)
					}
				}
			}
			if in, err := st.InDistrict(ctx, y, x); err == nil && in {
				looks = append(looks, "lat/lon swapped (map the columns the other way round)")
			}
		} else if srids, err := st.SRIDsPlacing(ctx, x, y, candidates); err == nil {
			for _, s := range srids {
				looks = append(looks, "EPSG:"+strconv.Itoa(s))
			}
		}
		msg := fmt.Sprintf("%d of the first %d rows do not fall in the district under %s: they lie %s", p.Sampled-p.Inside, p.Sampled, c.Name, where)
		if len(looks) > 0 {
			msg += "; they look like " + strings.Join(looks, " or ") + ": give -crs accordingly"
		} else {
			msg += "; give the file's CRS with -crs"
		}
		return &MisplacedError{Err: model.Errorf(model.CodeBadGeometry, "%s", msg), At: p.SampleWGS84}
	}
}

// MisplacedError refuses a file whose rows fall outside the district (most often: read
// in the wrong CRS), saying where they landed.
type MisplacedError struct {
	Err *model.Error
	// At is the centre of the first rows' extent in WGS84 as read; not a place on Earth
	// when the coordinates were not degrees.
	At [2]float64
}

func (e *MisplacedError) Error() string { return e.Err.Message }
func (e *MisplacedError) Unwrap() error { return e.Err }

func distance(m float64) string {
	if m >= 10000 {
		return fmt.Sprintf("%.0f km", m/1000)
	}
	if m >= 1000 {
		return fmt.Sprintf("%.1f km", m/1000)
	}
	return fmt.Sprintf("%.0f m", m)
}

func compass(deg float64) string {
	names := []string{"north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west"}
	return names[int(math.Mod(deg+22.5+360, 360)/45)%8]
}

// offsetHint looks at the rows that landed outside every grid, or in another grid than
// the file names, and says so when reading the file as GCJ-02 or BD-09 would put most of
// them right: a file copied from a web map but imported as WGS84.
func offsetHint(ctx context.Context, st *store.Store, c CRS, res *store.ImportResult) *store.Problem {
	if c.Offset != "" {
		return nil
	}
	type miss struct {
		lon, lat float64
		grid     string // the grid the file names; "" for a row outside every grid
	}
	var misses []miss
	for _, p := range res.Problems {
		if len(misses) == 50 || p.Location == nil {
			continue
		}
		outside := p.Field == "geometry" && p.Problem == "outside every grid of the district"
		if !outside && !(p.Field == "grid" && strings.HasPrefix(p.Problem, "lies in grid")) {
			continue
		}
		var pt struct{ Coordinates []float64 }
		if json.Unmarshal(p.Location, &pt) != nil || len(pt.Coordinates) != 2 {
			continue
		}
		m := miss{lon: pt.Coordinates[0], lat: pt.Coordinates[1]}
		if !outside {
			m.grid = p.Value
		}
		misses = append(misses, m)
	}
	if len(misses) < 3 {
		return nil
	}
	for _, o := range []struct {
		crs  geo.CRS
		name string
	}{{geo.GCJ02, "GCJ-02"}, {geo.BD09, "BD-09"}} {
		right := 0
		var shift float64
		for _, m := range misses {
			lon, lat := geo.ToWGS84(o.crs, m.lon, m.lat)
			g, err := st.GridAt(ctx, model.GridLevelGrid, lon, lat)
			if err == nil && (m.grid == "" || g.Code == m.grid) {
				right++
			}
			shift += orbgeo.Distance(orb.Point{m.lon, m.lat}, orb.Point{lon, lat})
		}
		if right*2 > len(misses) {
			return &store.Problem{Field: "crs", Problem: fmt.Sprintf("looks like %s: %d of %d misplaced rows sampled fall in place when read as %s, about %.0f m from where WGS84 puts them; give -crs %s",
				o.name, right, len(misses), o.name, shift/float64(len(misses)), strings.ReplaceAll(o.name, "-", "")), Value: c.Name}
		}
	}
	return nil
}
