-- Notices the law requires a step to send (to the procuracy, to the reporter): drafted with the
-- step, due by a time, and recorded when and how they went out. The text is sealed under the
-- report's key.

CREATE TABLE notices (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id    INTEGER NOT NULL REFERENCES reports (id),
    kind         TEXT    NOT NULL,
    recipient    TEXT    NOT NULL,
    due_at       TEXT    NOT NULL,
    text_sealed  BLOB    NOT NULL,
    basis        TEXT    NOT NULL,
    sent_at      TEXT,
    sent_via     TEXT,
    sent_by      INTEGER REFERENCES staff (id),
    created_at   TEXT    NOT NULL
);
CREATE INDEX notices_report ON notices (report_id, id);
