-- Issue 16: signatures reach the organisers' tools (webhooks, Action Network / OSDI).
--
-- Events are written by triggers on `signatures`, so every path that changes a signature
-- (the API, `campaign approve`, an erasure) writes its event in the same transaction as the
-- change, without each path having to remember it. Times the delivery worker sets are unix
-- milliseconds from the server's clock (tests move it forward); event times are the
-- signature's own.

-- Where a campaign's signatures go.
CREATE TABLE delivery_targets (
    id             INTEGER PRIMARY KEY,
    campaign_id    INTEGER NOT NULL REFERENCES campaigns (id),
    kind           TEXT    NOT NULL CHECK (kind IN ('webhook', 'osdi')),
    -- Webhook: the URL posted to. OSDI: the petition's record-signature endpoint.
    url            TEXT    NOT NULL,
    -- Webhook: the HMAC signing secret (shown once by `webhook add`). OSDI: NULL.
    secret         TEXT,
    -- OSDI: where the API key is read when sending, `env:NAME` or `file:/path`; the key
    -- itself is never stored.
    api_key_source TEXT,
    -- OSDI: tags added to the person (`add_tags`), a JSON array.
    tags_json      TEXT    NOT NULL DEFAULT '[]',
    -- The event types this target receives, space-separated.
    events         TEXT    NOT NULL,
    -- Events per request (1 = one event object per POST; more = `{"events": [...]}`).
    batch_size     INTEGER NOT NULL DEFAULT 1 CHECK (batch_size BETWEEN 1 AND 100),
    -- Which worker is delivering to this target, until when (unix ms): one at a time, so
    -- a target gets its events in order.
    lease_owner    TEXT,
    lease_until    INTEGER,
    created_at     TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX delivery_targets_by_campaign ON delivery_targets (campaign_id);

-- The outbox: one row per event, with a copy of what it says (a withdrawn signature's row
-- is gone by the time its event is sent).
CREATE TABLE outbox_events (
    id           INTEGER PRIMARY KEY,
    -- The id receivers see and deduplicate on (32 hex digits).
    public_id    TEXT    NOT NULL UNIQUE,
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id),
    -- No foreign key: an erased signature's withdrawn event outlives the row.
    signature_id INTEGER NOT NULL,
    type         TEXT    NOT NULL,
    data_json    TEXT    NOT NULL,
    created_at   TEXT    NOT NULL
);

-- One row per (target, event): the delivery's state and retry schedule.
CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    target_id       INTEGER NOT NULL REFERENCES delivery_targets (id) ON DELETE CASCADE,
    event_id        INTEGER NOT NULL REFERENCES outbox_events (id),
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'parked')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    first_failed_at INTEGER,
    -- An earlier attempt may have reached the receiver (it timed out after sending).
    maybe_sent      INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    done_at         INTEGER,
    UNIQUE (target_id, event_id)
);
CREATE INDEX deliveries_pending ON deliveries (target_id, event_id) WHERE state = 'pending';
CREATE INDEX deliveries_by_state ON deliveries (state, target_id);
CREATE INDEX deliveries_by_event ON deliveries (event_id);

-- Each new event goes to every target of its campaign that wants its type.
CREATE TRIGGER outbox_fan_out AFTER INSERT ON outbox_events
BEGIN
    INSERT INTO deliveries (target_id, event_id)
    SELECT id, NEW.id FROM delivery_targets
    WHERE campaign_id = NEW.campaign_id
      AND instr(' ' || events || ' ', ' ' || NEW.type || ' ') > 0;
END;

-- A signature that counts from the start: `signature.created`. Held ones wait for approval.
-- Only campaigns with a target keep copies of signatures in the outbox.
CREATE TRIGGER signature_created_event AFTER INSERT ON signatures
WHEN NEW.status = 'signed'
  AND EXISTS (SELECT 1 FROM delivery_targets WHERE campaign_id = NEW.campaign_id)
BEGIN
    INSERT INTO outbox_events (public_id, campaign_id, signature_id, type, data_json, created_at)
    VALUES (lower(hex(randomblob(16))), NEW.campaign_id, NEW.id, 'signature.created',
        json_object(
            'signature_id', NEW.id, 'name', NEW.name, 'email', NEW.email,
            'fields', json(NEW.fields_json),
            'public', json(CASE WHEN NEW.public THEN 'true' ELSE 'false' END),
            'locale', NEW.locale, 'source_url', NEW.source_url, 'signed_at', NEW.signed_at,
            'consent', json_object('text', NEW.consent_text, 'lang', NEW.consent_lang,
                                   'version', NEW.consent_version, 'given_at', NEW.consent_at)),
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

-- A signature that starts counting later (a held one approved): `signature.created` then.
CREATE TRIGGER signature_counted_event AFTER UPDATE OF status ON signatures
WHEN OLD.status <> 'signed' AND NEW.status = 'signed'
  AND EXISTS (SELECT 1 FROM delivery_targets WHERE campaign_id = NEW.campaign_id)
BEGIN
    INSERT INTO outbox_events (public_id, campaign_id, signature_id, type, data_json, created_at)
    VALUES (lower(hex(randomblob(16))), NEW.campaign_id, NEW.id, 'signature.created',
        json_object(
            'signature_id', NEW.id, 'name', NEW.name, 'email', NEW.email,
            'fields', json(NEW.fields_json),
            'public', json(CASE WHEN NEW.public THEN 'true' ELSE 'false' END),
            'locale', NEW.locale, 'source_url', NEW.source_url, 'signed_at', NEW.signed_at,
            'consent', json_object('text', NEW.consent_text, 'lang', NEW.consent_lang,
                                   'version', NEW.consent_version, 'given_at', NEW.consent_at)),
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

-- A counted signature removed (an erasure): `signature.withdrawn`, with only what a
-- receiver needs to find the person.
CREATE TRIGGER signature_withdrawn_event AFTER DELETE ON signatures
WHEN OLD.status = 'signed'
  AND EXISTS (SELECT 1 FROM delivery_targets WHERE campaign_id = OLD.campaign_id)
BEGIN
    INSERT INTO outbox_events (public_id, campaign_id, signature_id, type, data_json, created_at)
    VALUES (lower(hex(randomblob(16))), OLD.campaign_id, OLD.id, 'signature.withdrawn',
        json_object('signature_id', OLD.id, 'email', OLD.email),
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
