-- Statistics (issue 29). One row of metadata per report, with no content and no identity, that
-- outlives the report's purge so past periods keep their figures; and the rollups every figure
-- is read from, per unit (its own reports and those of the units below it), day and month, kept
-- current from the events' log by `Statistics::roll_up_statistics`.

CREATE TABLE stats_facts (
    id                BIGINT  PRIMARY KEY,
    day               TEXT    NOT NULL,
    received_at       TIMESTAMPTZ NOT NULL,
    unit_code         TEXT    NOT NULL,
    origin_unit_code  TEXT    NOT NULL,
    channel           TEXT    NOT NULL,
    legal_type        TEXT,
    topic             TEXT,
    urgency           TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    stage             TEXT    NOT NULL,
    outcome           TEXT,
    commune_code      INTEGER,
    police_conduct    BOOLEAN NOT NULL,
    accused_unit_code TEXT,
    head_settles      BOOLEAN NOT NULL,
    merged            BOOLEAN NOT NULL,
    accepted          BOOLEAN NOT NULL,
    acknowledged_at   TIMESTAMPTZ,
    first_answer_at   TIMESTAMPTZ,
    classified_at     TIMESTAMPTZ,
    decided_at        TIMESTAMPTZ,
    due_at            TIMESTAMPTZ,
    limit_rule        TEXT
);
CREATE INDEX stats_facts_conduct ON stats_facts (police_conduct, day);
CREATE INDEX stats_facts_accused ON stats_facts (accused_unit_code, day);

CREATE TABLE stats_cells (
    unit_code  TEXT NOT NULL,
    -- `dYYYY-MM-DD` for a day, `mYYYY-MM` for a month.
    period     TEXT NOT NULL,
    dim        TEXT NOT NULL,
    value      TEXT NOT NULL,
    tally      TEXT NOT NULL,
    PRIMARY KEY (unit_code, dim, period, value)
);
CREATE INDEX stats_cells_period ON stats_cells (unit_code, period);

-- How far the events' log has been read into the rollups.
CREATE TABLE stats_mark (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    last_event_id  BIGINT  NOT NULL
);
INSERT INTO stats_mark (id, last_event_id) VALUES (1, 0);

-- The time limit in force when each step was taken: a step that settles a report ends its
-- limit, and "decided within the limit" is measured against the one it ended.
ALTER TABLE procedure_steps ADD COLUMN limit_due_at TIMESTAMPTZ;
ALTER TABLE procedure_steps ADD COLUMN limit_rule TEXT;

-- The public account of a finished month, computed once and never changed: figures that
-- moved from one day to the next would tell the difference of a day.
CREATE TABLE public_accounts (
    province_code  INTEGER NOT NULL,
    month          TEXT    NOT NULL,
    account        TEXT    NOT NULL,
    published_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (province_code, month)
);

-- When each event's row was written, by the database's clock: the roll-up's mark moves only
-- past events written long enough ago that no transaction still open holds a lower number.
ALTER TABLE events ADD COLUMN logged_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp();
