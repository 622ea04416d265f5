package httpapi

import (
	"gridhub/graph"
	"gridhub/model"
	"gridhub/resolvers"
)

// complexity gives lists and connections a cost proportional to what they may return,
// so that one cheap-looking document cannot ask for millions of rows. Multiplications
// saturate: an overflow must never wrap round below the limit. A page size beyond what
// the resolvers allow costs as much as the largest allowed: the resolver then refuses
// it as OUT_OF_RANGE, naming the bound, which says more than TOO_COMPLEX would.
func complexity() graph.ComplexityRoot {
	var c graph.ComplexityRoot
	page := func(child int, first *int, def int) int {
		return mul(child, min(orDefault(first, def), resolvers.MaxFirst))
	}
	c.Query.Features = func(child int, _ graph.AreaInput, _ []model.Layer, first *int, _ *string, _ *int) int {
		return page(child, first, 500)
	}
	c.Query.FeatureCollection = func(_ int, _ graph.AreaInput, _ []model.Layer, _ *model.CRS, limit *int, _ *int, _ []string) int {
		return 50 + min(orDefault(limit, 5000), resolvers.MaxCollection)/10
	}
	c.Query.Clusters = func(child int, _ graph.AreaInput, _ model.Layer, _ int) int { return mul(child, 200) }
	c.Query.Nearby = func(child int, _, _, _ float64, _ []model.Layer, first *int) int { return page(child, first, 50) }
	c.Query.Grids = func(child int, _ *model.GridLevel, _ *string, _ *graph.AreaInput, first *int, _ *string) int {
		return page(child, first, 100)
	}
	c.Query.Buildings = func(child int, _ *graph.AreaInput, first *int, _ *string) int { return page(child, first, 100) }
	c.Query.PartyUnits = func(child int, _ *model.PartyUnitKind, _ *graph.AreaInput, first *int, _ *string) int {
		return page(child, first, 100)
	}
	c.Query.Cameras = func(child int, _ *model.CameraKind, _ *model.CameraStatus, _ *graph.AreaInput, first *int, _ *string) int {
		return page(child, first, 100)
	}
	c.Query.ServicePoints = func(child int, _ *model.ServicePointKind, _ *graph.AreaInput, first *int, _ *string) int {
		return page(child, first, 100)
	}
	c.Query.Incidents = func(child int, _ *model.IncidentFilter, _ *graph.AreaInput, first *int, _ *string) int {
		return page(child, first, 100)
	}
	c.Grid.Buildings = func(child int, first *int, _ *string) int { return page(child, first, 100) }
	c.Grid.Cameras = func(child int, first *int, _ *string) int { return page(child, first, 100) }
	c.Grid.Incidents = func(child int, _ *model.IncidentFilter, first *int, _ *string) int { return page(child, first, 100) }
	c.Grid.Children = func(child int) int { return mul(child, 20) }
	c.Grid.PartyUnits = func(child int) int { return mul(child, 20) }
	c.PartyUnit.Children = func(child int) int { return mul(child, 20) }
	c.Incident.Timeline = func(child int) int { return mul(child, 10) }
	c.Incident.NearbyCameras = func(child int, _ *float64) int { return mul(child, 20) }
	return c
}

const costCeiling = 1 << 30

func mul(child, n int) int {
	if child < 1 {
		child = 1
	}
	if n < 1 {
		n = 1
	}
	if child > costCeiling/n {
		return costCeiling
	}
	return 1 + child*n
}

func orDefault(v *int, def int) int {
	if v == nil {
		return def
	}
	return *v
}
