-- The WhatsApp complaint desk (issue 14): messages in, their attachments kept as evidence,
-- the city's messages out, and what became of each.

-- A WhatsApp message: the city's number it came to, and a pinned location.
ALTER TABLE interactions ADD COLUMN channel VARCHAR;
ALTER TABLE interactions ADD COLUMN latitude DOUBLE;
ALTER TABLE interactions ADD COLUMN longitude DOUBLE;

-- Each citizen's current burst per number: messages less than the burst gap apart share a
-- thread (the burst's first message id), so they make one ticket, not one each.
CREATE TABLE whatsapp_bursts (
    channel VARCHAR NOT NULL,
    wa_id VARCHAR NOT NULL,
    thread_id VARCHAR NOT NULL,
    first_at TIMESTAMPTZ NOT NULL,
    last_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (channel, wa_id)
);

-- A citizen's attachment: downloaded at once (its address expires in minutes), checked by its
-- content, the original sealed with its SHA-256, what staff see without metadata.
CREATE SEQUENCE whatsapp_media_id_seq START 1;
CREATE TABLE whatsapp_media (
    id BIGINT PRIMARY KEY DEFAULT nextval('whatsapp_media_id_seq'),
    interaction_id BIGINT NOT NULL,
    media_id VARCHAR NOT NULL,
    -- image, audio, document, video, sticker
    kind VARCHAR NOT NULL,
    declared_mime_type VARCHAR,
    declared_sha256 VARCHAR,
    filename VARCHAR,
    -- purged: its files deleted (an erasure, or its retention ended); the SHA-256 stays.
    status VARCHAR NOT NULL CHECK (status IN ('pending', 'stored', 'refused', 'failed', 'purged')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    last_error VARCHAR,
    -- What the content turned out to be (e.g. 'OGG/Opus audio', 'PDF document').
    content_type VARCHAR,
    bytes BIGINT,
    sha256 VARCHAR,
    -- The original bytes, read-only, named by their SHA-256 (the audit trail's copy).
    sealed_name VARCHAR,
    -- What staff are shown: a re-encoded photo (no EXIF, no GPS), the audio, the PDF.
    shown_name VARCHAR,
    thumbnail_name VARCHAR,
    duration_seconds DOUBLE,
    -- Why it was not kept: words for staff, and a code the citizen's message is written from.
    refusal VARCHAR,
    refusal_code VARCHAR,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (interaction_id, media_id)
);
CREATE INDEX whatsapp_media_status ON whatsapp_media (status);

-- Delivery statuses of the city's messages, each (message, status) stored once however often
-- and in whatever order they arrive; the callback is the hub's own key on the message.
CREATE TABLE whatsapp_statuses (
    message_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN ('sent', 'delivered', 'read', 'failed')),
    occurred_at TIMESTAMPTZ NOT NULL,
    recipient VARCHAR,
    channel VARCHAR,
    callback VARCHAR,
    errors VARCHAR,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (message_id, status)
);
CREATE INDEX whatsapp_statuses_callback ON whatsapp_statuses (callback);

-- A reply on WhatsApp: the number it goes from, the recipient, and whether it went as an
-- approved template (outside the 24-hour window).
ALTER TABLE replies ADD COLUMN sent_as VARCHAR;

-- The city's other WhatsApp messages (answers to "what is the status of ...", attachments not
-- accepted, emergency numbers, unreadable messages): sent by the same engine, exactly once.
CREATE SEQUENCE whatsapp_messages_id_seq START 1;
CREATE TABLE whatsapp_messages (
    id BIGINT PRIMARY KEY DEFAULT nextval('whatsapp_messages_id_seq'),
    platform VARCHAR NOT NULL DEFAULT 'whatsapp',
    purpose VARCHAR NOT NULL,
    -- What this message answers, once: 'status:<wamid>', 'refusal:<media row>', ...
    dedupe_key VARCHAR NOT NULL UNIQUE,
    channel VARCHAR NOT NULL,
    wa_id VARCHAR NOT NULL,
    -- The citizen's message this one answers (shown to them as a quote).
    context_id VARCHAR,
    ticket_id BIGINT,
    language VARCHAR NOT NULL,
    text VARCHAR NOT NULL,
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
CREATE INDEX whatsapp_messages_status ON whatsapp_messages (status, next_attempt_at);

CREATE SEQUENCE whatsapp_message_attempts_id_seq START 1;
CREATE TABLE whatsapp_message_attempts (
    id BIGINT PRIMARY KEY DEFAULT nextval('whatsapp_message_attempts_id_seq'),
    message_id BIGINT NOT NULL,
    worker VARCHAR NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    outcome VARCHAR NOT NULL CHECK (outcome IN (
        'started', 'sent', 'unknown', 'refused', 'found', 'not_found')),
    platform_message_id VARCHAR,
    error VARCHAR
);
CREATE INDEX whatsapp_message_attempts_message ON whatsapp_message_attempts (message_id);

-- Where a ticket is: the pin's coordinates, and the ward the text named when the pin's
-- ward differs (shown on the ticket as a conflict).
ALTER TABLE tickets ADD COLUMN latitude DOUBLE;
ALTER TABLE tickets ADD COLUMN longitude DOUBLE;
ALTER TABLE tickets ADD COLUMN text_ward INTEGER;
-- When the acknowledgement must have gone (WhatsApp: the department's deadline).
ALTER TABLE tickets ADD COLUMN acknowledge_by TIMESTAMPTZ;

-- The reference number a message asks about ("KMC-2026-000123 এর কী অবস্থা?"): the WhatsApp
-- desk answers its status, to the number that reported it only.
ALTER TABLE interaction_triage ADD COLUMN asks_reference VARCHAR;

-- Each department's acknowledgement deadline for WhatsApp complaints (NULL: the default).
ALTER TABLE department_reply_settings ADD COLUMN acknowledge_deadline_minutes INTEGER;
