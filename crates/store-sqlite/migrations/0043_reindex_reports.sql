-- A report's personal items (phone, ID and account numbers, e-mail addresses) are indexed
-- whole and apart from its words from now on: as words, a reader without clearance could
-- search a masked number piece by piece. Reports indexed before are listed here for a node to
-- index again, as only a node holds the key; each row goes when its report is.

CREATE TABLE reindex_reports (
    report_id  BIGINT  PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE
);
INSERT INTO reindex_reports (report_id) SELECT id FROM reports;
