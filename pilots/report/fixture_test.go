package report

import (
	"fmt"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

// The fixed data set of the tests: a pilot of two candidates whose figures
// are worked out by hand in the comments below and checked in
// TestHandComputed.

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func f64(v float64) *float64 { return &v }
func intp(v int) *int        { return &v }

func text(sv, en string) pilots.Text { return pilots.Text{"sv": sv, "en": en} }

func susQuestions() []pilots.Question {
	qs := make([]pilots.Question, 10)
	for i := range qs {
		qs[i] = pilots.Question{
			Name: fmt.Sprintf("sus_%d", i+1), Type: pilots.Likert, Scale: 5,
			Text: text("Påstående", "Statement"), Instrument: pilots.InstrumentSUS, Item: i + 1,
		}
	}
	return qs
}

func umuxQuestions() []pilots.Question {
	return []pilots.Question{
		{Name: "umux_lite_1", Type: pilots.Likert, Scale: 7, Text: text("Kraven", "Requirements"), Instrument: pilots.InstrumentUMUXLite, Item: 1},
		{Name: "umux_lite_2", Type: pilots.Likert, Scale: 7, Text: text("Lätt", "Easy"), Instrument: pilots.InstrumentUMUXLite, Item: 2},
	}
}

func fixtureSpec(lang string) pilots.Spec {
	final := pilots.Survey{
		Name: "final", Title: text("Slutenkät", "Final survey"),
		Opens: day("2027-03-17"), Closes: day("2027-03-31"),
		Questions: append(susQuestions(),
			pilots.Question{Name: "recommend", Type: pilots.NPS, Text: text("Rekommendera?", "Recommend?")},
			pilots.Question{Name: "minutes", Type: pilots.Number, Unit: "min", Text: text("Minuter nu?", "Minutes now?")},
			pilots.Question{Name: "ease", Type: pilots.Likert, Scale: 5, Text: text("Lätt att använda", "Easy to use"),
				Labels: []pilots.Text{text("Inte alls", "Not at all"), {}, {}, {}, text("Helt", "Fully")}},
			pilots.Question{Name: "tool", Type: pilots.Choice, Optional: true, Text: text("Verktyg", "Tool"),
				Options: []pilots.Option{{Value: "app", Text: text("App", "App")}, {Value: "web", Text: text("Webb", "Web")}}},
			pilots.Question{Name: "comment", Type: pilots.Free, Optional: true, Text: text("Något mer?", "Anything else?")},
		),
	}
	return pilots.Spec{
		Name: "digital-nattillsyn", Title: "Digital nattillsyn i hemtjänsten",
		Description: "Kameratillsyn nattetid som alternativ till fysiska besök.",
		Owner:       "Vård- och omsorgsförvaltningen", Contact: "testledare@mittkoping.se",
		Start: day("2027-01-11"), End: day("2027-03-31"), Language: lang,
		Classification: pilots.Classification{Confidentiality: 2, Integrity: 2, Availability: 1},
		Retention:      pilots.Retention{Keep: 365 * 24 * time.Hour, Decision: "KS 2026/123", Export: []string{"responses", "report"}},
		Candidates: []pilots.Candidate{
			{Name: "leverantor-a", Vendor: "Leverantör A AB", Entry: "web", Services: []pilots.Service{
				{Name: "web", MemoryBytes: 256 << 20, CPUs: 0.5, PIDs: 256},
			}},
			{Name: "leverantor-b", Vendor: "Leverantör B AB", Entry: "web", Services: []pilots.Service{
				{Name: "web", MemoryBytes: 512 << 20, CPUs: 1, PIDs: 256},
			}},
		},
		Cohorts: []pilots.Cohort{
			{Name: "vaster", Candidate: "leverantor-a", Participants: 6},
			{Name: "oster", Candidate: "leverantor-b", Participants: 6},
		},
		Surveys: []pilots.Survey{
			{Name: "baseline", Title: text("Nuläge", "Baseline"), Opens: day("2027-01-11"), Closes: day("2027-01-18"),
				Questions: []pilots.Question{{Name: "minutes", Type: pilots.Number, Unit: "min", Text: text("Minuter i dag?", "Minutes today?")}}},
			final,
		},
		Benefits: []pilots.Benefit{{
			Name: "tid-per-besok", Description: "Minskad tid per tillsynsbesök",
			Measure:  pilots.Expr{Source: "survey.final.minutes.mean", Filename: "pilot.hcl", Line: 90, Column: 19},
			Baseline: pilots.Expr{Source: "survey.baseline.minutes.mean", Filename: "pilot.hcl", Line: 91, Column: 19},
			Target:   pilots.Expr{Source: "10", Filename: "pilot.hcl", Line: 92, Column: 19},
			Unit:     "min", Owner: "Enhetschef hemtjänst",
		}},
		Criteria: []pilots.Criterion{
			{Name: "anvandbarhet", Measure: pilots.Expr{Source: "sus", Filename: "pilot.hcl", Line: 98, Column: 16}, AtLeast: f64(68), Must: true},
			{Name: "tillganglighet", Measure: pilots.Expr{Source: "uptime", Filename: "pilot.hcl", Line: 103, Column: 16}, AtLeast: f64(0.99)},
			{Name: "svarsfrekvens", Measure: pilots.Expr{Source: "response_rate", Filename: "pilot.hcl", Line: 107, Column: 16}, AtLeast: f64(0.6)},
		},
	}
}

// finalAnswers builds a final-survey response's answers.
func finalAnswers(sus [10]int, recommend int, minutes float64, ease int, tool, comment string) pilots.Answers {
	a := pilots.Answers{}
	for i, v := range sus {
		a[susQuestions()[i].Name] = pilots.Answer{Int: intp(v)}
	}
	a["recommend"] = pilots.Answer{Int: intp(recommend)}
	a["minutes"] = pilots.Answer{Number: f64(minutes)}
	a["ease"] = pilots.Answer{Int: intp(ease)}
	if tool != "" {
		a["tool"] = pilots.Answer{Choice: tool}
	}
	if comment != "" {
		a["comment"] = pilots.Answer{Text: comment}
	}
	return a
}

func baselineAnswers(minutes float64) pilots.Answers {
	return pilots.Answers{"minutes": {Number: f64(minutes)}}
}

// fixtureResponses are the responses of the pilot.
//
// Candidate A (cohort vaster, P-0001..P-0006, all invited):
//
//	SUS, odd items answer-1, even items 5-answer, sum × 2.5:
//	P1 [5,1,5,1,5,1,5,1,4,2]: odd 4+4+4+4+3=19, even 4+4+4+4+3=19, 38 → 95
//	P2 [4,2,4,2,4,2,4,2,4,2]: odd 15, even 15, 30 → 75
//	P3 [4,2,4,2,3,2,4,2,4,3]: odd 3+3+2+3+3=14, even 3+3+3+3+2=14, 28 → 70
//	P4 [3,2,4,3,3,2,4,2,3,3]: odd 2+3+2+3+2=12, even 3+2+3+3+2=13, 25 → 62.5
//	P5 [5,2,4,1,4,2,5,2,4,2]: odd 4+3+3+4+3=17, even 3+4+3+3+3=16, 33 → 82.5
//	mean = 385/5 = 77; median = 75
//	deviations 18, -2, -7, -14.5, 5.5; squares 324+4+49+210.25+30.25 = 617.5
//	SD = √(617.5/4) = √154.375 = 12.424773
//	t(0.975, 4) = 2.776445; half-width = 2.776445 × 12.424773/√5 = 15.427393
//	95% CI = 61.572607 .. 92.427393; grade B (74.1–77.1), acceptable (≥ 70)
//	NPS answers 10, 9, 8, 6, 10: promoters 3, passives 1, detractors 1 → 100×(3−1)/5 = 40
//	minutes final 12, 10, 15, 11, 9: mean 57/5 = 11.4, median 11
//	minutes baseline 20, 18, 25, 22, 15: mean 100/5 = 20
//	benefit share (20 − 11.4)/(20 − 10) = 0.86
//	answered 5 of 6 → response rate 0.833333; active use P1..P3 → 3/6 = 0.5
//	verdict scale_up: sus 77 ≥ 68 (n 5), uptime 0.995 ≥ 0.99, rate 0.83 ≥ 0.6
//
// Candidate B (cohort oster, P-0007..P-0012, P-0012 revoked, so 5 invited):
//
//	SUS P7 all 3 → 50; P8 [2,4,...] → 25; P9 [4,2,3,3,3,3,4,2,3,3] → odd 3+2+2+3+2=12, even 3+2+2+3+2=12 → 60
//	mean 45 from 3 answers < 5 → the must criterion is insufficient → insufficient_data
//	P10 answers the baseline only: answered 4 of 5 → 0.8; uptime 0.97 < 0.99 fails
func fixtureResponses() []pilots.Response {
	at := day("2027-03-20")
	rs := []pilots.Response{
		{Survey: "baseline", Cohort: "vaster", Participant: "P-0001", Answers: baselineAnswers(20)},
		{Survey: "baseline", Cohort: "vaster", Participant: "P-0002", Answers: baselineAnswers(18)},
		{Survey: "baseline", Cohort: "vaster", Participant: "P-0003", Answers: baselineAnswers(25)},
		{Survey: "baseline", Cohort: "vaster", Participant: "P-0004", Answers: baselineAnswers(22)},
		{Survey: "baseline", Cohort: "vaster", Participant: "P-0005", Answers: baselineAnswers(15)},
		{Survey: "final", Cohort: "vaster", Participant: "P-0001", Answers: finalAnswers([10]int{5, 1, 5, 1, 5, 1, 5, 1, 4, 2}, 10, 12, 4, "app", "Fungerar bra & snabbt, *särskilt* nattetid.")},
		{Survey: "final", Cohort: "vaster", Participant: "P-0002", Answers: finalAnswers([10]int{4, 2, 4, 2, 4, 2, 4, 2, 4, 2}, 9, 10, 5, "app", "")},
		{Survey: "final", Cohort: "vaster", Participant: "P-0003", Answers: finalAnswers([10]int{4, 2, 4, 2, 3, 2, 4, 2, 4, 3}, 8, 15, 4, "web", "Kameran tappade\nanslutningen två gånger.")},
		{Survey: "final", Cohort: "vaster", Participant: "P-0004", Answers: finalAnswers([10]int{3, 2, 4, 3, 3, 2, 4, 2, 3, 3}, 6, 11, 3, "app", "")},
		{Survey: "final", Cohort: "vaster", Participant: "P-0005", Answers: finalAnswers([10]int{5, 2, 4, 1, 4, 2, 5, 2, 4, 2}, 10, 9, 5, "", "")},
		{Survey: "baseline", Cohort: "oster", Participant: "P-0010", Answers: baselineAnswers(30)},
		{Survey: "final", Cohort: "oster", Participant: "P-0007", Answers: finalAnswers([10]int{3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, 7, 25, 3, "web", "")},
		{Survey: "final", Cohort: "oster", Participant: "P-0008", Answers: finalAnswers([10]int{2, 4, 2, 4, 2, 4, 2, 4, 2, 4}, 3, 28, 2, "web", "Svårt att logga in.")},
		{Survey: "final", Cohort: "oster", Participant: "P-0009", Answers: finalAnswers([10]int{4, 2, 3, 3, 3, 3, 4, 2, 3, 3}, 5, 22, 3, "app", "")},
	}
	for i := range rs {
		rs[i].ID = int64(i + 1)
		rs[i].PilotID = "p_fixture"
		rs[i].SubmittedAt = at
	}
	return rs
}

func fixtureParticipants() []pilots.Participant {
	var ps []pilots.Participant
	for n := 1; n <= 12; n++ {
		p := pilots.Participant{PilotID: "p_fixture", ID: pilots.ParticipantID(n), Cohort: "vaster", CreatedAt: day("2027-01-10")}
		if n > 6 {
			p.Cohort = "oster"
		}
		if n == 12 {
			p.RevokedAt = new(day("2027-02-01"))
		}
		ps = append(ps, p)
	}
	return ps
}

func streamOf(rs []pilots.Response) func(func(pilots.Response) error) error {
	return func(fn func(pilots.Response) error) error {
		for _, r := range rs {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
}

func fixtureInput(lang string) Input {
	spec := fixtureSpec(lang)
	return Input{
		Pilot: pilots.Pilot{
			ID: "p_fixture", Name: spec.Name, Status: pilots.StatusClosed, Spec: spec,
		},
		Final:        true,
		GeneratedAt:  time.Date(2027, 4, 1, 8, 0, 0, 0, time.UTC),
		Participants: fixtureParticipants(),
		Responses:    streamOf(fixtureResponses()),
		Usage: []pilots.Usage{
			{PilotID: "p_fixture", Participant: "P-0001", Day: "2027-01-12", Requests: 14},
			{PilotID: "p_fixture", Participant: "P-0001", Day: "2027-01-13", Requests: 3},
			{PilotID: "p_fixture", Participant: "P-0002", Day: "2027-01-12", Requests: 5},
			{PilotID: "p_fixture", Participant: "P-0003", Day: "2027-02-02", Requests: 1},
			{PilotID: "p_fixture", Participant: "P-0004", Day: "2027-02-02", Requests: 0},
			{PilotID: "p_fixture", Participant: "P-0007", Day: "2027-01-20", Requests: 8},
			{PilotID: "p_fixture", Participant: "P-0012", Day: "2027-01-20", Requests: 8}, // revoked: not counted
		},
		Operations: map[string]Operations{
			"leverantor-a": {
				Uptime: f64(0.995), Restarts: 1, DataAtClose: "Volymer raderade vid avslut",
				Incidents: []Incident{{Service: "web", Start: time.Date(2027, 2, 3, 2, 0, 0, 0, time.UTC), End: time.Date(2027, 2, 3, 4, 0, 0, 0, time.UTC), Reason: "health check failed"}},
			},
			"leverantor-b": {
				Uptime: f64(0.97), Restarts: 3, Limits: "512MiB, 1 CPU, 256 PIDs", DataAtClose: "Volym data behölls (keep)",
				Incidents: []Incident{
					{Service: "web", Start: time.Date(2027, 2, 10, 22, 0, 0, 0, time.UTC), End: time.Date(2027, 2, 11, 6, 30, 0, 0, time.UTC), Reason: "crash loop"},
					{Service: "web", Start: time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC), End: time.Date(2027, 3, 1, 12, 45, 0, 0, time.UTC), Reason: "out of memory"},
				},
			},
		},
	}
}
