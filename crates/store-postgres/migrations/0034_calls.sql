-- Calls to the hotline's line, as the PBX reports them (generic CTI events): each with the
-- caller's number sealed under the report's key (and its blind index, to find their reports),
-- when it rang, was answered (and by whom) and ended, how it ended, and the report it is on.
-- A call nobody answered waits on the callback queue until someone calls back and records
-- how it went.

CREATE TABLE calls (
    id                BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id        BIGINT  NOT NULL REFERENCES channel_accounts (id),
    call_id           TEXT    NOT NULL,
    direction         TEXT    NOT NULL,
    caller_index      BYTEA,
    report_id         BIGINT  REFERENCES reports (id),
    started_at        TIMESTAMPTZ NOT NULL,
    answered_at       TIMESTAMPTZ,
    answered_by       TEXT,
    ended_at          TIMESTAMPTZ,
    cause             TEXT,
    callback          TEXT    NOT NULL DEFAULT 'none',
    callback_attempts BIGINT  NOT NULL DEFAULT 0,
    callback_outcome  TEXT,
    callback_by       BIGINT  REFERENCES staff (id),
    callback_at       TIMESTAMPTZ,
    UNIQUE (account_id, call_id)
);
CREATE INDEX calls_callback ON calls (callback, ended_at);
CREATE INDEX calls_ringing ON calls (ended_at, started_at);
