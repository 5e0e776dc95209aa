-- Alerts outside the console: where each member wants them (channels in the order tried), the
-- outbox of notifications (one per alert, warning, digest or test, written in the alert's own
-- transaction), and each attempt on each channel with its error.

CREATE TABLE notify_addresses (
    staff_id  BIGINT  NOT NULL REFERENCES staff (id),
    position  BIGINT  NOT NULL,
    channel   TEXT    NOT NULL,
    address   TEXT    NOT NULL,
    PRIMARY KEY (staff_id, position)
);

CREATE TABLE notifications (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    staff_id    BIGINT  NOT NULL REFERENCES staff (id),
    kind        TEXT    NOT NULL,
    report_id   BIGINT  REFERENCES reports (id),
    level       BIGINT,
    due_at      TIMESTAMPTZ,
    dedupe_key  TEXT    UNIQUE,
    created_at  TIMESTAMPTZ    NOT NULL,
    state       TEXT    NOT NULL,
    rounds      BIGINT  NOT NULL DEFAULT 0,
    next_at     TIMESTAMPTZ    NOT NULL,
    sent_via    TEXT,
    sent_at     TIMESTAMPTZ
);
CREATE INDEX notifications_due ON notifications (state, next_at);
CREATE INDEX notifications_staff ON notifications (staff_id, id);

CREATE TABLE notification_attempts (
    id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notification_id  BIGINT  NOT NULL REFERENCES notifications (id),
    channel          TEXT    NOT NULL,
    at               TIMESTAMPTZ    NOT NULL,
    error            TEXT
);
CREATE INDEX notification_attempts_of ON notification_attempts (notification_id, id);
