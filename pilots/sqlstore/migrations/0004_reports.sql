-- Documents written about a pilot: the final scale-up report at close and
-- the procurement dossier at promotion, one row per kind and format. They
-- are kept as written, so what a steering group read stays what it read.

CREATE TABLE reports (
    pilot_id   TEXT    NOT NULL REFERENCES pilots (id),
    kind       TEXT    NOT NULL,  -- "report" or "dossier"
    format     TEXT    NOT NULL,  -- "html", "md" or "json"
    body       BLOB    NOT NULL,
    written_at INTEGER,
    PRIMARY KEY (pilot_id, kind, format)
);
