-- Roles that see identities, read every unit's reveal log or administer are given only when a
-- second administrator approves (issue 25): one rogue administrator cannot mint the two cleared
-- accounts a four-eyes reveal needs. A grant waits here until approved, refused or expired. No
-- password waits with it: the approval gives the member a first password of its own, which the
-- approver hands over and the member changes at once.

CREATE TABLE staff_grants (
    id             BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username       TEXT    NOT NULL,
    staff_id       BIGINT  REFERENCES staff (id),
    display_name   TEXT    NOT NULL,
    role           TEXT    NOT NULL,
    unit_code      TEXT    NOT NULL REFERENCES units (code),
    disabled       BOOLEAN NOT NULL,
    requested_by   BIGINT  NOT NULL REFERENCES staff (id),
    requested_at   TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL,
    decided_by     BIGINT  REFERENCES staff (id),
    decided_at     TIMESTAMPTZ,
    approved       BOOLEAN NOT NULL DEFAULT FALSE
);
-- One grant waits per username, on every node: a lapsed one is closed before another is asked.
CREATE UNIQUE INDEX staff_grants_open ON staff_grants (username) WHERE decided_at IS NULL;
