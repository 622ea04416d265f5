-- Secrets every hub of a fleet must hold alike (the key that signs page cursors), made
-- by the first hub that needs one: a cursor one hub gave out is good at any other.
CREATE TABLE hub_secrets (
    name       text PRIMARY KEY,
    secret     bytea NOT NULL CHECK (octet_length(secret) >= 32),
    created_at timestamptz NOT NULL DEFAULT now()
);
