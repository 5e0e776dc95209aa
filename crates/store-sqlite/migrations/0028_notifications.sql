-- Alerts outside the console: where each member wants them (channels in the order tried), the
-- outbox of notifications (one per alert, warning, digest or test, written in the alert's own
-- transaction), and each attempt on each channel with its error.

CREATE TABLE notify_addresses (
    staff_id  INTEGER NOT NULL REFERENCES staff (id),
    position  INTEGER NOT NULL,
    channel   TEXT    NOT NULL,
    address   TEXT    NOT NULL,
    PRIMARY KEY (staff_id, position)
);

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    staff_id    INTEGER NOT NULL REFERENCES staff (id),
    kind        TEXT    NOT NULL,
    report_id   INTEGER REFERENCES reports (id),
    level       INTEGER,
    due_at      TEXT,
    dedupe_key  TEXT    UNIQUE,
    created_at  TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    rounds      INTEGER NOT NULL DEFAULT 0,
    next_at     TEXT    NOT NULL,
    sent_via    TEXT,
    sent_at     TEXT
);
CREATE INDEX notifications_due ON notifications (state, next_at);
CREATE INDEX notifications_staff ON notifications (staff_id, id);

CREATE TABLE notification_attempts (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    notification_id  INTEGER NOT NULL REFERENCES notifications (id),
    channel          TEXT    NOT NULL,
    at               TEXT    NOT NULL,
    error            TEXT
);
CREATE INDEX notification_attempts_of ON notification_attempts (notification_id, id);
