-- Personal data (issue 18): an interaction whose citizen asked for erasure keeps its place
-- (the figures) and loses what is personal; this marks it, so that a later pull that still
-- sees the comment on the platform does not write the text back.
ALTER TABLE interactions ADD COLUMN erased_at TIMESTAMPTZ;
