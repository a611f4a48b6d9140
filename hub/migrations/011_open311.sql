-- Open311 GeoReport v2 (issue 16): civic apps file reports with a key the admins issue, and
-- each report becomes an interaction and a ticket through the same triage.

-- DuckDB cannot change a CHECK constraint in place, so the interactions table is rebuilt
-- with 'open311' among its platforms: same columns, same order, same rows.
CREATE TABLE interactions_rebuilt (
    id BIGINT PRIMARY KEY DEFAULT nextval('interactions_id_seq'),
    platform VARCHAR NOT NULL CHECK (platform IN ('facebook', 'x', 'whatsapp', 'open311')),
    platform_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('comment', 'reply', 'mention', 'message')),
    thread_id VARCHAR NOT NULL,
    parent_id VARCHAR,
    author_id VARCHAR NOT NULL,
    author_name VARCHAR NOT NULL,
    text VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    permalink VARCHAR,
    from_city BOOLEAN NOT NULL DEFAULT FALSE,
    is_hidden BOOLEAN NOT NULL DEFAULT FALSE,
    edited_at TIMESTAMPTZ,
    deleted_at TIMESTAMPTZ,
    raw JSON,
    first_seen_at TIMESTAMPTZ NOT NULL,
    source VARCHAR NOT NULL,
    erased_at TIMESTAMPTZ,
    -- WhatsApp: the city's number it came to; Open311: the service code it was filed under.
    channel VARCHAR,
    latitude DOUBLE,
    longitude DOUBLE,
    UNIQUE (platform, platform_id)
);
INSERT INTO interactions_rebuilt SELECT * FROM interactions;
DROP TABLE interactions;
ALTER TABLE interactions_rebuilt RENAME TO interactions;

-- An application allowed to file reports: its key is shown once, kept as its SHA-256.
CREATE SEQUENCE open311_clients_id_seq START 1;
CREATE TABLE open311_clients (
    id BIGINT PRIMARY KEY DEFAULT nextval('open311_clients_id_seq'),
    name VARCHAR NOT NULL,
    key_sha256 VARCHAR NOT NULL UNIQUE,
    -- The key's first characters, so people can tell keys apart without the key.
    key_prefix VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by VARCHAR NOT NULL,
    revoked_at TIMESTAMPTZ,
    revoked_by VARCHAR,
    last_used_at TIMESTAMPTZ,
    requests_filed BIGINT NOT NULL DEFAULT 0
);
