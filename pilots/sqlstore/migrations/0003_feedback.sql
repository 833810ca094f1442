-- What the participant pages need on top of the tables of 0002.

-- The receipt shown to a participant once the response is committed; a
-- repeated submit shows it again. Anonymous responses keep theirs only on
-- the "answered" mark, so the receipt cannot link the two.
ALTER TABLE responses ADD COLUMN receipt TEXT NOT NULL DEFAULT '';

-- Streaming a pilot's responses in id order.
CREATE INDEX responses_pilot_id ON responses (pilot_id, id);

-- The answered marks again, now WITHOUT ROWID: rows are kept in key order,
-- not in insertion order, so the order of the marks cannot be matched to
-- the order of anonymous responses. The mark carries the receipt.
CREATE TABLE answered_v3 (
    pilot_id       TEXT    NOT NULL,
    participant_id TEXT    NOT NULL,
    survey         TEXT    NOT NULL,
    time           INTEGER,
    receipt        TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (pilot_id, participant_id, survey),
    FOREIGN KEY (pilot_id, participant_id) REFERENCES participants (pilot_id, id)
) WITHOUT ROWID;

INSERT INTO answered_v3 (pilot_id, participant_id, survey, time)
    SELECT pilot_id, participant_id, survey, time FROM answered;
DROP TABLE answered;
ALTER TABLE answered_v3 RENAME TO answered;
