package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// MaxTileZoom is the deepest XYZ zoom the hub serves; past it a tile is
// smaller than a building's footprint error.
const MaxTileZoom = 22

// mercatorHalf is half the width of the EPSG:3857 world in metres.
const mercatorHalf = math.Pi * orb.EarthRadius

// tilePixels is the tile size the zoom helpers assume, as web maps do.
const tilePixels = 256

// CheckTile reports why z/x/y is not an XYZ tile the hub serves: z must be
// in 0..MaxTileZoom and x, y in 0..2^z-1 (OUT_OF_RANGE, naming the range).
func CheckTile(z, x, y int) error {
	if err := checkTile(z, x, y); err != nil {
		return err
	}
	return nil
}

func checkTile(z, x, y int) *Error {
	if z < 0 || z > MaxTileZoom {
		return errorf(ProblemRange, "tile z %d is outside 0..%d", z, MaxTileZoom)
	}
	n := 1 << z
	if x < 0 || x >= n {
		return errorf(ProblemRange, "tile x %d is outside 0..%d at zoom %d", x, n-1, z)
	}
	if y < 0 || y >= n {
		return errorf(ProblemRange, "tile y %d is outside 0..%d at zoom %d", y, n-1, z)
	}
	return nil
}

// TileBound returns the WGS84 lon/lat bound of the XYZ tile z/x/y (y counted
// from the top, as web maps do). Its latitudes stop at ±85.0511°, where web
// mercator does. The tile is not checked: call CheckTile first for client
// input; nonsense tiles give a nonsense bound, not a panic.
func TileBound(z, x, y int) orb.Bound {
	n := math.Ldexp(1, z)
	west := float64(x)/n*360 - 180
	east := float64(x+1)/n*360 - 180
	north := tileLat(float64(y) / n)
	south := tileLat(float64(y+1) / n)
	return orb.Bound{Min: orb.Point{west, south}, Max: orb.Point{east, north}}
}

// tileLat is the latitude at fraction f of the map's height from the top.
func tileLat(f float64) float64 {
	return math.Atan(math.Sinh(math.Pi*(1-2*f))) * 180 / math.Pi
}

// TileMercatorBound returns the EPSG:3857 bound in metres of the XYZ tile
// z/x/y, the extent a vector tile's coordinates are scaled to.
func TileMercatorBound(z, x, y int) orb.Bound {
	size := 2 * mercatorHalf / math.Ldexp(1, z)
	minX := -mercatorHalf + float64(x)*size
	maxY := mercatorHalf - float64(y)*size
	return orb.Bound{Min: orb.Point{minX, maxY - size}, Max: orb.Point{minX + size, maxY}}
}

// CellSizeDegrees returns how many degrees of longitude the given number of
// screen pixels span at a web-mercator zoom with 256-pixel tiles. Longitude
// degrees per pixel are the same at every latitude, which makes this the
// natural grid size for clustering points in lon/lat.
func CellSizeDegrees(zoom int, pixels float64) float64 {
	return pixels * 360 / (tilePixels * math.Ldexp(1, zoom))
}

// MetersPerPixel returns the ground distance one screen pixel covers at a
// web-mercator zoom and latitude, the tolerance to simplify geometry to
// before drawing it at that zoom.
func MetersPerPixel(zoom int, lat float64) float64 {
	return math.Cos(lat*math.Pi/180) * 2 * mercatorHalf / (tilePixels * math.Ldexp(1, zoom))
}

func parseTile(t TileSpec) (*Area, *Error) {
	if err := checkTile(t.Z, t.X, t.Y); err != nil {
		return nil, err
	}
	return &Area{Kind: AreaBBox, Bound: TileBound(t.Z, t.X, t.Y)}, nil
}
