package model

import "time"

// GridWorker is a grid worker (网格员), drawn at their last known position.
type GridWorker struct {
	DBID       int64
	Code       string
	Name       string
	Phone      *string
	GridID     int64
	OnDuty     bool
	LastSeenAt *time.Time
}

func (GridWorker) IsNode()             {}
func (GridWorker) IsFeature()          {}
func (GridWorker) FeatureLayer() Layer { return LayerWorker }
func (w *GridWorker) Key() int64       { return w.DBID }
func (w *GridWorker) ID() string       { return GlobalID(LayerWorker, w.DBID) }
func (w *GridWorker) Layer() Layer     { return LayerWorker }

// Visit is a worker's recorded visit (走访) to a building or a place.
type Visit struct {
	DBID       int64
	WorkerID   int64
	GridID     int64
	BuildingID *int64
	At         time.Time
	Kind       VisitKind
	Note       *string
}

func (Visit) IsNode()             {}
func (Visit) IsFeature()          {}
func (Visit) FeatureLayer() Layer { return LayerVisit }
func (v *Visit) Key() int64       { return v.DBID }
func (v *Visit) ID() string       { return GlobalID(LayerVisit, v.DBID) }
func (v *Visit) Layer() Layer     { return LayerVisit }
func (v *Visit) Name() string     { return "走访·" + string(v.Kind) }

// PositionReport is one point a worker's phone sends, in WGS84.
type PositionReport struct {
	At            time.Time
	Lon, Lat      float64
	AccuracyMeter *float64
}

// PositionResult says what became of a batch of positions.
type PositionResult struct {
	Accepted   int
	Duplicates int
	Flagged    int
}

// Track is a worker's path over a period.
type Track struct {
	// Geometry is a GeoJSON LineString, a MultiLineString when the path has gaps, or null
	// without two points.
	Geometry       GeoJSON
	Points         int
	Jumps          int
	DistanceMeters float64
	OnDutySeconds  float64
}

// AssigneeSuggestion is an on-duty worker ranked for an incident.
type AssigneeSuggestion struct {
	Worker         *GridWorker
	DistanceMeters float64
	SameGrid       bool
	LastSeenAt     time.Time
}

// OnDutyHours is OnDutySeconds in hours.
func (t *Track) OnDutyHours() float64 { return t.OnDutySeconds / 3600 }

// WorkFigures measure the grid workers' work (考核) in a unit over a period.
type WorkFigures struct {
	PatrolKilometres       float64
	OnDutyHours            float64
	Visits                 int
	VisitedBuildings       int
	Buildings              int
	IncidentsFoundOnPatrol int
	MedianMinutesToAccept  *float64
	MedianMinutesToClose   *float64
}

// VisitCoverage is the share of buildings visited, from the summed parts; nil without buildings.
func (w *WorkFigures) VisitCoverage() *float64 {
	if w.Buildings == 0 {
		return nil
	}
	c := float64(w.VisitedBuildings) / float64(w.Buildings)
	return &c
}
