-- Sentences the hub writes, kept as catalogue sentences (hub.i18n.message_to_json) beside
-- their English, so the ticket page shows them in the reader's language (issue 17):
-- why a ticket went where it went, and the notes the hub writes in a ticket's history.
-- The English columns stay what the log, the board's search and the exports read; rows
-- written before this have only the English.
ALTER TABLE tickets ADD COLUMN routing_reasons VARCHAR;
ALTER TABLE ticket_events ADD COLUMN note_sentence VARCHAR;
