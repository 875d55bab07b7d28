-- Issue 16, item 1: confirmation email (double opt-in), per campaign. The same tables and
-- trigger as server/migrations/sqlite/20261203100000_confirmation_email.sql (read its
-- comments), in PostgreSQL's terms.

ALTER TABLE campaigns ADD COLUMN confirm_email BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE campaigns ADD COLUMN confirm_reminders INTEGER NOT NULL DEFAULT 0
    CHECK (confirm_reminders BETWEEN 0 AND 5);
ALTER TABLE campaigns ADD COLUMN confirm_reminder_hours INTEGER NOT NULL DEFAULT 48
    CHECK (confirm_reminder_hours BETWEEN 1 AND 1000);

ALTER TABLE signatures ADD COLUMN awaiting_confirmation TEXT
    CHECK (awaiting_confirmation IN ('signed', 'held'));

CREATE TRIGGER campaign_change_on_confirm_email AFTER UPDATE OF confirm_email ON campaigns
    FOR EACH ROW EXECUTE FUNCTION pledge_campaign_changed();

CREATE TABLE email_tokens (
    token_hash   TEXT   PRIMARY KEY,
    signature_id BIGINT NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
    purpose      TEXT   NOT NULL CHECK (purpose IN ('confirm', 'remove')),
    expires_at   BIGINT,
    used_at      BIGINT
);
CREATE INDEX email_tokens_by_signature ON email_tokens (signature_id);

CREATE TABLE email_outbox (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    signature_id    BIGINT  NOT NULL REFERENCES signatures (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL CHECK (kind IN ('confirm', 'reminder', 'repeat')),
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'parked')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL DEFAULT 0,
    first_failed_at BIGINT,
    last_error      TEXT,
    lease_owner     TEXT,
    lease_until     BIGINT,
    sent_at         BIGINT
);
CREATE INDEX email_outbox_due ON email_outbox (next_attempt_at) WHERE state = 'pending';
CREATE INDEX email_outbox_by_signature ON email_outbox (signature_id);

CREATE FUNCTION confirmation_email_on_sign() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO email_outbox (signature_id, kind) VALUES (NEW.id, 'confirm');
    RETURN NULL;
END $$;
CREATE TRIGGER confirmation_email_on_sign AFTER INSERT ON signatures
    FOR EACH ROW WHEN (NEW.awaiting_confirmation IS NOT NULL)
    EXECUTE FUNCTION confirmation_email_on_sign();
