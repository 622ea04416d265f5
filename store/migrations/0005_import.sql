-- Imports upsert by a natural key: grids and cameras have their codes; buildings and
-- service points keep the id their source gave them. Rows made here (the demo) have none.
ALTER TABLE buildings ADD COLUMN source_id text UNIQUE;
ALTER TABLE service_points ADD COLUMN source_id text UNIQUE;
