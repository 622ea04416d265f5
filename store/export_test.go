package store

// BeijingTime is the SQL writing a timestamptz as a compiled selection does.
func BeijingTime(ts string) string { return beijingTime(ts) }

// ShapeWKB is how a row's WKB is staged for a polygon layer or another.
func ShapeWKB(b []byte, srid uint32, polygon bool) []byte { return shapeWKB(b, srid, polygon) }
