-- Live reporting: readable per-day codes, and the idempotency record of each report.

-- The last sequence number handed out per Beijing day, for codes SJ + yyyymmdd + 6 digits.
CREATE TABLE incident_day_counters (
    day text PRIMARY KEY CHECK (day ~ '^[0-9]{8}$'),
    n   integer NOT NULL CHECK (n > 0)
);

-- A report's payload hash must come with its key, so a reused key can be told apart.
ALTER TABLE incidents ADD CONSTRAINT incidents_idempotency_hash
    CHECK ((idempotency_key IS NULL) = (payload_hash IS NULL));
ALTER TABLE incidents ADD CONSTRAINT incidents_idempotency_key_length
    CHECK (char_length(idempotency_key) BETWEEN 1 AND 128);
