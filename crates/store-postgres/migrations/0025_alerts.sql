-- Urgent reports' alert chains: one per report (the level reached and since when, and who
-- acknowledged it), and the alerts each level sent, once per member and level.

CREATE TABLE alert_chains (
    report_id        BIGINT  PRIMARY KEY REFERENCES reports (id),
    level            BIGINT  NOT NULL,
    level_at         TIMESTAMPTZ NOT NULL,
    started_at       TIMESTAMPTZ NOT NULL,
    acknowledged_at  TIMESTAMPTZ,
    acknowledged_by  BIGINT  REFERENCES staff (id)
);
CREATE INDEX alert_chains_open ON alert_chains (acknowledged_at, level_at);

CREATE TABLE alerts (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id   BIGINT  NOT NULL REFERENCES reports (id),
    level       BIGINT  NOT NULL,
    staff_id    BIGINT  NOT NULL REFERENCES staff (id),
    channel     TEXT    NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (report_id, level, staff_id)
);
CREATE INDEX alerts_staff ON alerts (staff_id, id);
