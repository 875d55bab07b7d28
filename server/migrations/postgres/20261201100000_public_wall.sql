-- Issue 14: the public signer wall. Existing campaigns get `after_review`: nobody appears
-- until an organiser approves them.
ALTER TABLE campaigns ADD COLUMN public_names TEXT NOT NULL DEFAULT 'after_review'
    CHECK (public_names IN ('off', 'after_review', 'immediate'));

-- The organiser's decision on a signer who opted in (`public`): 'pending' shows only
-- under `immediate`, 'hidden' never. `featured` orders the featured entries (1 first);
-- NULL = not featured.
ALTER TABLE signatures ADD COLUMN wall_state TEXT NOT NULL DEFAULT 'pending'
    CHECK (wall_state IN ('pending', 'approved', 'hidden'));
ALTER TABLE signatures ADD COLUMN featured BIGINT;

-- The wall's candidates in the wall's order (featured rank, then newest): loading a
-- campaign's wall, or one page of it, is one range scan.
CREATE INDEX signatures_wall ON signatures (campaign_id, featured, id)
    WHERE public AND status = 'signed' AND wall_state <> 'hidden';

-- Every instance hears of every change to a wall when it commits, whichever process made
-- it (a signature, `campaign approve`, a `wall` command): NOTIFY on `pledge_signers` with
-- payload `<campaign id> <signature id>`, or `<campaign id> *` when the campaign's wall
-- settings changed (then `pledge_campaigns` too, so the campaign is re-read). Triggers,
-- so no write path can forget it.
CREATE FUNCTION pledge_wall_entry_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pledge_signers', NEW.campaign_id::TEXT || ' ' || NEW.id::TEXT);
    RETURN NULL;
END
$$;

CREATE TRIGGER wall_change_on_sign AFTER INSERT ON signatures
    FOR EACH ROW WHEN (NEW.public)
    EXECUTE FUNCTION pledge_wall_entry_changed();

CREATE TRIGGER wall_change_on_update AFTER UPDATE OF public, status, wall_state, featured ON signatures
    FOR EACH ROW WHEN ((OLD.public OR NEW.public)
        AND (OLD.public, OLD.status, OLD.wall_state, OLD.featured)
            IS DISTINCT FROM (NEW.public, NEW.status, NEW.wall_state, NEW.featured))
    EXECUTE FUNCTION pledge_wall_entry_changed();

CREATE FUNCTION pledge_wall_settings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pledge_signers', NEW.id::TEXT || ' *');
    PERFORM pg_notify('pledge_campaigns', NEW.slug);
    RETURN NULL;
END
$$;

CREATE TRIGGER wall_change_on_settings AFTER UPDATE OF public_names, fields_json, allow_public_names ON campaigns
    FOR EACH ROW WHEN ((OLD.public_names, OLD.fields_json, OLD.allow_public_names)
        IS DISTINCT FROM (NEW.public_names, NEW.fields_json, NEW.allow_public_names))
    EXECUTE FUNCTION pledge_wall_settings_changed();
