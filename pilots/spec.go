package pilots

import "time"

// Spec is one pilot as its owner declared it, decoded and validated. Every
// default has been applied, every date resolved and every variable
// substituted, so the layers above never look at the source again.
//
// Expressions that are evaluated only at report time (benefit measures and
// criteria) are kept as source text in Expr; the report package parses them.
type Spec struct {
	Name        string // the pilot's label in the file: a stable, URL-safe id
	Title       string
	Description string
	Owner       string // the responsible organisation (personuppgiftsansvarig)
	Contact     string
	Start       time.Time
	End         time.Time
	Priority    int
	BudgetSEK   int64
	Language    string // default language of participant pages: "sv" or "en"

	Classification Classification
	Retention      Retention
	// Privacy is the notice shown to participants; empty fields fall back to
	// texts derived from Owner, Contact and Retention.
	Privacy Privacy

	Candidates []Candidate
	Cohorts    []Cohort
	Surveys    []Survey
	Benefits   []Benefit
	Criteria   []Criterion
}

// Languages supported by participant pages and reports.
const (
	LangSwedish = "sv"
	LangEnglish = "en"
)

// Classification holds KLASSA levels, each 0..4.
type Classification struct {
	Confidentiality int
	Integrity       int
	Availability    int
}

// MaxEgressConfidentiality is the highest confidentiality level at which a
// candidate may be given egress (a network route out of its testbed).
const MaxEgressConfidentiality = 1

// Retention says what happens to responses after close.
type Retention struct {
	Keep     time.Duration // how long responses are kept after close; 0 means delete at close
	Decision string        // the archive decision (gallringsbeslut) the rule rests on
	// Export lists what is written to the data directory at close before
	// anything is deleted: "responses", "report".
	Export []string
}

// Privacy is the notice participants read before they answer.
type Privacy struct {
	Controller string // who is responsible; defaults to Spec.Owner
	LegalBasis string // e.g. "allmänt intresse (GDPR art. 6.1 e)"
	Contact    string // defaults to Spec.Contact
}

// Candidate is one tool under trial, run in its own testbed.
type Candidate struct {
	Name     string
	Vendor   string
	Entry    string // name of the service participants reach through the gateway
	Egress   bool   // allow the testbed to reach outside networks
	Services []Service
}

// Service is one container of a candidate.
type Service struct {
	Name        string
	Image       string
	Port        int // the port the service listens on inside its testbed; 0 if none
	Env         map[string]string
	Command     []string
	MemoryBytes int64   // memory limit; memory+swap is set to the same value
	CPUs        float64 // CPU limit in cores
	PIDs        int64   // process limit
	ReadOnly    bool    // read-only root filesystem
	CapAdd      []string
	Health      *Health // nil: pilotbed probes the TCP port when there is one
	Volumes     []Volume
}

// Defaults applied to a service that names no limits.
const (
	DefaultMemoryBytes = 256 << 20
	DefaultCPUs        = 0.5
	DefaultPIDs        = 256
)

// Health is how pilotbed probes a service.
type Health struct {
	HTTP     string // path of an HTTP probe; empty for a TCP probe of Port
	Interval time.Duration
	Timeout  time.Duration
	Retries  int // consecutive failures before the service counts as unhealthy
}

// Default health probe settings.
const (
	DefaultHealthInterval = 10 * time.Second
	DefaultHealthTimeout  = 2 * time.Second
	DefaultHealthRetries  = 3
)

// Volume is a named volume mounted into a service.
type Volume struct {
	Name string
	Path string
	Keep bool // keep the volume when the testbed is removed at close
}

// Cohort is a group of participants assigned to one candidate.
type Cohort struct {
	Name         string
	Candidate    string
	Participants int // planned size
}

// Survey is a questionnaire with a window in which it is open.
type Survey struct {
	Name      string
	Title     Text
	Opens     time.Time
	Closes    time.Time
	Anonymous bool
	Questions []Question // built-in instruments are expanded into their items
}

// QuestionType names the kind of answer a question takes.
type QuestionType string

// Question types of the pilot language.
const (
	Likert  QuestionType = "likert"  // agreement on a scale of 5 or 7, 1..Scale
	Rating  QuestionType = "rating"  // 1..Scale stars or points
	NPS     QuestionType = "nps"     // 0..10
	Number  QuestionType = "number"  // a number within Min..Max
	Choice  QuestionType = "choice"  // one of Options
	Choices QuestionType = "choices" // any of Options
	Free    QuestionType = "text"    // free text
)

// Built-in instruments.
const (
	InstrumentSUS      = "sus"
	InstrumentUMUXLite = "umux_lite"
)

// Question is one item of a survey.
type Question struct {
	Name       string
	Type       QuestionType
	Text       Text
	Help       Text
	Optional   bool
	Scale      int    // points of a likert or rating scale
	Labels     []Text // labels of the scale points, low to high; may be empty
	Min, Max   *float64
	Unit       string
	Options    []Option
	Instrument string // "sus" or "umux_lite" for items of a built-in instrument
	Item       int    // 1-based item number within the instrument
}

// Option is one answer of a choice question.
type Option struct {
	Value string
	Text  Text
}

// Text is a text by language code. A text written as a plain string in the
// pilot file is stored under the pilot's language.
type Text map[string]string

// In returns the text in lang, falling back to Swedish, English and then any
// language, so a page never shows an empty label.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	for _, l := range []string{LangSwedish, LangEnglish} {
		if s, ok := t[l]; ok && s != "" {
			return s
		}
	}
	for _, s := range t {
		if s != "" {
			return s
		}
	}
	return ""
}

// Expr is an expression over a candidate's measures, kept as source text with
// the position it came from so errors at report time can point at it.
type Expr struct {
	Source   string
	Filename string
	Line     int
	Column   int
}

// IsZero reports whether the expression was not given.
func (e Expr) IsZero() bool { return e.Source == "" }

// Benefit is an entry in the benefit register (nyttorealisering).
type Benefit struct {
	Name        string
	Description string
	Measure     Expr
	Baseline    Expr // optional
	Target      Expr
	Unit        string
	Owner       string
}

// Criterion is a condition for scaling up a candidate.
type Criterion struct {
	Name    string
	Measure Expr
	AtLeast *float64
	AtMost  *float64
	Must    bool // a failed must criterion stops a candidate; a should only asks to iterate
}

// Measures a criterion or benefit may name, besides survey.<s>.<q>.<stat>.
var Measures = []string{"sus", "umux_lite", "nps", "uptime", "response_rate", "usage.active_share"}

// SurveyStats are the statistics of survey.<s>.<q>.<stat>.
var SurveyStats = []string{"mean", "median", "count"}

// Candidate returns the candidate with the given name.
func (s *Spec) Candidate(name string) (*Candidate, bool) {
	for i := range s.Candidates {
		if s.Candidates[i].Name == name {
			return &s.Candidates[i], true
		}
	}
	return nil, false
}

// Survey returns the survey with the given name.
func (s *Spec) Survey(name string) (*Survey, bool) {
	for i := range s.Surveys {
		if s.Surveys[i].Name == name {
			return &s.Surveys[i], true
		}
	}
	return nil, false
}

// Cohort returns the cohort with the given name.
func (s *Spec) Cohort(name string) (*Cohort, bool) {
	for i := range s.Cohorts {
		if s.Cohorts[i].Name == name {
			return &s.Cohorts[i], true
		}
	}
	return nil, false
}
