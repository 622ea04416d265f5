// Package model holds gridhub's domain types: plain structs the GraphQL layer binds to
// and the store fills.
package model

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
)

// Node is anything with a global id.
type Node interface{ IsNode() }

// Feature is something drawn on the map.
type Feature interface {
	Node
	IsFeature()
	FeatureLayer() Layer
	Key() int64
}

// GlobalID encodes a layer and a row id as an opaque id.
func GlobalID(l Layer, id int64) string {
	var b [64]byte
	return string(AppendGlobalID(b[:0], l, id))
}

// AppendGlobalID appends GlobalID(l, id) to dst, allocating nothing when dst has room:
// collections write one per feature.
func AppendGlobalID(dst []byte, l Layer, id int64) []byte {
	var raw [40]byte
	text := strconv.AppendInt(append(append(raw[:0], l...), ':'), id, 10)
	return base64.RawURLEncoding.AppendEncode(dst, text)
}

// ParseGlobalID decodes GlobalID; ok is false for anything it did not produce.
func ParseGlobalID(s string) (l Layer, id int64, ok bool) {
	if len(s) > 64 {
		return "", 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", 0, false
	}
	name, num, found := strings.Cut(string(b), ":")
	if !found || !Layer(name).IsValid() {
		return "", 0, false
	}
	id, err = strconv.ParseInt(num, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != num {
		return "", 0, false
	}
	return Layer(name), id, true
}

type Grid struct {
	DBID             int64
	Code             string
	Level            GridLevel
	ParentID         *int64
	Name             string
	Population       int
	Households       int
	AreaSquareMeters float64
	WorkerName       *string
	WorkerPhone      *string
}

func (Grid) IsNode()             {}
func (Grid) IsFeature()          {}
func (Grid) FeatureLayer() Layer { return LayerGrid }
func (g *Grid) Key() int64       { return g.DBID }
func (g *Grid) ID() string       { return GlobalID(LayerGrid, g.DBID) }
func (g *Grid) Layer() Layer     { return LayerGrid }

type Building struct {
	DBID       int64
	GridID     int64
	Name       string
	Address    string
	Floors     int
	Households int
	Residents  int
}

func (Building) IsNode()             {}
func (Building) IsFeature()          {}
func (Building) FeatureLayer() Layer { return LayerBuilding }
func (b *Building) Key() int64       { return b.DBID }
func (b *Building) ID() string       { return GlobalID(LayerBuilding, b.DBID) }
func (b *Building) Layer() Layer     { return LayerBuilding }

type PartyUnit struct {
	DBID        int64
	Kind        PartyUnitKind
	Name        string
	ParentID    *int64
	OrgGridID   int64
	GridID      int64
	BuildingID  *int64
	MemberCount int
}

func (PartyUnit) IsNode()             {}
func (PartyUnit) IsFeature()          {}
func (PartyUnit) FeatureLayer() Layer { return LayerPartyUnit }
func (p *PartyUnit) Key() int64       { return p.DBID }
func (p *PartyUnit) ID() string       { return GlobalID(LayerPartyUnit, p.DBID) }
func (p *PartyUnit) Layer() Layer     { return LayerPartyUnit }

type Camera struct {
	DBID           int64
	Code           string
	Kind           CameraKind
	Status         CameraStatus
	Name           string
	HeadingDegrees *float64
	StreamURL      *string
	GridID         int64
}

func (Camera) IsNode()             {}
func (Camera) IsFeature()          {}
func (Camera) FeatureLayer() Layer { return LayerCamera }
func (c *Camera) Key() int64       { return c.DBID }
func (c *Camera) ID() string       { return GlobalID(LayerCamera, c.DBID) }
func (c *Camera) Layer() Layer     { return LayerCamera }

type ServicePoint struct {
	DBID         int64
	Kind         ServicePointKind
	Name         string
	Address      string
	Phone        *string
	OpeningHours *string
	GridID       int64
}

func (ServicePoint) IsNode()             {}
func (ServicePoint) IsFeature()          {}
func (ServicePoint) FeatureLayer() Layer { return LayerServicePoint }
func (s *ServicePoint) Key() int64       { return s.DBID }
func (s *ServicePoint) ID() string       { return GlobalID(LayerServicePoint, s.DBID) }
func (s *ServicePoint) Layer() Layer     { return LayerServicePoint }

type Incident struct {
	DBID        int64
	Code        string
	Title       string
	Description *string
	Category    string
	Source      IncidentSource
	Status      IncidentStatus
	Priority    int
	ReportedAt  time.Time
	DueAt       time.Time
	ClosedAt    *time.Time
	Overdue     bool
	AmountYuan  *float64
	GridID      *int64
	AssigneeID  *int64
}

func (Incident) IsNode()             {}
func (Incident) IsFeature()          {}
func (Incident) FeatureLayer() Layer { return LayerIncident }
func (i *Incident) Key() int64       { return i.DBID }
func (i *Incident) ID() string       { return GlobalID(LayerIncident, i.DBID) }
func (i *Incident) Layer() Layer     { return LayerIncident }
func (i *Incident) Name() string     { return i.Title }

type IncidentEvent struct {
	At    time.Time
	From  *IncidentStatus
	To    IncidentStatus
	Note  *string
	Actor *string
	// AssigneeID is the worker a dispatch sent it to.
	AssigneeID *int64
}

// IncidentFilter narrows incident lists; zero fields do not filter.
type IncidentFilter struct {
	Statuses       []IncidentStatus
	Sources        []IncidentSource
	Categories     []string
	Overdue        *bool
	ReportedAfter  *time.Time
	ReportedBefore *time.Time
}

// Stats are counts inside an area or grid.
type Stats struct {
	Population       int
	Households       int
	Buildings        int
	Cameras          int
	CamerasOnline    int
	PartyUnits       int
	ServicePoints    int
	Incidents        int
	OpenIncidents    int
	OverdueIncidents int
}

// Cluster is a group of one layer's features for a zoom level.
type Cluster struct {
	Count  int
	Center GeoJSON
	BBox   []float64
	IDs    []string
}
