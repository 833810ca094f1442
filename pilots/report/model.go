package report

import "time"

// Report is a pilot's scale-up report. Its JSON encoding (WriteJSON) is the
// stable shape documented in doc.go; every number that may be unknown is a
// pointer and encodes as null.
type Report struct {
	Version     int       `json:"version"`
	Language    string    `json:"language"` // "sv" or "en": the language of the fixed texts
	Preliminary bool      `json:"preliminary"`
	GeneratedAt time.Time `json:"generated_at"`
	Pilot       PilotInfo `json:"pilot"`
	Method      Method    `json:"method"`

	Candidates    []Candidate     `json:"candidates"`
	Participation []Participation `json:"participation"` // per cohort, in declaration order
	// Ignored counts responses that could not be attributed: an unknown
	// cohort or survey. They appear in no figure.
	Ignored int `json:"ignored_responses"`
}

// PilotInfo describes the pilot.
type PilotInfo struct {
	ID             string         `json:"id"`
	Name           string         `json:"name"`
	Title          string         `json:"title"`
	Description    string         `json:"description"`
	Owner          string         `json:"owner"`
	Contact        string         `json:"contact"`
	Status         string         `json:"status"`
	Start          time.Time      `json:"start"`
	End            time.Time      `json:"end"`
	Invited        int            `json:"invited"` // participants not revoked
	Classification Classification `json:"classification"`
	Retention      Retention      `json:"retention"`
}

// Classification holds the KLASSA levels.
type Classification struct {
	Confidentiality int `json:"confidentiality"`
	Integrity       int `json:"integrity"`
	Availability    int `json:"availability"`
}

// Retention is what happens to responses after close.
type Retention struct {
	KeepDays int      `json:"keep_days"`
	Decision string   `json:"decision"`
	Export   []string `json:"export"`
}

// Method records the rules the figures were computed with.
type Method struct {
	MinAnswers  int `json:"min_answers"`
	MaxComments int `json:"max_comments"`
}

// Candidate is everything the report says about one candidate.
type Candidate struct {
	Name     string   `json:"name"`
	Vendor   string   `json:"vendor"`
	Cohorts  []string `json:"cohorts"`
	Verdict  Verdict  `json:"verdict"`
	Reasons  []string `json:"reasons"` // plain sentences in the report's language
	Invited  int      `json:"invited"`
	Answered int      `json:"answered"`

	Measures   []Measure         `json:"measures"`
	Criteria   []CriterionResult `json:"criteria"`
	Benefits   []BenefitResult   `json:"benefits"`
	Surveys    []SurveyResult    `json:"surveys"`
	Operations OperationsResult  `json:"operations"`
}

// Measure is the value of one named measure of a candidate.
type Measure struct {
	Name  string   `json:"name"`  // "sus", "uptime", "survey.final.minutes.mean", ...
	Value *float64 `json:"value"` // null: no data
	// N is the number of answers (or, for response_rate and
	// usage.active_share, of invited participants) behind the value; null
	// for measures that do not rest on answers (uptime).
	N          *int `json:"n"`
	Sufficient bool `json:"sufficient"`
}

// CriterionResult is one criterion judged for one candidate.
type CriterionResult struct {
	Name    string   `json:"name"`
	Measure string   `json:"measure"` // the expression's source
	Value   *float64 `json:"value"`
	AtLeast *float64 `json:"at_least"`
	AtMost  *float64 `json:"at_most"`
	Must    bool     `json:"must"`
	N       *int     `json:"n"`
	Outcome string   `json:"outcome"` // pass, fail or insufficient
	Error   string   `json:"error,omitempty"`
}

// BenefitResult is one entry of the benefit register for one candidate.
type BenefitResult struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Unit        string   `json:"unit"`
	Owner       string   `json:"owner"`
	Baseline    *float64 `json:"baseline"`
	Measured    *float64 `json:"measured"`
	Target      *float64 `json:"target"`
	// Share is the share of the way from baseline to target reached:
	// (measured-baseline)/(target-baseline), which for a benefit that
	// reduces something equals (baseline-measured)/(baseline-target).
	// Without a baseline it is measured/target. It is not clamped: above
	// 1 the target was passed, below 0 things went the wrong way.
	Share      *float64 `json:"share"`
	N          *int     `json:"n"`
	Sufficient bool     `json:"sufficient"`
	Error      string   `json:"error,omitempty"`
}

// SurveyResult holds one survey's answers from one candidate's cohorts.
type SurveyResult struct {
	Name      string           `json:"name"`
	Title     string           `json:"title"`
	Anonymous bool             `json:"anonymous"`
	Responses int              `json:"responses"`
	SUS       *SUSResult       `json:"sus"`
	UMUXLite  *UMUXLiteResult  `json:"umux_lite"`
	Questions []QuestionResult `json:"questions"` // questions other than instrument items
}

// Summary are the statistics of a sample (see pilots.Stats).
type Summary struct {
	N        int      `json:"n"`
	Mean     *float64 `json:"mean"`
	Median   *float64 `json:"median"`
	SD       *float64 `json:"sd"`
	Min      *float64 `json:"min"`
	Max      *float64 `json:"max"`
	CI95Low  *float64 `json:"ci95_low"` // null below 2 answers
	CI95High *float64 `json:"ci95_high"`
}

// SUSResult is the System Usability Scale of one survey.
type SUSResult struct {
	Score         Summary            `json:"score"`
	Grade         string             `json:"grade"`         // Sauro-Lewis curved grade of the mean; "" without answers
	Acceptability string             `json:"acceptability"` // Bangor et al. band of the mean; "" without answers
	Items         []ItemDistribution `json:"items"`
}

// ItemDistribution counts the answers 1..scale of one instrument item.
type ItemDistribution struct {
	Item     int    `json:"item"`
	Question string `json:"question"`
	Text     string `json:"text"`
	Counts   []int  `json:"counts"`
}

// UMUXLiteResult is the UMUX-Lite of one survey.
type UMUXLiteResult struct {
	Score         Summary            `json:"score"`          // raw score 0..100
	SUSEquivalent *float64           `json:"sus_equivalent"` // 0.65 × mean + 22.9
	Items         []ItemDistribution `json:"items"`
}

// QuestionResult summarises the answers to one question.
type QuestionResult struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Text    string   `json:"text"`
	Unit    string   `json:"unit,omitempty"`
	Answers int      `json:"answers"`
	Stats   *Summary `json:"stats,omitempty"` // likert, rating, nps, number
	// Counts are the answers at each scale point, from Low: 1..scale for
	// likert and rating, 0..10 for nps.
	Low     int           `json:"low,omitempty"`
	Counts  []int         `json:"counts,omitempty"`
	Labels  []string      `json:"labels,omitempty"`
	NPS     *NPSResult    `json:"nps,omitempty"`
	Options []OptionCount `json:"options,omitempty"` // choice, choices
	// Comments are the free-text answers in the order they were read, at
	// most Method.MaxComments; CommentsTotal counts all of them.
	Comments      []string `json:"comments,omitempty"`
	CommentsTotal int      `json:"comments_total,omitempty"`
}

// NPSResult is a Net Promoter Score.
type NPSResult struct {
	Score      *float64 `json:"score"` // null without answers
	Promoters  int      `json:"promoters"`
	Passives   int      `json:"passives"`
	Detractors int      `json:"detractors"`
	N          int      `json:"n"`
}

// OptionCount is how many answers chose one option.
type OptionCount struct {
	Value string `json:"value"`
	Text  string `json:"text"`
	Count int    `json:"count"`
}

// OperationsResult is how the candidate's testbed ran.
type OperationsResult struct {
	Uptime      *float64         `json:"uptime"`
	Restarts    int              `json:"restarts"`
	Limits      string           `json:"limits"`
	DataAtClose string           `json:"data_at_close"`
	Incidents   []IncidentResult `json:"incidents"`
}

// IncidentResult is one down period.
type IncidentResult struct {
	Service string     `json:"service"`
	Start   time.Time  `json:"start"`
	End     *time.Time `json:"end"` // null: still down when the report was written
	Minutes float64    `json:"minutes"`
	Reason  string     `json:"reason"`
}

// Participation is one cohort's participation.
type Participation struct {
	Cohort    string `json:"cohort"`
	Candidate string `json:"candidate"`
	Planned   int    `json:"planned"` // the size declared in the spec
	Invited   int    `json:"invited"` // invitations issued and not revoked
	Revoked   int    `json:"revoked"`
	// Answered counts distinct participants with at least one response.
	// Anonymous responses carry no participant, so they add only as a
	// lower bound: the most anonymous responses to any one survey.
	Answered     int      `json:"answered"`
	Responses    int      `json:"responses"`
	ResponseRate *float64 `json:"response_rate"` // answered/invited; null with none invited
	ActiveUsers  int      `json:"active_users"`  // invited participants with any use of the candidate
	ActiveShare  *float64 `json:"active_share"`  // active_users/invited
}
