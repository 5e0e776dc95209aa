-- Reporters' identities are sealed: each report's data key, wrapped by the master key, and the
-- contact as ciphertext with a blind index of the phone number for matching. The plaintext
-- columns of 0001 are no longer written.

ALTER TABLE reports ADD COLUMN wrapped_key BLOB;
ALTER TABLE contacts ADD COLUMN sealed BLOB;
ALTER TABLE contacts ADD COLUMN phone_index BLOB;
CREATE INDEX contacts_phone_index ON contacts (phone_index);
