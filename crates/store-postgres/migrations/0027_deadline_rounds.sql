-- Each warning round about a report's time limit (kind and limit), recorded even when nobody
-- could be warned, so that a report with nobody to warn is not looked at again every pass.

CREATE TABLE deadline_rounds (
    report_id   BIGINT  NOT NULL REFERENCES reports (id),
    kind        TEXT    NOT NULL,
    due_at      TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (report_id, kind, due_at)
);
INSERT INTO deadline_rounds (report_id, kind, due_at, created_at)
    SELECT report_id, kind, due_at, MIN(created_at) FROM deadline_alerts
    GROUP BY report_id, kind, due_at;
