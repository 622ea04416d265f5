-- W6 for the PostGraphile peers: each incident's cameras within 200 m on the spheroid,
-- nearest first, as gridhub's nearbyCameras and the bare statement compute them (the
-- expanded envelope lets the GiST index prune). PostGraphile exposes it as the computed
-- column Incident.nearbyCameras. bench/run.sh creates it in the benchmark databases only.
CREATE OR REPLACE FUNCTION public.incidents_nearby_cameras(i public.incidents)
RETURNS TABLE (distance_meters float8, name text)
LANGUAGE sql STABLE AS $$
  SELECT ST_Distance(c.geom::geography, i.geom::geography), c.name FROM public.cameras c
  WHERE c.geom && ST_Expand(i.geom, 200 / (110000.0 * cos(radians(least(abs(ST_Y(i.geom)), 89.0)))), 200 / 110000.0)
    AND ST_DWithin(c.geom::geography, i.geom::geography, 200)
  ORDER BY 1, c.id
$$;
