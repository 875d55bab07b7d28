-- Campaigns carry their own running count so reads never need COUNT(*).
CREATE TABLE campaigns (
    id                   INTEGER PRIMARY KEY,
    slug                 TEXT    NOT NULL UNIQUE,
    title                TEXT    NOT NULL,
    body                 TEXT    NOT NULL,
    goal                 INTEGER,
    signature_count      INTEGER NOT NULL DEFAULT 0,
    fields_json          TEXT    NOT NULL DEFAULT '[]',
    consent_text         TEXT    NOT NULL,
    privacy_url          TEXT,
    share_url            TEXT,
    allow_public_names   INTEGER NOT NULL DEFAULT 0,
    languages_json       TEXT    NOT NULL DEFAULT '["en"]',
    allowed_origins_json TEXT    NOT NULL DEFAULT '[]',
    created_at           TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE signatures (
    id               INTEGER PRIMARY KEY,
    campaign_id      INTEGER NOT NULL REFERENCES campaigns (id),
    name             TEXT    NOT NULL,
    email            TEXT    NOT NULL,
    email_normalised TEXT    NOT NULL,
    fields_json      TEXT    NOT NULL DEFAULT '{}',
    public           INTEGER NOT NULL DEFAULT 0,
    locale           TEXT,
    source_url       TEXT,
    consent_text     TEXT    NOT NULL,
    consent_at       TEXT    NOT NULL,
    signed_at        TEXT    NOT NULL
);

-- The one-signature-per-email rule lives here, so concurrent posts cannot both win.
CREATE UNIQUE INDEX signatures_one_per_email ON signatures (campaign_id, email_normalised);

-- First answer per Idempotency-Key, replayed on retries.
CREATE TABLE idempotency_keys (
    campaign_id     INTEGER NOT NULL REFERENCES campaigns (id),
    key             TEXT    NOT NULL,
    request_hash    TEXT    NOT NULL,
    response_status INTEGER NOT NULL,
    response_count  INTEGER NOT NULL,
    created_at      TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (campaign_id, key)
);
