-- Source ids that survive a trip through another hub: party units keep the id their source
-- gave them, as buildings and service points do, and a row made here (seeded, or imported
-- without one) is known outside by a stable id: this database's prefix and the row's id.
-- The prefix is drawn once per database, so that two hubs' rows never take each other's ids.
CREATE TABLE hub_identity (
    one    boolean PRIMARY KEY DEFAULT true CHECK (one),
    prefix text NOT NULL CHECK (prefix ~ '^gh[0-9a-f]{10}$')
);
INSERT INTO hub_identity (prefix) VALUES ('gh' || substr(md5(random()::text || clock_timestamp()::text), 1, 10));

ALTER TABLE party_units ADD COLUMN source_id text UNIQUE;
