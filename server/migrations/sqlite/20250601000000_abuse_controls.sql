-- Abuse controls (issue 6). Existing campaigns keep working with old widgets: proof of
-- work and the minimum fill time start off for them (`campaign create` turns them on).
ALTER TABLE campaigns ADD COLUMN pow_maxnumber INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaigns ADD COLUMN min_fill_seconds INTEGER NOT NULL DEFAULT 0;

-- 'signed' counts; 'held' waits for `campaign approve` and does not count.
ALTER TABLE signatures ADD COLUMN status TEXT NOT NULL DEFAULT 'signed'
    CHECK (status IN ('signed', 'held'));
-- Keyed HMAC of the client's network (IPv4 /32, IPv6 /64); the address itself is never stored.
ALTER TABLE signatures ADD COLUMN network_hash TEXT;
CREATE INDEX signatures_by_network ON signatures (campaign_id, network_hash, signed_at);
CREATE INDEX signatures_held ON signatures (campaign_id, status) WHERE status = 'held';

-- Challenges already spent, kept until they expire (after that they are refused anyway).
CREATE TABLE used_challenges (
    challenge  TEXT    PRIMARY KEY,
    expires_at INTEGER NOT NULL
);
CREATE INDEX used_challenges_expiry ON used_challenges (expires_at);
