-- Participants and their feedback. Tables only: the methods that use them
-- come with the participant pages.

-- A participant is a pseudonymous id ("P-0007") unique within its pilot,
-- reached through an invitation whose secret is stored only as a hash.
CREATE TABLE participants (
    pilot_id   TEXT    NOT NULL REFERENCES pilots (id),
    id         TEXT    NOT NULL,
    cohort     TEXT    NOT NULL,
    token_hash TEXT    NOT NULL UNIQUE,
    created_at INTEGER,
    revoked_at INTEGER,
    PRIMARY KEY (pilot_id, id)
);

-- One response per participant and survey is a constraint, not a check in
-- code, so a repeated submit cannot store twice. Anonymous responses have a
-- NULL participant_id (NULLs never collide in a UNIQUE constraint); their
-- cohort is kept so measures can still be computed per candidate.
CREATE TABLE responses (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    pilot_id       TEXT    NOT NULL REFERENCES pilots (id),
    survey         TEXT    NOT NULL,
    participant_id TEXT,
    cohort         TEXT    NOT NULL DEFAULT '',
    answers_json   TEXT    NOT NULL,
    submitted_at   INTEGER,
    UNIQUE (pilot_id, survey, participant_id),
    FOREIGN KEY (pilot_id, participant_id) REFERENCES participants (pilot_id, id)
);

CREATE INDEX responses_pilot_survey ON responses (pilot_id, survey, id);

-- For an anonymous survey only the fact that a participant has answered is
-- kept with the participant, never a link to the response.
CREATE TABLE answered (
    pilot_id       TEXT    NOT NULL,
    survey         TEXT    NOT NULL,
    participant_id TEXT    NOT NULL,
    time           INTEGER,
    UNIQUE (pilot_id, survey, participant_id),
    FOREIGN KEY (pilot_id, participant_id) REFERENCES participants (pilot_id, id)
);

-- A survey opened or closed by hand, overriding its declared window. The
-- history is in the events; this is the state in force.
CREATE TABLE survey_overrides (
    pilot_id TEXT    NOT NULL REFERENCES pilots (id),
    survey   TEXT    NOT NULL,
    state    TEXT    NOT NULL CHECK (state IN ('open', 'closed')),
    actor    TEXT    NOT NULL DEFAULT '',
    time     INTEGER,
    PRIMARY KEY (pilot_id, survey)
);

-- Use of a candidate through the gateway, per participant and day
-- (day as "YYYY-MM-DD" in UTC).
CREATE TABLE usage (
    pilot_id       TEXT    NOT NULL,
    participant_id TEXT    NOT NULL,
    day            TEXT    NOT NULL,
    requests       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (pilot_id, participant_id, day),
    FOREIGN KEY (pilot_id, participant_id) REFERENCES participants (pilot_id, id)
);
