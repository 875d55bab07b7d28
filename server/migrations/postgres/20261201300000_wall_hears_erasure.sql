-- An erased supporter (`supporter erase` deletes the signature) leaves every open wall on every
-- instance at once: a deleted public signature is a wall change like any other. Without this a
-- running server kept showing the erased name until it restarted.
CREATE FUNCTION pledge_wall_entry_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pledge_signers', OLD.campaign_id::TEXT || ' ' || OLD.id::TEXT);
    RETURN NULL;
END
$$;

CREATE TRIGGER wall_change_on_delete AFTER DELETE ON signatures
    FOR EACH ROW WHEN (OLD.public)
    EXECUTE FUNCTION pledge_wall_entry_deleted();
