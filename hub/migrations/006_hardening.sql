-- Hardening after an outside probe (issue 12).

-- A citizen's follow-up in the same thread about another department opens its own ticket,
-- linked to the ticket it followed (which keeps its department's routing).
ALTER TABLE tickets ADD COLUMN related_ticket_id BIGINT;

-- Refused webhook deliveries, counted per source, reason and minute in one row each, so a
-- flood of refused POSTs writes one row a minute per source, not one per request.
CREATE TABLE webhook_refusal_counts (
    minute TIMESTAMPTZ NOT NULL,
    route VARCHAR NOT NULL,
    remote VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    refusals INTEGER NOT NULL,
    -- The bytes the refused deliveries declared or sent, together.
    body_bytes BIGINT NOT NULL,
    last_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (minute, route, remote, reason)
);
INSERT INTO webhook_refusal_counts
SELECT date_trunc('minute', received_at), route, coalesce(remote, 'unknown'), reason,
       count(*), sum(body_bytes), max(received_at)
FROM webhook_refusals GROUP BY ALL;
DROP TABLE webhook_refusals;
DROP SEQUENCE webhook_refusals_id_seq;

-- Bidirectional control characters in stored citizens' text and names become visible tags
-- (hub/text.py does the same to everything stored from now on).
UPDATE interactions SET
    text = replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        text, chr(8234), '[LRE]'), chr(8235), '[RLE]'), chr(8236), '[PDF]'),
        chr(8237), '[LRO]'), chr(8238), '[RLO]'), chr(8294), '[LRI]'), chr(8295), '[RLI]'),
        chr(8296), '[FSI]'), chr(8297), '[PDI]'), chr(1564), '[ALM]'),
    author_name = replace(replace(replace(replace(replace(replace(replace(replace(replace(
        replace(author_name, chr(8234), '[LRE]'), chr(8235), '[RLE]'), chr(8236), '[PDF]'),
        chr(8237), '[LRO]'), chr(8238), '[RLO]'), chr(8294), '[LRI]'), chr(8295), '[RLI]'),
        chr(8296), '[FSI]'), chr(8297), '[PDI]'), chr(1564), '[ALM]')
WHERE regexp_matches(text || author_name, '[\x{202a}-\x{202e}\x{2066}-\x{2069}\x{061c}]');
