-- Finding a participant's own responses (the participant pages ask on every
-- visit and every submit): the unique key leads with the survey, so without
-- this index the lookup reads every response of the pilot. Anonymous
-- responses have no participant and are left out of it.
CREATE INDEX responses_pilot_participant ON responses (pilot_id, participant_id)
    WHERE participant_id IS NOT NULL;
