package model

import (
	"io"
	"slices"
	"strconv"
	"strings"
)

// The enums are plain strings, stored as the same text in the database.

type Layer string

const (
	LayerGrid         Layer = "GRID"
	LayerBuilding     Layer = "BUILDING"
	LayerPartyUnit    Layer = "PARTY_UNIT"
	LayerCamera       Layer = "CAMERA"
	LayerServicePoint Layer = "SERVICE_POINT"
	LayerIncident     Layer = "INCIDENT"
	LayerWorker       Layer = "WORKER"
	LayerVisit        Layer = "VISIT"
)

// Layers lists every layer in the order features are returned.
var Layers = []Layer{LayerGrid, LayerBuilding, LayerPartyUnit, LayerCamera, LayerServicePoint, LayerIncident, LayerWorker, LayerVisit}

// Ordinal is the layer's place in Layers, the first key of the cross-layer order.
func (e Layer) Ordinal() int { return slices.Index(Layers, e) }

func (e Layer) IsValid() bool             { return slices.Contains(Layers, e) }
func (e *Layer) UnmarshalGQL(v any) error { return unmarshalEnum(e, v, Layers) }
func (e Layer) MarshalGQL(w io.Writer)    { marshalEnum(w, e) }

type CRS string

const (
	CRSWGS84    CRS = "WGS84"
	CRSCGCS2000 CRS = "CGCS2000"
	CRSGCJ02    CRS = "GCJ02"
	CRSBD09     CRS = "BD09"
)

var CRSs = []CRS{CRSWGS84, CRSCGCS2000, CRSGCJ02, CRSBD09}

func (e *CRS) UnmarshalGQL(v any) error { return unmarshalEnum(e, v, CRSs) }
func (e CRS) MarshalGQL(w io.Writer)    { marshalEnum(w, e) }

type GridLevel string

const (
	GridLevelDistrict  GridLevel = "DISTRICT"
	GridLevelStreet    GridLevel = "STREET"
	GridLevelCommunity GridLevel = "COMMUNITY"
	GridLevelGrid      GridLevel = "GRID"
)

var GridLevels = []GridLevel{GridLevelDistrict, GridLevelStreet, GridLevelCommunity, GridLevelGrid}

func (e *GridLevel) UnmarshalGQL(v any) error { return unmarshalEnum(e, v, GridLevels) }
func (e GridLevel) MarshalGQL(w io.Writer)    { marshalEnum(w, e) }

type PartyUnitKind string

const (
	PartyUnitCommunityCommittee PartyUnitKind = "COMMUNITY_COMMITTEE"
	PartyUnitGridBranch         PartyUnitKind = "GRID_BRANCH"
	PartyUnitBuildingGroup      PartyUnitKind = "BUILDING_GROUP"
)

var PartyUnitKinds = []PartyUnitKind{PartyUnitCommunityCommittee, PartyUnitGridBranch, PartyUnitBuildingGroup}

func (e *PartyUnitKind) UnmarshalGQL(v any) error { return unmarshalEnum(e, v, PartyUnitKinds) }
func (e PartyUnitKind) MarshalGQL(w io.Writer)    { marshalEnum(w, e) }

type CameraKind string

var CameraKinds = []CameraKind{"XUELIANG", "YUNYAN"}

func (e *CameraKind) UnmarshalGQL(v any) error { return unmarshalEnum(e, v, CameraKinds) }
func (e CameraKind) MarshalGQL(w io.Writer)    { marshalEnum(w, e) }

type CameraStatus string

var CameraStatuses = []CameraStatus{"ONLINE", "OFFLINE", "FAULT"}

func (e *CameraStatus) UnmarshalGQL(v any) error { return unmarshalEnum(e, v, CameraStatuses) }
func (e CameraStatus) MarshalGQL(w io.Writer)    { marshalEnum(w, e) }

type ServicePointKind string

var ServicePointKinds = []ServicePointKind{"LEGAL_SERVICE", "MEDIATION", "CIVILIZATION_PRACTICE", "ENFORCEMENT", "STUDIO", "POLICE"}

func (e *ServicePointKind) UnmarshalGQL(v any) error { return unmarshalEnum(e, v, ServicePointKinds) }
func (e ServicePointKind) MarshalGQL(w io.Writer)    { marshalEnum(w, e) }

type IncidentSource string

var IncidentSources = []IncidentSource{"WECHAT", "HOTLINE", "POLICE_24H", "GRID_PATROL", "CAMERA", "OTHER"}

func (e *IncidentSource) UnmarshalGQL(v any) error { return unmarshalEnum(e, v, IncidentSources) }
func (e IncidentSource) MarshalGQL(w io.Writer)    { marshalEnum(w, e) }

type IncidentStatus string

const (
	StatusReported   IncidentStatus = "REPORTED"
	StatusAccepted   IncidentStatus = "ACCEPTED"
	StatusDispatched IncidentStatus = "DISPATCHED"
	StatusInProgress IncidentStatus = "IN_PROGRESS"
	StatusResolved   IncidentStatus = "RESOLVED"
	StatusClosed     IncidentStatus = "CLOSED"
	StatusRejected   IncidentStatus = "REJECTED"
)

var IncidentStatuses = []IncidentStatus{StatusReported, StatusAccepted, StatusDispatched, StatusInProgress, StatusResolved, StatusClosed, StatusRejected}

func (e *IncidentStatus) UnmarshalGQL(v any) error { return unmarshalEnum(e, v, IncidentStatuses) }
func (e IncidentStatus) MarshalGQL(w io.Writer)    { marshalEnum(w, e) }

type VisitKind string

var VisitKinds = []VisitKind{"ROUTINE", "FOLLOW_UP", "DISPUTE", "CARE", "INSPECTION"}

func (e *VisitKind) UnmarshalGQL(v any) error { return unmarshalEnum(e, v, VisitKinds) }
func (e VisitKind) MarshalGQL(w io.Writer)    { marshalEnum(w, e) }

func unmarshalEnum[E ~string](e *E, v any, valid []E) error {
	s, ok := v.(string)
	if !ok || !slices.Contains(valid, E(s)) {
		names := make([]string, len(valid))
		for i, x := range valid {
			names[i] = string(x)
		}
		return Errorf(CodeBadInput, "want one of %s", strings.Join(names, ", "))
	}
	*e = E(s)
	return nil
}

func marshalEnum[E ~string](w io.Writer, e E) {
	_, _ = io.WriteString(w, strconv.Quote(string(e)))
}

// EnumNames are the Chinese names of the enums' values, as the map shows them
// (web/mapui/src/labels.js) and as import problems name the values allowed.
var EnumNames = map[string]string{
	"DISTRICT": "区", "STREET": "街道/镇", "COMMUNITY": "社区", "GRID": "网格",
	"COMMUNITY_COMMITTEE": "社区党组织", "GRID_BRANCH": "网格党支部", "BUILDING_GROUP": "楼栋党小组",
	"XUELIANG": "雪亮工程", "YUNYAN": "云眼卫士",
	"ONLINE": "在线", "OFFLINE": "离线", "FAULT": "故障",
	"LEGAL_SERVICE": "法律服务站", "MEDIATION": "调解室", "CIVILIZATION_PRACTICE": "新时代文明实践站",
	"ENFORCEMENT": "综合执法", "STUDIO": "特色工作室", "POLICE": "24小时警务站",
	"WECHAT": "微信上报", "HOTLINE": "市长热线", "POLICE_24H": "24小时警局", "GRID_PATROL": "网格员巡查",
	"CAMERA": "视频发现", "OTHER": "其他",
	"REPORTED": "待受理", "ACCEPTED": "已立案", "DISPATCHED": "已派遣", "IN_PROGRESS": "处置中",
	"RESOLVED": "已办结", "CLOSED": "已结案", "REJECTED": "不予立案",
}
