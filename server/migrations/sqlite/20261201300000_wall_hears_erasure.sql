-- An erased supporter (`supporter erase` deletes the signature) leaves every open wall at once:
-- a deleted public signature is a wall change like any other. Without this a running server
-- kept showing the erased name until it restarted.
CREATE TRIGGER wall_change_on_delete AFTER DELETE ON signatures
WHEN OLD.public = 1
BEGIN
    INSERT INTO wall_changes (campaign_id, signature_id) VALUES (OLD.campaign_id, OLD.id);
END;
