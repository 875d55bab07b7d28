-- Issue 16, item 1: confirmation email (double opt-in), per campaign.
--
-- A campaign with `confirm_email` stores each new signature as `held` (it neither counts
-- nor shows on the wall) with `awaiting_confirmation` set to the status it takes once the
-- signer follows the link: `signed`, or `held` when the abuse controls held it as well
-- (it then still waits for `campaign approve`). Emails go through `email_outbox`, written
-- in the signature's own transaction; the worker sends them, retries with back-off, and
-- parks what failed for the whole retry window. Times the worker sets are unix ms from
-- the server's clock.

ALTER TABLE campaigns ADD COLUMN confirm_email INTEGER NOT NULL DEFAULT 0;
-- Reminders sent to a signer who has not confirmed, at most, each this long after the last email.
ALTER TABLE campaigns ADD COLUMN confirm_reminders INTEGER NOT NULL DEFAULT 0
    CHECK (confirm_reminders BETWEEN 0 AND 5);
ALTER TABLE campaigns ADD COLUMN confirm_reminder_hours INTEGER NOT NULL DEFAULT 48
    CHECK (confirm_reminder_hours BETWEEN 1 AND 1000);

ALTER TABLE signatures ADD COLUMN awaiting_confirmation TEXT
    CHECK (awaiting_confirmation IN ('signed', 'held'));

-- The running server re-reads a campaign whose confirmation setting changed.
CREATE TRIGGER campaign_change_on_confirm_email AFTER UPDATE OF confirm_email ON campaigns
BEGIN
    INSERT INTO campaign_changes (campaign_id) VALUES (NEW.id);
END;

-- Links' tokens, by SHA-256 of the token (the token itself is only in the email). A
-- confirm token expires; a remove token lasts as long as its signature.
CREATE TABLE email_tokens (
    token_hash   TEXT    PRIMARY KEY,
    signature_id INTEGER NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
    purpose      TEXT    NOT NULL CHECK (purpose IN ('confirm', 'remove')),
    expires_at   INTEGER,
    used_at      INTEGER
);
CREATE INDEX email_tokens_by_signature ON email_tokens (signature_id);

-- One row per email to send. `kind`: `confirm` (the first), `reminder`, or `repeat` (the
-- email was signed again: the signer hears they had signed, or gets the confirmation
-- again if they had not confirmed). A withdrawn signature's emails go with it.
CREATE TABLE email_outbox (
    id              INTEGER PRIMARY KEY,
    signature_id    INTEGER NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL CHECK (kind IN ('confirm', 'reminder', 'repeat')),
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'parked')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    first_failed_at INTEGER,
    last_error      TEXT,
    lease_owner     TEXT,
    lease_until     INTEGER,
    sent_at         INTEGER
);
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX email_outbox_by_signature ON email_outbox (signature_id);

CREATE TRIGGER confirmation_email_on_sign AFTER INSERT ON signatures
WHEN NEW.awaiting_confirmation IS NOT NULL
BEGIN
    INSERT INTO email_outbox (signature_id, kind) VALUES (NEW.id, 'confirm');
END;
