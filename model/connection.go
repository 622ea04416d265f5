package model

import "context"

type PageInfo struct {
	HasNextPage bool
	EndCursor   *string
}

// Page is what every connection shares: page info and a total counted only when asked.
type Page struct {
	PageInfo *PageInfo
	Count    func(ctx context.Context) (int, error)
}

// TotalCount runs the count query; connections that are never asked for it never count.
func (p Page) TotalCount(ctx context.Context) (int, error) {
	if p.Count == nil {
		return 0, nil
	}
	return p.Count(ctx)
}

type FeatureEdge struct {
	Cursor string
	Node   Feature
}
type FeatureConnection struct {
	Page
	Edges []*FeatureEdge
}

type GridEdge struct {
	Cursor string
	Node   *Grid
}
type GridConnection struct {
	Page
	Edges []*GridEdge
}

type BuildingEdge struct {
	Cursor string
	Node   *Building
}
type BuildingConnection struct {
	Page
	Edges []*BuildingEdge
}

type PartyUnitEdge struct {
	Cursor string
	Node   *PartyUnit
}
type PartyUnitConnection struct {
	Page
	Edges []*PartyUnitEdge
}

type CameraEdge struct {
	Cursor string
	Node   *Camera
}
type CameraConnection struct {
	Page
	Edges []*CameraEdge
}

type ServicePointEdge struct {
	Cursor string
	Node   *ServicePoint
}
type ServicePointConnection struct {
	Page
	Edges []*ServicePointEdge
}

type IncidentEdge struct {
	Cursor string
	Node   *Incident
}
type IncidentConnection struct {
	Page
	Edges []*IncidentEdge
}

// NearbyFeature is a feature and its distance on the spheroid.
type NearbyFeature struct {
	Feature        Feature
	DistanceMeters float64
}

type GridWorkerEdge struct {
	Cursor string
	Node   *GridWorker
}

type GridWorkerConnection struct {
	Page
	Edges []*GridWorkerEdge
}

type VisitEdge struct {
	Cursor string
	Node   *Visit
}

type VisitConnection struct {
	Page
	Edges []*VisitEdge
}
