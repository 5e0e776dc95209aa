-- The second factor: each member's TOTP secret, sealed under the store's key; a secret being
-- enrolled; the last time step a code was taken for (each code is taken once); single-use
-- recovery codes, kept as digests. A session made by the password alone waits for the second
-- factor, and a session unused for a while ends.

ALTER TABLE staff ADD COLUMN totp_sealed BYTEA;
ALTER TABLE staff ADD COLUMN totp_pending_sealed BYTEA;
ALTER TABLE staff ADD COLUMN totp_last_step BIGINT;
ALTER TABLE sessions ADD COLUMN second_factor_pending BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMPTZ;
UPDATE sessions SET last_seen_at = created_at;

CREATE TABLE recovery_codes (
    staff_id  BIGINT NOT NULL REFERENCES staff (id),
    digest    TEXT NOT NULL,
    used_at   TIMESTAMPTZ,
    PRIMARY KEY (staff_id, digest)
);
