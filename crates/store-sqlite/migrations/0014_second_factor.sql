-- The second factor: each member's TOTP secret, sealed under the store's key; a secret being
-- enrolled; the last time step a code was taken for (each code is taken once); single-use
-- recovery codes, kept as digests. A session made by the password alone waits for the second
-- factor, and a session unused for a while ends.

ALTER TABLE staff ADD COLUMN totp_sealed BLOB;
ALTER TABLE staff ADD COLUMN totp_pending_sealed BLOB;
ALTER TABLE staff ADD COLUMN totp_last_step INTEGER;
ALTER TABLE sessions ADD COLUMN second_factor_pending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;
UPDATE sessions SET last_seen_at = created_at;

CREATE TABLE recovery_codes (
    staff_id  INTEGER NOT NULL REFERENCES staff (id),
    digest    TEXT NOT NULL,
    used_at   TEXT,
    PRIMARY KEY (staff_id, digest)
);
