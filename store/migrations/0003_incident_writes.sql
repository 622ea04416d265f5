-- Live reporting: readable codes, and the idempotency record of each report.

-- Numbers for codes SJ + Beijing date + 6 digits. A sequence rather than a per-day
-- counter row: a counter row would be locked by every report until it commits, and
-- concurrent reports would queue behind each other's commits.
CREATE SEQUENCE incident_code_seq;

-- A report's payload hash must come with its key, so a reused key can be told apart.
ALTER TABLE incidents ADD CONSTRAINT incidents_idempotency_hash
    CHECK ((idempotency_key IS NULL) = (payload_hash IS NULL));
ALTER TABLE incidents ADD CONSTRAINT incidents_idempotency_key_length
    CHECK (char_length(idempotency_key) BETWEEN 1 AND 128);
