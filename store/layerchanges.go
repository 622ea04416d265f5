package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"gridhub/model"
)

// LayerChange is what an import committed to one layer, as every instance's listener
// hears it.
type LayerChange struct {
	// ID orders the changes as they committed (layer_changes.id).
	ID       int64       `json:"id"`
	Layer    model.Layer `json:"layer"`
	Inserted int         `json:"inserted"`
	Updated  int         `json:"updated"`
	Removed  int         `json:"removed"`
	// BBox is the extent of the file's rows in WGS84 (minLon, minLat, maxLon, maxLat);
	// nil when rows were removed, which may have been anywhere in the layer.
	BBox []float64 `json:"bbox"`
	At   time.Time `json:"at"`
}

// layerChannelSQL names the layer channel in SQL.
const layerChannelSQL = `'gridhub_layers_' || current_schema()`

// LayerChannel is the LISTEN channel imports announce their commits on; per schema, as
// IncidentChannel.
func (s *Store) LayerChannel(ctx context.Context) (string, error) {
	var ch string
	err := s.pool.QueryRow(ctx, `SELECT `+layerChannelSQL).Scan(&ch)
	return ch, wrap(err, "name the layer channel")
}

// ParseLayerChange reads a notification's payload.
func ParseLayerChange(payload string) (LayerChange, error) {
	var c LayerChange
	err := json.Unmarshal([]byte(payload), &c)
	return c, err
}

// keepLayerChanges is how many of the newest layer changes stay recorded; each import
// deletes those past it. A count, not an age: it bounds the table whatever the clocks
// say, and a thousand imports (an operator's batches, a few a day) span far longer than a
// listener stays disconnected. A hub away for longer misses the oldest; its maps see
// them on their next read.
const keepLayerChanges = 1000

// lockLayerChangesSQL makes imports record their changes one at a time, from the insert
// to the commit: ids are then handed out in commit order, so a listener that has
// published id n has seen every change up to n, and "ids above n" is exactly what it
// missed. Reads are not blocked, and the lock is held only for the import's last step.
const lockLayerChangesSQL = `LOCK TABLE layer_changes IN EXCLUSIVE MODE`

// recordLayerSQL records an import's change, drops the rows past keepLayerChanges (by id,
// on the primary key) and announces it, all inside the import's transaction: the row
// exists and the notification goes out when, and only if, the import commits. The extent
// is of the staged rows, one pass over a table the import has just read anyway.
const recordLayerSQL = `
WITH c AS (
  INSERT INTO layer_changes (layer, inserted, updated, removed, bbox, at)
  SELECT $1::text, $2::int, $3::int, $4::int,
    CASE WHEN $4::int = 0 THEN (SELECT ARRAY[ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)]
                                FROM (SELECT ST_Extent(geom) AS e FROM import_rows) x WHERE e IS NOT NULL) END,
    $5::timestamptz
  RETURNING *
), old AS (
  DELETE FROM layer_changes WHERE id <= (SELECT id FROM c) - $6::bigint
)
SELECT pg_notify(` + layerChannelSQL + `, json_build_object(
  'id', id, 'layer', layer, 'inserted', inserted, 'updated', updated, 'removed', removed,
  'bbox', bbox, 'at', at)::text)
FROM c`

// notifyLayer records and announces what an import is about to commit, when it changed
// anything.
func (s *Store) notifyLayer(ctx context.Context, tx pgx.Tx, l model.Layer, res *ImportResult) error {
	if res.Inserted+res.Updated+res.Pruned == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, lockLayerChangesSQL); err != nil {
		return wrap(err, "announce the import")
	}
	_, err := tx.Exec(ctx, recordLayerSQL, string(l), res.Inserted, res.Updated, res.Pruned, s.now(), keepLayerChanges)
	return wrap(err, "announce the import")
}

// LayerChangesAfter lists the recorded layer changes with ids above after, oldest first,
// at most limit: what a listener that lost its connection missed.
func (s *Store) LayerChangesAfter(ctx context.Context, after int64, limit int) ([]LayerChange, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, layer, inserted, updated, removed, bbox, at
FROM layer_changes WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, wrap(err, "read layer changes")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (LayerChange, error) {
		var c LayerChange
		return c, r.Scan(&c.ID, &c.Layer, &c.Inserted, &c.Updated, &c.Removed, &c.BBox, &c.At)
	})
	return out, wrap(err, "read layer changes")
}

// LastLayerChange is the newest recorded layer change's id (0 when there is none).
func (s *Store) LastLayerChange(ctx context.Context) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM layer_changes`).Scan(&id)
	return id, wrap(err, "read the last layer change")
}
