package model

import (
	"slices"
	"time"
)

// transitions is the centre's workflow (受理 → 立案 → 派遣 → 处置 → 核查结案): where each
// status may go next. RESOLVED → IN_PROGRESS is a failed verification (核查不通过);
// REJECTED (不予立案) is only possible before dispatch.
var transitions = map[IncidentStatus][]IncidentStatus{
	StatusReported:   {StatusAccepted, StatusRejected},
	StatusAccepted:   {StatusDispatched, StatusRejected},
	StatusDispatched: {StatusInProgress},
	StatusInProgress: {StatusResolved},
	StatusResolved:   {StatusClosed, StatusInProgress},
}

// Next lists the statuses an incident in s may move to; none for CLOSED and REJECTED.
func (s IncidentStatus) Next() []IncidentStatus { return transitions[s] }

// CanMoveTo reports whether the workflow allows s → to.
func (s IncidentStatus) CanMoveTo(to IncidentStatus) bool { return slices.Contains(transitions[s], to) }

// Path is the shortest way through the workflow from s to to: the statuses it passes,
// to last; empty when s is to, nil when the workflow cannot get there (backwards, or out
// of CLOSED and REJECTED). An imported record that has moved on since is written as this
// chain of allowed moves.
func (s IncidentStatus) Path(to IncidentStatus) []IncidentStatus {
	if s == to {
		return []IncidentStatus{}
	}
	prev := map[IncidentStatus]IncidentStatus{s: s}
	queue := []IncidentStatus{s}
	for len(queue) > 0 {
		at := queue[0]
		queue = queue[1:]
		for _, next := range transitions[at] {
			if _, seen := prev[next]; seen {
				continue
			}
			prev[next] = at
			if next == to {
				var path []IncidentStatus
				for x := to; x != s; x = prev[x] {
					path = append([]IncidentStatus{x}, path...)
				}
				return path
			}
			queue = append(queue, next)
		}
	}
	return nil
}

// IsOpen reports whether an incident in s still needs work.
func (s IncidentStatus) IsOpen() bool {
	return s != StatusResolved && s != StatusClosed && s != StatusRejected
}

// Beijing is the district's clock: China keeps one zone and no daylight saving.
var Beijing = time.FixedZone("CST", 8*3600)

// IncidentCategory is a kind of incident and the time limit it sets.
type IncidentCategory struct {
	Name       string
	MajorClass string
	// Limit is the clock-time limit; zero for working-day categories.
	Limit time.Duration
	// WorkingDays is the limit in working days; zero for clock-time categories.
	WorkingDays     int
	DefaultPriority int
}

// LimitHours is the clock-time limit in hours, nil for working-day categories.
func (c *IncidentCategory) LimitHours() *float64 {
	if c.WorkingDays > 0 {
		return nil
	}
	h := c.Limit.Hours()
	return &h
}

// LimitWorkingDays is the limit in working days, nil for clock-time categories.
func (c *IncidentCategory) LimitWorkingDays() *int {
	if c.WorkingDays == 0 {
		return nil
	}
	return &c.WorkingDays
}

// DueAt is when an incident reported at t must be resolved: t plus the clock limit, or
// plus that many working days (Monday to Friday, Beijing time; the statutory holiday
// calendar is not modelled, so holidays count as working days).
func (c *IncidentCategory) DueAt(t time.Time) time.Time {
	if c.WorkingDays == 0 {
		return t.Add(c.Limit)
	}
	t = t.In(Beijing)
	for n := c.WorkingDays; n > 0; {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}
