-- Departments, accounts and the audit log. Times are TIMESTAMPTZ, stored in UTC.
-- No foreign keys: DuckDB forbids updating a row that a foreign key points at, and the
-- services check references themselves.

CREATE TABLE departments (
    code VARCHAR PRIMARY KEY,
    name_en VARCHAR NOT NULL,
    name_bn VARCHAR NOT NULL,
    controlling_officer VARCHAR NOT NULL,
    contact_email VARCHAR NOT NULL,
    keywords_en VARCHAR[] NOT NULL,
    keywords_bn VARCHAR[] NOT NULL,
    first_response_target_hours INTEGER NOT NULL,
    resolution_target_hours INTEGER NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE SEQUENCE users_id_seq START 1;
CREATE TABLE users (
    id BIGINT PRIMARY KEY DEFAULT nextval('users_id_seq'),
    username VARCHAR NOT NULL UNIQUE,
    display_name VARCHAR NOT NULL,
    email VARCHAR,
    role VARCHAR NOT NULL CHECK (role IN ('officer', 'it', 'commissioner', 'admin')),
    department_code VARCHAR,
    password_hash VARCHAR,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    last_login_at TIMESTAMPTZ,
    CHECK ((role = 'officer') = (department_code IS NOT NULL))
);

-- Append-only: the hub has no code path that updates or deletes a row here.
CREATE SEQUENCE audit_log_id_seq START 1;
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_id_seq'),
    occurred_at TIMESTAMPTZ NOT NULL,
    actor VARCHAR NOT NULL,
    actor_role VARCHAR,
    action VARCHAR NOT NULL,
    outcome VARCHAR NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
    target_type VARCHAR,
    target_id VARCHAR,
    department_code VARCHAR,
    before JSON,
    after JSON,
    detail VARCHAR
);
CREATE INDEX audit_log_occurred_at ON audit_log (occurred_at);

-- Liveness of the background jobs, for /healthz and the IT home page.
CREATE TABLE job_heartbeats (
    job_id VARCHAR PRIMARY KEY,
    last_run_at TIMESTAMPTZ NOT NULL,
    last_outcome VARCHAR NOT NULL,
    runs BIGINT NOT NULL DEFAULT 0
);
