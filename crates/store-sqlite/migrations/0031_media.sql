-- Files a platform message carries, to fetch through the platform's API soon after the message
-- (their links expire): where to find them, sealed; each once per account, message and place.

CREATE TABLE media_fetches (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id           INTEGER NOT NULL REFERENCES channel_accounts (id),
    platform_message_id  TEXT    NOT NULL,
    position             INTEGER NOT NULL,
    ref_sealed           BLOB    NOT NULL,
    state                TEXT    NOT NULL,
    attempts             INTEGER NOT NULL DEFAULT 0,
    next_at              TEXT    NOT NULL,
    last_error           TEXT,
    UNIQUE (account_id, platform_message_id, position)
);
CREATE INDEX media_fetches_due ON media_fetches (state, next_at);
