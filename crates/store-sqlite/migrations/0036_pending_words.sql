-- Words on their way into the search index. A write that adds words to a report (intake, a
-- follow-up, a note) stores them here in the same transaction, as one row: the digests sorted,
-- each after a byte giving its length. The indexer moves them into report_words in batches
-- sorted by digest, and a search first moves whatever was queued before it began. The intake
-- transaction so writes one row per report instead of one per word, while a crash loses none.

CREATE TABLE pending_words (
    id         INTEGER PRIMARY KEY,
    report_id  INTEGER NOT NULL REFERENCES reports (id),
    digests    BLOB    NOT NULL
);
-- A purge removes a report's queued words with it.
CREATE INDEX pending_words_report ON pending_words (report_id);
