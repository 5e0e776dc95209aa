-- Notices the law requires a step to send (to the procuracy, to the reporter): drafted with the
-- step, due by a time, and recorded when and how they went out. The text is sealed under the
-- report's key.

CREATE TABLE notices (
    id           BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id    BIGINT  NOT NULL REFERENCES reports (id),
    kind         TEXT    NOT NULL,
    recipient    TEXT    NOT NULL,
    due_at       TIMESTAMPTZ   NOT NULL,
    text_sealed  BYTEA   NOT NULL,
    basis        TEXT    NOT NULL,
    sent_at      TIMESTAMPTZ,
    sent_via     TEXT,
    sent_by      BIGINT  REFERENCES staff (id),
    created_at   TIMESTAMPTZ   NOT NULL
);
CREATE INDEX notices_report ON notices (report_id, id);
