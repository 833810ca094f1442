-- Pilots, their audit trail and API tokens.
-- Times are INTEGER nanoseconds since the Unix epoch (UTC): exact, and they
-- sort as numbers. NULL stands for a zero time.

CREATE TABLE pilots (
    id          TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    spec_json   TEXT    NOT NULL,          -- pilots.Spec as JSON
    source      BLOB,                      -- the HCL exactly as submitted
    source_hash TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER,
    updated_at  INTEGER,
    created_by  TEXT    NOT NULL DEFAULT ''
);

-- A name is unique among pilots that are not withdrawn; a withdrawn pilot
-- frees its name for a new submission.
CREATE UNIQUE INDEX pilots_live_name ON pilots (name) WHERE status <> 'withdrawn';
-- Lookup by name returns the newest pilot of that name.
CREATE INDEX pilots_name_created ON pilots (name, created_at);
CREATE INDEX pilots_created ON pilots (created_at);

CREATE TABLE events (
    id         INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused, so ids only grow
    pilot_id   TEXT    NOT NULL REFERENCES pilots (id),
    time       INTEGER,
    actor      TEXT    NOT NULL DEFAULT '',
    kind       TEXT    NOT NULL,
    from_state TEXT    NOT NULL DEFAULT '',
    to_state   TEXT    NOT NULL DEFAULT '',
    reason     TEXT    NOT NULL DEFAULT '',
    candidate  TEXT    NOT NULL DEFAULT '',
    service    TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX events_pilot ON events (pilot_id, id);

CREATE TABLE tokens (
    id         TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    role       TEXT    NOT NULL,
    hash       TEXT    NOT NULL UNIQUE,    -- hex SHA-256 of the secret; the secret is never stored
    created_at INTEGER,
    revoked_at INTEGER
);
