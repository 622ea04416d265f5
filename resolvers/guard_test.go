package resolvers

import (
	"slices"
	"testing"

	"gridhub/auth"
	"gridhub/graph"
	"gridhub/model"
)

func TestFieldGuardReadsTheSchema(t *testing.T) {
	s := graph.NewExecutableSchema(graph.Config{Resolvers: &Resolver{}}).Schema()
	g := NewFieldGuard(s)
	t.Run("fields hold the layer of their type, their own directive, or their nodes'", func(t *testing.T) {
		for _, c := range []struct {
			object, field string
			want          model.Layer
		}{
			{"Query", "cameras", model.LayerCamera},
			{"Query", "grid", model.LayerGrid},
			{"Grid", "incidents", model.LayerIncident},
			{"Grid", "buildings", model.LayerBuilding},
			{"IncidentConnection", "edges", model.LayerIncident},
			{"IncidentEdge", "node", model.LayerIncident},
			{"Incident", "timeline", model.LayerIncident},
			{"Incident", "nearbyCameras", model.LayerCamera},
			{"Query", "incidentCategories", model.LayerIncident},
			{"Stats", "population", model.LayerBuilding},
			{"Stats", "camerasOnline", model.LayerCamera},
			{"Stats", "overdueIncidents", model.LayerIncident},
			{"Mutation", "reportIncident", model.LayerIncident},
		} {
			if got, ok := g.Layer(c.object, c.field); !ok || got != c.want {
				t.Errorf("%s.%s: got %q (%v), want %s", c.object, c.field, got, ok, c.want)
			}
		}
	})
	t.Run("fields across layers hold none of their own", func(t *testing.T) {
		for _, f := range [][2]string{{"Query", "features"}, {"Query", "nearby"}, {"Query", "node"}, {"Query", "stats"}, {"Incident", "code"}, {"Grid", "name"}} {
			if l, ok := g.Layer(f[0], f[1]); ok {
				t.Errorf("%s.%s: got layer %s", f[0], f[1], l)
			}
		}
	})
	t.Run("every type implementing Feature names its layer, and every layer has a type", func(t *testing.T) {
		seen := map[model.Layer]bool{}
		for _, def := range s.PossibleTypes["Feature"] {
			l, ok := layerDirective(def.Directives)
			if !ok {
				t.Errorf("%s implements Feature without @layer", def.Name)
			}
			seen[l] = true
		}
		for _, l := range model.Layers {
			if !seen[l] {
				t.Errorf("no Feature type has @layer(is: %s)", l)
			}
		}
	})
	t.Run("the mutations are the schema's", func(t *testing.T) {
		var want []string
		for _, f := range s.Mutation.Fields {
			want = append(want, f.Name)
		}
		if !slices.Equal(g.mutations, want) || len(want) < 2 {
			t.Errorf("got %v, want %v", g.mutations, want)
		}
	})
}

// A policy is held to the schema when the server starts: rules on fields that do not
// exist would restrict nothing, and hide or mask must be able to answer what they promise.
func TestCheckPolicyAgainstTheSchema(t *testing.T) {
	s := graph.NewExecutableSchema(graph.Config{Resolvers: &Resolver{}}).Schema()
	builtin, err := auth.LoadPolicy("")
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckPolicy(s, builtin); err != nil {
		t.Fatalf("the built-in policy: %v", err)
	}
	role := "roles:\n  r:\n    layers: [GRID, BUILDING, CAMERA]\n    rate: {perSecond: 1, burst: 1}\n    complexity: 100\n"
	for _, c := range []struct{ rules, want string }{
		{"    fields: {Grid.workrName: hide}\n", "role r: fields: Grid.workrName: Grid has no field workrName"},
		{"    fields: {Bulding.name: deny}\n", "role r: fields: Bulding.name: the schema has no type Bulding"},
		{"    fields: {Building.address: hide}\n", "role r: fields: Building.address is String!, never null, so it cannot be hidden: deny or mask it"},
		{"    fields: {Building.floors: mask}\n", "role r: fields: Building.floors is Int!: only strings can be masked"},
		{"    allow: {Camera: [id, nmae]}\n", "role r: allow: Camera has no field nmae"},
	} {
		p, err := auth.ParsePolicy([]byte(role + c.rules))
		if err != nil {
			t.Fatalf("%q: %v", c.rules, err)
		}
		if err := CheckPolicy(s, p); err == nil || err.Error() != c.want {
			t.Errorf("%q: got %v, want %q", c.rules, err, c.want)
		}
	}
	ok, err := auth.ParsePolicy([]byte(role + "    fields: {Grid.workerName: hide, Building.address: mask, Camera.streamUrl: deny}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckPolicy(s, ok); err != nil {
		t.Errorf("a sound policy refused: %v", err)
	}
}
