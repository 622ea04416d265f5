package geo

// CRS names a coordinate reference system a client reads or writes
// coordinates in. The values match the GraphQL enum.
type CRS string

// The systems map clients in China use.
const (
	// WGS84 is EPSG:4326, what PostGIS stores and GeoJSON (RFC 7946) means.
	WGS84 CRS = "WGS84"
	// CGCS2000 is EPSG:4490 (Tianditu). It differs from WGS84 by centimetres,
	// far below map precision, so it is passed through unchanged.
	CGCS2000 CRS = "CGCS2000"
	// GCJ02 is the obfuscated system of Amap and Tencent maps.
	GCJ02 CRS = "GCJ02"
	// BD09 is Baidu's system, derived from GCJ02. Its own rotation applies
	// everywhere, as the published formulas (and Baidu's converter) do; only
	// the GCJ-02 step stops at China's box.
	BD09 CRS = "BD09"
)

// Valid reports whether c is one of the known systems; the empty CRS is
// valid and means WGS84, as an omitted GraphQL argument does.
func (c CRS) Valid() bool {
	switch c {
	case "", WGS84, CGCS2000, GCJ02, BD09:
		return true
	}
	return false
}

// IsWGS84 reports whether coordinates in c are stored as they are, which
// lets callers skip a transform entirely.
func (c CRS) IsWGS84() bool {
	return c == "" || c == WGS84 || c == CGCS2000
}

// FromWGS84 converts a WGS84 lon/lat into the system to. An unknown system
// leaves the point unchanged; callers validate the CRS before they get here.
func FromWGS84(to CRS, lon, lat float64) (float64, float64) {
	switch to {
	case GCJ02:
		return WGS84ToGCJ02(lon, lat)
	case BD09:
		return GCJ02ToBD09(WGS84ToGCJ02(lon, lat))
	}
	return lon, lat
}

// ToWGS84 converts a lon/lat in the system from into WGS84. An unknown
// system leaves the point unchanged; callers validate the CRS first.
func ToWGS84(from CRS, lon, lat float64) (float64, float64) {
	switch from {
	case GCJ02:
		return GCJ02ToWGS84(lon, lat)
	case BD09:
		return GCJ02ToWGS84(BD09ToGCJ02(lon, lat))
	}
	return lon, lat
}

func checkCRS(c CRS, problem Problem) error {
	if c.Valid() {
		return nil
	}
	return errorf(problem, "crs must be one of WGS84, CGCS2000, GCJ02, BD09, not %q", truncate(string(c)))
}

// truncate keeps echoed client strings short, so an error message can't be
// made arbitrarily long by the input it quotes.
func truncate(s string) string {
	const limit = 32
	if len(s) <= limit {
		return s
	}
	r := []rune(s)
	if len(r) <= limit {
		return s
	}
	return string(r[:limit]) + "…"
}
