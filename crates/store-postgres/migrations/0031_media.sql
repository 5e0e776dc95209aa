-- Files a platform message carries, to fetch through the platform's API soon after the message
-- (their links expire): where to find them, sealed; each once per account, message and place.

CREATE TABLE media_fetches (
    id                   BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id           BIGINT  NOT NULL REFERENCES channel_accounts (id),
    platform_message_id  TEXT    NOT NULL,
    position             BIGINT  NOT NULL,
    ref_sealed           BYTEA   NOT NULL,
    state                TEXT    NOT NULL,
    attempts             BIGINT  NOT NULL DEFAULT 0,
    next_at              TIMESTAMPTZ   NOT NULL,
    last_error           TEXT,
    UNIQUE (account_id, platform_message_id, position)
);
CREATE INDEX media_fetches_due ON media_fetches (state, next_at);
