-- A member whose password someone else chose (an administrator, at creation or by a grant)
-- changes it at their next sign-in before the console serves them anything: no administrator
-- keeps a password that opens another member's account. Accounts made before this column are
-- taken as their owners' (nothing says otherwise); `hotline user add` is the operator's own.
ALTER TABLE staff ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
