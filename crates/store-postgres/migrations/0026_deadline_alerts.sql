-- Warnings about time limits: one per report, kind ('approaching', 'passed'), the limit's due
-- time (a new limit warns again) and member.

CREATE TABLE deadline_alerts (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id   BIGINT  NOT NULL REFERENCES reports (id),
    kind        TEXT    NOT NULL,
    due_at      TIMESTAMPTZ NOT NULL,
    staff_id    BIGINT  NOT NULL REFERENCES staff (id),
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (report_id, kind, due_at, staff_id)
);
CREATE INDEX deadline_alerts_staff ON deadline_alerts (staff_id, id);
