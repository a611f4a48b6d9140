-- The whole hub in Bengali (issue 17): each person's language for the UI, saved with the
-- account ('en' or 'bn'); the login page offers both.
ALTER TABLE users ADD COLUMN language VARCHAR DEFAULT 'en';
UPDATE users SET language = 'en' WHERE language IS NULL;
