-- Reveals that need a second person: a member with clearance asks, with a reason; another
-- approves; the one who asked then sees the identity once.

CREATE TABLE reveal_requests (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    report_id     INTEGER NOT NULL REFERENCES reports (id),
    requested_by  INTEGER NOT NULL REFERENCES staff (id),
    reason        TEXT    NOT NULL,
    requested_at  TEXT    NOT NULL,
    approved_by   INTEGER REFERENCES staff (id),
    approved_at   TEXT,
    used_at       TEXT
);
CREATE INDEX reveal_requests_report ON reveal_requests (report_id, id);
