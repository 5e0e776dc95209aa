-- What a reveal request asks to see (issue 25): the reporter's identity (`identity`), one
-- masked item of a message (`item:<message>:<n>`), or the reports a contact search links
-- (`search:<digest>`). An approval opens only the target it names; requests made before this
-- column asked for an identity or an item and expire within a day, so `identity` is safe.
ALTER TABLE reveal_requests ADD COLUMN target TEXT NOT NULL DEFAULT 'identity';
