-- Triage: the routing decision for every citizen interaction, tickets for those that need an
-- answer, and the city's replies posted back in the same thread.

-- One row per interaction once the router has looked at it (needs_ticket false: praise,
-- spam, the city's own replies, follow-ups folded into an existing ticket, ...).
CREATE TABLE interaction_triage (
    interaction_id BIGINT PRIMARY KEY,
    decided_at TIMESTAMPTZ NOT NULL,
    needs_ticket BOOLEAN NOT NULL,
    language VARCHAR,
    ward INTEGER,
    department_code VARCHAR,
    category VARCHAR NOT NULL,
    urgent BOOLEAN NOT NULL,
    explanation VARCHAR NOT NULL,
    confidence DOUBLE NOT NULL,
    ticket_id BIGINT
);

-- Reference numbers: KMC-2026-000123, numbered per year.
CREATE TABLE ticket_counters (
    year INTEGER PRIMARY KEY,
    last_number INTEGER NOT NULL
);

CREATE SEQUENCE tickets_id_seq START 1;
CREATE TABLE tickets (
    id BIGINT PRIMARY KEY DEFAULT nextval('tickets_id_seq'),
    reference VARCHAR NOT NULL UNIQUE,
    interaction_id BIGINT NOT NULL UNIQUE,
    platform VARCHAR NOT NULL,
    -- platform:author_id, to find a citizen's earlier tickets and follow-ups.
    citizen_key VARCHAR NOT NULL,
    -- NULL: the IT team's queue (no department matched).
    department_code VARCHAR,
    status VARCHAR NOT NULL CHECK (status IN (
        'new', 'acknowledged', 'in_progress', 'resolved', 'closed')),
    language VARCHAR,
    ward INTEGER,
    category VARCHAR NOT NULL,
    urgent BOOLEAN NOT NULL,
    routing_explanation VARCHAR NOT NULL,
    routing_confidence DOUBLE NOT NULL,
    -- The citizen's interaction time: response times are measured from it.
    opened_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    -- The first reply from the city in the thread that the platform confirmed.
    first_response_at TIMESTAMPTZ,
    first_response_reply_id BIGINT,
    acknowledged_at TIMESTAMPTZ,
    resolved_at TIMESTAMPTZ,
    closed_at TIMESTAMPTZ,
    reopened_count INTEGER NOT NULL DEFAULT 0,
    last_reopened_at TIMESTAMPTZ,
    reminded_at TIMESTAMPTZ,
    escalated_at TIMESTAMPTZ,
    escalation_reason VARCHAR,
    merged_into BIGINT,
    hidden BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX tickets_department_status ON tickets (department_code, status);
CREATE INDEX tickets_opened ON tickets (opened_at);
CREATE INDEX tickets_citizen ON tickets (citizen_key);

-- Everything that happened to a ticket: status changes, reassignments (with the reason),
-- internal notes, merges, reminders, escalations.
CREATE SEQUENCE ticket_events_id_seq START 1;
CREATE TABLE ticket_events (
    id BIGINT PRIMARY KEY DEFAULT nextval('ticket_events_id_seq'),
    ticket_id BIGINT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    actor VARCHAR NOT NULL,
    event VARCHAR NOT NULL,
    note VARCHAR,
    from_department VARCHAR,
    to_department VARCHAR
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

-- Reply templates per department (NULL: every department) and language.
CREATE SEQUENCE reply_templates_id_seq START 1;
CREATE TABLE reply_templates (
    id BIGINT PRIMARY KEY DEFAULT nextval('reply_templates_id_seq'),
    department_code VARCHAR,
    language VARCHAR NOT NULL CHECK (language IN ('bn', 'en')),
    name VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    -- What the template is for: the automatic acknowledgement picks an 'acknowledgement' one.
    purpose VARCHAR NOT NULL DEFAULT 'answer' CHECK (purpose IN (
        'acknowledgement', 'answer', 'resolution'))
);

-- Per department: the automatic acknowledgement ("registered as KMC-2026-000123").
CREATE TABLE department_reply_settings (
    department_code VARCHAR PRIMARY KEY,
    auto_acknowledge BOOLEAN NOT NULL DEFAULT FALSE,
    acknowledge_after_minutes INTEGER NOT NULL DEFAULT 5,
    updated_at TIMESTAMPTZ NOT NULL,
    -- When auto_acknowledge was last switched on: tickets opened before it are not
    -- acknowledged automatically, so switching it on never floods an old backlog.
    enabled_at TIMESTAMPTZ
);

-- The city's replies, posted in the citizen's thread by the same exactly-once machinery as
-- posts: queued -> sending -> sent, or unconfirmed (reconciled against the thread before
-- any retry), retry_wait, needs_attention, cancelled.
CREATE SEQUENCE replies_id_seq START 1;
CREATE TABLE replies (
    id BIGINT PRIMARY KEY DEFAULT nextval('replies_id_seq'),
    ticket_id BIGINT NOT NULL,
    platform VARCHAR NOT NULL,
    -- The platform id of the interaction answered (comment or mention).
    in_reply_to VARCHAR NOT NULL,
    kind VARCHAR NOT NULL CHECK (kind IN ('answer', 'acknowledgement')),
    text VARCHAR NOT NULL,
    status VARCHAR NOT NULL CHECK (status IN (
        'queued', 'sending', 'unconfirmed', 'retry_wait', 'sent', 'needs_attention',
        'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    unknown_outcomes INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ,
    claimed_at TIMESTAMPTZ,
    platform_reply_id VARCHAR,
    permalink VARCHAR,
    sent_at TIMESTAMPTZ,
    last_error VARCHAR,
    attention_reason VARCHAR,
    created_by VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX replies_status ON replies (status, next_attempt_at);
CREATE INDEX replies_ticket ON replies (ticket_id);

-- Every call the reply sender makes, written before the call ('started') and finished after:
-- what exactly-once reconciliation reads, and what IT reads when a reply needs attention.
CREATE SEQUENCE reply_attempts_id_seq START 1;
CREATE TABLE reply_attempts (
    id BIGINT PRIMARY KEY DEFAULT nextval('reply_attempts_id_seq'),
    reply_id BIGINT NOT NULL,
    worker VARCHAR NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    outcome VARCHAR NOT NULL CHECK (outcome IN (
        'started', 'sent', 'unknown', 'refused', 'found', 'not_found')),
    platform_reply_id VARCHAR,
    error VARCHAR
);
CREATE INDEX reply_attempts_reply ON reply_attempts (reply_id, id);

-- The default templates for every department, in both languages (IT edits or adds more).
-- The reference number keeps its Latin digits in Bengali too: citizens quote it back.
INSERT INTO reply_templates (department_code, language, name, body, purpose, created_at,
    updated_at) VALUES
    (NULL, 'en', 'Acknowledgement',
     'Thank you. Your complaint is registered with KMC as {reference} ({department}). '
     || 'We will update you here.', 'acknowledgement', now(), now()),
    (NULL, 'bn', 'প্রাপ্তিস্বীকার',
     'ধন্যবাদ। আপনার অভিযোগটি কলকাতা পৌরসংস্থায় {reference} নম্বরে নথিভুক্ত হয়েছে '
     || '({department})। আমরা এখানেই আপনাকে জানাব।', 'acknowledgement', now(), now()),
    (NULL, 'en', 'Work in progress',
     '{department} is working on your complaint {reference} in ward {ward}. '
     || 'We will update you here.', 'answer', now(), now()),
    (NULL, 'bn', 'কাজ চলছে',
     '{department} আপনার অভিযোগ {reference} (ওয়ার্ড {ward}) নিয়ে কাজ করছে। '
     || 'আমরা এখানেই আপনাকে জানাব।', 'answer', now(), now()),
    (NULL, 'en', 'Resolved',
     'Your complaint {reference} has been resolved by {department}. Thank you for telling us.',
     'resolution', now(), now()),
    (NULL, 'bn', 'সমাধান হয়েছে',
     'আপনার অভিযোগ {reference} {department} সমাধান করেছে। আমাদের জানানোর জন্য ধন্যবাদ।',
     'resolution', now(), now());
