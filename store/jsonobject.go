package store

import (
	"strconv"
	"strings"
)

// field is one member of a JSON object built in SQL: its name and expression.
type field struct{ name, expr string }

// jsonObject is the SQL of a JSON object of fields, in their order, written compactly
// ({"name":"…","code":"…"}). row_to_json writes no spaces, where json_build_object
// writes "name" : "…" (about 15 % of a collection's bytes, which every client downloads
// and parses), and it costs a third of json_build_object's time: 30 ms against 83 ms for
// the properties of 5,000 incidents.
func jsonObject(fields []field) string {
	if len(fields) == 0 {
		return "'{}'::json"
	}
	cols := make([]string, len(fields))
	for i, f := range fields {
		cols[i] = f.expr + " AS " + strconv.Quote(f.name)
	}
	return "(SELECT row_to_json(o) FROM (SELECT " + strings.Join(cols, ", ") + ") o)"
}
