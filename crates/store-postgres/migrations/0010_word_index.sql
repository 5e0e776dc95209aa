-- Search over sealed text: each report's distinct words as keyed hashes (a blind index). The
-- words themselves are never stored.

CREATE TABLE report_words (
    digest     BYTEA   NOT NULL,
    report_id  BIGINT  NOT NULL REFERENCES reports (id),
    PRIMARY KEY (digest, report_id)
);
CREATE INDEX report_words_report ON report_words (report_id);
