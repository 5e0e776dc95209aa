-- What several nodes on one database agree on through it (issue 27).

-- Which node runs a job or reads an account now: held until `until_ms` (milliseconds since
-- the epoch), renewed by its holder while it works, taken over by another once it lapses.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until_ms BIGINT NOT NULL
);

-- Per-client allowances shared by every node (the generic cell rate algorithm): when each
-- client's allowance is full again. `subject` is a keyed digest, never an address.
CREATE TABLE allowances (
    subject TEXT PRIMARY KEY,
    full_at_ms BIGINT NOT NULL
);
CREATE INDEX allowances_full_at ON allowances (full_at_ms);

-- Failed sign-in and second-factor attempts per account and per address, shared by every
-- node; `subject` is a keyed digest. Each further attempt past the free ones waits, doubling,
-- from `last_ms`.
CREATE TABLE attempts (
    subject TEXT PRIMARY KEY,
    count BIGINT NOT NULL,
    last_ms BIGINT NOT NULL
);
CREATE INDEX attempts_last ON attempts (last_ms);
