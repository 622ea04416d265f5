package store

import (
	"context"

	"gridhub/model"
)

// BeijingTime is the SQL writing a timestamptz as a compiled selection does.
func BeijingTime(ts string) string { return beijingTime(ts) }

// ShapeWKB is how a row's WKB is staged for a polygon layer or another.
func ShapeWKB(b []byte, srid uint32, polygon bool) []byte { return shapeWKB(b, srid, polygon) }

// AppendJSONValue is appendJSONValue: a column's value as row_to_json writes it.
func AppendJSONValue(b, v []byte, oid uint32, format int16) ([]byte, error) {
	return appendJSONValue(b, v, oid, format)
}

// PropertiesSQL is a layer's featureCollection properties object built by row_to_json
// over alias t, as PostgreSQL itself writes it.
func PropertiesSQL(l model.Layer) (table, object string) {
	fs := append([]field{{"layer", "'" + string(l) + "'::text"}}, propFields(context.Background(), l, nil)...)
	return layers[l].table, jsonObject(fs)
}
