package store

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"gridhub/model"
)

const categoriesSQL = `SELECT name, major_class, extract(epoch FROM time_limit)::float8, working_days, default_priority
FROM incident_categories ORDER BY sort_order, name`

func readCategories(ctx context.Context, q querier) ([]model.IncidentCategory, error) {
	rows, err := q.Query(ctx, categoriesSQL)
	if err != nil {
		return nil, wrap(err, "read incident categories")
	}
	cats, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (model.IncidentCategory, error) {
		var c model.IncidentCategory
		var secs float64
		var working bool
		err := r.Scan(&c.Name, &c.MajorClass, &secs, &working, &c.DefaultPriority)
		setLimit(&c, secs, working)
		return c, err
	})
	return cats, wrap(err, "read incident categories")
}

// setLimit reads a time_limit interval: '10 days' counted in working days is a count of
// whole days; otherwise it is clock time.
func setLimit(c *model.IncidentCategory, secs float64, working bool) {
	if working {
		c.WorkingDays = int(secs / 86400)
	} else {
		c.Limit = time.Duration(secs * float64(time.Second))
	}
}

// Categories lists the incident categories in their display order.
func (s *Store) Categories(ctx context.Context) ([]model.IncidentCategory, error) {
	return readCategories(ctx, s.read(ctx))
}

// categoryTTL is how long the categories read for reports are trusted; they are
// reference data that migrations change.
const categoryTTL = time.Minute

// categoryCache holds the categories by name, so that a report computes its due time
// (model.IncidentCategory.DueAt) without a round trip of its own.
type categoryCache struct {
	mu     sync.Mutex
	read   time.Time
	byName map[string]model.IncidentCategory
}

// category is the named category; a name not in the cache reads the categories again
// once, so that one added since is found.
func (s *Store) category(ctx context.Context, name string) (model.IncidentCategory, bool, error) {
	c := &s.categories
	c.mu.Lock()
	defer c.mu.Unlock()
	cat, ok := c.byName[name]
	switch age := time.Since(c.read); {
	case ok && age < categoryTTL:
		return cat, true, nil
	case !ok && age < time.Second:
		return cat, false, nil // read just now: unknown names do not each read again
	}
	cats, err := readCategories(ctx, s.read(ctx))
	if err != nil {
		return model.IncidentCategory{}, false, err
	}
	c.byName, c.read = make(map[string]model.IncidentCategory, len(cats)), time.Now()
	for _, cat := range cats {
		c.byName[cat.Name] = cat
	}
	cat, ok = c.byName[name]
	return cat, ok, nil
}
