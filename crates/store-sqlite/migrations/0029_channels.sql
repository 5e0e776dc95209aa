-- Platform accounts (a province's WhatsApp number, its Facebook page…) with their credentials
-- sealed; the journal of raw deliveries, sealed, kept until processed; and, on reports, the
-- blind index of the platform sender they came from (to thread later messages into them) and
-- where answers go, sealed under the report's key; on messages we send, where sending stands
-- (attempts, the next, the platform's last error).

CREATE TABLE channel_accounts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    platform        TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    unit_code       TEXT    NOT NULL REFERENCES units (code),
    secrets_sealed  BLOB    NOT NULL,
    api_base        TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    disabled_at     TEXT,
    UNIQUE (platform, name)
);

CREATE TABLE deliveries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id    INTEGER NOT NULL REFERENCES channel_accounts (id),
    received_at   TEXT    NOT NULL,
    body_sealed   BLOB,
    state         TEXT    NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       TEXT    NOT NULL,
    last_error    TEXT,
    messages      INTEGER NOT NULL DEFAULT 0,
    ignored       INTEGER NOT NULL DEFAULT 0,
    processed_at  TEXT
);
CREATE INDEX deliveries_due ON deliveries (state, next_at);
CREATE INDEX deliveries_account ON deliveries (account_id, id);

ALTER TABLE reports ADD COLUMN sender_index BLOB;
ALTER TABLE reports ADD COLUMN reply_sealed BLOB;
CREATE INDEX reports_sender ON reports (sender_index);

ALTER TABLE messages ADD COLUMN send_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN send_next_at TEXT;
ALTER TABLE messages ADD COLUMN send_error TEXT;
