-- Reveals that need a second person: a member with clearance asks, with a reason; another
-- approves; the one who asked then sees the identity once.

CREATE TABLE reveal_requests (
    id            BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id     BIGINT      NOT NULL REFERENCES reports (id),
    requested_by  BIGINT      NOT NULL REFERENCES staff (id),
    reason        TEXT        NOT NULL,
    requested_at  TIMESTAMPTZ NOT NULL,
    approved_by   BIGINT      REFERENCES staff (id),
    approved_at   TIMESTAMPTZ,
    used_at       TIMESTAMPTZ
);
CREATE INDEX reveal_requests_report ON reveal_requests (report_id, id);
