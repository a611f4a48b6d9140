-- Citizens' interactions as pulled from the platforms (or received by webhook), stored once.

CREATE SEQUENCE interactions_id_seq START 1;
CREATE TABLE interactions (
    id BIGINT PRIMARY KEY DEFAULT nextval('interactions_id_seq'),
    platform VARCHAR NOT NULL CHECK (platform IN ('facebook', 'x', 'whatsapp')),
    platform_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('comment', 'reply', 'mention', 'message')),
    -- The city's post (Facebook) or the conversation (X) the interaction belongs to.
    thread_id VARCHAR NOT NULL,
    parent_id VARCHAR,
    author_id VARCHAR NOT NULL,
    author_name VARCHAR NOT NULL,
    -- NFC-normalised; the latest version when the citizen edited it.
    text VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    permalink VARCHAR,
    -- Written by the city's own account (its replies), not by a citizen.
    from_city BOOLEAN NOT NULL DEFAULT FALSE,
    is_hidden BOOLEAN NOT NULL DEFAULT FALSE,
    edited_at TIMESTAMPTZ,
    deleted_at TIMESTAMPTZ,
    raw JSON,
    first_seen_at TIMESTAMPTZ NOT NULL,
    -- 'poll' or 'webhook': how the hub first learnt of it.
    source VARCHAR NOT NULL,
    UNIQUE (platform, platform_id)
);
CREATE INDEX interactions_thread ON interactions (platform, thread_id);
CREATE INDEX interactions_created ON interactions (created_at);

-- Every later change to an interaction: edit, delete, hide, unhide.
CREATE SEQUENCE interaction_changes_id_seq START 1;
CREATE TABLE interaction_changes (
    id BIGINT PRIMARY KEY DEFAULT nextval('interaction_changes_id_seq'),
    interaction_id BIGINT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    change VARCHAR NOT NULL CHECK (change IN ('edit', 'delete', 'hide', 'unhide')),
    old_text VARCHAR,
    new_text VARCHAR,
    source VARCHAR NOT NULL
);
CREATE INDEX interaction_changes_interaction ON interaction_changes (interaction_id);

-- Where each pull left off, per account and scope (e.g. 'mentions', 'comments').
CREATE TABLE sync_cursors (
    platform VARCHAR NOT NULL,
    scope VARCHAR NOT NULL,
    cursor VARCHAR,
    updated_at TIMESTAMPTZ NOT NULL,
    last_requests INTEGER NOT NULL DEFAULT 0,
    last_new INTEGER NOT NULL DEFAULT 0,
    last_error VARCHAR,
    -- Not before this time: set after a rate limit or a refusal that waiting may cure.
    next_attempt_at TIMESTAMPTZ,
    PRIMARY KEY (platform, scope)
);

-- Signed webhook deliveries refused (bad or missing signature), for IT to see.
CREATE SEQUENCE webhook_refusals_id_seq START 1;
CREATE TABLE webhook_refusals (
    id BIGINT PRIMARY KEY DEFAULT nextval('webhook_refusals_id_seq'),
    received_at TIMESTAMPTZ NOT NULL,
    route VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    remote VARCHAR,
    body_bytes INTEGER NOT NULL
);
