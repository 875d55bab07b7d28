-- The PostgreSQL schema: what the SQLite migrations (server/migrations/sqlite/) add up to,
-- in PostgreSQL's types. Later changes get a migration in both folders.

-- Campaigns carry their own running count so reads never need COUNT(*).
CREATE TABLE campaigns (
    id                   BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug                 TEXT        NOT NULL UNIQUE,
    title                TEXT        NOT NULL,
    body                 TEXT        NOT NULL,
    goal                 BIGINT,
    signature_count      BIGINT      NOT NULL DEFAULT 0,
    fields_json          TEXT        NOT NULL DEFAULT '[]',
    consent_text         TEXT        NOT NULL,
    privacy_url          TEXT,
    share_url            TEXT,
    allow_public_names   BOOLEAN     NOT NULL DEFAULT FALSE,
    languages_json       TEXT        NOT NULL DEFAULT '["en"]',
    allowed_origins_json TEXT        NOT NULL DEFAULT '[]',
    -- Proof of work (0 = off) and the minimum fill time, in seconds.
    pow_maxnumber        BIGINT      NOT NULL DEFAULT 0 CHECK (pow_maxnumber BETWEEN 0 AND 4294967295),
    min_fill_seconds     BIGINT      NOT NULL DEFAULT 0 CHECK (min_fill_seconds BETWEEN 0 AND 4294967295),
    -- Whether a repeated email is answered `200 already_signed` (TRUE) or exactly like a new
    -- signature (FALSE: nobody learns from the answer whether an address signed).
    reveal_already_signed BOOLEAN    NOT NULL DEFAULT FALSE,
    created_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Campaign text per language; each column optional (falls back to the campaign's own).
CREATE TABLE campaign_translations (
    campaign_id  BIGINT NOT NULL REFERENCES campaigns (id),
    lang         TEXT   NOT NULL,
    title        TEXT,
    body         TEXT,
    consent_text TEXT,
    PRIMARY KEY (campaign_id, lang)
);

CREATE TABLE signatures (
    id               BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id      BIGINT      NOT NULL REFERENCES campaigns (id),
    name             TEXT        NOT NULL,
    email            TEXT        NOT NULL,
    email_normalised TEXT        NOT NULL,
    fields_json      TEXT        NOT NULL DEFAULT '{}',
    public           BOOLEAN     NOT NULL DEFAULT FALSE,
    locale           TEXT,
    source_url       TEXT,
    consent_text     TEXT        NOT NULL,
    -- Which consent text the signer saw: its language and version (16 hex digits of its SHA-256).
    consent_lang     TEXT,
    consent_version  TEXT,
    consent_at       TIMESTAMPTZ NOT NULL,
    signed_at        TIMESTAMPTZ NOT NULL,
    -- 'signed' counts; 'held' waits for `campaign approve` and does not count.
    status           TEXT        NOT NULL DEFAULT 'signed' CHECK (status IN ('signed', 'held')),
    -- Keyed HMAC of the client's network (IPv4 /32, IPv6 /64); the address itself is never stored.
    network_hash     TEXT
);

-- The one-signature-per-email rule lives here, so concurrent posts cannot both win.
CREATE UNIQUE INDEX signatures_one_per_email ON signatures (campaign_id, email_normalised);
CREATE INDEX signatures_by_network ON signatures (campaign_id, network_hash, signed_at);
CREATE INDEX signatures_held ON signatures (campaign_id, status) WHERE status = 'held';

-- First answer per Idempotency-Key, replayed on retries.
CREATE TABLE idempotency_keys (
    campaign_id     BIGINT      NOT NULL REFERENCES campaigns (id),
    key             TEXT        NOT NULL,
    request_hash    TEXT        NOT NULL,
    response_status INTEGER     NOT NULL,
    response_count  BIGINT      NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, key)
);
-- Keys expire after 24 h; the sweep deletes by age.
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

-- Challenges already spent (by any instance), kept until they expire (unix seconds).
CREATE TABLE used_challenges (
    challenge  TEXT   PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX used_challenges_expiry ON used_challenges (expires_at);

-- What every instance on this database must agree on: the secret key's fingerprint
-- (an HMAC of a fixed label, not the key), recorded by the first instance to start.
CREATE TABLE instance_settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
