-- Issue 16: the webhook events follow the signature through double opt-in.
--
-- `signature.created` goes out when the signature is made, also when it awaits the
-- signer's confirmation (`"confirmation": "pending"` in its data); `signature.confirmed`
-- when the confirm link is followed; `signature.withdrawn` (with a `reason`) when a
-- signature that had a `signature.created` is removed: by its remove link, an erasure, or a
-- bounce. A signature the abuse controls held still says nothing until it is approved.
--
-- `withdrawal_reason` is set in the deleting transaction just before the DELETE, so the
-- trigger can say why (no value: an erasure). `confirmed_at` records the confirmation, so
-- a held signature approved after its signer confirmed is sent as confirmed.

ALTER TABLE signatures ADD COLUMN withdrawal_reason TEXT
    CHECK (withdrawal_reason IN ('removed', 'erased', 'bounced'));
ALTER TABLE signatures ADD COLUMN confirmed_at TEXT;

-- Every OSDI target also hears confirmations (it records only confirmed signatures on a
-- campaign that asks for confirmation; see docs/integrations.md).
UPDATE delivery_targets SET events = 'signature.created signature.confirmed' WHERE kind = 'osdi';

DROP TRIGGER signature_created_event;
DROP TRIGGER signature_counted_event;
DROP TRIGGER signature_withdrawn_event;

-- Made: counting at once (`not_required`) or awaiting confirmation (`pending`).
CREATE TRIGGER signature_created_event AFTER INSERT ON signatures
WHEN (NEW.status = 'signed' OR NEW.awaiting_confirmation = 'signed')
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
                                   'version', NEW.consent_version, 'given_at', NEW.consent_at),
            'confirmation', CASE WHEN NEW.awaiting_confirmation IS NULL THEN 'not_required' ELSE 'pending' END),
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

-- Confirmed by its link: `signature.confirmed`, with the signature's data.
CREATE TRIGGER signature_confirmed_event AFTER UPDATE OF status ON signatures
WHEN OLD.status <> 'signed' AND NEW.status = 'signed' AND OLD.awaiting_confirmation = 'signed'
  AND EXISTS (SELECT 1 FROM delivery_targets WHERE campaign_id = NEW.campaign_id)
BEGIN
    INSERT INTO outbox_events (public_id, campaign_id, signature_id, type, data_json, created_at)
    VALUES (lower(hex(randomblob(16))), NEW.campaign_id, NEW.id, 'signature.confirmed',
        json_object(
            'signature_id', NEW.id, 'name', NEW.name, 'email', NEW.email,
            'fields', json(NEW.fields_json),
            'public', json(CASE WHEN NEW.public THEN 'true' ELSE 'false' END),
            'locale', NEW.locale, 'source_url', NEW.source_url, 'signed_at', NEW.signed_at,
            'consent', json_object('text', NEW.consent_text, 'lang', NEW.consent_lang,
                                   'version', NEW.consent_version, 'given_at', NEW.consent_at),
            'confirmation', 'confirmed', 'confirmed_at', NEW.confirmed_at),
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;

-- A held signature approved: `signature.created` then, and `signature.confirmed` after it
-- when its signer had confirmed before the approval.
CREATE TRIGGER signature_counted_event AFTER UPDATE OF status ON signatures
WHEN OLD.status <> 'signed' AND NEW.status = 'signed' AND OLD.awaiting_confirmation IS NULL
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
                                   'version', NEW.consent_version, 'given_at', NEW.consent_at),
            'confirmation', CASE WHEN NEW.confirmed_at IS NULL THEN 'not_required' ELSE 'confirmed' END),
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
    INSERT INTO outbox_events (public_id, campaign_id, signature_id, type, data_json, created_at)
    SELECT lower(hex(randomblob(16))), NEW.campaign_id, NEW.id, 'signature.confirmed',
        json_object(
            'signature_id', NEW.id, 'name', NEW.name, 'email', NEW.email,
            'fields', json(NEW.fields_json),
            'public', json(CASE WHEN NEW.public THEN 'true' ELSE 'false' END),
            'locale', NEW.locale, 'source_url', NEW.source_url, 'signed_at', NEW.signed_at,
            'consent', json_object('text', NEW.consent_text, 'lang', NEW.consent_lang,
                                   'version', NEW.consent_version, 'given_at', NEW.consent_at),
            'confirmation', 'confirmed', 'confirmed_at', NEW.confirmed_at),
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE NEW.confirmed_at IS NOT NULL;
END;

-- A signature that had its `signature.created` removed: `signature.withdrawn`, with only
-- what a receiver needs to find the person, and why.
CREATE TRIGGER signature_withdrawn_event AFTER DELETE ON signatures
WHEN (OLD.status = 'signed' OR OLD.awaiting_confirmation = 'signed')
  AND EXISTS (SELECT 1 FROM delivery_targets WHERE campaign_id = OLD.campaign_id)
BEGIN
    INSERT INTO outbox_events (public_id, campaign_id, signature_id, type, data_json, created_at)
    VALUES (lower(hex(randomblob(16))), OLD.campaign_id, OLD.id, 'signature.withdrawn',
        json_object('signature_id', OLD.id, 'email', OLD.email,
                    'reason', COALESCE(OLD.withdrawal_reason, 'erased')),
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
