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
ALTER TABLE signatures ADD COLUMN confirmed_at TIMESTAMPTZ;

-- Every OSDI target also hears confirmations (it records only confirmed signatures on a
-- campaign that asks for confirmation; see docs/integrations.md).
UPDATE delivery_targets SET events = 'signature.created signature.confirmed' WHERE kind = 'osdi';

CREATE FUNCTION signature_data_with(s signatures, confirmation TEXT) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT (signature_data(s)::jsonb || jsonb_build_object('confirmation', confirmation)
            || CASE WHEN confirmation = 'confirmed' THEN jsonb_build_object('confirmed_at',
                   to_char(s.confirmed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
               ELSE '{}'::jsonb END)::json
$$;

CREATE OR REPLACE FUNCTION signature_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.status = 'signed' THEN
            PERFORM outbox_signature_event(NEW, 'signature.created', signature_data_with(NEW, 'not_required'));
        ELSIF NEW.awaiting_confirmation = 'signed' THEN
            PERFORM outbox_signature_event(NEW, 'signature.created', signature_data_with(NEW, 'pending'));
        END IF;
    ELSIF TG_OP = 'UPDATE' AND OLD.status <> 'signed' AND NEW.status = 'signed' THEN
        IF OLD.awaiting_confirmation = 'signed' THEN
            -- Confirmed by its link.
            PERFORM outbox_signature_event(NEW, 'signature.confirmed', signature_data_with(NEW, 'confirmed'));
        ELSIF NEW.confirmed_at IS NOT NULL THEN
            -- Held, confirmed by its signer, then approved.
            PERFORM outbox_signature_event(NEW, 'signature.created', signature_data_with(NEW, 'confirmed'));
            PERFORM outbox_signature_event(NEW, 'signature.confirmed', signature_data_with(NEW, 'confirmed'));
        ELSE
            PERFORM outbox_signature_event(NEW, 'signature.created', signature_data_with(NEW, 'not_required'));
        END IF;
    ELSIF TG_OP = 'DELETE' AND (OLD.status = 'signed' OR OLD.awaiting_confirmation = 'signed') THEN
        PERFORM outbox_signature_event(OLD, 'signature.withdrawn',
            json_build_object('signature_id', OLD.id, 'email', OLD.email,
                              'reason', COALESCE(OLD.withdrawal_reason, 'erased')));
    END IF;
    RETURN NULL;
END $$;
