-- Which master key this store's data is bound to: a check value derived from the key, never the
-- key itself. A server started with another key refuses to run.

CREATE TABLE vault_meta (
    id         INTEGER     PRIMARY KEY CHECK (id = 1),
    key_check  BYTEA       NOT NULL,
    bound_at   TIMESTAMPTZ NOT NULL
);
