-- Issue 14: the public signer wall. Existing campaigns get `after_review`: nobody appears
-- until an organiser approves them.
ALTER TABLE campaigns ADD COLUMN public_names TEXT NOT NULL DEFAULT 'after_review'
    CHECK (public_names IN ('off', 'after_review', 'immediate'));

-- The organiser's decision on a signer who opted in (`public = 1`): 'pending' shows only
-- under `immediate`, 'hidden' never. `featured` orders the featured entries (1 first);
-- NULL = not featured.
ALTER TABLE signatures ADD COLUMN wall_state TEXT NOT NULL DEFAULT 'pending'
    CHECK (wall_state IN ('pending', 'approved', 'hidden'));
ALTER TABLE signatures ADD COLUMN featured INTEGER;

-- The wall's candidates in the wall's order (featured rank, then newest): loading a
-- campaign's wall, or one page of it, is one range scan.
CREATE INDEX signatures_wall ON signatures (campaign_id, featured, id)
    WHERE public = 1 AND status = 'signed' AND wall_state <> 'hidden';

-- What changed on walls, for the running server to pick up (a `wall` command runs in
-- another process): one row per touched signature, or signature_id NULL when the
-- campaign's wall settings changed. The server reads it every few hundred milliseconds
-- and deletes what it read. Written by triggers, so no write path can forget it.
CREATE TABLE wall_changes (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id  INTEGER NOT NULL,
    signature_id INTEGER
);

CREATE TRIGGER wall_change_on_sign AFTER INSERT ON signatures
WHEN NEW.public = 1
BEGIN
    INSERT INTO wall_changes (campaign_id, signature_id) VALUES (NEW.campaign_id, NEW.id);
END;

CREATE TRIGGER wall_change_on_update AFTER UPDATE OF public, status, wall_state, featured ON signatures
WHEN (OLD.public = 1 OR NEW.public = 1)
 AND (OLD.public IS NOT NEW.public OR OLD.status IS NOT NEW.status
      OR OLD.wall_state IS NOT NEW.wall_state OR OLD.featured IS NOT NEW.featured)
BEGIN
    INSERT INTO wall_changes (campaign_id, signature_id) VALUES (NEW.campaign_id, NEW.id);
END;

CREATE TRIGGER wall_change_on_settings AFTER UPDATE OF public_names, fields_json, allow_public_names ON campaigns
WHEN OLD.public_names IS NOT NEW.public_names OR OLD.fields_json IS NOT NEW.fields_json
  OR OLD.allow_public_names IS NOT NEW.allow_public_names
BEGIN
    INSERT INTO wall_changes (campaign_id, signature_id) VALUES (NEW.id, NULL);
END;
