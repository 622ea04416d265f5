package auth

import (
	"strings"
	"testing"

	"gridhub/model"
)

func TestBuiltinPolicy(t *testing.T) {
	p, err := LoadPolicy("")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"the public may not read cameras", !p.Roles["public"].CanRead(model.LayerCamera)},
		{"the street office takes its fence from each key", p.Roles["street_office"].FenceFromKey},
		{"the judiciary sees only disputes", len(p.Roles["judicial"].Rows[model.LayerIncident]) == 1},
		{"the public reads an incident's status but not its title", p.Roles["public"].Field("Incident", "status") == "" && p.Roles["public"].Field("Incident", "name") == Deny},
		{"city management's cameras are coarsened", p.Roles["city_management"].Coarsen[model.LayerCamera] == 100},
		{"callers without a credential are the public", p.Anonymous == "public"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Error("not so")
			}
		})
	}
}

func TestBadPoliciesAreRefusedWithTheReason(t *testing.T) {
	base := "    layers: [GRID]\n    rate: {perSecond: 1, burst: 1}\n    complexity: 100\n"
	cases := []struct{ name, yaml, want string }{
		{"an unknown layer", "roles:\n  r:\n    layers: [GRID, SPACESHIP]\n    rate: {perSecond: 1, burst: 1}\n    complexity: 100\n", "SPACESHIP"},
		{"a misspelt rule", "roles:\n  r:\n" + base + "    mutation: [reportIncident]\n", "mutation"},
		{"an unknown mutation", "roles:\n  r:\n" + base + "    mutations: [dropTables]\n", "dropTables"},
		{"a field rule that is not deny, hide or mask", "roles:\n  r:\n" + base + "    fields: {Grid.name: blur}\n", "blur"},
		{"a fence that is no grid code", "roles:\n  r:\n" + base + "    fence: somewhere\n", "somewhere"},
		{"a bow-tie fence polygon", "roles:\n  r:\n" + base + "    fence: {type: Polygon, coordinates: [[[0,0],[1,1],[1,0],[0,1],[0,0]]]}\n", "fence"},
		{"rows of a layer the role cannot read", "roles:\n  r:\n" + base + "    rows: {CAMERA: [XUELIANG]}\n", "CAMERA"},
		{"an undefined anonymous role", "anonymous: ghost\nroles:\n  r:\n" + base, "ghost"},
		{"no rate", "roles:\n  r:\n    layers: [GRID]\n    complexity: 100\n", "rate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error naming %q", err, c.want)
			}
		})
	}
}

func TestKeys(t *testing.T) {
	key, prefix, hash := NewKey()
	if p, ok := KeyPrefix(key); !ok || p != prefix || string(HashKey(key)) != string(hash) {
		t.Fatalf("NewKey %q: prefix %q/%q", key, p, prefix)
	}
	for _, k := range DemoKeys {
		if _, ok := KeyPrefix(k.Key); !ok {
			t.Errorf("demo key %q is not shaped like a key", k.Key)
		}
	}
	for _, bad := range []string{"", "gh_", "gh_zzzzzzzz_" + strings.Repeat("a", 43), "gh_0000000_" + strings.Repeat("a", 43), key + "x"} {
		if _, ok := KeyPrefix(bad); ok {
			t.Errorf("KeyPrefix accepted %q", bad)
		}
	}
	if got := MaskDigits("13812341234"); got != "138****1234" {
		t.Errorf("MaskDigits: %q", got)
	}
}
