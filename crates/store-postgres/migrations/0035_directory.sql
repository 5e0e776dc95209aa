-- The public hotline directory: people, the positions they hold in units (with start and end
-- dates, so a director's move keeps the history), and the contact points units and positions
-- publish (address in canonical form: E.164, lower-case e-mail, profile address). Per
-- province, a revision counted up by every change (the feed's ETag), when it last changed,
-- and the origins allowed to frame its widget (one per line).

CREATE TABLE directory_provinces (
    province_code  INTEGER PRIMARY KEY REFERENCES provinces (code),
    revision       BIGINT  NOT NULL DEFAULT 0,
    updated_at     TIMESTAMPTZ,
    frame_origins  TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE directory_people (
    id         BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_key TEXT    NOT NULL UNIQUE,
    full_name  TEXT    NOT NULL,
    rank       TEXT
);

CREATE TABLE directory_positions (
    id             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    person_id      BIGINT  NOT NULL REFERENCES directory_people (id),
    province_code  INTEGER NOT NULL REFERENCES provinces (code),
    unit_code      TEXT    NOT NULL REFERENCES units (code),
    title          TEXT    NOT NULL,
    started_on     TEXT    NOT NULL,
    ended_on       TEXT,
    sort           BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX directory_positions_province ON directory_positions (province_code);

CREATE TABLE directory_contacts (
    id             BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    province_code  INTEGER NOT NULL REFERENCES provinces (code),
    unit_code      TEXT    NOT NULL REFERENCES units (code),
    position_id    BIGINT  REFERENCES directory_positions (id),
    label          TEXT,
    kind           TEXT    NOT NULL,
    address        TEXT    NOT NULL,
    public         BOOLEAN NOT NULL DEFAULT TRUE,
    hours          TEXT,
    verified_on    TEXT,
    channel_account_id BIGINT REFERENCES channel_accounts (id),
    sort           BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX directory_contacts_province ON directory_contacts (province_code);
CREATE INDEX directory_contacts_address ON directory_contacts (address);
