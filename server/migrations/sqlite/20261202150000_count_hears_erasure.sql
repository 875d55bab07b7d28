-- A counted signature deleted (`supporter erase`, run as another process) changes the
-- campaign's count downwards: the running server re-reads the campaign, count included,
-- as for any other campaign change. Without this its live count stayed at the old number
-- until new signatures passed it.
CREATE TRIGGER campaign_change_on_signature_delete AFTER DELETE ON signatures
WHEN OLD.status = 'signed'
BEGIN
    INSERT INTO campaign_changes (campaign_id) VALUES (OLD.campaign_id);
END;
