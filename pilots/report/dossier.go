package report

import (
	"bytes"
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

// DossierVersion is the version of the dossier's JSON shape. Like Version
// it grows only when a field changes meaning or disappears.
const DossierVersion = 1

// FollowUpMonths are when, after promotion, each benefit is measured again
// in the broad roll-out: early enough to correct course, late enough for
// the benefit to show, and a year on to see that it lasts.
var FollowUpMonths = []int{3, 6, 12}

// Decision is the promotion a dossier records.
type Decision struct {
	Candidate string    `json:"candidate"`
	Actor     string    `json:"actor"`
	At        time.Time `json:"at"`
	// Override is true when the candidate's verdict was not scale_up and
	// the admin promoted it all the same; Justification then says why.
	Override      bool   `json:"override"`
	Justification string `json:"justification"`
}

// Dossier is the procurement dossier written when a pilot is promoted: the
// chosen candidate's results, the requirements that follow from the
// criteria and the classification, and the benefit realisation plan.
//
// JSON shape (version 1), snake_case keys, unknown numbers null:
//
//	{"version", "language", "generated_at", "report_generated_at",
//	 "pilot": {...as in the report...},
//	 "decision": {"candidate", "actor", "at", "override", "justification"},
//	 "candidate": {"name", "vendor", "verdict", "reasons", "invited", "answered",
//	               "measures": [...], "criteria": [...], "operations": {...}},
//	 "requirements": [{"criterion", "measure", "must", "at_least", "at_most",
//	                   "measured", "outcome", "text"}],
//	 "security": [{"aspect", "level", "requirements": [string]}],
//	 "benefit_plan": [{"name", "description", "unit", "owner", "baseline",
//	                   "measured", "target", "share", "follow_ups": [{"months", "due"}]}]}
type Dossier struct {
	Version           int       `json:"version"`
	Language          string    `json:"language"`
	GeneratedAt       time.Time `json:"generated_at"`
	ReportGeneratedAt time.Time `json:"report_generated_at"` // the final report the dossier rests on
	Pilot             PilotInfo `json:"pilot"`
	Decision          Decision  `json:"decision"`

	Candidate    DossierCandidate      `json:"candidate"`
	Requirements []Requirement         `json:"requirements"`
	Security     []SecurityRequirement `json:"security"`
	BenefitPlan  []BenefitPlanEntry    `json:"benefit_plan"`
}

// DossierCandidate is what the pilot found about the chosen candidate.
type DossierCandidate struct {
	Name       string            `json:"name"`
	Vendor     string            `json:"vendor"`
	Verdict    Verdict           `json:"verdict"`
	Reasons    []string          `json:"reasons"`
	Invited    int               `json:"invited"`
	Answered   int               `json:"answered"`
	Measures   []Measure         `json:"measures"`
	Criteria   []CriterionResult `json:"criteria"`
	Operations OperationsResult  `json:"operations"`
}

// Requirement is a procurement requirement derived from one criterion:
// the threshold the pilot used, and what the candidate achieved.
type Requirement struct {
	Criterion string   `json:"criterion"`
	Measure   string   `json:"measure"`
	Must      bool     `json:"must"`
	AtLeast   *float64 `json:"at_least"`
	AtMost    *float64 `json:"at_most"`
	Measured  *float64 `json:"measured"`
	Outcome   string   `json:"outcome"`
	Text      string   `json:"text"` // "SUS at least 68; measured 74.2 in the pilot"
}

// SecurityRequirement lists the requirements that follow from one KLASSA
// aspect at the pilot's level.
type SecurityRequirement struct {
	Aspect       string   `json:"aspect"` // confidentiality, integrity or availability
	Level        int      `json:"level"`
	Requirements []string `json:"requirements"`
}

// BenefitPlanEntry is one benefit carried into the roll-out with the dates
// it is to be measured again.
type BenefitPlanEntry struct {
	Name        string     `json:"name"`
	Description string     `json:"description"`
	Unit        string     `json:"unit"`
	Owner       string     `json:"owner"`
	Baseline    *float64   `json:"baseline"`
	Measured    *float64   `json:"measured"`
	Target      *float64   `json:"target"`
	Share       *float64   `json:"share"`
	FollowUps   []FollowUp `json:"follow_ups"`
}

// FollowUp is a date on which a benefit is measured again.
type FollowUp struct {
	Months int       `json:"months"` // after promotion
	Due    time.Time `json:"due"`
}

// NewDossier builds the dossier of the candidate d.Candidate from the final
// report r of its pilot. It fails for a preliminary report and for a
// candidate the report does not hold.
func NewDossier(r *Report, d Decision, generatedAt time.Time) (*Dossier, error) {
	if r == nil {
		return nil, errors.New("build dossier: no report")
	}
	if r.Preliminary {
		return nil, fmt.Errorf("build dossier of %q: the report is preliminary; a dossier rests on the final report", r.Pilot.Name)
	}
	var c *Candidate
	for i := range r.Candidates {
		if r.Candidates[i].Name == d.Candidate {
			c = &r.Candidates[i]
		}
	}
	if c == nil {
		return nil, fmt.Errorf("build dossier of %q: the report has no candidate %q", r.Pilot.Name, d.Candidate)
	}
	w := dossierWordsFor(r.Language)
	ds := &Dossier{
		Version:           DossierVersion,
		Language:          wordsFor(r.Language).Lang,
		GeneratedAt:       generatedAt.UTC(),
		ReportGeneratedAt: r.GeneratedAt,
		Pilot:             r.Pilot,
		Decision:          d,
		Candidate: DossierCandidate{
			Name: c.Name, Vendor: c.Vendor, Verdict: c.Verdict, Reasons: c.Reasons,
			Invited: c.Invited, Answered: c.Answered,
			Measures: c.Measures, Criteria: c.Criteria, Operations: c.Operations,
		},
		Requirements: []Requirement{},
		Security:     securityRequirements(w, r.Pilot.Classification),
		BenefitPlan:  []BenefitPlanEntry{},
	}
	ds.Decision.At = d.At.UTC()
	for _, cr := range c.Criteria {
		ds.Requirements = append(ds.Requirements, Requirement{
			Criterion: cr.Name, Measure: cr.Measure, Must: cr.Must,
			AtLeast: cr.AtLeast, AtMost: cr.AtMost, Measured: cr.Value, Outcome: cr.Outcome,
			Text: w.requirementText(cr),
		})
	}
	for _, b := range c.Benefits {
		e := BenefitPlanEntry{
			Name: b.Name, Description: b.Description, Unit: b.Unit, Owner: b.Owner,
			Baseline: b.Baseline, Measured: b.Measured, Target: b.Target, Share: b.Share,
		}
		for _, m := range FollowUpMonths {
			e.FollowUps = append(e.FollowUps, FollowUp{Months: m, Due: ds.Decision.At.AddDate(0, m, 0)})
		}
		ds.BenefitPlan = append(ds.BenefitPlan, e)
	}
	return ds, nil
}

// WriteJSON writes the dossier as indented JSON.
func (d *Dossier) WriteJSON(w io.Writer) error { return writeJSON(w, d, "dossier") }

//go:embed templates/dossier.html
var dossierTemplate string

var dossierPages = map[string]*template.Template{
	pilots.LangEnglish: parseDossier(english, dossierEnglish),
	pilots.LangSwedish: parseDossier(swedish, dossierSwedish),
}

func parseDossier(t *words, dw *dossierWords) *template.Template {
	funcs := template.FuncMap{
		"num":         t.num,
		"numPtr":      t.numPtr,
		"pct":         t.pct,
		"pctPrecise":  t.pctPrecise,
		"date":        t.date,
		"lastDay":     t.lastDay,
		"ts":          t.timestamp,
		"threshold":   t.threshold,
		"level":       t.level,
		"verdictName": func(v Verdict) string { return t.VerdictNames[v] },
		"outcomeName": func(o string) string { return t.OutcomeNames[o] },
		"aspectName":  func(a string) string { return dw.Aspects[a] },
		"months":      func(m int) string { return fmt.Sprintf(dw.MonthsAfter, m) },
		"lower":       strings.ToLower,
	}
	return template.Must(template.New("dossier.html").Funcs(funcs).Parse(dossierTemplate))
}

// dossierView is what the dossier template renders.
type dossierView struct {
	D     *Dossier
	T     *words
	W     *dossierWords
	Title string
}

// WriteHTML writes the dossier as one self-contained HTML page (inline
// CSS, no scripts, no external resources) in the dossier's language. All
// text from the pilot and the decision is escaped by html/template.
func (d *Dossier) WriteHTML(w io.Writer) error {
	t := wordsFor(d.Language)
	var buf bytes.Buffer
	view := dossierView{D: d, T: t, W: dossierWordsFor(d.Language), Title: cmp.Or(d.Pilot.Title, d.Pilot.Name)}
	if err := dossierPages[t.Lang].Execute(&buf, view); err != nil {
		return fmt.Errorf("render HTML dossier: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write HTML dossier: %w", err)
	}
	return nil
}

// dossierWords are the fixed texts of a dossier in one language.
type dossierWords struct {
	Title, Decision, PromotedBy, Override, OverrideNote, Justification, ChosenCandidate  string
	Results, Requirements, RequirementsNote, Requirement, Security, SecurityNote         string
	Aspect, BenefitPlan, BenefitPlanNote, FollowUps, MonthsAfter, NoCriteria, NoBenefits string
	ReportOf, Yes, No                                                                    string

	AtLeast, AtMost, Between, MeasuredIn, NotMeasured string
	MeasureNames                                      map[string]string
	Aspects                                           map[string]string
	Baseline                                          string // the requirement of a level-0 aspect
}

var dossierEnglish = &dossierWords{
	Title: "Procurement dossier", Decision: "Decision", PromotedBy: "Promoted by",
	Override:      "Override",
	OverrideNote:  "The candidate's verdict was not “scale up”; it was promoted by an explicit override with the justification below.",
	Justification: "Justification", ChosenCandidate: "Chosen candidate",
	Results:          "Results in the pilot",
	Requirements:     "Requirements derived from the pilot's criteria",
	RequirementsNote: "Each criterion the pilot judged the candidate by becomes a requirement of the procurement, with the value measured in the pilot.",
	Requirement:      "Requirement",
	Security:         "Security requirements from the information classification (KLASSA)",
	SecurityNote:     "Requirements follow from the level of each aspect and include those of every lower level: 0 none beyond the organisation's baseline, 1 low, 2 moderate, 3 high, 4 very high.",
	Aspect:           "Aspect",
	BenefitPlan:      "Benefit realisation plan",
	BenefitPlanNote:  "The benefit register of the pilot carried forward to the broad roll-out: each benefit is measured again the same way on the dates below, by its owner.",
	FollowUps:        "Follow-up", MonthsAfter: "%d months after promotion",
	NoCriteria: "The pilot declared no criteria.", NoBenefits: "The pilot declared no benefits.",
	ReportOf: "Based on the final scale-up report of", Yes: "yes", No: "no",
	AtLeast: "%s at least %s", AtMost: "%s at most %s", Between: "%s between %s and %s",
	MeasuredIn: "measured %s in the pilot", NotMeasured: "not measured in the pilot",
	MeasureNames: map[string]string{
		"sus": "SUS", "umux_lite": "UMUX-Lite", "nps": "NPS", "uptime": "Uptime",
		"response_rate": "Response rate", "usage.active_share": "Active use",
	},
	Aspects:  map[string]string{"confidentiality": "Confidentiality", "integrity": "Integrity", "availability": "Availability"},
	Baseline: "No requirements beyond the organisation's information security baseline.",
}

var dossierSwedish = &dossierWords{
	Title: "Underlag för upphandling", Decision: "Beslut", PromotedBy: "Beslutat av",
	Override:      "Undantag",
	OverrideNote:  "Kandidatens bedömning var inte ”skala upp”; den gick vidare genom ett uttryckligt undantag med motiveringen nedan.",
	Justification: "Motivering", ChosenCandidate: "Vald kandidat",
	Results:          "Resultat i piloten",
	Requirements:     "Krav härledda från pilotens kriterier",
	RequirementsNote: "Varje kriterium som kandidaten bedömdes mot blir ett krav i upphandlingen, med värdet som mättes i piloten.",
	Requirement:      "Krav",
	Security:         "Säkerhetskrav från informationsklassningen (KLASSA)",
	SecurityNote:     "Kraven följer av nivån för varje aspekt och omfattar kraven på alla lägre nivåer: 0 inga utöver organisationens grundskydd, 1 låg, 2 måttlig, 3 hög, 4 mycket hög.",
	Aspect:           "Aspekt",
	BenefitPlan:      "Plan för nyttorealisering",
	BenefitPlanNote:  "Pilotens nyttoregister förs vidare till det breda införandet: varje nytta mäts igen på samma sätt vid datumen nedan, av nyttoägaren.",
	FollowUps:        "Uppföljning", MonthsAfter: "%d månader efter beslutet",
	NoCriteria: "Piloten angav inga kriterier.", NoBenefits: "Piloten angav inga nyttor.",
	ReportOf: "Bygger på den slutliga rapporten från", Yes: "ja", No: "nej",
	AtLeast: "%s minst %s", AtMost: "%s högst %s", Between: "%s mellan %s och %s",
	MeasuredIn: "uppmätt %s i piloten", NotMeasured: "inte uppmätt i piloten",
	MeasureNames: map[string]string{
		"sus": "SUS", "umux_lite": "UMUX-Lite", "nps": "NPS", "uptime": "Tillgänglighet",
		"response_rate": "Svarsfrekvens", "usage.active_share": "Aktiv användning",
	},
	Aspects:  map[string]string{"confidentiality": "Konfidentialitet", "integrity": "Riktighet", "availability": "Tillgänglighet"},
	Baseline: "Inga krav utöver organisationens grundskydd för informationssäkerhet.",
}

func dossierWordsFor(lang string) *dossierWords {
	if lang == pilots.LangEnglish {
		return dossierEnglish
	}
	return dossierSwedish
}

// shareMeasures are measures that are shares 0..1, written as percentages
// in requirements.
var shareMeasures = map[string]bool{"uptime": true, "response_rate": true, "usage.active_share": true}

// requirementText writes a criterion as a requirement: "SUS at least 68;
// measured 74.2 in the pilot".
func (dw *dossierWords) requirementText(cr CriterionResult) string {
	t := swedish
	if dw == dossierEnglish {
		t = english
	}
	src := strings.TrimSpace(cr.Measure)
	name, known := dw.MeasureNames[src]
	if !known {
		name = src
	}
	format := t.num
	if shareMeasures[src] {
		format = func(v float64) string { return sharePct(t, v) }
	}
	var s string
	switch {
	case cr.AtLeast != nil && cr.AtMost != nil:
		s = fmt.Sprintf(dw.Between, name, format(*cr.AtLeast), format(*cr.AtMost))
	case cr.AtLeast != nil:
		s = fmt.Sprintf(dw.AtLeast, name, format(*cr.AtLeast))
	case cr.AtMost != nil:
		s = fmt.Sprintf(dw.AtMost, name, format(*cr.AtMost))
	default:
		s = name
	}
	if cr.Value == nil {
		return s + "; " + dw.NotMeasured
	}
	return s + "; " + fmt.Sprintf(dw.MeasuredIn, format(*cr.Value))
}

// sharePct writes a share as a percentage with as many decimals as it
// needs, up to two: 0.99 is "99%", 0.995 "99.5%".
func sharePct(t *words, v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	s := strconv.FormatFloat(v*100, 'f', 2, 64)
	return t.percent(strings.TrimRight(strings.TrimRight(s, "0"), "."))
}

// securityRule is one requirement that applies from a KLASSA level up.
type securityRule struct {
	aspect string
	from   int
	en, sv string
}

// securityRules maps KLASSA levels to plain requirements. A level brings
// its own rules and those of every level below it. The mapping follows the
// usual reading of the levels (1 low, 2 moderate, 3 high, 4 very high
// consequences of a breach) and asks at each step for what a municipal
// procurement would write for that consequence: protection in transit
// and access control first, then protection at rest, logging and a data
// processing agreement, then strong authentication and data kept in the
// EU/EEA, and at the top independent review. Availability rules name
// service levels, recovery time (RTO) and data loss (RPO) that grow with
// the level.
var securityRules = []securityRule{
	{"confidentiality", 1, "Access only for authenticated users, with permissions by role.", "Åtkomst endast för autentiserade användare, med behörigheter per roll."},
	{"confidentiality", 1, "Encryption in transit (TLS 1.2 or later) for all traffic.", "Kryptering vid överföring (TLS 1.2 eller senare) för all trafik."},
	{"confidentiality", 2, "Encryption at rest of all stored data and backups.", "Kryptering av all lagrad data och alla säkerhetskopior."},
	{"confidentiality", 2, "Access logging: who read or changed what and when, kept and available to the municipality.", "Åtkomstloggning: vem som läst eller ändrat vad och när, sparad och tillgänglig för kommunen."},
	{"confidentiality", 2, "A data processing agreement (personuppgiftsbiträdesavtal) with the supplier.", "Personuppgiftsbiträdesavtal med leverantören."},
	{"confidentiality", 3, "Multi-factor authentication for every user.", "Flerfaktorsautentisering för alla användare."},
	{"confidentiality", 3, "Data stored and processed within the EU/EEA; no transfer to third countries.", "Data lagras och behandlas inom EU/EES; ingen överföring till tredje land."},
	{"confidentiality", 3, "Regular review of access logs and of permissions.", "Regelbunden granskning av åtkomstloggar och behörigheter."},
	{"confidentiality", 4, "Strong identification (e-identification at assurance level 3 or higher).", "Stark identifiering (e-legitimation på tillitsnivå 3 eller högre)."},
	{"confidentiality", 4, "Encryption keys held by the municipality; independent security review before go-live.", "Krypteringsnycklar hålls av kommunen; oberoende säkerhetsgranskning före driftstart."},
	{"integrity", 1, "Every change traceable to a user; input validated.", "Varje ändring spårbar till en användare; indata valideras."},
	{"integrity", 2, "A tamper-evident audit log of changes, kept for the retention period.", "En manipulationsskyddad ändringslogg, sparad under gallringsfristen."},
	{"integrity", 2, "Backups with a restore tested at least once a year.", "Säkerhetskopior med återläsning provad minst en gång om året."},
	{"integrity", 3, "Versioned records and separation of duties for administration.", "Versionshanterade poster och åtskilda behörigheter för administration."},
	{"integrity", 4, "Electronic signatures or checksums on critical records, verified independently.", "Elektroniska underskrifter eller kontrollsummor på kritiska poster, verifierade oberoende."},
	{"availability", 1, "Agreed support hours and a documented restore procedure.", "Avtalade supporttider och en dokumenterad återställningsrutin."},
	{"availability", 2, "Availability of at least 99% in service hours; recovery within one working day (RTO 24 h, RPO 24 h).", "Tillgänglighet minst 99 % under servicetid; återställning inom en arbetsdag (RTO 24 h, RPO 24 h)."},
	{"availability", 3, "Availability of at least 99.5% around the clock; RTO 4 h, RPO 1 h; incidents reported within one hour.", "Tillgänglighet minst 99,5 % dygnet runt; RTO 4 h, RPO 1 h; incidenter rapporteras inom en timme."},
	{"availability", 4, "Availability of at least 99.9% with redundant operation on separate sites; RTO 1 h; an exercised continuity plan.", "Tillgänglighet minst 99,9 % med redundant drift på skilda platser; RTO 1 h; en övad kontinuitetsplan."},
}

// securityRequirements lists the requirements of each KLASSA aspect at the
// pilot's levels.
func securityRequirements(dw *dossierWords, c Classification) []SecurityRequirement {
	levels := []struct {
		aspect string
		level  int
	}{{"confidentiality", c.Confidentiality}, {"integrity", c.Integrity}, {"availability", c.Availability}}
	out := make([]SecurityRequirement, 0, len(levels))
	for _, l := range levels {
		sr := SecurityRequirement{Aspect: l.aspect, Level: l.level, Requirements: []string{}}
		for _, r := range securityRules {
			if r.aspect == l.aspect && r.from <= l.level {
				if dw == dossierEnglish {
					sr.Requirements = append(sr.Requirements, r.en)
				} else {
					sr.Requirements = append(sr.Requirements, r.sv)
				}
			}
		}
		if len(sr.Requirements) == 0 {
			sr.Requirements = append(sr.Requirements, dw.Baseline)
		}
		out = append(out, sr)
	}
	return out
}
