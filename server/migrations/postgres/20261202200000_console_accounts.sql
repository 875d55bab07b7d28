-- The organiser console (issue 15): accounts, their server-side sessions and the audit log.
-- Tokens (set-password links, session cookies) are stored as their SHA-256 only, so a copy
-- of the database signs nobody in. Times are Unix milliseconds, the same in both stores.

CREATE TABLE console_users (
    id                  BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email               TEXT    NOT NULL UNIQUE,
    role                TEXT    NOT NULL CHECK (role IN ('admin', 'moderator')),
    -- argon2id PHC string; NULL until the account's set-password link is used.
    password_hash       TEXT,
    setup_token_hash    TEXT    UNIQUE,
    setup_expires_at    BIGINT,
    created_at          BIGINT  NOT NULL
);

CREATE TABLE console_sessions (
    token_hash  TEXT    PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES console_users (id) ON DELETE CASCADE,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL
);
CREATE INDEX console_sessions_by_user ON console_sessions (user_id);

-- Who did what, when. `actor` is the account's email at the time (kept when the account
-- goes); `detail` never holds a supporter's email (a lookup or erasure is recorded, not whom).
CREATE TABLE console_audit (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          BIGINT  NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    campaign    TEXT,
    detail      TEXT    NOT NULL DEFAULT ''
);
