package pilots

// Invitation is a participant's link secret, returned once when created.
// Only its hash is stored; the secret cannot be shown again.
type Invitation struct {
	Participant string `json:"participant"` // e.g. "P-0007"
	Cohort      string `json:"cohort"`
	Secret      string `json:"secret"`
}

// ParticipantView is what a participant's pages show: their pilot, their
// cohort's candidate, and each survey with whether it is open and answered.
type ParticipantView struct {
	Pilot       Pilot
	Participant Participant
	Candidate   *Candidate // the candidate of the participant's cohort
	Surveys     []SurveyState
}

// SurveyState is one survey as a participant sees it.
type SurveyState struct {
	Survey *Survey
	Open   bool
	// Upcoming is set on a survey that is not open yet but will be: its
	// window or its pilot has not started. A survey neither Open nor
	// Upcoming is closed.
	Upcoming bool
	Answered *AnsweredSurvey // nil when not yet answered
}
