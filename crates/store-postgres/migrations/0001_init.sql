-- The first schema: places, units, staff, reporters' contacts, reports, messages, attachments,
-- notes and the append-only event log. Timestamps are UTC.

CREATE TABLE provinces (
    code         INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    short_name   TEXT    NOT NULL,
    case_prefix  TEXT    NOT NULL UNIQUE
);

CREATE TABLE communes (
    code           INTEGER PRIMARY KEY,
    province_code  INTEGER NOT NULL REFERENCES provinces (code),
    name           TEXT    NOT NULL,
    division_type  TEXT    NOT NULL
);
CREATE INDEX communes_province ON communes (province_code);

CREATE TABLE units (
    code           TEXT    PRIMARY KEY,
    name           TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('ministry', 'provincial_police', 'department', 'commune_police')),
    parent_code    TEXT    REFERENCES units (code),
    path           TEXT    NOT NULL UNIQUE,
    province_code  INTEGER REFERENCES provinces (code),
    commune_code   INTEGER REFERENCES communes (code),
    case_prefix    TEXT    NOT NULL CHECK (length(case_prefix) BETWEEN 2 AND 4)
);
CREATE INDEX units_commune ON units (commune_code);

CREATE TABLE staff (
    id             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username       TEXT    NOT NULL UNIQUE,
    display_name   TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,
    role           TEXT    NOT NULL,
    unit_code      TEXT    NOT NULL REFERENCES units (code),
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMPTZ    NOT NULL
);

CREATE TABLE sessions (
    digest      TEXT    PRIMARY KEY,
    staff_id    BIGINT  NOT NULL REFERENCES staff (id),
    created_at  TIMESTAMPTZ    NOT NULL,
    expires_at  TIMESTAMPTZ    NOT NULL
);
CREATE INDEX sessions_staff ON sessions (staff_id);

CREATE TABLE api_tokens (
    digest      TEXT    PRIMARY KEY,
    staff_id    BIGINT  NOT NULL REFERENCES staff (id),
    label       TEXT    NOT NULL,
    created_at  TIMESTAMPTZ    NOT NULL,
    revoked_at  TIMESTAMPTZ
);

-- The reporter's identity lives apart from the report so that it can be sealed and revealed
-- on its own terms.
CREATE TABLE contacts (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT,
    phone_e164  TEXT,
    email       TEXT,
    created_at  TIMESTAMPTZ    NOT NULL
);

-- One row per case-number prefix and year; incremented inside the intake transaction, so
-- numbers are assigned without races or gaps.
CREATE TABLE case_counters (
    prefix         TEXT    NOT NULL,
    year           INTEGER NOT NULL,
    last_sequence  BIGINT  NOT NULL,
    PRIMARY KEY (prefix, year)
);

CREATE TABLE reports (
    id                BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_number       TEXT    NOT NULL UNIQUE,
    follow_up_digest  TEXT    NOT NULL UNIQUE,
    channel           TEXT    NOT NULL,
    legal_type        TEXT,
    topic             TEXT,
    urgency           TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    unit_code         TEXT    NOT NULL REFERENCES units (code),
    assignee_id       BIGINT  REFERENCES staff (id),
    contact_id        BIGINT  REFERENCES contacts (id),
    anonymous         BOOLEAN NOT NULL,
    province_code     INTEGER REFERENCES provinces (code),
    commune_code      INTEGER REFERENCES communes (code),
    address           TEXT,
    summary           TEXT    NOT NULL,
    created_at        TIMESTAMPTZ    NOT NULL,
    updated_at        TIMESTAMPTZ    NOT NULL
);
CREATE INDEX reports_newest ON reports (created_at DESC, id DESC);
CREATE INDEX reports_unit_newest ON reports (unit_code, created_at DESC, id DESC);

CREATE TABLE messages (
    id                   BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id            BIGINT  NOT NULL REFERENCES reports (id),
    direction            TEXT    NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    channel              TEXT    NOT NULL,
    account              TEXT    NOT NULL DEFAULT '',
    platform_message_id  TEXT,
    body                 TEXT    NOT NULL,
    author_id            BIGINT  REFERENCES staff (id),
    created_at           TIMESTAMPTZ    NOT NULL
);
CREATE INDEX messages_report ON messages (report_id, id);
CREATE UNIQUE INDEX messages_platform_id ON messages (channel, account, platform_message_id);

CREATE TABLE attachments (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id     BIGINT  NOT NULL REFERENCES reports (id),
    message_id    BIGINT  REFERENCES messages (id),
    file_name     TEXT    NOT NULL,
    content_type  TEXT    NOT NULL,
    size_bytes    BIGINT  NOT NULL,
    sha256        TEXT    NOT NULL,
    storage_key   TEXT    NOT NULL,
    created_at    TIMESTAMPTZ    NOT NULL
);
CREATE INDEX attachments_report ON attachments (report_id);

CREATE TABLE notes (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id   BIGINT  NOT NULL REFERENCES reports (id),
    author_id   BIGINT  NOT NULL REFERENCES staff (id),
    body        TEXT    NOT NULL,
    created_at  TIMESTAMPTZ    NOT NULL
);
CREATE INDEX notes_report ON notes (report_id, id);

-- What happened to a report and who did it. Rows are only ever added.
CREATE TABLE events (
    id          BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id   BIGINT  REFERENCES reports (id),
    actor_id    BIGINT  REFERENCES staff (id),
    kind        TEXT    NOT NULL,
    detail      TEXT    NOT NULL,
    created_at  TIMESTAMPTZ    NOT NULL
);
CREATE INDEX events_report ON events (report_id, id);

CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only';
END;
$$;
CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
FOR EACH ROW EXECUTE FUNCTION events_append_only();
