// Package geo is gridhub's geometry layer: it validates the areas and
// polygons clients send, converts between the coordinate systems Chinese map
// clients use (WGS84, CGCS2000, GCJ-02, BD-09), and does the tile and zoom
// arithmetic behind vector tiles and clustering.
//
// Everything here works in lon/lat degrees with WGS84 as the storage system,
// because PostGIS keeps geometry in EPSG:4326. Functions never panic on client
// input: bad input comes back as an *Error whose code the GraphQL layer puts
// into extensions.code.
package geo
