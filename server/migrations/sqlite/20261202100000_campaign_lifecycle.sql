-- Issue 15 (campaign lifecycle) and issue 18 (embedding anywhere is the default).

-- open: signs; closed: shows its final count, refuses signatures (410 campaign_closed);
-- archived: closed and no longer listed or served (410 campaign_archived).
ALTER TABLE campaigns ADD COLUMN state TEXT NOT NULL DEFAULT 'open'
    CHECK (state IN ('open', 'closed', 'archived'));
-- When the campaign last left `open` (`YYYY-MM-DDTHH:MM:SS.mmmZ`); NULL while open. The
-- retention sweep counts from it.
ALTER TABLE campaigns ADD COLUMN closed_at TEXT;
-- Days after closing that signers' personal data is kept; NULL = until erased by hand.
ALTER TABLE campaigns ADD COLUMN retention_days INTEGER CHECK (retention_days > 0);

-- Which browser origins may sign: 'any' (the default for new campaigns, set by the insert)
-- or 'listed' (only `allowed_origins_json`). Existing campaigns keep exactly their
-- restriction: listed, unless their list held the old `*`, which becomes 'any'.
ALTER TABLE campaigns ADD COLUMN origin_mode TEXT NOT NULL DEFAULT 'listed'
    CHECK (origin_mode IN ('any', 'listed'));
UPDATE campaigns
   SET origin_mode = 'any',
       allowed_origins_json = (SELECT json_group_array(value) FROM json_each(allowed_origins_json)
                               WHERE value <> '*')
 WHERE EXISTS (SELECT 1 FROM json_each(allowed_origins_json) WHERE value = '*');

-- What changed in campaigns, for running servers to re-read (a `campaign edit|close|open|
-- origin` command is another process, and SQLite has no notifications): the server reads
-- it every 200 ms, like `wall_changes`, and deletes what it read. Written by triggers, so
-- no write path can forget it. The count is not a setting: signatures do not write here.
CREATE TABLE campaign_changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id INTEGER NOT NULL
);

CREATE TRIGGER campaign_change_on_update AFTER UPDATE OF title, body, goal, fields_json,
    consent_text, privacy_url, share_url, allow_public_names, languages_json,
    allowed_origins_json, pow_maxnumber, min_fill_seconds, reveal_already_signed, public_names,
    state, retention_days, origin_mode ON campaigns
BEGIN
    INSERT INTO campaign_changes (campaign_id) VALUES (NEW.id);
END;

CREATE TRIGGER campaign_change_on_translation_insert AFTER INSERT ON campaign_translations
BEGIN
    INSERT INTO campaign_changes (campaign_id) VALUES (NEW.campaign_id);
END;

CREATE TRIGGER campaign_change_on_translation_update AFTER UPDATE ON campaign_translations
BEGIN
    INSERT INTO campaign_changes (campaign_id) VALUES (NEW.campaign_id);
END;

CREATE TRIGGER campaign_change_on_translation_delete AFTER DELETE ON campaign_translations
BEGIN
    INSERT INTO campaign_changes (campaign_id) VALUES (OLD.campaign_id);
END;
