-- Campaign text per language; each column optional (falls back to the campaign's own).
CREATE TABLE campaign_translations (
    campaign_id  INTEGER NOT NULL REFERENCES campaigns (id),
    lang         TEXT    NOT NULL,
    title        TEXT,
    body         TEXT,
    consent_text TEXT,
    PRIMARY KEY (campaign_id, lang)
);
