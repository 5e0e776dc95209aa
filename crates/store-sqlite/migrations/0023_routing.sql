-- The routing table (LEGAL-VN.md §2): which unit's inbox a new report lands in, by version
-- (effective date, 'YYYY-MM-DD' in Vietnam; the first version is dated 0001-01-01 and covers
-- everything before the next), province (NULL: every province), legal scope, topic (NULL: any)
-- and target ('commune_police', 'department:pc04', 'unit:22-pc02', ...). Seeded with the
-- defaults on first start; every change is audited.

CREATE TABLE routing_rules (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    effective_from  TEXT    NOT NULL,
    province_code   INTEGER REFERENCES provinces (code),
    legal_scope     TEXT    NOT NULL,
    topic           TEXT,
    target          TEXT    NOT NULL,
    changed_by      INTEGER REFERENCES staff (id),
    changed_at      TEXT    NOT NULL
);
CREATE UNIQUE INDEX routing_rules_key
    ON routing_rules (effective_from, COALESCE(province_code, 0), legal_scope, COALESCE(topic, ''));
