-- Issue 14 item 2 / issue 16: the email to a signer who chose to show their name carries a
-- link that takes the name off the public list (`/email/hide-name/{token}`). Its token is
-- stored hashed like the others, with the purpose `hide_name`, used once. SQLite cannot
-- change a CHECK constraint in place: the table is rebuilt (it holds only hashes).

CREATE TABLE email_tokens_new (
    token_hash   TEXT    PRIMARY KEY,
    signature_id INTEGER NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
    purpose      TEXT    NOT NULL CHECK (purpose IN ('confirm', 'remove', 'hide_name')),
    expires_at   INTEGER,
    used_at      INTEGER
);
INSERT INTO email_tokens_new (token_hash, signature_id, purpose, expires_at, used_at)
    SELECT token_hash, signature_id, purpose, expires_at, used_at FROM email_tokens;
DROP TABLE email_tokens;
ALTER TABLE email_tokens_new RENAME TO email_tokens;
CREATE INDEX email_tokens_by_signature ON email_tokens (signature_id);
