package pilotfile

import (
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/pilotbed/pilotbed/pilots"
)

// measureScope is what a measure expression of one pilot may refer to.
type measureScope struct {
	surveys     map[string]map[string]pilots.QuestionType // survey -> question -> type
	surveyNames []string
	instruments map[string]bool // "sus", "umux_lite", "nps": some survey has it
	ctx         *hcl.EvalContext
}

func newMeasureScope(spec *pilots.Spec) *measureScope {
	m := &measureScope{surveys: map[string]map[string]pilots.QuestionType{}, instruments: map[string]bool{}}
	unknown := cty.UnknownVal(cty.Number)
	surveyVals := map[string]cty.Value{}
	for _, s := range spec.Surveys {
		qs := map[string]pilots.QuestionType{}
		qVals := map[string]cty.Value{}
		for _, q := range s.Questions {
			qs[q.Name] = q.Type
			stats := map[string]cty.Value{}
			for _, st := range pilots.SurveyStats {
				stats[st] = unknown
			}
			qVals[q.Name] = cty.ObjectVal(stats)
			if q.Instrument != "" {
				m.instruments[q.Instrument] = true
			}
			if q.Type == pilots.NPS {
				m.instruments["nps"] = true
			}
		}
		m.surveys[s.Name] = qs
		m.surveyNames = append(m.surveyNames, s.Name)
		surveyVals[s.Name] = cty.ObjectVal(qVals)
	}
	// At validation time every measure is an unknown number: evaluating an
	// expression against them checks its types without knowing any result.
	vars := map[string]cty.Value{
		"survey": cty.ObjectVal(surveyVals),
		"usage":  cty.ObjectVal(map[string]cty.Value{"active_share": unknown}),
	}
	for _, name := range pilots.Measures {
		if !strings.Contains(name, ".") {
			vars[name] = unknown
		}
	}
	m.ctx = &hcl.EvalContext{Variables: vars}
	return m
}

// measureRange is the range of values a bare measure takes, so a threshold
// written on the wrong scale (uptime 99 for 0.99) is caught.
var measureRange = map[string][2]float64{
	"sus":                {0, 100},
	"umux_lite":          {0, 100},
	"nps":                {-100, 100},
	"uptime":             {0, 1},
	"response_rate":      {0, 1},
	"usage.active_share": {0, 1},
}

// measureExpr checks a measure, baseline or target expression and keeps it
// as source text. needMeasure says whether it must refer to at least one
// measure (a measure must; a target may be a plain number).
func (d *decoder) measureExpr(a *hcl.Attribute, m *measureScope, needMeasure bool) (pilots.Expr, bool) {
	expr := a.Expr
	rng := expr.Range()
	source := ""
	if isJSON(d.filename) {
		// In JSON an expression is written as a string (or a plain number);
		// read the string as native syntax so both mean the same.
		v, diags := expr.Value(nil)
		if diags.HasErrors() || !v.IsKnown() || v.IsNull() || !v.Type().IsPrimitiveType() {
			d.errorf(rng.Ptr(), "Invalid measure expression", "Write the %s as a string holding an expression, such as \"survey.final.minutes.mean\", or a number.", a.Name)
			return pilots.Expr{}, false
		}
		if v.Type() == cty.String {
			source = v.AsString()
		} else {
			source = v.AsBigFloat().Text('g', -1)
		}
		start := rng.Start
		start.Column++ // past the opening quote
		start.Byte++
		parsed, diags := hclsyntax.ParseExpression([]byte(source), d.filename, start)
		d.diags = append(d.diags, diags...)
		if diags.HasErrors() {
			return pilots.Expr{}, false
		}
		expr = parsed
	} else if rng.Start.Byte >= 0 && rng.End.Byte <= len(d.src) && rng.Start.Byte <= rng.End.Byte {
		source = string(d.src[rng.Start.Byte:rng.End.Byte])
	}

	if diags := checkBounded(expr); diags.HasErrors() {
		d.diags = append(d.diags, diags...)
		return pilots.Expr{}, false
	}
	ok := true
	if syn, isSyntax := expr.(hclsyntax.Expression); isSyntax {
		hclsyntax.VisitAll(syn, func(n hclsyntax.Node) hcl.Diagnostics {
			if call, isCall := n.(*hclsyntax.FunctionCallExpr); isCall {
				d.errorf(call.Range().Ptr(), "Function not allowed here", "Measure expressions are evaluated when the report is written and may use arithmetic, comparisons and conditionals over measures, but no functions such as %s().", call.Name)
				ok = false
			}
			return nil
		})
	}
	traversals := expr.Variables()
	for _, tr := range traversals {
		if !d.checkMeasure(tr, m) {
			ok = false
		}
	}
	if !ok {
		return pilots.Expr{}, false
	}
	if needMeasure && len(traversals) == 0 {
		d.errorf(rng.Ptr(), "No measure", "The %s must refer to a measure: one of %s, or survey.<survey>.<question>.<%s>.", a.Name, strings.Join(pilots.Measures, ", "), strings.Join(pilots.SurveyStats, "|"))
		return pilots.Expr{}, false
	}
	v, diags := expr.Value(m.ctx)
	if diags.HasErrors() {
		d.diags = append(d.diags, diags...)
		return pilots.Expr{}, false
	}
	if v.Type() != cty.Number && v.Type() != cty.DynamicPseudoType {
		d.errorf(rng.Ptr(), "Measure is not a number", "The %s must be a number, not a %s.", a.Name, v.Type().FriendlyName())
		return pilots.Expr{}, false
	}
	return pilots.Expr{Source: strings.TrimSpace(source), Filename: rng.Filename, Line: rng.Start.Line, Column: rng.Start.Column}, true
}

// checkMeasure reports a traversal that names no measure of the pilot.
func (d *decoder) checkMeasure(tr hcl.Traversal, m *measureScope) bool {
	names := make([]string, 0, len(tr))
	names = append(names, tr.RootName())
	for _, step := range tr[1:] {
		switch s := step.(type) {
		case hcl.TraverseAttr:
			names = append(names, s.Name)
		case hcl.TraverseIndex:
			if s.Key.Type() == cty.String && s.Key.IsKnown() && !s.Key.IsNull() {
				names = append(names, s.Key.AsString())
			} else {
				names = append(names, "?")
			}
		default:
			names = append(names, "?")
		}
	}
	rng := tr.SourceRange().Ptr()
	full := strings.Join(names, ".")
	root := names[0]
	switch root {
	case "survey":
		if len(names) != 4 {
			d.errorf(rng, "Invalid survey measure", "A survey measure is written survey.<survey>.<question>.<statistic>, such as survey.final.minutes.mean; not %s.", full)
			return false
		}
		qs, ok := m.surveys[names[1]]
		if !ok {
			d.errorf(rng, "Unknown survey", "The pilot declares no survey named %q.%s", names[1], didYouMean(names[1], m.surveyNames))
			return false
		}
		typ, ok := qs[names[2]]
		if !ok {
			d.errorf(rng, "Unknown question", "The survey %q has no question named %q.%s", names[1], names[2], didYouMean(names[2], sortedKeys(qs)))
			return false
		}
		if !slices.Contains(pilots.SurveyStats, names[3]) {
			d.errorf(rng, "Unknown statistic", "%q is not a statistic of a question; choose from %s.", names[3], quoteList(pilots.SurveyStats))
			return false
		}
		if names[3] != "count" && (typ == pilots.Free || typ == pilots.Choice || typ == pilots.Choices) {
			d.errorf(rng, "Statistic not defined", "The question %q is a %s question, which has no %s; only count is defined for it.", names[2], typ, names[3])
			return false
		}
		return true
	case "var":
		d.errorf(rng, "Variable not allowed here", "Measure expressions are evaluated when the report is written, over measures only; they cannot use %s.", full)
		return false
	}
	if !slices.Contains(pilots.Measures, full) {
		d.errorf(rng, "Unknown measure", "%q is not a measure; choose from %s, or survey.<survey>.<question>.<%s>.%s",
			full, strings.Join(pilots.Measures, ", "), strings.Join(pilots.SurveyStats, "|"), suggest(full, pilots.Measures))
		return false
	}
	switch full {
	case pilots.InstrumentSUS, pilots.InstrumentUMUXLite:
		if !m.instruments[full] {
			d.errorf(rng, "Measure without instrument", "The %s measure needs a survey with a %s {} block.", full, full)
			return false
		}
	case "nps":
		if !m.instruments["nps"] {
			d.errorf(rng, "Measure without instrument", "The nps measure needs a survey with a question of type \"nps\".")
			return false
		}
	}
	return true
}

var benefitSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "description"},
		{Name: "measure", Required: true},
		{Name: "baseline"},
		{Name: "target", Required: true},
		{Name: "unit"},
		{Name: "owner"},
	},
}

func (d *decoder) decodeBenefit(name string, b *hcl.Block, m *measureScope) pilots.Benefit {
	bn := pilots.Benefit{Name: name}
	content, diags := b.Body.Content(benefitSchema)
	d.diags = append(d.diags, diags...)
	attrs := content.Attributes
	d.str(attrs, "description", &bn.Description)
	d.str(attrs, "unit", &bn.Unit)
	d.str(attrs, "owner", &bn.Owner)
	if a, ok := attrs["measure"]; ok {
		bn.Measure, _ = d.measureExpr(a, m, true)
	}
	if a, ok := attrs["baseline"]; ok {
		bn.Baseline, _ = d.measureExpr(a, m, false)
	}
	if a, ok := attrs["target"]; ok {
		bn.Target, _ = d.measureExpr(a, m, false)
	}
	return bn
}

var criterionSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "measure", Required: true},
		{Name: "at_least"},
		{Name: "at_most"},
		{Name: "must"},
	},
}

func (d *decoder) decodeCriterion(name string, b *hcl.Block, m *measureScope) pilots.Criterion {
	c := pilots.Criterion{Name: name}
	content, diags := b.Body.Content(criterionSchema)
	d.diags = append(d.diags, diags...)
	attrs := content.Attributes
	if a, ok := attrs["measure"]; ok {
		c.Measure, _ = d.measureExpr(a, m, true)
	}
	var lo, hi float64
	loAttr, loOK := d.number(attrs, "at_least", &lo)
	hiAttr, hiOK := d.number(attrs, "at_most", &hi)
	if loOK {
		c.AtLeast = &lo
	}
	if hiOK {
		c.AtMost = &hi
	}
	d.boolean(attrs, "must", &c.Must)
	if loAttr == nil && hiAttr == nil && !diags.HasErrors() {
		d.errorf(b.Body.MissingItemRange().Ptr(), "Missing threshold", "The criterion %q needs at_least, at_most or both.", name)
	}
	if loOK && hiOK && hi < lo {
		d.errorf(hiAttr.Expr.Range().Ptr(), "Empty range", "at_most (%g) is below at_least (%g), so no value can pass.", hi, lo)
	}
	// A bare measure has a known scale; a threshold off that scale is a
	// mistake such as uptime 99 for 0.99.
	if r, ok := measureRange[c.Measure.Source]; ok {
		for _, t := range []struct {
			a  *hcl.Attribute
			ok bool
			v  float64
		}{{loAttr, loOK, lo}, {hiAttr, hiOK, hi}} {
			if t.ok && (t.v < r[0] || t.v > r[1]) {
				d.errorf(t.a.Expr.Range().Ptr(), "Threshold outside the measure's scale", "%s takes values from %g to %g, so %g can never be %s.", c.Measure.Source, r[0], r[1], t.v, map[bool]string{true: "reached", false: "exceeded"}[t.a.Name == "at_least"])
			}
		}
	}
	return c
}
