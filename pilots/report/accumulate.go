package report

import (
	"math"

	"github.com/pilotbed/pilotbed/pilots"
)

// accumulator reads the responses once and keeps per candidate, survey and
// question only what the figures need: running sums, counts per scale
// point (from which medians of scales are exact) and the values of number
// questions (whose medians need them).
type accumulator struct {
	spec         *pilots.Spec
	candidates   map[string]*candidateAcc // by candidate name
	cohorts      map[string]*cohortAcc    // by cohort name
	participants map[string]*participantInfo
	ignored      int
}

type participantInfo struct {
	cohort   string
	revoked  bool
	answered bool
	active   bool
}

type cohortAcc struct {
	cohort    *pilots.Cohort
	invited   int
	revoked   int
	answered  int            // named respondents, not revoked
	anonymous map[string]int // responses without participant, by survey
	responses int
	active    int
}

type candidateAcc struct {
	surveys []*surveyAcc // aligned with spec.Surveys
}

type surveyAcc struct {
	survey    *pilots.Survey
	responses int
	questions []*questionAcc // aligned with survey.Questions
	sus       *scoreAcc      // nil when the survey has no SUS
	susItems  [10]int        // question index of each SUS item
	umux      *scoreAcc
	umuxItems [2]int
}

// scoreAcc accumulates instrument scores, which take few distinct values:
// SUS scores are multiples of 2.5 (41 values), UMUX-Lite raw scores
// multiples of 100/12 (13 values), so a count per value gives the exact
// median.
type scoreAcc struct {
	run  pilots.Running
	bins []int
	step float64
}

func (s *scoreAcc) add(v float64) {
	s.run.Add(v)
	i := int(math.Round(v / s.step))
	if i >= 0 && i < len(s.bins) {
		s.bins[i]++
	}
}

func (s *scoreAcc) median() float64 {
	return binMedian(s.bins, func(i int) float64 { return float64(i) * s.step })
}

type questionAcc struct {
	q       *pilots.Question
	answers int
	run     pilots.Running
	lo      int   // value of counts[0]
	counts  []int // scale questions
	values  []float64
	options map[string]int // choice value -> index
	chosen  []int
	// comments are the first MaxComments free-text answers.
	comments      []string
	commentsTotal int
}

func newAccumulator(spec *pilots.Spec, participants []pilots.Participant) *accumulator {
	a := &accumulator{
		spec:         spec,
		candidates:   map[string]*candidateAcc{},
		cohorts:      map[string]*cohortAcc{},
		participants: make(map[string]*participantInfo, len(participants)),
	}
	for i := range spec.Candidates {
		c := &candidateAcc{}
		for j := range spec.Surveys {
			c.surveys = append(c.surveys, newSurveyAcc(&spec.Surveys[j]))
		}
		a.candidates[spec.Candidates[i].Name] = c
	}
	for i := range spec.Cohorts {
		a.cohorts[spec.Cohorts[i].Name] = &cohortAcc{cohort: &spec.Cohorts[i], anonymous: map[string]int{}}
	}
	for _, p := range participants {
		info := &participantInfo{cohort: p.Cohort, revoked: p.RevokedAt != nil}
		a.participants[p.ID] = info
		if c, ok := a.cohorts[p.Cohort]; ok {
			if info.revoked {
				c.revoked++
			} else {
				c.invited++
			}
		}
	}
	return a
}

func newSurveyAcc(s *pilots.Survey) *surveyAcc {
	sa := &surveyAcc{survey: s}
	susFound, umuxFound := 0, 0
	for i := range s.Questions {
		q := &s.Questions[i]
		qa := &questionAcc{q: q}
		if lo, hi, ok := pilots.ScaleRange(*q); ok {
			qa.lo, qa.counts = lo, make([]int, hi-lo+1)
		}
		switch q.Type {
		case pilots.Choice, pilots.Choices:
			qa.options = make(map[string]int, len(q.Options))
			for j, o := range q.Options {
				qa.options[o.Value] = j
			}
			qa.chosen = make([]int, len(q.Options))
		}
		sa.questions = append(sa.questions, qa)
		switch {
		case q.Instrument == pilots.InstrumentSUS && q.Item >= 1 && q.Item <= 10:
			sa.susItems[q.Item-1] = i
			susFound |= 1 << q.Item
		case q.Instrument == pilots.InstrumentUMUXLite && q.Item >= 1 && q.Item <= 2:
			sa.umuxItems[q.Item-1] = i
			umuxFound |= 1 << q.Item
		}
	}
	// An instrument is scored only when all its items are there.
	if susFound == 0b11111111110 {
		sa.sus = &scoreAcc{bins: make([]int, 41), step: 2.5}
	}
	if umuxFound == 0b110 {
		sa.umux = &scoreAcc{bins: make([]int, 13), step: 100.0 / 12}
	}
	return sa
}

// add takes one response into the sums. A response of an unknown cohort or
// survey is counted as ignored; an answer that does not fit its question
// (out of range, not an option) is skipped, so a stale row cannot distort
// a figure.
func (a *accumulator) add(r pilots.Response) {
	co, ok := a.cohorts[r.Cohort]
	if !ok && r.Participant != "" {
		// The store fills Cohort in; fall back to the participant's.
		if p, known := a.participants[r.Participant]; known {
			co, ok = a.cohorts[p.cohort]
		}
	}
	if !ok {
		a.ignored++
		return
	}
	cand, ok := a.candidates[co.cohort.Candidate]
	if !ok {
		a.ignored++
		return
	}
	var sa *surveyAcc
	for _, s := range cand.surveys {
		if s.survey.Name == r.Survey {
			sa = s
			break
		}
	}
	if sa == nil {
		a.ignored++
		return
	}

	co.responses++
	if r.Participant == "" {
		co.anonymous[r.Survey]++
	} else if p, known := a.participants[r.Participant]; known && !p.answered {
		p.answered = true
		if !p.revoked {
			co.answered++
		}
	}

	sa.responses++
	for _, qa := range sa.questions {
		if ans, ok := r.Answers[qa.q.Name]; ok {
			qa.add(ans)
		}
	}
	if sa.sus != nil {
		var items [10]int
		complete := true
		for k, qi := range sa.susItems {
			ans := r.Answers[sa.questions[qi].q.Name]
			if ans.Int == nil {
				complete = false
				break
			}
			items[k] = *ans.Int
		}
		if complete {
			if score, err := pilots.SUS(items); err == nil {
				sa.sus.add(score)
			}
		}
	}
	if sa.umux != nil {
		a1 := r.Answers[sa.questions[sa.umuxItems[0]].q.Name]
		a2 := r.Answers[sa.questions[sa.umuxItems[1]].q.Name]
		if a1.Int != nil && a2.Int != nil {
			if raw, _, err := pilots.UMUXLite(*a1.Int, *a2.Int); err == nil {
				sa.umux.add(raw)
			}
		}
	}
}

func (qa *questionAcc) add(ans pilots.Answer) {
	switch qa.q.Type {
	case pilots.Likert, pilots.Rating, pilots.NPS:
		if ans.Int == nil {
			return
		}
		i := *ans.Int - qa.lo
		if i < 0 || i >= len(qa.counts) {
			return
		}
		qa.counts[i]++
		qa.run.Add(float64(*ans.Int))
	case pilots.Number:
		v, ok := ans.Float()
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		qa.run.Add(v)
		qa.values = append(qa.values, v)
	case pilots.Choice:
		j, ok := qa.options[ans.Choice]
		if !ok {
			return
		}
		qa.chosen[j]++
	case pilots.Choices:
		if len(ans.Choices) == 0 {
			return
		}
		// An option named twice counts once, as pilots.ChoiceCounts does.
		seen := 0
		for _, v := range ans.Choices {
			j, ok := qa.options[v]
			if !ok {
				continue
			}
			if j < 63 {
				if seen&(1<<j) != 0 {
					continue
				}
				seen |= 1 << j
			}
			qa.chosen[j]++
		}
	case pilots.Free:
		if ans.Text == "" {
			return
		}
		qa.commentsTotal++
		if len(qa.comments) < MaxComments {
			qa.comments = append(qa.comments, ans.Text)
		}
	default:
		return
	}
	qa.answers++
}

// addUsage marks the participants who used their candidate on any day.
func (a *accumulator) addUsage(usage []pilots.Usage) {
	for _, u := range usage {
		if u.Requests <= 0 {
			continue
		}
		p, ok := a.participants[u.Participant]
		if !ok || p.active {
			continue
		}
		p.active = true
		if c, ok := a.cohorts[p.cohort]; ok && !p.revoked {
			c.active++
		}
	}
}

// answeredLowerBound is a cohort's distinct respondents: the named ones, or
// when more the most anonymous responses to one survey (each comes from a
// different participant), never more than were invited.
func (c *cohortAcc) answeredLowerBound() int {
	n := c.answered
	for _, k := range c.anonymous {
		n = max(n, k)
	}
	if n > c.invited {
		n = c.invited
	}
	return n
}

// binMedian returns the median of a sample given as counts per value.
func binMedian(counts []int, value func(i int) float64) float64 {
	n := 0
	for _, c := range counts {
		n += c
	}
	if n == 0 {
		return 0
	}
	at := func(k int) float64 { // the k-th (0-based) value in sorted order
		for i, c := range counts {
			if k < c {
				return value(i)
			}
			k -= c
		}
		return value(len(counts) - 1)
	}
	if n%2 == 1 {
		return at(n / 2)
	}
	return (at(n/2-1) + at(n/2)) / 2
}
