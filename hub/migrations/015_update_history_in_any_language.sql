-- The notes the hub writes in an update's history (approved with its times, rescheduled,
-- published, returned to IT...) kept as catalogue sentences (hub.i18n.message_to_json) beside
-- their English, so an officer reads them in their language, as ticket histories already are
-- (migration 014). Rows written before this, and people's own notes, have only the English.
ALTER TABLE update_events ADD COLUMN note_sentence VARCHAR;
