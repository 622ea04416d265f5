package resolvers

import (
	"slices"
	"testing"

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
