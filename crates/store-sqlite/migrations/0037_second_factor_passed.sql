-- Whether a session was opened by a second factor. A role that needs one (it may see
-- identities, or it administers) is served only by such a session, whatever the role was
-- when the session began: a member promoted while signed in signs in again.
ALTER TABLE sessions ADD COLUMN second_factor_passed INTEGER NOT NULL DEFAULT 0;
