package pilotfile

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/pilotbed/pilotbed/pilots"
)

var surveySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "title"},
		{Name: "opens"},
		{Name: "closes"},
		{Name: "anonymous"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "question", LabelNames: []string{"name"}},
		{Type: pilots.InstrumentSUS},
		{Type: pilots.InstrumentUMUXLite},
	},
}

// decodeSurvey decodes a survey; window says whether the pilot's start and
// end are known, so the survey's window can be resolved and checked.
func (d *decoder) decodeSurvey(name string, b *hcl.Block, start, end time.Time, window bool) pilots.Survey {
	s := pilots.Survey{Name: name}
	content, diags := b.Body.Content(surveySchema)
	d.diags = append(d.diags, diags...)
	attrs := content.Attributes

	if t, _, ok := d.text(attrs, "title"); ok {
		s.Title = t
	} else {
		s.Title = pilots.Text{d.lang: name}
	}
	d.boolean(attrs, "anonymous", &s.Anonymous)

	opensRaw, closesRaw := "start", "end"
	opensAttr, opensOK := d.str(attrs, "opens", &opensRaw)
	closesAttr, closesOK := d.str(attrs, "closes", &closesRaw)
	opensOK = opensOK || opensAttr == nil
	closesOK = closesOK || closesAttr == nil
	subject := func(a *hcl.Attribute) *hcl.Range {
		if a == nil {
			return b.DefRange.Ptr()
		}
		return a.Expr.Range().Ptr()
	}
	// The dates are read even when the pilot's own dates are wrong, so a
	// mistake in them is reported in the same pass; only the comparisons
	// with the pilot need its dates.
	{
		var err error
		if opensOK {
			if s.Opens, err = parseWindowDate(opensRaw, false, start, end); err != nil {
				d.errorf(subject(opensAttr), dateSummary(opensRaw), "The opens attribute: %v.", err)
				opensOK = false
			}
		}
		if closesOK {
			if s.Closes, err = parseWindowDate(closesRaw, true, start, end); err != nil {
				d.errorf(subject(closesAttr), dateSummary(closesRaw), "The closes attribute: %v.", err)
				closesOK = false
			}
		}
		opensOK, closesOK = opensOK && window, closesOK && window
		if opensOK && s.Opens.Before(start) {
			d.errorf(subject(opensAttr), "Survey window outside pilot", "The survey %q opens %s, before the pilot starts %s.", name, fmtStart(s.Opens), fmtStart(start))
		}
		if closesOK && s.Closes.After(end) {
			d.errorf(subject(closesAttr), "Survey window outside pilot", "The survey %q closes %s, after the pilot ends %s.", name, fmtEnd(s.Closes), fmtEnd(end))
		}
		if opensOK && closesOK && !s.Closes.After(s.Opens) {
			d.errorf(subject(closesAttr), "Survey closes before it opens", "The survey %q closes %s, which is not after it opens %s.", name, fmtEnd(s.Closes), fmtStart(s.Opens))
		}
	}

	seen := map[string]hcl.Range{}
	add := func(q pilots.Question, rng hcl.Range) {
		if prev, ok := seen[q.Name]; ok {
			d.diags = append(d.diags, duplicate("question", q.Name, rng, prev))
			return
		}
		seen[q.Name] = rng
		s.Questions = append(s.Questions, q)
	}
	instruments := map[string]hcl.Range{}
	for _, qb := range content.Blocks {
		switch qb.Type {
		case "question":
			qname := qb.Labels[0]
			if !validName(qname) {
				d.errorf(qb.LabelRanges[0].Ptr(), "Invalid question name", "%q is not a valid question name: %s.", qname, nameRule)
			}
			if prev, ok := seen[qname]; ok {
				d.diags = append(d.diags, duplicate("question", qname, qb.DefRange, prev))
				continue
			}
			add(d.decodeQuestion(qname, qb), qb.DefRange)
		case pilots.InstrumentSUS, pilots.InstrumentUMUXLite:
			if prev, ok := instruments[qb.Type]; ok {
				d.errorf(qb.DefRange.Ptr(), fmt.Sprintf("Duplicate %s block", qb.Type), "A survey holds the %s instrument at most once; previous definition at %s.", qb.Type, posString(prev))
				continue
			}
			instruments[qb.Type] = qb.DefRange
			_, diags := qb.Body.Content(&hcl.BodySchema{})
			d.diags = append(d.diags, diags...)
			for _, q := range instrumentItems(qb.Type) {
				add(q, qb.DefRange)
			}
		}
	}
	if len(s.Questions) == 0 && !diags.HasErrors() {
		d.errorf(b.DefRange.Ptr(), "Empty survey", "The survey %q asks nothing: add question blocks, sus {} or umux_lite {}.", name)
	}
	return s
}

var questionSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type", Required: true},
		{Name: "text", Required: true},
		{Name: "help"},
		{Name: "optional"},
		{Name: "scale"},
		{Name: "labels"},
		{Name: "min"},
		{Name: "max"},
		{Name: "unit"},
		{Name: "options"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "option", LabelNames: []string{"value"}},
	},
}

var questionTypes = []pilots.QuestionType{pilots.Likert, pilots.Rating, pilots.NPS, pilots.Number, pilots.Choice, pilots.Choices, pilots.Free}

func (d *decoder) decodeQuestion(name string, b *hcl.Block) pilots.Question {
	q := pilots.Question{Name: name}
	content, diags := b.Body.Content(questionSchema)
	d.diags = append(d.diags, diags...)
	attrs := content.Attributes

	var typ string
	typeAttr, typeOK := d.str(attrs, "type", &typ)
	q.Type = pilots.QuestionType(typ)
	if typeOK && !slices.Contains(typeNames(), typ) {
		d.errorf(typeAttr.Expr.Range().Ptr(), "Unknown question type", "%q is not a question type; choose from %s.%s", typ, quoteList(typeNames()), suggest(typ, typeNames()))
		typeOK = false
	}
	if t, a, ok := d.text(attrs, "text"); ok {
		q.Text = t
		if strings.TrimSpace(t.In(d.lang)) == "" {
			d.errorf(a.Expr.Range().Ptr(), "Empty text", "The question %q needs a text that participants can read.", name)
		}
	}
	if t, _, ok := d.text(attrs, "help"); ok {
		q.Help = t
	}
	d.boolean(attrs, "optional", &q.Optional)
	d.str(attrs, "unit", &q.Unit)
	if !typeOK {
		return q
	}

	// Attributes that belong to other types are mistakes, not noise.
	allowed := map[pilots.QuestionType][]string{
		pilots.Likert:  {"scale", "labels"},
		pilots.Rating:  {"scale", "labels"},
		pilots.Number:  {"min", "max", "unit"},
		pilots.Choice:  {"options"},
		pilots.Choices: {"options"},
	}[q.Type]
	for _, extra := range []string{"scale", "labels", "min", "max", "unit", "options"} {
		if a, ok := attrs[extra]; ok && !slices.Contains(allowed, extra) {
			d.errorf(a.NameRange.Ptr(), "Attribute not allowed for this question type", "A %s question takes no %s.", q.Type, extra)
		}
	}
	if opts := content.Blocks.OfType("option"); len(opts) > 0 && q.Type != pilots.Choice && q.Type != pilots.Choices {
		d.errorf(opts[0].DefRange.Ptr(), "Block not allowed for this question type", "Only choice and choices questions take option blocks.")
	}

	switch q.Type {
	case pilots.Likert:
		q.Scale = 5
		if a, ok := d.intAttr(attrs, "scale", 0, 1000, &q.Scale); ok && q.Scale != 5 && q.Scale != 7 {
			d.errorf(a.Expr.Range().Ptr(), "Likert scale out of range", "A likert question has a scale of 5 or 7 points, not %d.", q.Scale)
		}
		q.Labels = d.labels(attrs, q.Scale)
	case pilots.Rating:
		q.Scale = 5
		if a, ok := d.intAttr(attrs, "scale", 0, 1000, &q.Scale); ok && (q.Scale < 3 || q.Scale > 10) {
			d.errorf(a.Expr.Range().Ptr(), "Rating scale out of range", "A rating question has a scale of 3 to 10 points, not %d.", q.Scale)
		}
		q.Labels = d.labels(attrs, q.Scale)
	case pilots.Number:
		var lo, hi float64
		if _, ok := d.number(attrs, "min", &lo); ok {
			q.Min = &lo
		}
		if a, ok := d.number(attrs, "max", &hi); ok {
			q.Max = &hi
			if q.Min != nil && hi <= lo {
				d.errorf(a.Expr.Range().Ptr(), "Max not above min", "The max (%g) must be greater than the min (%g).", hi, lo)
			}
		}
	case pilots.Choice, pilots.Choices:
		q.Options = d.options(b, attrs, content.Blocks.OfType("option"))
	}
	return q
}

func typeNames() []string {
	names := make([]string, len(questionTypes))
	for i, t := range questionTypes {
		names[i] = string(t)
	}
	return names
}

// languages are the keys a text map may use.
var languages = []string{pilots.LangSwedish, pilots.LangEnglish}

// text decodes a text: a plain string, stored under the pilot's language,
// or a map by language such as { sv = "...", en = "..." }.
func (d *decoder) text(attrs hcl.Attributes, name string) (pilots.Text, *hcl.Attribute, bool) {
	a, ok := attrs[name]
	if !ok {
		return nil, nil, false
	}
	v, ok := d.eval(a)
	if !ok {
		return nil, a, false
	}
	t, msg := d.textValue(v)
	if msg != "" {
		d.errorf(a.Expr.Range().Ptr(), "Invalid text", "The %s attribute %s.", name, msg)
		return nil, a, false
	}
	return t, a, true
}

// textValue converts a value into a Text, or returns what is wrong with it.
func (d *decoder) textValue(v cty.Value) (pilots.Text, string) {
	const want = "must be a string or a map by language such as { sv = \"...\", en = \"...\" }"
	ty := v.Type()
	if ty.IsPrimitiveType() {
		s, err := convert.Convert(v, cty.String)
		if err != nil || s.IsNull() {
			return nil, want
		}
		return pilots.Text{d.lang: s.AsString()}, ""
	}
	if !ty.IsObjectType() && !ty.IsMapType() {
		return nil, want
	}
	t := pilots.Text{}
	for it := v.ElementIterator(); it.Next(); {
		k, e := it.Element()
		lang := k.AsString()
		if !slices.Contains(languages, lang) {
			return nil, fmt.Sprintf("has a text in %q; the languages are \"sv\" and \"en\"", lang)
		}
		if e.IsNull() || !e.Type().IsPrimitiveType() {
			return nil, want
		}
		s, err := convert.Convert(e, cty.String)
		if err != nil {
			return nil, want
		}
		t[lang] = s.AsString()
	}
	if len(t) == 0 {
		return nil, "is empty; " + want
	}
	return t, ""
}

// labels decodes the labels of a scale: a list of strings, or a map by
// language of lists. Each language has exactly one label per point.
func (d *decoder) labels(attrs hcl.Attributes, scale int) []pilots.Text {
	a, ok := attrs["labels"]
	if !ok {
		return nil
	}
	v, ok := d.eval(a)
	if !ok {
		return nil
	}
	byLang := map[string][]string{}
	ty := v.Type()
	if ty.IsObjectType() || ty.IsMapType() {
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			lang := k.AsString()
			if !slices.Contains(languages, lang) {
				d.errorf(a.Expr.Range().Ptr(), "Invalid labels", "The labels have a list in %q; the languages are \"sv\" and \"en\".", lang)
				return nil
			}
			list, ok := stringList(e)
			if !ok {
				d.typeError(a, "a list of strings or a map by language of lists of strings")
				return nil
			}
			byLang[lang] = list
		}
	} else {
		list, ok := stringList(v)
		if !ok {
			d.typeError(a, "a list of strings or a map by language of lists of strings")
			return nil
		}
		byLang[d.lang] = list
	}
	labels := make([]pilots.Text, scale)
	for i := range labels {
		labels[i] = pilots.Text{}
	}
	for _, lang := range sortedKeys(byLang) {
		list := byLang[lang]
		if len(list) != scale {
			d.errorf(a.Expr.Range().Ptr(), "Wrong number of labels", "The scale has %d points but %d labels are given (language %q): give one label per point, lowest first.", scale, len(list), lang)
			return nil
		}
		for i, s := range list {
			labels[i][lang] = s
		}
	}
	return labels
}

var optionSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "text", Required: true}},
}

// options decodes the answers of a choice question, written either as
// options = ["...", ...] or as option "value" { text = ... } blocks.
func (d *decoder) options(qb *hcl.Block, attrs hcl.Attributes, blocks hcl.Blocks) []pilots.Option {
	var out []pilots.Option
	a, hasList := attrs["options"]
	switch {
	case hasList && len(blocks) > 0:
		d.errorf(blocks[0].DefRange.Ptr(), "Both options and option blocks", "Write the answers either as options = [...] or as option blocks, not both.")
		return nil
	case hasList:
		var list []string
		if _, ok := d.strings(attrs, "options", &list); !ok {
			return nil
		}
		seen := map[string]bool{}
		for _, s := range list {
			if s == "" {
				d.errorf(a.Expr.Range().Ptr(), "Empty option", "An option needs some text.")
				continue
			}
			if seen[s] {
				d.errorf(a.Expr.Range().Ptr(), "Duplicate option", "The option %q is listed twice.", s)
				continue
			}
			seen[s] = true
			out = append(out, pilots.Option{Value: s, Text: pilots.Text{d.lang: s}})
		}
	case len(blocks) > 0:
		d.named(blocks, "option", func(s string) bool { return s != "" && len(s) <= 200 }, "it must not be empty", func(value string, ob *hcl.Block) {
			content, diags := ob.Body.Content(optionSchema)
			d.diags = append(d.diags, diags...)
			o := pilots.Option{Value: value}
			if t, _, ok := d.text(content.Attributes, "text"); ok {
				o.Text = t
			}
			out = append(out, o)
		})
	default:
		d.errorf(qb.DefRange.Ptr(), "Missing options", "The question %q needs its answers: options = [\"...\", \"...\"] or option \"value\" { text = \"...\" } blocks.", qb.Labels[0])
		return nil
	}
	if len(out) < 2 && (hasList || len(blocks) > 0) {
		subject := qb.DefRange.Ptr()
		if hasList {
			subject = a.Expr.Range().Ptr()
		}
		d.errorf(subject, "Too few options", "A choice question needs at least two options.")
	}
	return out
}

// dateSummary names what is wrong with a survey date: a relative date can
// only be wrong in its duration.
func dateSummary(raw string) string {
	if relativeDate.MatchString(raw) {
		return "Invalid duration"
	}
	return "Invalid date"
}
