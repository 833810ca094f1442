package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

// assemble turns the accumulated sums into the report.
func assemble(spec *pilots.Spec, in Input, acc *accumulator) *Report {
	w := wordsFor(spec.Language)
	r := &Report{
		Version:     Version,
		Language:    w.Lang,
		Preliminary: !in.Final,
		GeneratedAt: in.GeneratedAt.UTC(),
		Method:      Method{MinAnswers: MinAnswers, MaxComments: MaxComments},
		Ignored:     acc.ignored,
		Pilot: PilotInfo{
			ID: in.Pilot.ID, Name: spec.Name, Title: spec.Title, Description: spec.Description,
			Owner: spec.Owner, Contact: spec.Contact, Status: string(in.Pilot.Status),
			Start: spec.Start.UTC(), End: spec.End.UTC(),
			Classification: Classification{
				Confidentiality: spec.Classification.Confidentiality,
				Integrity:       spec.Classification.Integrity,
				Availability:    spec.Classification.Availability,
			},
			Retention: Retention{
				KeepDays: int(spec.Retention.Keep / (24 * time.Hour)),
				Decision: spec.Retention.Decision,
				Export:   slices.Clone(spec.Retention.Export),
			},
		},
		Candidates:    []Candidate{},
		Participation: []Participation{},
	}
	if r.Pilot.Retention.Export == nil {
		r.Pilot.Retention.Export = []string{}
	}

	for i := range spec.Cohorts {
		co := acc.cohorts[spec.Cohorts[i].Name]
		p := Participation{
			Cohort: co.cohort.Name, Candidate: co.cohort.Candidate, Planned: co.cohort.Participants,
			Invited: co.invited, Revoked: co.revoked, Answered: co.answeredLowerBound(),
			Responses: co.responses, ActiveUsers: co.active,
		}
		if co.invited > 0 {
			p.ResponseRate = ptr(float64(p.Answered) / float64(co.invited))
			p.ActiveShare = ptr(float64(p.ActiveUsers) / float64(co.invited))
		}
		r.Participation = append(r.Participation, p)
		r.Pilot.Invited += co.invited
	}

	for i := range spec.Candidates {
		c := &spec.Candidates[i]
		var cohorts []*cohortAcc
		cr := Candidate{Name: c.Name, Vendor: c.Vendor, Cohorts: []string{}}
		for j := range spec.Cohorts {
			if spec.Cohorts[j].Candidate == c.Name {
				co := acc.cohorts[spec.Cohorts[j].Name]
				cohorts = append(cohorts, co)
				cr.Cohorts = append(cr.Cohorts, co.cohort.Name)
				cr.Invited += co.invited
				cr.Answered += co.answeredLowerBound()
			}
		}
		ops := in.Operations[c.Name]
		cand := acc.candidates[c.Name]
		ms := candidateMeasures(spec, cand, cohorts, ops)

		cr.Measures = measuresOf(ms)
		cr.Criteria = criteriaOf(spec, ms)
		cr.Benefits = benefitsOf(spec, ms)
		cr.Verdict, cr.Reasons = verdict(w, cr.Criteria)
		cr.Surveys = surveysOf(spec, cand, w)
		cr.Operations = operationsOf(c, ops, in.GeneratedAt)
		r.Candidates = append(r.Candidates, cr)
	}
	return r
}

func ptr[T any](v T) *T { return &v }

// finite returns a pointer to v, or nil when v is not a finite number, so
// the JSON encoding never meets NaN.
func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func measuresOf(ms *measureSet) []Measure {
	out := make([]Measure, 0, len(ms.order))
	for _, name := range ms.order {
		m := ms.byName[name]
		mr := Measure{Name: name, Sufficient: m.known && m.sufficient}
		if m.known {
			mr.Value = finite(m.value)
		}
		if m.hasN {
			mr.N = ptr(m.n)
		}
		out = append(out, mr)
	}
	return out
}

func criteriaOf(spec *pilots.Spec, ms *measureSet) []CriterionResult {
	out := make([]CriterionResult, 0, len(spec.Criteria))
	for _, c := range spec.Criteria {
		cr := CriterionResult{Name: c.Name, Measure: c.Measure.Source, AtLeast: c.AtLeast, AtMost: c.AtMost, Must: c.Must, Outcome: Insufficient}
		ev, err := ms.evaluate(c.Measure)
		if err != nil {
			cr.Error = err.Error()
			out = append(out, cr)
			continue
		}
		cr.Value, cr.N = ev.value, ev.n
		if ev.value != nil && ev.sufficient {
			v := *ev.value
			cr.Outcome = Pass
			if (c.AtLeast != nil && v < *c.AtLeast) || (c.AtMost != nil && v > *c.AtMost) {
				cr.Outcome = Fail
			}
		}
		out = append(out, cr)
	}
	return out
}

func benefitsOf(spec *pilots.Spec, ms *measureSet) []BenefitResult {
	out := make([]BenefitResult, 0, len(spec.Benefits))
	for _, b := range spec.Benefits {
		br := BenefitResult{Name: b.Name, Description: b.Description, Unit: b.Unit, Owner: b.Owner, Sufficient: true}
		var errs []string
		eval := func(e pilots.Expr) *float64 {
			if e.IsZero() {
				return nil
			}
			ev, err := ms.evaluate(e)
			if err != nil {
				errs = append(errs, err.Error())
				br.Sufficient = false
				return nil
			}
			if !ev.sufficient {
				br.Sufficient = false
			}
			if ev.n != nil && (br.N == nil || *ev.n < *br.N) {
				br.N = ev.n
			}
			return ev.value
		}
		br.Measured = eval(b.Measure)
		br.Baseline = eval(b.Baseline)
		br.Target = eval(b.Target)
		if br.Measured == nil || br.Target == nil || (!b.Baseline.IsZero() && br.Baseline == nil) {
			br.Sufficient = false
		}
		br.Share = benefitShare(br.Baseline, br.Measured, br.Target)
		br.Error = strings.Join(errs, "; ")
		out = append(out, br)
	}
	return out
}

// benefitShare is the share of the way from baseline to target that the
// measured value reached (see BenefitResult.Share), or nil when it is not
// defined: a value missing, or target equal to baseline (or zero without
// a baseline).
func benefitShare(baseline, measured, target *float64) *float64 {
	if measured == nil || target == nil {
		return nil
	}
	if baseline == nil {
		if *target == 0 {
			return nil
		}
		return finite(*measured / *target)
	}
	span := *target - *baseline
	if span == 0 {
		return nil
	}
	return finite((*measured - *baseline) / span)
}

// verdict applies the rule of the method notes to a candidate's criteria
// and explains it: the reasons that decide the verdict come first.
func verdict(w *words, criteria []CriterionResult) (Verdict, []string) {
	var mustInsufficient, mustFailed, shouldOpen []string
	for _, c := range criteria {
		level := w.level(c.Must)
		switch c.Outcome {
		case Pass:
			continue
		case Fail:
			if c.Must {
				mustFailed = append(mustFailed, fmt.Sprintf(w.ReasonMustFailed, c.Name, c.Measure, w.numPtr(c.Value), w.threshold(c.AtLeast, c.AtMost)))
			} else {
				shouldOpen = append(shouldOpen, fmt.Sprintf(w.ReasonShouldFailed, c.Name, c.Measure, w.numPtr(c.Value), w.threshold(c.AtLeast, c.AtMost)))
			}
			continue
		}
		var reason string
		switch {
		case c.Error != "":
			reason = fmt.Sprintf(w.ReasonError, level, c.Name, c.Error)
			if w.Lang == pilots.LangSwedish {
				reason = strings.ToUpper(reason[:1]) + reason[1:]
			}
		case c.N != nil && *c.N < MinAnswers:
			reason = fmt.Sprintf(w.ReasonInsufficient, level, c.Name, c.Measure, *c.N, MinAnswers)
		default:
			reason = fmt.Sprintf(w.ReasonNoData, level, c.Name, c.Measure)
		}
		if c.Must {
			mustInsufficient = append(mustInsufficient, reason)
		} else {
			shouldOpen = append(shouldOpen, reason)
		}
	}
	reasons := slices.Concat(mustInsufficient, mustFailed, shouldOpen)
	switch {
	case len(mustInsufficient) > 0:
		return InsufficientData, reasons
	case len(mustFailed) > 0:
		return Stop, reasons
	case len(shouldOpen) > 0:
		return Iterate, reasons
	case len(criteria) == 0:
		return ScaleUp, []string{w.ReasonNoCriteria}
	}
	if len(criteria) == 1 {
		return ScaleUp, []string{w.ReasonOneMet}
	}
	return ScaleUp, []string{fmt.Sprintf(w.ReasonAllMet, len(criteria))}
}

func summaryOf(s pilots.Stats) Summary {
	if s.N == 0 {
		return Summary{}
	}
	out := Summary{N: s.N, Mean: finite(s.Mean), Median: finite(s.Median), SD: finite(s.SD), Min: finite(s.Min), Max: finite(s.Max)}
	if s.HasCI {
		out.CI95Low, out.CI95High = finite(s.CI95Low), finite(s.CI95High)
	}
	return out
}

// npsOf is the Net Promoter Score of an nps question, whose counts are
// those of the points 0..10 (pilots.ScaleRange).
func npsOf(qa *questionAcc) pilots.NPSResult {
	return pilots.NPSOfCounts([11]int(qa.counts))
}

func surveysOf(spec *pilots.Spec, cand *candidateAcc, w *words) []SurveyResult {
	out := make([]SurveyResult, 0, len(cand.surveys))
	for _, sa := range cand.surveys {
		s := sa.survey
		sr := SurveyResult{Name: s.Name, Title: s.Title.In(w.Lang), Anonymous: s.Anonymous, Responses: sa.responses, Questions: []QuestionResult{}}
		if sa.sus != nil {
			st := sa.sus.run.Stats(sa.sus.median())
			res := &SUSResult{Score: summaryOf(st), Items: itemsOf(sa, sa.susItems[:], w)}
			if st.N > 0 {
				res.Grade, res.Acceptability = pilots.SUSGrade(st.Mean), pilots.SUSAcceptability(st.Mean)
			}
			sr.SUS = res
		}
		if sa.umux != nil {
			st := sa.umux.run.Stats(sa.umux.median())
			res := &UMUXLiteResult{Score: summaryOf(st), Items: itemsOf(sa, sa.umuxItems[:], w)}
			if st.N > 0 {
				res.SUSEquivalent = finite(pilots.UMUXLiteSUSEquivalent(st.Mean))
			}
			sr.UMUXLite = res
		}
		for _, qa := range sa.questions {
			q := qa.q
			if (q.Instrument == pilots.InstrumentSUS && sa.sus != nil) || (q.Instrument == pilots.InstrumentUMUXLite && sa.umux != nil) {
				continue // shown with its instrument
			}
			qr := QuestionResult{Name: q.Name, Type: string(q.Type), Text: q.Text.In(w.Lang), Unit: q.Unit, Answers: qa.answers}
			if numeric(q.Type) {
				st := summaryOf(qa.run.Stats(qa.median()))
				qr.Stats = &st
			}
			if qa.counts != nil {
				qr.Low, qr.Counts = qa.lo, slices.Clone(qa.counts)
				for _, l := range q.Labels {
					qr.Labels = append(qr.Labels, l.In(w.Lang))
				}
			}
			if q.Type == pilots.NPS {
				n := npsOf(qa)
				qr.NPS = &NPSResult{Promoters: n.Promoters, Passives: n.Passives, Detractors: n.Detractors, N: n.N}
				if n.N > 0 {
					qr.NPS.Score = finite(n.Score)
				}
			}
			if qa.options != nil {
				qr.Options = make([]OptionCount, len(q.Options))
				for j, o := range q.Options {
					qr.Options[j] = OptionCount{Value: o.Value, Text: o.Text.In(w.Lang), Count: qa.chosen[j]}
				}
			}
			if q.Type == pilots.Free {
				qr.Comments, qr.CommentsTotal = slices.Clone(qa.comments), qa.commentsTotal
			}
			sr.Questions = append(sr.Questions, qr)
		}
		out = append(out, sr)
	}
	return out
}

func itemsOf(sa *surveyAcc, idx []int, w *words) []ItemDistribution {
	out := make([]ItemDistribution, len(idx))
	for k, qi := range idx {
		qa := sa.questions[qi]
		out[k] = ItemDistribution{Item: k + 1, Question: qa.q.Name, Text: qa.q.Text.In(w.Lang), Counts: slices.Clone(qa.counts)}
	}
	return out
}

func operationsOf(c *pilots.Candidate, ops Operations, now time.Time) OperationsResult {
	o := OperationsResult{Restarts: ops.Restarts, Limits: ops.Limits, DataAtClose: ops.DataAtClose, Incidents: []IncidentResult{}}
	if ops.Uptime != nil {
		o.Uptime = finite(*ops.Uptime)
	}
	if o.Limits == "" {
		o.Limits = specLimits(c)
	}
	for _, inc := range ops.Incidents {
		ir := IncidentResult{Service: inc.Service, Start: inc.Start.UTC(), Reason: inc.Reason}
		end := inc.End
		if end.IsZero() {
			end = now
		} else {
			ir.End = ptr(inc.End.UTC())
		}
		if d := end.Sub(inc.Start); d > 0 {
			ir.Minutes = math.Round(d.Minutes()*10) / 10
		}
		o.Incidents = append(o.Incidents, ir)
	}
	slices.SortStableFunc(o.Incidents, func(a, b IncidentResult) int { return a.Start.Compare(b.Start) })
	return o
}

// specLimits describes the declared limits of a candidate's services:
// "web: 256MiB, 0.5 CPU, 256 PIDs".
func specLimits(c *pilots.Candidate) string {
	parts := make([]string, 0, len(c.Services))
	for _, s := range c.Services {
		parts = append(parts, fmt.Sprintf("%s: %s, %g CPU, %d PIDs", s.Name, bytesString(s.MemoryBytes), s.CPUs, s.PIDs))
	}
	return strings.Join(parts, "; ")
}

func bytesString(b int64) string {
	switch {
	case b <= 0:
		return "–"
	case b%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", b>>30)
	case b%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", b>>20)
	case b%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", b>>10)
	}
	return fmt.Sprintf("%dB", b)
}
