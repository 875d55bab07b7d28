-- Field labels and option labels per language (the console's translations page):
-- {"KEY": {"label": "…", "options": {"VALUE": "…"}}}; NULL when none is translated.
ALTER TABLE campaign_translations ADD COLUMN fields_json TEXT;
