package model

import (
	"slices"
	"testing"
	"time"
)

func TestWorkflow(t *testing.T) {
	allowed := map[[2]IncidentStatus]bool{
		{StatusReported, StatusAccepted}: true, {StatusReported, StatusRejected}: true,
		{StatusAccepted, StatusDispatched}: true, {StatusAccepted, StatusRejected}: true,
		{StatusDispatched, StatusInProgress}: true, {StatusInProgress, StatusResolved}: true,
		{StatusResolved, StatusClosed}: true, {StatusResolved, StatusInProgress}: true,
	}
	t.Run("exactly the centre's moves are allowed", func(t *testing.T) {
		for _, from := range IncidentStatuses {
			for _, to := range IncidentStatuses {
				if got := from.CanMoveTo(to); got != allowed[[2]IncidentStatus{from, to}] {
					t.Errorf("%s → %s: CanMoveTo = %v", from, to, got)
				}
				if got := slices.Contains(from.Next(), to); got != allowed[[2]IncidentStatus{from, to}] {
					t.Errorf("%s → %s: in Next = %v", from, to, got)
				}
			}
		}
	})
	t.Run("a path takes only allowed moves, the fewest of them, and none backwards", func(t *testing.T) {
		cases := []struct {
			from, to IncidentStatus
			want     []IncidentStatus
		}{
			{StatusReported, StatusReported, []IncidentStatus{}},
			{StatusReported, StatusClosed, []IncidentStatus{StatusAccepted, StatusDispatched, StatusInProgress, StatusResolved, StatusClosed}},
			{StatusAccepted, StatusRejected, []IncidentStatus{StatusRejected}},
			{StatusResolved, StatusInProgress, []IncidentStatus{StatusInProgress}},
			{StatusDispatched, StatusResolved, []IncidentStatus{StatusInProgress, StatusResolved}},
			{StatusInProgress, StatusAccepted, nil},
			{StatusDispatched, StatusRejected, nil},
			{StatusClosed, StatusInProgress, nil},
			{StatusRejected, StatusReported, nil},
		}
		for _, c := range cases {
			got := c.from.Path(c.to)
			if !slices.Equal(got, c.want) || (got == nil) != (c.want == nil) {
				t.Errorf("%s → %s: path %v, want %v", c.from, c.to, got, c.want)
			}
			at := c.from
			for _, next := range got {
				if !at.CanMoveTo(next) {
					t.Errorf("%s → %s: the path's step %s → %s is not allowed", c.from, c.to, at, next)
				}
				at = next
			}
		}
	})
	t.Run("closed and rejected incidents go nowhere and are not open", func(t *testing.T) {
		for _, s := range []IncidentStatus{StatusClosed, StatusRejected} {
			if len(s.Next()) != 0 || s.IsOpen() {
				t.Errorf("%s: next %v, open %v", s, s.Next(), s.IsOpen())
			}
		}
	})
	t.Run("open means not resolved, closed or rejected", func(t *testing.T) {
		for _, s := range IncidentStatuses {
			want := s != StatusResolved && s != StatusClosed && s != StatusRejected
			if s.IsOpen() != want {
				t.Errorf("%s: IsOpen %v", s, s.IsOpen())
			}
		}
	})
}

func TestDueAt(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, Beijing)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	hazard := IncidentCategory{Limit: 2 * time.Hour}
	dispute := IncidentCategory{WorkingDays: 10}
	oneDay := IncidentCategory{WorkingDays: 1}
	for _, c := range []struct {
		name     string
		cat      IncidentCategory
		reported time.Time
		want     time.Time
	}{
		{"a clock-time limit is added as it is, across midnight", hazard, at("2026-12-02 23:30"), at("2026-12-03 01:30")},
		{"a clock-time limit ignores weekends", hazard, at("2026-12-05 10:00"), at("2026-12-05 12:00")},
		{"one working day from a Friday is the Monday, same time", oneDay, at("2026-12-04 16:00"), at("2026-12-07 16:00")},
		{"one working day from a Saturday is the Monday", oneDay, at("2026-12-05 09:00"), at("2026-12-07 09:00")},
		{"ten working days are two weeks", dispute, at("2026-12-02 09:15"), at("2026-12-16 09:15")},
		{"working days count in Beijing even for a UTC time", oneDay, at("2026-12-04 23:30").UTC(), at("2026-12-07 23:30")},
		{"working days cross the year", dispute, at("2026-12-28 08:00"), at("2027-01-11 08:00")},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := c.cat.DueAt(c.reported); !got.Equal(c.want) {
				t.Errorf("due %s, want %s", got.In(Beijing), c.want)
			}
		})
	}
}

func TestGlobalID(t *testing.T) {
	for _, l := range Layers {
		gotL, gotID, ok := ParseGlobalID(GlobalID(l, 12345))
		if !ok || gotL != l || gotID != 12345 {
			t.Errorf("%s: round trip gave %s %d %v", l, gotL, gotID, ok)
		}
	}
	for _, bad := range []string{"", "!!!", GlobalID("SPACESHIP", 1), GlobalID(LayerGrid, 0), GlobalID(LayerGrid, -3),
		"R1JJRDowMQ" /* GRID:01 */, string(make([]byte, 65))} {
		if l, id, ok := ParseGlobalID(bad); ok {
			t.Errorf("%q parsed as %s %d", bad, l, id)
		}
	}
}

func TestEnumsRefuseWhatTheyDoNotName(t *testing.T) {
	var s IncidentStatus
	if err := s.UnmarshalGQL("OPEN"); err == nil {
		t.Error("OPEN accepted as a status")
	}
	if err := s.UnmarshalGQL(3); err == nil {
		t.Error("a number accepted as a status")
	}
	if err := s.UnmarshalGQL("CLOSED"); err != nil || s != StatusClosed {
		t.Errorf("CLOSED: %v %s", err, s)
	}
}
