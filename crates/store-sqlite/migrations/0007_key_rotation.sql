-- Master key rotation. Each report names the master key that wraps its data key, so a rotation
-- can find what it has not re-wrapped yet; the store keeps the id of its current key and its
-- index key (follow-up digests, blind indexes) wrapped by that master key.

ALTER TABLE vault_meta ADD COLUMN key_id TEXT;
ALTER TABLE vault_meta ADD COLUMN index_key BLOB;
ALTER TABLE reports ADD COLUMN key_id TEXT;
