-- Issue 16: signatures reach the organisers' tools (webhooks, Action Network / OSDI).
-- The same tables and triggers as server/migrations/sqlite/20261201200000_delivery_outbox.sql
-- (read its comments), in PostgreSQL's terms. Times the delivery worker sets are unix
-- milliseconds from the server's clock.

CREATE TABLE delivery_targets (
    id             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id    BIGINT  NOT NULL REFERENCES campaigns (id),
    kind           TEXT    NOT NULL CHECK (kind IN ('webhook', 'osdi')),
    url            TEXT    NOT NULL,
    secret         TEXT,
    api_key_source TEXT,
    tags_json      TEXT    NOT NULL DEFAULT '[]',
    events         TEXT    NOT NULL,
    batch_size     INTEGER NOT NULL DEFAULT 1 CHECK (batch_size BETWEEN 1 AND 100),
    lease_owner    TEXT,
    lease_until    BIGINT,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX delivery_targets_by_campaign ON delivery_targets (campaign_id);

CREATE TABLE outbox_events (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id    TEXT   NOT NULL UNIQUE,
    campaign_id  BIGINT NOT NULL REFERENCES campaigns (id),
    signature_id BIGINT NOT NULL,
    type         TEXT   NOT NULL,
    data_json    TEXT   NOT NULL,
    created_at   TEXT   NOT NULL
);

CREATE TABLE deliveries (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_id       BIGINT  NOT NULL REFERENCES delivery_targets (id) ON DELETE CASCADE,
    event_id        BIGINT  NOT NULL REFERENCES outbox_events (id),
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'parked')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL DEFAULT 0,
    first_failed_at BIGINT,
    maybe_sent      BOOLEAN NOT NULL DEFAULT FALSE,
    last_error      TEXT,
    done_at         BIGINT,
    UNIQUE (target_id, event_id)
);
CREATE INDEX deliveries_pending ON deliveries (target_id, event_id) WHERE state = 'pending';
CREATE INDEX deliveries_by_state ON deliveries (state, target_id);
CREATE INDEX deliveries_by_event ON deliveries (event_id);

CREATE FUNCTION outbox_fan_out() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO deliveries (target_id, event_id)
    SELECT id, NEW.id FROM delivery_targets
    WHERE campaign_id = NEW.campaign_id
      AND position(' ' || NEW.type || ' ' IN ' ' || events || ' ') > 0;
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_fan_out AFTER INSERT ON outbox_events
    FOR EACH ROW EXECUTE FUNCTION outbox_fan_out();

-- Writes one event for signature row `s`. The campaign's row is locked first: instances
-- write signatures side by side, and an event id taken by a transaction that commits later
-- than one with a higher id would reach receivers out of order. With the lock, a
-- campaign's events commit in id order (`sign` takes the same lock moments later anyway,
-- to bump the count). FOR NO KEY UPDATE, the lock that UPDATE takes: FOR UPDATE would
-- conflict with the FOR KEY SHARE lock each signature's foreign-key check holds on the
-- campaign, and two concurrent signatures would deadlock.
CREATE FUNCTION outbox_signature_event(s signatures, event_type TEXT, data JSON)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM delivery_targets WHERE campaign_id = s.campaign_id) THEN
        RETURN;
    END IF;
    PERFORM 1 FROM campaigns WHERE id = s.campaign_id FOR NO KEY UPDATE;
    INSERT INTO outbox_events (public_id, campaign_id, signature_id, type, data_json, created_at)
    VALUES (replace(gen_random_uuid()::text, '-', ''), s.campaign_id, s.id, event_type,
            data::text, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
END $$;

CREATE FUNCTION signature_data(s signatures) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'signature_id', s.id, 'name', s.name, 'email', s.email,
        'fields', s.fields_json::json, 'public', s.public,
        'locale', s.locale, 'source_url', s.source_url,
        'signed_at', to_char(s.signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        'consent', json_build_object(
            'text', s.consent_text, 'lang', s.consent_lang, 'version', s.consent_version,
            'given_at', to_char(s.consent_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
$$;

CREATE FUNCTION signature_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.status = 'signed' THEN
        PERFORM outbox_signature_event(NEW, 'signature.created', signature_data(NEW));
    ELSIF TG_OP = 'UPDATE' AND OLD.status <> 'signed' AND NEW.status = 'signed' THEN
        PERFORM outbox_signature_event(NEW, 'signature.created', signature_data(NEW));
    ELSIF TG_OP = 'DELETE' AND OLD.status = 'signed' THEN
        PERFORM outbox_signature_event(OLD, 'signature.withdrawn',
            json_build_object('signature_id', OLD.id, 'email', OLD.email));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER signature_events AFTER INSERT OR UPDATE OF status OR DELETE ON signatures
    FOR EACH ROW EXECUTE FUNCTION signature_events();
