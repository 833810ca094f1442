package report

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

// words are the fixed texts of a report in one language. Every text a
// reader sees comes from here or from the pilot's own spec.
type words struct {
	Lang            string
	Title           string
	Preliminary     string
	PreliminaryNote string
	Final           string
	Generated       string

	Summary, Pilot, Period, Owner, Contact, Status, Candidates, Participants string
	Candidate, Vendor, Verdict, Reasons                                      string

	Criteria, Criterion, Measure, Value, Threshold, Outcome, Level, Must, Should, N string

	Benefits, Benefit, Baseline, Measured, Target, Share, BenefitOwner, Unit string

	Instruments, Survey, Responses, Answers, Mean, Median, SD, CI, Min, Max, Grade, Acceptability string
	Item, ItemDistribution, SUSEquivalent, NPS, Promoters, Passives, Detractors, Score            string
	Option, Count, Comments, CommentsShown, NoAnswers, Question                                   string

	Participation, Cohort, Planned, Invited, Revoked, Answered, ResponseRate, ActiveUse string

	Operations, Uptime, Incidents, NoIncidents, Restarts, Limits, DataAtClose, Service, Start, End, Duration, Reason, Ongoing string
	Classification, Confidentiality, Integrity, Availability, Retention, Keep, Decision, Exported, Days                       string

	Method     string
	MethodText []string

	SUSChart, NPSChart, UptimeChart, LikertChart, Reference68 string

	Ignored string

	VerdictNames map[Verdict]string
	OutcomeNames map[string]string
	Accept       map[string]string

	// Reasons, formatted with fmt.
	ReasonAllMet        string // %d criteria
	ReasonOneMet        string // the only criterion
	ReasonNoCriteria    string
	ReasonInsufficient  string // name, measure, n, min
	ReasonNoData        string // name, measure
	ReasonError         string // name, error
	ReasonMustFailed    string // name, measure, value, threshold
	ReasonShouldFailed  string // name, measure, value, threshold
	ReasonNotStatistics string
	NoData              string
}

var english = &words{
	Lang:            pilots.LangEnglish,
	Title:           "Scale-up report",
	Preliminary:     "Preliminary",
	PreliminaryNote: "This report was written before the pilot closed. Figures will change as more answers come in.",
	Final:           "Final",
	Generated:       "Generated",
	Summary:         "Summary", Pilot: "Pilot", Period: "Period", Owner: "Owner", Contact: "Contact", Status: "Status",
	Candidates: "Candidates", Participants: "Participants",
	Candidate: "Candidate", Vendor: "Vendor", Verdict: "Verdict", Reasons: "Reasons",
	Criteria: "Criteria", Criterion: "Criterion", Measure: "Measure", Value: "Measured", Threshold: "Threshold",
	Outcome: "Outcome", Level: "Level", Must: "must", Should: "should", N: "n",
	Benefits: "Benefit register", Benefit: "Benefit", Baseline: "Baseline", Measured: "Measured", Target: "Target",
	Share: "Share of target reached", BenefitOwner: "Owner", Unit: "Unit",
	Instruments: "Surveys and instruments", Survey: "Survey", Responses: "Responses", Answers: "Answers",
	Mean: "Mean", Median: "Median", SD: "SD", CI: "95% CI", Min: "Min", Max: "Max", Grade: "Grade",
	Acceptability: "Acceptability", Item: "Item", ItemDistribution: "Answers per item (1 = strongly disagree)",
	SUSEquivalent: "SUS equivalent", NPS: "Net Promoter Score", Promoters: "Promoters (9–10)",
	Passives: "Passives (7–8)", Detractors: "Detractors (0–6)", Score: "Score",
	Option: "Option", Count: "Count", Comments: "Comments", CommentsShown: "Showing %d of %d comments.",
	NoAnswers: "No answers yet.", Question: "Question",
	Participation: "Participation", Cohort: "Cohort", Planned: "Planned", Invited: "Invited", Revoked: "Revoked",
	Answered: "Answered", ResponseRate: "Response rate", ActiveUse: "Active use",
	Operations: "Operations", Uptime: "Uptime", Incidents: "Incidents", NoIncidents: "No incidents recorded.",
	Restarts: "Restarts", Limits: "Resource limits", DataAtClose: "Data at close", Service: "Service",
	Start: "Start", End: "End", Duration: "Duration (min)", Reason: "Reason", Ongoing: "ongoing",
	Classification: "Information classification (KLASSA)", Confidentiality: "Confidentiality", Integrity: "Integrity",
	Availability: "Availability", Retention: "Retention", Keep: "Responses kept after close", Decision: "Archive decision",
	Exported: "Exported at close", Days: "days",
	Method: "Method notes",
	MethodText: []string{
		"SUS (System Usability Scale, Brooke 1996): each respondent's ten answers (1–5) are scored: odd items contribute answer−1, even items 5−answer; the sum (0–40) times 2.5 gives 0–100. Only respondents who answered all ten items are scored. The grade follows the Sauro–Lewis curved grading scale, the acceptability band Bangor, Kortum & Miller (2008): acceptable from 70, marginal from 50. 68 is the average SUS score across studies.",
		"UMUX-Lite (Lewis, Utesch & Maher 2013): two items on a 1–7 scale, ((item 1 − 1) + (item 2 − 1)) / 12 × 100. The measure umux_lite is this raw score; the SUS equivalent 0.65 × score + 22.9 is shown beside it.",
		"NPS (Net Promoter Score): the percentage of promoters (9–10) minus the percentage of detractors (0–6) among answers on the 0–10 scale, from −100 to 100. The measure nps is taken from the last nps question of the pilot.",
		"Confidence intervals: the 95% interval of a mean is mean ± t(0.975, n−1) × SD / √n, with Student's t distribution (Sauro & Lewis 2016). Below 2 answers there is no interval.",
		"sus and umux_lite are taken from the last survey that holds the instrument. Medians of scale questions are exact, computed from the counts per scale point.",
		"Response rate: participants who answered at least one survey, divided by the participants invited whose invitation was not revoked. Anonymous responses carry no participant, so they count only as a lower bound (the most anonymous responses to a single survey). Active use: invited participants who used the candidate through pilotbed on at least one day, divided by the same number.",
		"Insufficient data: a measure resting on fewer than %d answers (for response rate and active use: fewer than %d invited participants), or on no data at all, is reported but not trusted. Verdict: if a must criterion's measure is insufficient, the verdict is insufficient_data; otherwise if a must criterion failed, stop; otherwise if a should criterion failed or is insufficient, iterate; otherwise scale_up.",
		"Benefit register: share of target reached = (measured − baseline) / (target − baseline). For a benefit that reduces something (target below baseline) this is (baseline − measured) / (baseline − target). Without a baseline it is measured / target. 100% means the target was reached; the share is not capped.",
	},
	SUSChart: "SUS mean per candidate with 95% confidence interval; the line marks 68, the average across studies",
	NPSChart: "Share of detractors, passives and promoters per candidate", UptimeChart: "Uptime over the pilot period; red marks incidents",
	LikertChart: "Answers per scale point", Reference68: "68 (average)",
	Ignored: "%d responses could not be attributed to a cohort or survey of this pilot and are left out.",
	VerdictNames: map[Verdict]string{
		ScaleUp: "Scale up", Iterate: "Iterate", Stop: "Stop", InsufficientData: "Insufficient data",
	},
	OutcomeNames: map[string]string{Pass: "pass", Fail: "fail", Insufficient: "insufficient"},
	Accept: map[string]string{
		pilots.SUSAcceptable: "acceptable", pilots.SUSMarginal: "marginal", pilots.SUSNotAcceptable: "not acceptable",
	},
	ReasonAllMet:       "All %d criteria are met.",
	ReasonOneMet:       "The criterion is met.",
	ReasonNoCriteria:   "The pilot declares no criteria, so nothing stands against scaling up.",
	ReasonInsufficient: "Too few answers to judge %s criterion “%s” (%s): %d, at least %d needed.",
	ReasonNoData:       "No data to judge %s criterion “%s” (%s).",
	ReasonError:        "The %s criterion “%s” could not be evaluated: %s.",
	ReasonMustFailed:   "Must criterion “%s” is not met: %s is %s, the threshold is %s.",
	ReasonShouldFailed: "Criterion “%s” is not met: %s is %s, the threshold is %s.",
	NoData:             "no data",
}

var swedish = &words{
	Lang:            pilots.LangSwedish,
	Title:           "Rapport inför uppskalning",
	Preliminary:     "Preliminär",
	PreliminaryNote: "Rapporten skrevs innan piloten avslutades. Siffrorna ändras när fler svar kommer in.",
	Final:           "Slutlig",
	Generated:       "Skapad",
	Summary:         "Sammanfattning", Pilot: "Pilot", Period: "Period", Owner: "Ansvarig", Contact: "Kontakt", Status: "Status",
	Candidates: "Kandidater", Participants: "Deltagare",
	Candidate: "Kandidat", Vendor: "Leverantör", Verdict: "Bedömning", Reasons: "Skäl",
	Criteria: "Kriterier", Criterion: "Kriterium", Measure: "Mått", Value: "Uppmätt", Threshold: "Gräns",
	Outcome: "Utfall", Level: "Nivå", Must: "ska", Should: "bör", N: "n",
	Benefits: "Nyttoregister", Benefit: "Nytta", Baseline: "Utgångsläge", Measured: "Uppmätt", Target: "Mål",
	Share: "Andel av målet", BenefitOwner: "Nyttoägare", Unit: "Enhet",
	Instruments: "Enkäter och instrument", Survey: "Enkät", Responses: "Svar", Answers: "Svar",
	Mean: "Medel", Median: "Median", SD: "SD", CI: "95 % KI", Min: "Min", Max: "Max", Grade: "Betyg",
	Acceptability: "Acceptans", Item: "Påstående", ItemDistribution: "Svar per påstående (1 = instämmer inte alls)",
	SUSEquivalent: "SUS-motsvarighet", NPS: "Net Promoter Score", Promoters: "Ambassadörer (9–10)",
	Passives: "Passiva (7–8)", Detractors: "Kritiker (0–6)", Score: "Poäng",
	Option: "Alternativ", Count: "Antal", Comments: "Kommentarer", CommentsShown: "Visar %d av %d kommentarer.",
	NoAnswers: "Inga svar än.", Question: "Fråga",
	Participation: "Deltagande", Cohort: "Grupp", Planned: "Planerat", Invited: "Inbjudna", Revoked: "Återkallade",
	Answered: "Har svarat", ResponseRate: "Svarsfrekvens", ActiveUse: "Aktiv användning",
	Operations: "Drift", Uptime: "Tillgänglighet", Incidents: "Avbrott", NoIncidents: "Inga avbrott registrerade.",
	Restarts: "Omstarter", Limits: "Resursgränser", DataAtClose: "Data vid avslut", Service: "Tjänst",
	Start: "Början", End: "Slut", Duration: "Längd (min)", Reason: "Orsak", Ongoing: "pågår",
	Classification: "Informationsklassning (KLASSA)", Confidentiality: "Konfidentialitet", Integrity: "Riktighet",
	Availability: "Tillgänglighet", Retention: "Gallring", Keep: "Svar sparas efter avslut", Decision: "Gallringsbeslut",
	Exported: "Exporteras vid avslut", Days: "dagar",
	Method: "Metod",
	MethodText: []string{
		"SUS (System Usability Scale, Brooke 1996): varje svarandes tio svar (1–5) poängsätts: udda påståenden ger svar−1, jämna 5−svar; summan (0–40) gånger 2,5 ger 0–100. Bara den som svarat på alla tio påståenden räknas. Betyget följer Sauro och Lewis kurvade betygsskala, acceptansen Bangor, Kortum och Miller (2008): acceptabel från 70, marginell från 50. 68 är genomsnittet i jämförande studier.",
		"UMUX-Lite (Lewis, Utesch och Maher 2013): två påståenden på skalan 1–7, ((påstående 1 − 1) + (påstående 2 − 1)) / 12 × 100. Måttet umux_lite är denna råpoäng; SUS-motsvarigheten 0,65 × poäng + 22,9 visas bredvid.",
		"NPS (Net Promoter Score): andelen ambassadörer (9–10) minus andelen kritiker (0–6) bland svaren på skalan 0–10, från −100 till 100. Måttet nps tas från pilotens sista fråga av typen nps.",
		"Konfidensintervall: 95 %-intervallet för ett medelvärde är medel ± t(0,975, n−1) × SD / √n, med Students t-fördelning (Sauro och Lewis 2016). Med färre än 2 svar finns inget intervall.",
		"sus och umux_lite tas från den sista enkät som har instrumentet. Medianer för skalfrågor är exakta och räknas från antalet svar per skalsteg.",
		"Svarsfrekvens: deltagare som svarat på minst en enkät, delat med de inbjudna vars inbjudan inte återkallats. Anonyma svar saknar deltagare och räknas därför bara som en nedre gräns (flest anonyma svar på en och samma enkät). Aktiv användning: inbjudna som använt kandidaten via pilotbed minst en dag, delat med samma antal.",
		"Otillräckligt underlag: ett mått som vilar på färre än %d svar (för svarsfrekvens och aktiv användning: färre än %d inbjudna), eller på inga data alls, redovisas men räknas inte som tillförlitligt. Bedömning: om ett ska-kriteriums mått är otillräckligt blir bedömningen insufficient_data; annars om ett ska-kriterium inte uppfylls, stop; annars om ett bör-kriterium inte uppfylls eller är otillräckligt, iterate; annars scale_up.",
		"Nyttoregister: andel av målet = (uppmätt − utgångsläge) / (mål − utgångsläge). För en nytta som minskar något (målet under utgångsläget) är det (utgångsläge − uppmätt) / (utgångsläge − mål). Utan utgångsläge är det uppmätt / mål. 100 % betyder att målet nåtts; andelen begränsas inte.",
	},
	SUSChart: "SUS-medelvärde per kandidat med 95 % konfidensintervall; linjen markerar 68, genomsnittet i jämförande studier",
	NPSChart: "Andel kritiker, passiva och ambassadörer per kandidat", UptimeChart: "Tillgänglighet under pilotperioden; rött markerar avbrott",
	LikertChart: "Svar per skalsteg", Reference68: "68 (genomsnitt)",
	Ignored: "%d svar kunde inte knytas till en grupp eller enkät i piloten och har utelämnats.",
	VerdictNames: map[Verdict]string{
		ScaleUp: "Skala upp", Iterate: "Iterera", Stop: "Avbryt", InsufficientData: "Otillräckligt underlag",
	},
	OutcomeNames: map[string]string{Pass: "uppfyllt", Fail: "ej uppfyllt", Insufficient: "otillräckligt"},
	Accept: map[string]string{
		pilots.SUSAcceptable: "acceptabel", pilots.SUSMarginal: "marginell", pilots.SUSNotAcceptable: "inte acceptabel",
	},
	ReasonAllMet:       "Alla %d kriterier är uppfyllda.",
	ReasonOneMet:       "Kriteriet är uppfyllt.",
	ReasonNoCriteria:   "Piloten anger inga kriterier, så inget talar emot uppskalning.",
	ReasonInsufficient: "För få svar för att bedöma %s-kriteriet ”%s” (%s): %d, minst %d behövs.",
	ReasonNoData:       "Inga data för att bedöma %s-kriteriet ”%s” (%s).",
	ReasonError:        "%s-kriteriet ”%s” kunde inte beräknas: %s.",
	ReasonMustFailed:   "Ska-kriteriet ”%s” är inte uppfyllt: %s är %s, gränsen är %s.",
	ReasonShouldFailed: "Kriteriet ”%s” är inte uppfyllt: %s är %s, gränsen är %s.",
	NoData:             "inga data",
}

func wordsFor(lang string) *words {
	if lang == pilots.LangEnglish {
		return english
	}
	return swedish
}

// num formats a figure for reading: one decimal from 10 up, two from 1,
// four below (so 0.9895 is not shown as a passing 0.99), trailing zeros
// trimmed, and a decimal comma in Swedish.
func (w *words) num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	prec := 4
	switch a := math.Abs(v); {
	case a >= 10:
		prec = 1
	case a >= 1:
		prec = 2
	}
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	if w.Lang == pilots.LangSwedish {
		s = strings.Replace(s, ".", ",", 1)
		s = strings.Replace(s, "-", "−", 1)
	}
	return s
}

// numPtr formats an optional figure; nil reads "–".
func (w *words) numPtr(v *float64) string {
	if v == nil {
		return "–"
	}
	return w.num(*v)
}

// pct formats a share 0..1 as a whole percentage.
func (w *words) pct(v *float64) string {
	if v == nil {
		return "–"
	}
	return w.percent(strconv.FormatFloat(math.Round(*v*100), 'f', 0, 64))
}

// percent writes a number of percent, given as digits with a decimal
// point: "99.5%" in English, "99,5 %" in Swedish.
func (w *words) percent(digits string) string {
	if w.Lang == pilots.LangSwedish {
		return strings.Replace(digits, ".", ",", 1) + " %"
	}
	return digits + "%"
}

func (w *words) date(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return pilots.DayOf(t)
}

// lastDay formats the end of a period as its last day: an end written as a
// date is decoded as the midnight after it.
func (w *words) lastDay(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return pilots.LastDayOf(t)
}

func (w *words) timestamp(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// threshold describes a criterion's bounds: "≥ 68", "≤ 0.2", "0.5–0.9".
func (w *words) threshold(lo, hi *float64) string {
	switch {
	case lo != nil && hi != nil:
		return w.num(*lo) + "–" + w.num(*hi)
	case lo != nil:
		return "≥ " + w.num(*lo)
	case hi != nil:
		return "≤ " + w.num(*hi)
	}
	return "–"
}

func (w *words) level(must bool) string {
	if must {
		return w.Must
	}
	return w.Should
}

func (w *words) nStr(n *int) string {
	if n == nil {
		return "–"
	}
	return strconv.Itoa(*n)
}

// methodNotes returns the method notes with the thresholds filled in.
func (w *words) methodNotes() []string {
	notes := make([]string, len(w.MethodText))
	for i, t := range w.MethodText {
		if strings.Contains(t, "%d") {
			t = fmt.Sprintf(t, MinAnswers, MinAnswers)
		}
		notes[i] = t
	}
	return notes
}

// statusSV names a pilot's status in Swedish; English uses the status as is.
var statusSV = map[string]string{
	"draft": "utkast", "scheduled": "schemalagd", "provisioning": "startar", "running": "pågår",
	"closing": "avslutas", "closed": "avslutad", "promoted": "vidare till upphandling",
	"stopped": "stoppad", "withdrawn": "återtagen", "failed": "misslyckad start",
}

// status names a pilot's status in the report's language.
func (w *words) status(s string) string {
	if w.Lang == pilots.LangSwedish {
		if n, ok := statusSV[s]; ok {
			return n
		}
	}
	return s
}
