package store

import (
	"context"

	"gridhub/model"
)

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
