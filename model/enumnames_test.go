package model

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The enums' Chinese names are the map's (web/mapui/src/labels.js): imports read them and
// their problems name them, so both must say the same.
func TestEnumNamesAreTheMapsNames(t *testing.T) {
	b, err := os.ReadFile("../web/mapui/src/labels.js")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)\b([A-Z][A-Z0-9_]+): (?:\{ name: )?'([^']+)'`).FindAllStringSubmatch(string(b), -1) {
		code, name := m[1], m[2]
		if strings.HasPrefix(name, "#") {
			continue // a colour
		}
		seen[code] = true
		if EnumNames[code] != name {
			t.Errorf("%s: the map calls it %q, EnumNames %q", code, name, EnumNames[code])
		}
	}
	var all []string
	for _, l := range [][]string{strs(GridLevels), strs(PartyUnitKinds), strs(CameraKinds), strs(CameraStatuses),
		strs(ServicePointKinds), strs(IncidentSources), strs(IncidentStatuses)} {
		all = append(all, l...)
	}
	for _, code := range all {
		if !seen[code] || EnumNames[code] == "" {
			t.Errorf("%s: named by the map %v, by EnumNames %q", code, seen[code], EnumNames[code])
		}
	}
	if len(EnumNames) != len(all) {
		t.Errorf("EnumNames has %d names for %d values", len(EnumNames), len(all))
	}
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
