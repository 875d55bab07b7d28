-- A counted signature deleted (`supporter erase`) changes the campaign's count downwards:
-- every instance re-reads the campaign, count included, as for any other campaign change.
-- The `pledge_counts` announcement alone cannot lower a count (counts heard out of order
-- only ever raise it).
CREATE FUNCTION pledge_signature_erased() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pledge_campaigns', (SELECT slug FROM campaigns WHERE id = OLD.campaign_id));
    RETURN NULL;
END
$$;

CREATE TRIGGER campaign_change_on_signature_delete AFTER DELETE ON signatures
    FOR EACH ROW WHEN (OLD.status = 'signed')
    EXECUTE FUNCTION pledge_signature_erased();
