package ogc

import (
	"net/http"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/project"

	"gridhub/geo"
	"gridhub/model"
	"gridhub/store"
)

// crsDef is a coordinate reference system the API reads and writes (Part 2), with the
// axis order its definition gives: EPSG:4326 and EPSG:4490 are latitude first, CRS84
// and the offset systems longitude first, EPSG:3857 easting first.
type crsDef struct {
	uri      string
	names    []string // other spellings accepted in crs, bbox-crs and filter-crs
	title    string
	latFirst bool
	srid     int     // PostGIS transforms into it (0: EPSG:4326 as stored)
	offset   geo.CRS // GCJ-02 or BD-09, transformed in geo
	decimals int
}

// The offset systems have no EPSG code; these are the hub's own identifiers for them.
const (
	GCJ02URI = "urn:gridhub:def:crs:GCJ02"
	BD09URI  = "urn:gridhub:def:crs:BD09"
)

var (
	crs84 = crsDef{uri: "http://www.opengis.net/def/crs/OGC/1.3/CRS84", names: []string{"CRS84", "OGC:CRS84", "[OGC:CRS84]"},
		title: "WGS 84 经纬度 (CRS84)", decimals: 7}
	crsDefs = []crsDef{
		crs84,
		{uri: "http://www.opengis.net/def/crs/EPSG/0/4326", names: []string{"EPSG:4326", "[EPSG:4326]"},
			title: "WGS 84 (EPSG:4326, 纬度在前)", latFirst: true, decimals: 7},
		// CGCS2000 equals WGS 84 at map precision (centimetres): the same numbers.
		{uri: "http://www.opengis.net/def/crs/EPSG/0/4490", names: []string{"EPSG:4490", "[EPSG:4490]"},
			title: "CGCS2000 (EPSG:4490, 天地图, 纬度在前)", latFirst: true, decimals: 7},
		{uri: "http://www.opengis.net/def/crs/EPSG/0/3857", names: []string{"EPSG:3857", "[EPSG:3857]"},
			title: "Web Mercator (EPSG:3857, 米)", srid: 3857, decimals: 2},
		{uri: GCJ02URI, names: []string{"GCJ02", "GCJ-02"}, title: "GCJ-02 (高德、腾讯, 经度在前)", offset: geo.GCJ02, decimals: 7},
		{uri: BD09URI, names: []string{"BD09", "BD-09"}, title: "BD-09 (百度, 经度在前)", offset: geo.BD09, decimals: 7},
	}
)

func crsURIs() []string {
	out := make([]string, len(crsDefs))
	for i, c := range crsDefs {
		out[i] = c.uri
	}
	return out
}

// parseCRS reads the value of the parameter name: a URI, its safe CURIE or a short
// name; empty is CRS84.
func parseCRS(s, name string) (crsDef, error) {
	if s == "" {
		return crs84, nil
	}
	for _, c := range crsDefs {
		if s == c.uri {
			return c, nil
		}
		for _, n := range c.names {
			if strings.EqualFold(s, n) {
				return c, nil
			}
		}
	}
	return crsDef{}, errorf(http.StatusBadRequest, model.CodeBadInput, "%s %q is not served: use one of %s", name, truncate(s), strings.Join(crsURIs(), ", "))
}

// output is how the store writes geometry in c.
func (c crsDef) output() store.Output {
	o := store.Output{Flip: c.latFirst, SRID: c.srid, Decimals: c.decimals}
	if c.offset != "" {
		to, digits := c.offset, c.decimals
		o.Transform = func(g []byte) ([]byte, error) { return geo.TransformGeoJSON(g, to, digits) }
	}
	return o
}

// toWGS84 reads a position given in c as WGS 84 lon/lat.
func (c crsDef) toWGS84(p orb.Point) orb.Point {
	switch {
	case c.latFirst:
		return orb.Point{p[1], p[0]}
	case c.srid == 3857:
		return project.Mercator.ToWGS84(p)
	case c.offset != "":
		lon, lat := geo.ToWGS84(c.offset, p[0], p[1])
		return orb.Point{lon, lat}
	}
	return p
}

// bboxArea reads a bbox's four numbers in c's axis order as a WGS 84 area.
func (c crsDef) bboxArea(n []float64) (*geo.Area, error) {
	switch {
	case c.latFirst:
		return geo.ParseArea(geo.AreaSpec{BBox: []float64{n[1], n[0], n[3], n[2]}}, 0)
	case c.srid == 3857:
		lo, hi := c.toWGS84(orb.Point{n[0], n[1]}), c.toWGS84(orb.Point{n[2], n[3]})
		return geo.ParseArea(geo.AreaSpec{BBox: []float64{lo[0], lo[1], hi[0], hi[1]}}, 0)
	}
	return geo.ParseArea(geo.AreaSpec{BBox: n, CRS: c.offset}, 0)
}
