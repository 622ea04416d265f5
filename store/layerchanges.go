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
	Layer    model.Layer `json:"layer"`
	Inserted int         `json:"inserted"`
	Updated  int         `json:"updated"`
	Removed  int         `json:"removed"`
	// BBox is the extent of the file's rows in WGS84 (minLon, minLat, maxLon, maxLat);
	// nil when rows were removed, which may have been anywhere in the layer.
	BBox []float64 `json:"bbox"`
	At   time.Time `json:"at"`
}

// LayerChannel is the LISTEN channel imports announce their commits on; per schema, as
// IncidentChannel.
func (s *Store) LayerChannel(ctx context.Context) (string, error) {
	var ch string
	err := s.pool.QueryRow(ctx, `SELECT 'gridhub_layers_' || current_schema()`).Scan(&ch)
	return ch, wrap(err, "name the layer channel")
}

// ParseLayerChange reads a notification's payload.
func ParseLayerChange(payload string) (LayerChange, error) {
	var c LayerChange
	err := json.Unmarshal([]byte(payload), &c)
	return c, err
}

// notifyLayerSQL announces an import inside its transaction, so that the notification
// goes out when, and only if, the import commits. The extent is of the staged rows, one
// pass over a table the import has just read anyway.
const notifyLayerSQL = `
SELECT pg_notify('gridhub_layers_' || current_schema(), json_build_object(
  'layer', $1::text, 'inserted', $2::int, 'updated', $3::int, 'removed', $4::int,
  'bbox', CASE WHEN $4::int = 0 THEN (SELECT json_build_array(ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e))
                                      FROM (SELECT ST_Extent(geom) AS e FROM import_rows) x WHERE e IS NOT NULL) END,
  'at', $5::timestamptz)::text)`

// notifyLayer announces what an import is about to commit, when it changed anything.
func (s *Store) notifyLayer(ctx context.Context, tx pgx.Tx, l model.Layer, res *ImportResult) error {
	if res.Inserted+res.Updated+res.Pruned == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, notifyLayerSQL, string(l), res.Inserted, res.Updated, res.Pruned, s.now())
	return wrap(err, "announce the import")
}
