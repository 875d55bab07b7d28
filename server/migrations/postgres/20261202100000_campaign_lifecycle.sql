-- Issue 15 (campaign lifecycle) and issue 18 (embedding anywhere is the default).

-- open: signs; closed: shows its final count, refuses signatures (410 campaign_closed);
-- archived: closed and no longer listed or served (410 campaign_archived).
ALTER TABLE campaigns ADD COLUMN state TEXT NOT NULL DEFAULT 'open'
    CHECK (state IN ('open', 'closed', 'archived'));
-- When the campaign last left `open`; NULL while open. The retention sweep counts from it.
ALTER TABLE campaigns ADD COLUMN closed_at TIMESTAMPTZ;
-- Days after closing that signers' personal data is kept; NULL = until erased by hand.
ALTER TABLE campaigns ADD COLUMN retention_days BIGINT CHECK (retention_days > 0);

-- Which browser origins may sign: 'any' (the default for new campaigns, set by the insert)
-- or 'listed' (only `allowed_origins_json`). Existing campaigns keep exactly their
-- restriction: listed, unless their list held the old `*`, which becomes 'any'.
ALTER TABLE campaigns ADD COLUMN origin_mode TEXT NOT NULL DEFAULT 'listed'
    CHECK (origin_mode IN ('any', 'listed'));
UPDATE campaigns
   SET origin_mode = 'any',
       allowed_origins_json = (SELECT COALESCE(json_agg(value), '[]'::json)::text
                               FROM json_array_elements_text(allowed_origins_json::json) AS value
                               WHERE value <> '*')
 WHERE allowed_origins_json::jsonb ? '*';

-- Every instance re-reads a campaign when any process commits a change to it (a
-- `campaign edit|close|open|origin` command, the console): NOTIFY on `pledge_campaigns`
-- with the slug. Triggers, so no write path can forget it. The count is not a setting.
CREATE FUNCTION pledge_campaign_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pledge_campaigns', NEW.slug);
    RETURN NULL;
END
$$;

CREATE TRIGGER campaign_change_on_update AFTER UPDATE OF title, body, goal, fields_json,
    consent_text, privacy_url, share_url, allow_public_names, languages_json,
    allowed_origins_json, pow_maxnumber, min_fill_seconds, reveal_already_signed, public_names,
    state, retention_days, origin_mode ON campaigns
    FOR EACH ROW EXECUTE FUNCTION pledge_campaign_changed();

CREATE FUNCTION pledge_campaign_translation_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pledge_campaigns', (SELECT slug FROM campaigns
        WHERE id = COALESCE(NEW.campaign_id, OLD.campaign_id)));
    RETURN NULL;
END
$$;

CREATE TRIGGER campaign_change_on_translation AFTER INSERT OR UPDATE OR DELETE
    ON campaign_translations
    FOR EACH ROW EXECUTE FUNCTION pledge_campaign_translation_changed();
