-- Sign-in that survives a reload (issue 17): a login is a server-side session, kept only as
-- the hash of its random id, with idle and absolute expiry; ending it logs out every tab.
CREATE TABLE login_sessions (
    id_hash VARCHAR PRIMARY KEY,
    user_id BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ,
    ended_reason VARCHAR,
    -- The browser, as its User-Agent says (for "My account": which session is which).
    user_agent VARCHAR
);
CREATE INDEX login_sessions_user ON login_sessions (user_id);
-- Sessions started before this are over (a password reset, an admin's "end sessions").
ALTER TABLE users ADD COLUMN sessions_valid_after TIMESTAMPTZ;
