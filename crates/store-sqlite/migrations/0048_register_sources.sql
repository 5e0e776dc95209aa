-- The receipt register lists where each report came from as the law lists sources (R2: a
-- person, a letter by post, the 113 line, the mass media, another body, a surrender or
-- confession; BLTTHS Art. 144, 145, 152), and the receiving officer's rank and post on the day
-- (a member's rank and post are kept with the account). Lines written before say "a person".

ALTER TABLE register_entries ADD COLUMN source TEXT NOT NULL DEFAULT 'person';
ALTER TABLE register_entries ADD COLUMN officer_rank TEXT;
ALTER TABLE register_entries ADD COLUMN officer_post TEXT;
ALTER TABLE staff ADD COLUMN rank TEXT;
ALTER TABLE staff ADD COLUMN post TEXT;
