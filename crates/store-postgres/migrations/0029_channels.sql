-- Platform accounts (a province's WhatsApp number, its Facebook page…) with their credentials
-- sealed; the journal of raw deliveries, sealed, kept until processed; and, on reports, the
-- blind index of the platform sender they came from (to thread later messages into them) and
-- where answers go, sealed under the report's key; on messages we send, where sending stands
-- (attempts, the next, the platform's last error).

CREATE TABLE channel_accounts (
    id              BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform        TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    unit_code       TEXT    NOT NULL REFERENCES units (code),
    secrets_sealed  BYTEA   NOT NULL,
    api_base        TEXT    NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    disabled_at     TIMESTAMPTZ,
    UNIQUE (platform, name)
);

CREATE TABLE deliveries (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id    BIGINT  NOT NULL REFERENCES channel_accounts (id),
    received_at   TIMESTAMPTZ NOT NULL,
    body_sealed   BYTEA,
    state         TEXT    NOT NULL,
    attempts      BIGINT  NOT NULL DEFAULT 0,
    next_at       TIMESTAMPTZ NOT NULL,
    last_error    TEXT,
    messages      BIGINT  NOT NULL DEFAULT 0,
    ignored       BIGINT  NOT NULL DEFAULT 0,
    processed_at  TIMESTAMPTZ
);
CREATE INDEX deliveries_due ON deliveries (state, next_at);
CREATE INDEX deliveries_account ON deliveries (account_id, id);

ALTER TABLE reports ADD COLUMN sender_index BYTEA;
ALTER TABLE reports ADD COLUMN reply_sealed BYTEA;
CREATE INDEX reports_sender ON reports (sender_index);

ALTER TABLE messages ADD COLUMN send_attempts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN send_next_at TIMESTAMPTZ;
ALTER TABLE messages ADD COLUMN send_error TEXT;
