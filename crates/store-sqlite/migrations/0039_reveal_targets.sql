-- What a reveal request asks to see (issue 25): the reporter's identity (`identity`), one
-- masked item of a message (`item:<message>:<n>`), or the reports a contact search links
-- (`search:<digest>`). An approval opens only the target it names. Requests made before this
-- column asked for an identity or an item, no one can tell which: they become `unbound`, which
-- no reveal takes, and their askers ask again.
ALTER TABLE reveal_requests ADD COLUMN target TEXT NOT NULL DEFAULT 'unbound';
