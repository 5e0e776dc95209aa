-- Where each report stands in its legal procedure, the clock's extensions and suspensions, and
-- the steps taken with what each recorded (decision number, date, signer, sealed grounds).

ALTER TABLE reports ADD COLUMN stage TEXT NOT NULL DEFAULT 'received';
ALTER TABLE reports ADD COLUMN extensions BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN suspended_days BIGINT NOT NULL DEFAULT 0;
ALTER TABLE reports ADD COLUMN suspended_since TIMESTAMPTZ;
ALTER TABLE reports ADD COLUMN clock_start TIMESTAMPTZ;

CREATE TABLE procedure_steps (
    id             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id      BIGINT  NOT NULL REFERENCES reports (id),
    action         TEXT    NOT NULL,
    from_stage     TEXT    NOT NULL,
    to_stage       TEXT    NOT NULL,
    number         TEXT,
    decided_on     TEXT,
    signer         TEXT,
    grounds_sealed BYTEA   NOT NULL,
    actor_id       BIGINT  NOT NULL REFERENCES staff (id),
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX procedure_steps_report ON procedure_steps (report_id, id);
