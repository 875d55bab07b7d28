-- Issue 11. Whether a repeated email is answered `200 already_signed` (1) or exactly like a
-- new signature (0, the default: nobody learns from the answer whether an address signed).
ALTER TABLE campaigns ADD COLUMN reveal_already_signed INTEGER NOT NULL DEFAULT 0;

-- Which consent text the signer saw: its language and version (16 hex digits of its
-- SHA-256). `consent_text` now always holds one of the campaign's own texts. NULL for
-- signatures stored before this version.
ALTER TABLE signatures ADD COLUMN consent_lang TEXT;
ALTER TABLE signatures ADD COLUMN consent_version TEXT;

-- Keys expire after 24 h; the sweep deletes by age.
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);
