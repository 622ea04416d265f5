package model

import (
	"encoding/json"
	"fmt"
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
func (g *GeoJSON) UnmarshalGQL(v any) error {
	switch t := v.(type) {
	case string:
		if !json.Valid([]byte(t)) {
			return fmt.Errorf("GeoJSON string is not valid JSON")
		}
		*g = GeoJSON(t)
	case map[string]any:
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("GeoJSON must be a JSON object")
		}
		*g = b
	default:
		return fmt.Errorf("GeoJSON must be an object")
	}
	return nil
}
