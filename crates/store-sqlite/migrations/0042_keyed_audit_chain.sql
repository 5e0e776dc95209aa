-- The audit chain's hashes are keyed from now on (HMAC under a key of the index key), so that
-- whoever can write the database cannot recompute them after an edit. Entries written before
-- keep their plain hashes; the chain is keyed from the next entry on (from the first in a new
-- store).

ALTER TABLE audit_head ADD COLUMN keyed_from BIGINT NOT NULL DEFAULT 1;
UPDATE audit_head SET keyed_from = seq + 1;
