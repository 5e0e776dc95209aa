-- Personal-data breaches (R26; NĐ 13/2023 Art. 23): what happened, when it became known (the
-- 72 hours to tell the authority run from then), who was told and when, and how it was closed.
-- No personal data goes in: the core refuses a text the masker finds a phone, e-mail or ID in.

CREATE TABLE breaches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_code TEXT NOT NULL REFERENCES units (code),
    description TEXT NOT NULL,
    data_kinds TEXT NOT NULL,
    affected INTEGER,
    occurred_at TEXT,
    detected_at TEXT NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES staff (id),
    recorded_at TEXT NOT NULL,
    remedies TEXT,
    closed_by INTEGER REFERENCES staff (id),
    closed_at TEXT
);

CREATE TABLE breach_notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    breach_id INTEGER NOT NULL REFERENCES breaches (id),
    recipient TEXT NOT NULL,
    told_at TEXT NOT NULL,
    reference TEXT NOT NULL,
    late_reason TEXT,
    recorded_by INTEGER NOT NULL REFERENCES staff (id),
    recorded_at TEXT NOT NULL
);

CREATE INDEX breach_notices_by_breach ON breach_notices (breach_id, told_at);
