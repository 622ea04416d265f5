package model

import (
	"encoding/json"
	"io"
)

// GeoJSON is GeoJSON text passed through as it is: built by PostGIS on the way out,
// validated by geo on the way in.
type GeoJSON []byte

func (g GeoJSON) MarshalGQL(w io.Writer) {
	if len(g) == 0 {
		_, _ = io.WriteString(w, "null")
		return
	}
	_, _ = w.Write(g)
}

// UnmarshalGQL takes a GeoJSON object (as a JSON object in variables or an input object
// literal) or a string holding GeoJSON text.
// Anything else is BAD_GEOMETRY (geo then checks that the object is a geometry).
func (g *GeoJSON) UnmarshalGQL(v any) error {
	switch t := v.(type) {
	case string:
		if !json.Valid([]byte(t)) {
			return Errorf(CodeBadGeometry, "a GeoJSON string must hold GeoJSON text (a JSON object), not WKT or other text")
		}
		*g = GeoJSON(t)
	case map[string]any:
		b, err := json.Marshal(t)
		if err != nil {
			return Errorf(CodeBadGeometry, "GeoJSON must be a JSON object")
		}
		*g = b
	default:
		return Errorf(CodeBadGeometry, "GeoJSON must be a JSON object such as {\"type\": \"Polygon\", \"coordinates\": [...]}, not %s", jsonKind(v))
	}
	return nil
}

// jsonKind names the JSON type of a decoded value, for messages.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "a number"
}
