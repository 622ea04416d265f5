package store

import (
	"context"

	"github.com/jackc/pgx/v5"

	"gridhub/model"
)

// Clusters groups the features of layer l matching f into cells of cell degrees (each
// feature by a point on its surface). Member ids come back when a cluster has at most
// maxIDs members.
func (s *Store) Clusters(ctx context.Context, l model.Layer, f Filter, cell float64, maxIDs int) ([]*model.Cluster, error) {
	ls := layers[l]
	var p args
	conds := f.where(ctx, l, &p)
	g := geomOut(ctx, l, &p)
	q := `SELECT count(*)::int, ST_AsGeoJSON(ST_Centroid(ST_Collect(m.pt)), 15),
  ST_XMin(ST_Extent(m.geom)), ST_YMin(ST_Extent(m.geom)), ST_XMax(ST_Extent(m.geom)), ST_YMax(ST_Extent(m.geom)),
  CASE WHEN count(*) <= ` + p.add(maxIDs) + ` THEN array_agg(m.id ORDER BY m.id) END
FROM (SELECT t.id, ` + g + ` AS geom, ST_PointOnSurface(` + g + `) AS pt FROM ` + ls.table + ` t WHERE ` + and(conds) + `) m
GROUP BY ST_SnapToGrid(m.pt, ` + p.add(cell) + `)
ORDER BY min(m.id)`
	rows, err := s.read(ctx).Query(ctx, q, p...)
	if err != nil {
		return nil, wrap(err, "cluster "+ls.table)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*model.Cluster, error) {
		var c model.Cluster
		var center []byte
		var ids []int64
		c.BBox = make([]float64, 4)
		err := r.Scan(&c.Count, &center, &c.BBox[0], &c.BBox[1], &c.BBox[2], &c.BBox[3], &ids)
		c.Center = center
		if ids != nil {
			c.IDs = make([]string, len(ids))
			for i, id := range ids {
				c.IDs[i] = model.GlobalID(l, id)
			}
		}
		return &c, err
	})
	return out, wrap(err, "cluster "+ls.table)
}

// Stats counts what lies inside f (its Area or Subtree; neither: the whole district).
// Population and households are the sums over buildings, so grid figures add up.
func (s *Store) Stats(ctx context.Context, f Filter) (*model.Stats, error) {
	var p args
	w := func(l model.Layer) string { return and(f.where(ctx, l, &p)) }
	q := `SELECT b.n, b.pop, b.hh, c.n, c.online, pu.n, sp.n, i.n, i.open, i.overdue FROM
 (SELECT count(*), coalesce(sum(t.residents), 0), coalesce(sum(t.households), 0) FROM buildings t WHERE ` + w(model.LayerBuilding) + `) b(n, pop, hh),
 (SELECT count(*), count(*) FILTER (WHERE t.status = 'ONLINE') FROM cameras t WHERE ` + w(model.LayerCamera) + `) c(n, online),
 (SELECT count(*) FROM party_units t WHERE ` + w(model.LayerPartyUnit) + `) pu(n),
 (SELECT count(*) FROM service_points t WHERE ` + w(model.LayerServicePoint) + `) sp(n),
 (SELECT count(*), count(*) FILTER (WHERE t.status NOT IN ('RESOLVED', 'CLOSED', 'REJECTED')), count(*) FILTER (WHERE ` + overdueSQL + `)
    FROM incidents t WHERE ` + w(model.LayerIncident) + `) i(n, open, overdue)`
	var st model.Stats
	err := s.read(ctx).QueryRow(ctx, q, p...).Scan(&st.Buildings, &st.Population, &st.Households, &st.Cameras, &st.CamerasOnline,
		&st.PartyUnits, &st.ServicePoints, &st.Incidents, &st.OpenIncidents, &st.OverdueIncidents)
	return &st, wrap(err, "count stats")
}
