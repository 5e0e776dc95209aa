-- The address details a reporter gives can point at them: sealed like the text from now on.

ALTER TABLE reports ADD COLUMN address_sealed BLOB;
