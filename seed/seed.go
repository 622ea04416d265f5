// Package seed generates the demo district: a Kundulun-like map (昆都仑区, Baotou) with
// its grid tree, buildings, party units, cameras, service points and a year of incidents,
// after the figures of the district's own report. The same Scale and Reference give the
// same rows, byte for byte, on the same platform (math/rand/v2 with fixed seeds; no
// clock, map order or concurrency in the generation).
package seed

import (
	"context"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"gridhub/store"
)

// ErrNotEmpty is returned when the database already holds a district.
var ErrNotEmpty = store.ErrSeedNotEmpty

// Options tunes a seed.
type Options struct {
	// Scale multiplies buildings (7,000) and incidents (11,000); everything else is the
	// district's own count. Zero means 1.
	Scale int
	// Progress receives a line per table and every 100,000 rows; nil is silent.
	Progress io.Writer
	// Reference is "now" for the generated year: incidents are reported in the 365 days
	// before its day (Beijing time) and their timelines stop at it, so open incidents
	// are overdue or not as of then. Zero means the start of the current day in Beijing,
	// which keeps a day's seeds identical.
	Reference time.Time
}

// Summary counts what a seed wrote.
type Summary struct {
	Scale          int
	Reference      time.Time
	Grids          int64
	Buildings      int64
	PartyUnits     int64
	Cameras        int64
	ServicePoints  int64
	Incidents      int64
	IncidentEvents int64
	Workers        int64
	Positions      int64
	Visits         int64
	Elapsed        time.Duration
}

func (s Summary) String() string {
	return fmt.Sprintf("scale %d as of %s: %d grids, %d buildings, %d party units, %d cameras, %d service points, %d incidents, %d incident events, %d workers, %d positions, %d visits in %s",
		s.Scale, s.Reference.Format(time.RFC3339), s.Grids, s.Buildings, s.PartyUnits, s.Cameras, s.ServicePoints,
		s.Incidents, s.IncidentEvents, s.Workers, s.Positions, s.Visits, s.Elapsed.Round(time.Millisecond))
}

// Run generates the district and loads it in one transaction: on any error nothing is
// written. It fails with ErrNotEmpty when grids already exist.
func Run(ctx context.Context, st *store.Store, o Options) (Summary, error) {
	began := time.Now()
	if o.Scale == 0 {
		o.Scale = 1
	}
	if o.Scale < 0 || o.Scale > 1000 {
		return Summary{}, fmt.Errorf("seed: scale %d out of range 1..1000", o.Scale)
	}
	if o.Reference.IsZero() {
		now := time.Now().In(shanghai)
		o.Reference = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, shanghai)
	}
	sum := Summary{Scale: o.Scale, Reference: o.Reference}
	d, err := newDistrict()
	if err != nil {
		return sum, err
	}
	err = st.Seed(ctx, func(tx *store.SeedTx) error {
		cats, err := tx.Categories(ctx)
		if err != nil {
			return err
		}
		bg := newBuildingGen(d, o.Scale)
		ws := d.workers()
		plan, err := newIncidentPlan(d, bg, cats, o.Scale, o.Reference)
		if err != nil {
			return err
		}
		// Row sources are made when their turn comes: party units need the buildings
		// already generated.
		steps := []struct {
			n     *int64
			table string
			cols  []string
			rows  func() func() ([]any, error)
		}{
			{&sum.Grids, "grids", gridColumns, func() func() ([]any, error) { return sliceRows(d.gridRows()) }},
			{&sum.Buildings, "buildings", buildingColumns, func() func() ([]any, error) { return bg.next }},
			{&sum.PartyUnits, "party_units", partyColumns, func() func() ([]any, error) { return sliceRows(d.partyRows(bg)) }},
			{&sum.Cameras, "cameras", cameraColumns, func() func() ([]any, error) { return sliceRows(d.cameraRows()) }},
			{&sum.ServicePoints, "service_points", serviceColumns, func() func() ([]any, error) { return sliceRows(d.serviceRows()) }},
			{&sum.Incidents, "incidents", incidentColumns, plan.incidentRows},
			{&sum.IncidentEvents, "incident_events", eventColumns, plan.eventRows},
			{&sum.Workers, "grid_workers", workerColumns, func() func() ([]any, error) { return sliceRows(d.workerRows(ws, o.Reference)) }},
			{new(int64), "grid_worker_grids", workerGridColumns, func() func() ([]any, error) { return sliceRows(workerGridRows(ws)) }},
			{&sum.Positions, "worker_positions", positionColumns, func() func() ([]any, error) { return d.positionRows(ws, o.Reference) }},
		}
		if err := tx.PositionDays(ctx, patrolDates(o.Reference)); err != nil {
			return err
		}
		for _, s := range steps {
			if *s.n, err = load(ctx, tx, o.Progress, s.table, s.cols, s.rows()); err != nil {
				return err
			}
		}
		if sum.Visits, err = tx.InsertVisits(ctx, d.visits(bg, ws, o.Reference)); err != nil {
			return err
		}
		return tx.Finish(ctx)
	})
	sum.Elapsed = time.Since(began)
	if err == nil && o.Progress != nil {
		fmt.Fprintf(o.Progress, "seed: scale %d done in %s\n", o.Scale, sum.Elapsed.Round(time.Millisecond))
	}
	return sum, err
}

var incidentColumns = []string{"id", "code", "title", "description", "category", "source", "status", "priority",
	"reported_at", "due_at", "closed_at", "amount_yuan", "grid_id", "geom", "updated_at"}

var eventColumns = []string{"id", "incident_id", "at", "from_status", "to_status", "note", "actor"}

func (p *incidentPlan) incidentRows() func() ([]any, error) {
	it := p.iter()
	return func() ([]any, error) {
		x := it.next()
		if x == nil {
			return nil, nil
		}
		last := x.events[len(x.events)-1]
		var closed, amount any
		if last.to == "CLOSED" {
			closed = last.at
		}
		if x.amount >= 0 {
			amount = pgtype.Numeric{Int: big.NewInt(x.amount), Exp: -2, Valid: true}
		}
		return []any{x.id, x.code, x.title, x.desc, x.cat.Name, x.src, last.to, int16(x.priority),
			x.reported, x.due, closed, amount, x.grid.id, geom(x.at.p), last.at}, nil
	}
}

// eventRows walks the same incidents again and emits their timelines.
func (p *incidentPlan) eventRows() func() ([]any, error) {
	it := p.iter()
	var cur *incident
	var k int
	var id int64
	return func() ([]any, error) {
		for cur == nil || k == len(cur.events) {
			if cur = it.next(); cur == nil {
				return nil, nil
			}
			k = 0
		}
		e := cur.events[k]
		k++
		id++
		return []any{id, cur.id, e.at, opt(e.from), e.to, e.note, e.actor}, nil
	}
}
