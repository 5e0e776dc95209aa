-- The duty roster (lịch trực): weekly patterns of shifts per unit and officer (start as 'HH:MM'
-- in Vietnam, length in minutes, days as bits Monday = 1 .. Sunday = 64, first and last day
-- 'YYYY-MM-DD'), single occurrences cancelled, and one-off shifts. A pattern is ended, never
-- deleted, so the roster of any past day can be read again.

CREATE TABLE duty_patterns (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_code    TEXT    NOT NULL REFERENCES units (code),
    staff_id     INTEGER NOT NULL REFERENCES staff (id),
    weekdays     INTEGER NOT NULL,
    starts       TEXT    NOT NULL,
    minutes      INTEGER NOT NULL,
    valid_from   TEXT    NOT NULL,
    valid_until  TEXT,
    created_by   INTEGER NOT NULL REFERENCES staff (id),
    created_at   TEXT    NOT NULL
);
CREATE INDEX duty_patterns_unit ON duty_patterns (unit_code);

CREATE TABLE duty_cancellations (
    pattern_id   INTEGER NOT NULL REFERENCES duty_patterns (id),
    on_day       TEXT    NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES staff (id),
    created_at   TEXT    NOT NULL,
    PRIMARY KEY (pattern_id, on_day)
);

CREATE TABLE duty_shifts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_code    TEXT    NOT NULL REFERENCES units (code),
    staff_id     INTEGER NOT NULL REFERENCES staff (id),
    starts_at    TEXT    NOT NULL,
    ends_at      TEXT    NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES staff (id),
    created_at   TEXT    NOT NULL
);
CREATE INDEX duty_shifts_unit ON duty_shifts (unit_code, starts_at);
