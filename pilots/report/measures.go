package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/pilotbed/pilotbed/pilots"
)

// measure is one measure of one candidate.
type measure struct {
	value      float64
	known      bool // false: no data at all
	n          int  // answers behind the value
	hasN       bool // false for measures that do not rest on answers (uptime)
	sufficient bool
}

// measureSet is a candidate's measures by name ("sus",
// "survey.final.minutes.mean", ...) and the evaluation context holding them.
type measureSet struct {
	byName map[string]measure
	order  []string
	ctx    *hcl.EvalContext
}

func (ms *measureSet) set(name string, m measure) {
	if _, dup := ms.byName[name]; !dup {
		ms.order = append(ms.order, name)
	}
	ms.byName[name] = m
}

// answerMeasure is a measure resting on n answers.
func answerMeasure(v float64, n int) measure {
	return measure{value: v, known: n > 0, n: n, hasN: true, sufficient: n >= MinAnswers}
}

// candidateMeasures computes the measures of one candidate from its
// accumulated answers, its cohorts' participation and its operations.
//
// Where the spec has more than one source for a bare measure, the last
// declared one counts: sus and umux_lite come from the last survey with the
// instrument, nps from the last nps question. Pilots put the closing survey
// last, and that is the one a verdict should rest on.
func candidateMeasures(spec *pilots.Spec, cand *candidateAcc, cohorts []*cohortAcc, ops Operations) *measureSet {
	ms := &measureSet{byName: map[string]measure{}}

	var sus, umux *scoreAcc
	var nps *questionAcc
	for _, sa := range cand.surveys {
		if sa.sus != nil {
			sus = sa.sus
		}
		if sa.umux != nil {
			umux = sa.umux
		}
		for _, qa := range sa.questions {
			if qa.q.Type == pilots.NPS {
				nps = qa
			}
		}
	}
	if sus != nil {
		ms.set("sus", answerMeasure(sus.run.Mean(), sus.run.N()))
	}
	if umux != nil {
		ms.set("umux_lite", answerMeasure(umux.run.Mean(), umux.run.N()))
	}
	if nps != nil {
		r := npsOf(nps)
		ms.set("nps", answerMeasure(r.Score, r.N))
	}

	up := measure{hasN: false}
	if ops.Uptime != nil && !math.IsNaN(*ops.Uptime) {
		up = measure{value: *ops.Uptime, known: true, sufficient: true}
	}
	ms.set("uptime", up)

	invited, answered, active := 0, 0, 0
	for _, c := range cohorts {
		invited += c.invited
		answered += c.answeredLowerBound()
		active += c.active
	}
	share := func(k int) measure {
		if invited == 0 {
			return measure{hasN: true}
		}
		return measure{value: float64(k) / float64(invited), known: true, n: invited, hasN: true, sufficient: invited >= MinAnswers}
	}
	ms.set("response_rate", share(answered))
	ms.set("usage.active_share", share(active))

	surveyVals := map[string]cty.Value{}
	for _, sa := range cand.surveys {
		qVals := map[string]cty.Value{}
		for _, qa := range sa.questions {
			prefix := "survey." + sa.survey.Name + "." + qa.q.Name + "."
			count := measure{value: float64(qa.answers), known: true, n: qa.answers, hasN: true, sufficient: true}
			mean, median := measure{hasN: true}, measure{hasN: true}
			if numeric(qa.q.Type) {
				// Text and choice questions have only a count: naming
				// their mean is an error, not missing data.
				if qa.run.N() > 0 {
					mean = answerMeasure(qa.run.Mean(), qa.run.N())
					median = answerMeasure(qa.median(), qa.run.N())
				}
				ms.set(prefix+"mean", mean)
				ms.set(prefix+"median", median)
			}
			ms.set(prefix+"count", count)
			qVals[qa.q.Name] = cty.ObjectVal(map[string]cty.Value{
				"mean": mean.cty(), "median": median.cty(), "count": count.cty(),
			})
		}
		surveyVals[sa.survey.Name] = cty.ObjectVal(qVals)
	}

	vars := map[string]cty.Value{
		"survey": cty.ObjectVal(surveyVals),
		"usage":  cty.ObjectVal(map[string]cty.Value{"active_share": ms.byName["usage.active_share"].cty()}),
	}
	// Every bare measure is a variable, also those the pilot has no
	// instrument for (unknown), so an expression naming one evaluates to
	// "no data" instead of failing.
	for _, name := range pilots.Measures {
		if !strings.Contains(name, ".") {
			vars[name] = ms.byName[name].cty()
		}
	}
	ms.ctx = &hcl.EvalContext{Variables: vars, Functions: functions}
	return ms
}

// cty returns the measure as an HCL value: unknown when there is no data,
// so arithmetic over it yields "no data" rather than an error.
func (m measure) cty() cty.Value {
	if !m.known {
		return cty.UnknownVal(cty.Number)
	}
	return cty.NumberFloatVal(m.value)
}

func numeric(t pilots.QuestionType) bool {
	switch t {
	case pilots.Likert, pilots.Rating, pilots.NPS, pilots.Number:
		return true
	}
	return false
}

func (qa *questionAcc) median() float64 {
	if qa.counts != nil {
		return binMedian(qa.counts, func(i int) float64 { return float64(qa.lo + i) })
	}
	return pilots.Median(qa.values)
}

// functions are the pure numeric functions a measure expression may call.
var functions = map[string]function.Function{
	"abs":      stdlib.AbsoluteFunc,
	"ceil":     stdlib.CeilFunc,
	"floor":    stdlib.FloorFunc,
	"log":      stdlib.LogFunc,
	"max":      stdlib.MaxFunc,
	"min":      stdlib.MinFunc,
	"pow":      stdlib.PowFunc,
	"signum":   stdlib.SignumFunc,
	"coalesce": stdlib.CoalesceFunc,
}

// evaluation is the result of evaluating a measure expression.
type evaluation struct {
	value      *float64
	n          *int // fewest answers behind any measure it names; nil if none rests on answers
	sufficient bool
}

// evaluate evaluates a measure expression over a candidate's measures. An
// expression naming a measure without data is not an error: it has no
// value and is insufficient. An expression that cannot be parsed or
// evaluated returns an error that names its position in the pilot file.
func (ms *measureSet) evaluate(e pilots.Expr) (ev evaluation, err error) {
	defer func() {
		// cty functions panic on a few inputs they do not expect; a
		// report must still be written, with the criterion marked.
		if r := recover(); r != nil {
			ev, err = evaluation{}, fmt.Errorf("%s: evaluating %q failed: %v", position(e), e.Source, r)
		}
	}()
	if strings.TrimSpace(e.Source) == "" {
		return evaluation{}, fmt.Errorf("%s: the expression is empty", position(e))
	}
	start := hcl.Pos{Line: max(e.Line, 1), Column: max(e.Column, 1), Byte: 0}
	expr, diags := hclsyntax.ParseExpression([]byte(e.Source), e.Filename, start)
	if diags.HasErrors() {
		return evaluation{}, diagError(e, diags)
	}

	ev.sufficient = true
	for _, tr := range expr.Variables() {
		name := traversalName(tr)
		m, ok := ms.byName[name]
		if !ok {
			if _, bare := ms.ctx.Variables[name]; bare {
				m = measure{} // a bare measure the pilot does not collect
			} else {
				return evaluation{}, fmt.Errorf("%s: %q is not a measure of this pilot (in %q)", rangePosition(tr.SourceRange()), name, e.Source)
			}
		}
		if !m.sufficient {
			ev.sufficient = false
		}
		if m.hasN && (ev.n == nil || m.n < *ev.n) {
			n := m.n
			ev.n = &n
		}
	}

	v, diags := expr.Value(ms.ctx)
	if diags.HasErrors() {
		return evaluation{}, diagError(e, diags)
	}
	if !v.IsWhollyKnown() || v.IsNull() {
		ev.sufficient = false
		return ev, nil
	}
	num, convErr := convert.Convert(v, cty.Number)
	if convErr != nil {
		return evaluation{}, fmt.Errorf("%s: %q gives a %s, not a number", position(e), e.Source, v.Type().FriendlyName())
	}
	f, _ := num.AsBigFloat().Float64()
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return evaluation{}, fmt.Errorf("%s: %q gives no finite number (a division by zero?)", position(e), e.Source)
	}
	ev.value = &f
	return ev, nil
}

// traversalName joins a traversal's steps: survey.final.minutes.mean.
func traversalName(tr hcl.Traversal) string {
	parts := []string{tr.RootName()}
	for _, step := range tr[1:] {
		switch s := step.(type) {
		case hcl.TraverseAttr:
			parts = append(parts, s.Name)
		case hcl.TraverseIndex:
			if s.Key.IsKnown() && !s.Key.IsNull() && s.Key.Type() == cty.String {
				parts = append(parts, s.Key.AsString())
			} else {
				parts = append(parts, "?")
			}
		default:
			parts = append(parts, "?")
		}
	}
	return strings.Join(parts, ".")
}

func position(e pilots.Expr) string {
	name := e.Filename
	if name == "" {
		name = "pilot"
	}
	return fmt.Sprintf("%s:%d,%d", name, max(e.Line, 1), max(e.Column, 1))
}

func rangePosition(r hcl.Range) string {
	name := r.Filename
	if name == "" {
		name = "pilot"
	}
	return fmt.Sprintf("%s:%d,%d", name, r.Start.Line, r.Start.Column)
}

// diagError turns HCL diagnostics into one error naming the first
// problem's position.
func diagError(e pilots.Expr, diags hcl.Diagnostics) error {
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		pos := position(e)
		if d.Subject != nil {
			pos = rangePosition(*d.Subject)
		}
		msg := d.Summary
		if d.Detail != "" {
			msg += ": " + d.Detail
		}
		return fmt.Errorf("%s: in %q: %s", pos, e.Source, msg)
	}
	return fmt.Errorf("%s: %q cannot be evaluated", position(e), e.Source)
}
