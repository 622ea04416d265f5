package importer

import (
	"encoding/json"
	"testing"
)

// Property values reach the staging table as the text a user would type.
func TestRawText(t *testing.T) {
	for _, c := range []struct {
		json, want string
		ok         bool
	}{
		{`"网格"`, "网格", true},
		{`"a \"quoted\" \u7f51"`, `a "quoted" 网`, true},
		{`12`, "12", true},
		{`-3.50`, "-3.50", true},
		{`1e3`, "1000", true},
		{`true`, "true", true},
		{`{"a":1}`, `{"a":1}`, true},
		{`null`, "", false},
	} {
		got, ok := rawText(json.RawMessage(c.json))
		if got != c.want || ok != c.ok {
			t.Errorf("rawText(%s) = %q, %v; want %q, %v", c.json, got, ok, c.want, c.ok)
		}
	}
}
