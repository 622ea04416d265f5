-- Who may call: API keys (only a hash is kept), and the audit trail of their requests.

CREATE TABLE api_keys (
    id          bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    prefix      text NOT NULL UNIQUE CHECK (prefix ~ '^[0-9a-f]{8}$'),
    hash        bytea NOT NULL CHECK (length(hash) = 32),
    name        text NOT NULL CHECK (name <> ''),
    role        text NOT NULL CHECK (role <> ''),
    -- A street office's key names its street: every read is cut to that grid's subtree.
    fence_code  text CHECK (fence_code ~ '^[0-9]{6}([0-9]{3}){0,3}$'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    revoked_at  timestamptz
);

CREATE TABLE audit_log (
    id            bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY,
    at            timestamptz NOT NULL,
    key_id        bigint REFERENCES api_keys (id),
    principal     text NOT NULL,
    role          text NOT NULL,
    operation     text NOT NULL,
    variables_sha text NOT NULL,
    layers        text[] NOT NULL DEFAULT '{}',
    area          text,
    duration_ms   real NOT NULL,
    result_bytes  integer NOT NULL,
    outcome       text NOT NULL
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_key_idx ON audit_log (key_id, at);
