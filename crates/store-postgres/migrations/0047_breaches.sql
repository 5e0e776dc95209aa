-- Personal-data breaches (R26; NĐ 13/2023 Art. 23): what happened, when it became known (the
-- 72 hours to tell the authority run from then), who was told and when, and how it was closed.
-- No personal data goes in: the core refuses a text the masker finds a phone, e-mail or ID in.

CREATE TABLE breaches (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    unit_code TEXT NOT NULL REFERENCES units (code),
    description TEXT NOT NULL,
    data_kinds TEXT NOT NULL,
    affected BIGINT,
    occurred_at TIMESTAMPTZ,
    detected_at TIMESTAMPTZ NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES staff (id),
    recorded_at TIMESTAMPTZ NOT NULL,
    remedies TEXT,
    closed_by BIGINT REFERENCES staff (id),
    closed_at TIMESTAMPTZ
);

CREATE TABLE breach_notices (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    breach_id BIGINT NOT NULL REFERENCES breaches (id),
    recipient TEXT NOT NULL,
    told_at TIMESTAMPTZ NOT NULL,
    reference TEXT NOT NULL,
    late_reason TEXT,
    recorded_by BIGINT NOT NULL REFERENCES staff (id),
    recorded_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX breach_notices_by_breach ON breach_notices (breach_id, told_at);
