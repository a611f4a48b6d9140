-- Two indexes no query uses: DuckDB scans an index only for a filter on a single indexed
-- column, so a filter on (platform, thread_id) and the ORDER BY created_at of the triage
-- job both read the table (EXPLAIN shows a sequential scan with either index present).
-- Each still cost a write per stored interaction and a rewrite at every checkpoint.
DROP INDEX interactions_thread;
DROP INDEX interactions_created;
