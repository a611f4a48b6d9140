-- Publishing: officers' updates, their photos, IT's review, and one post per platform.
-- Times are TIMESTAMPTZ in UTC.

CREATE SEQUENCE updates_id_seq START 1;
CREATE TABLE updates (
    id BIGINT PRIMARY KEY DEFAULT nextval('updates_id_seq'),
    department_code VARCHAR NOT NULL,
    author VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('work_update', 'launch')),
    title VARCHAR NOT NULL,
    text_bn VARCHAR NOT NULL DEFAULT '',
    text_en VARCHAR NOT NULL DEFAULT '',
    -- An optional shorter text for X; NULL: the X post is made from the main texts.
    x_text VARCHAR,
    platforms VARCHAR[] NOT NULL,
    wished_at TIMESTAMPTZ,
    event_at TIMESTAMPTZ,
    event_place VARCHAR,
    status VARCHAR NOT NULL CHECK (status IN (
        'draft', 'submitted', 'changes_requested', 'approved', 'rejected', 'cancelled')),
    -- A launch notified less than 24 hours ahead, let through by an IT override.
    late_notice BOOLEAN NOT NULL DEFAULT FALSE,
    override_reason VARCHAR,
    override_by VARCHAR,
    submissions INTEGER NOT NULL DEFAULT 0,
    first_submitted_at TIMESTAMPTZ,
    submitted_at TIMESTAMPTZ,
    reviewed_by VARCHAR,
    reviewed_at TIMESTAMPTZ,
    review_note VARCHAR,
    reject_reason VARCHAR,
    approved_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX updates_department ON updates (department_code, status);

CREATE TABLE update_photos (
    id VARCHAR PRIMARY KEY,
    update_id BIGINT NOT NULL,
    position INTEGER NOT NULL,
    original_name VARCHAR NOT NULL,
    stored_name VARCHAR NOT NULL,
    thumb_name VARCHAR NOT NULL,
    mime_type VARCHAR NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    size_bytes BIGINT NOT NULL,
    alt_text VARCHAR NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX update_photos_update ON update_photos (update_id, position);

-- What happened to an update, in order: the officer's and reviewers' history.
CREATE SEQUENCE update_events_id_seq START 1;
CREATE TABLE update_events (
    id BIGINT PRIMARY KEY DEFAULT nextval('update_events_id_seq'),
    update_id BIGINT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    actor VARCHAR NOT NULL,
    event VARCHAR NOT NULL,
    note VARCHAR,
    reason_code VARCHAR
);
CREATE INDEX update_events_update ON update_events (update_id, id);

-- One post per update and platform.
--   scheduled      waiting for its time (or for the account to be reconnected)
--   publishing     claimed by the publisher; an attempt is under way (or the process died)
--   unconfirmed    sent, no answer: reconcile against the account's posts before anything else
--   retry_wait     refused in a way that proves nothing was created; retried at next_attempt_at
--   published      live, with platform id and link
--   needs_attention  a person must decide (rejected content, too many unknowns, ...)
--   missed         its time passed while the hub was down, beyond the catch-up window
--   cancelled      withdrawn by IT
CREATE SEQUENCE posts_id_seq START 1;
CREATE TABLE posts (
    id BIGINT PRIMARY KEY DEFAULT nextval('posts_id_seq'),
    update_id BIGINT NOT NULL,
    platform VARCHAR NOT NULL CHECK (platform IN ('facebook', 'x')),
    text VARCHAR NOT NULL,
    scheduled_at TIMESTAMPTZ NOT NULL,
    native_scheduling BOOLEAN NOT NULL DEFAULT FALSE,
    status VARCHAR NOT NULL CHECK (status IN (
        'scheduled', 'publishing', 'unconfirmed', 'retry_wait', 'published',
        'needs_attention', 'missed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    unknown_outcomes INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    claimed_by VARCHAR,
    claimed_at TIMESTAMPTZ,
    platform_post_id VARCHAR,
    permalink VARCHAR,
    published_at TIMESTAMPTZ,
    last_error VARCHAR,
    attention_reason VARCHAR,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (update_id, platform)
);
CREATE INDEX posts_due ON posts (status, scheduled_at);

-- Every call to a platform, recorded before it is made and completed after.
CREATE SEQUENCE publish_attempts_id_seq START 1;
CREATE TABLE publish_attempts (
    id BIGINT PRIMARY KEY DEFAULT nextval('publish_attempts_id_seq'),
    post_id BIGINT NOT NULL,
    worker VARCHAR NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    -- started | published | refused | unknown | found | not_found
    outcome VARCHAR NOT NULL,
    error VARCHAR,
    platform_post_id VARCHAR
);
CREATE INDEX publish_attempts_post ON publish_attempts (post_id, id);

-- Per platform account: whether it must be reconnected, and until when it is rate limited.
CREATE TABLE platform_accounts (
    platform VARCHAR PRIMARY KEY,
    status VARCHAR NOT NULL CHECK (status IN ('ok', 'needs_reconnect')),
    reason VARCHAR,
    changed_at TIMESTAMPTZ NOT NULL,
    rate_limited_until TIMESTAMPTZ
);
