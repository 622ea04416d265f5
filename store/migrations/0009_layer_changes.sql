-- What each committed import changed in a layer, as its notification announced it: a hub
-- whose listener was disconnected reads the rows it did not hear. Written in the import's
-- transaction, so a row exists exactly when its import committed; imports keep only the
-- newest rows (store/layerchanges.go).
CREATE TABLE layer_changes (
    id       bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    layer    text NOT NULL,
    inserted integer NOT NULL,
    updated  integer NOT NULL,
    removed  integer NOT NULL,
    -- the imported rows' extent in WGS84 (minLon, minLat, maxLon, maxLat); NULL when rows
    -- were removed, which may have been anywhere in the layer
    bbox     double precision[] CHECK (cardinality(bbox) = 4),
    at       timestamptz NOT NULL
);
