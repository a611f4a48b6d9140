-- Notices to subscribers (issue 15): citizens follow wards or a department by WhatsApp, the
-- departments announce field work and disruptions, IT approves, the hub tells exactly those
-- who asked, once each.

-- A subscription command a message was read as (SUBSCRIBE 65, STOP, ...): no ticket.
ALTER TABLE interaction_triage ADD COLUMN command VARCHAR;

-- A person who receives notices: a citizen who wrote to the city's number, or a named
-- recipient (a councillor, a ward committee) added by staff with a recorded consent.
CREATE SEQUENCE subscribers_id_seq START 1;
CREATE TABLE subscribers (
    id BIGINT PRIMARY KEY DEFAULT nextval('subscribers_id_seq'),
    wa_id VARCHAR NOT NULL UNIQUE,
    -- The city's number they wrote to (notices go from it).
    channel VARCHAR NOT NULL,
    language VARCHAR NOT NULL CHECK (language IN ('bn', 'en')),
    role VARCHAR NOT NULL DEFAULT 'citizen'
        CHECK (role IN ('citizen', 'councillor', 'ward_committee')),
    -- Only for named recipients (a councillor's name); citizens' names are not kept here.
    display_name VARCHAR,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    -- STOP: nothing is sent to them any more (their topics are removed at the same time).
    stopped_at TIMESTAMPTZ
);

-- What a subscriber follows: 'ward:65' or 'department:WATER', with the consent it came from
-- (the message, or a paper form's number when staff added it).
CREATE TABLE subscriptions (
    subscriber_id BIGINT NOT NULL,
    topic VARCHAR NOT NULL,
    ward INTEGER,
    department_code VARCHAR,
    consent_source VARCHAR NOT NULL,
    consent_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (subscriber_id, topic)
);
CREATE INDEX subscriptions_ward ON subscriptions (ward);

-- Each command message carried out once (a message is read once however often it arrives).
CREATE TABLE subscription_commands (
    interaction_id BIGINT PRIMARY KEY,
    subscriber_id BIGINT,
    command VARCHAR NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL,
    -- The desk's answer to it (queued once as a WhatsApp message), in the subscriber's language.
    answer VARCHAR,
    language VARCHAR
);

-- A department's notice: field work (in the next morning's digest), a disruption (at once
-- once approved) or an advisory; reviewed by IT like an update.
CREATE SEQUENCE notices_id_seq START 1;
CREATE TABLE notices (
    id BIGINT PRIMARY KEY DEFAULT nextval('notices_id_seq'),
    department_code VARCHAR NOT NULL,
    author VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('field_work', 'disruption', 'advisory')),
    text_bn VARCHAR NOT NULL,
    text_en VARCHAR NOT NULL,
    wards INTEGER[] NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ NOT NULL,
    -- Also published as a Facebook and X post through the publishing path (an update).
    also_post BOOLEAN NOT NULL DEFAULT FALSE,
    update_id BIGINT,
    status VARCHAR NOT NULL CHECK (status IN (
        'draft', 'submitted', 'changes_requested', 'approved', 'rejected', 'cancelled')),
    submitted_at TIMESTAMPTZ,
    reviewed_by VARCHAR,
    reviewed_at TIMESTAMPTZ,
    review_note VARCHAR,
    reject_reason VARCHAR,
    approved_at TIMESTAMPTZ,
    -- When its messages were made for the subscribers (at once, or the morning's digest).
    fanned_out_at TIMESTAMPTZ,
    -- Field work: the morning (Kolkata date) whose digest carries it.
    digest_date DATE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX notices_status ON notices (status, kind);

-- One message to one subscriber: a disruption's own, or a morning's digest of every notice
-- for their wards. The key makes it once per subscriber per notice or per morning.
CREATE SEQUENCE notice_messages_id_seq START 1;
CREATE TABLE notice_messages (
    id BIGINT PRIMARY KEY DEFAULT nextval('notice_messages_id_seq'),
    platform VARCHAR NOT NULL DEFAULT 'whatsapp',
    dedupe_key VARCHAR NOT NULL UNIQUE,
    subscriber_id BIGINT NOT NULL,
    wa_id VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    language VARCHAR NOT NULL,
    template VARCHAR NOT NULL,
    parameters VARCHAR[] NOT NULL,
    -- The message as the subscriber reads it (the template with its parameters).
    text VARCHAR NOT NULL,
    notice_ids BIGINT[] NOT NULL,
    digest_date DATE,
    status VARCHAR NOT NULL CHECK (status IN (
        'queued', 'sending', 'unconfirmed', 'retry_wait', 'sent', 'needs_attention',
        'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    unknown_outcomes INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    claimed_at TIMESTAMPTZ,
    platform_message_id VARCHAR,
    permalink VARCHAR,
    sent_at TIMESTAMPTZ,
    last_error VARCHAR,
    attention_reason VARCHAR,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
-- No index on status: a large notice is 100,000 rows made at once, and a scan of them for
-- the next due is milliseconds; an index would cost every one of its updates.

CREATE SEQUENCE notice_message_attempts_id_seq START 1;
CREATE TABLE notice_message_attempts (
    id BIGINT PRIMARY KEY DEFAULT nextval('notice_message_attempts_id_seq'),
    message_id BIGINT NOT NULL,
    worker VARCHAR NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    outcome VARCHAR NOT NULL CHECK (outcome IN (
        'started', 'sent', 'unknown', 'refused', 'found', 'not_found')),
    platform_message_id VARCHAR,
    error VARCHAR
);
CREATE INDEX notice_message_attempts_message ON notice_message_attempts (message_id);

-- Each morning's digest is made once: a notice approved after it went, for that morning,
-- goes on its own instead.
CREATE TABLE notice_digests (
    digest_date DATE PRIMARY KEY,
    made_at TIMESTAMPTZ NOT NULL,
    messages INTEGER NOT NULL
);
