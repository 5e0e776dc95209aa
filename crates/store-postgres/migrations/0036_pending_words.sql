-- Words on their way into the search index. A write that adds words to a report (intake, a
-- follow-up, a note) stores them here as one row, each digest after a byte giving its length,
-- in its own transaction; the indexer moves them into report_words in large batches sorted by
-- digest, and a search first indexes whatever is still here. The intake transaction so writes
-- one row per report instead of one per word, while a crash loses none of them.

CREATE TABLE pending_words (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id  BIGINT  NOT NULL REFERENCES reports (id),
    digests    BYTEA   NOT NULL
);
