package api

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/pilotbed/pilotbed/pilots"
)

// Kinds of form controls a question is shown as.
const (
	kindRadios     = "radios"
	kindCheckboxes = "checkboxes"
	kindNumber     = "number"
	kindText       = "text"
)

// questionView is one question as the survey form shows it, following the
// GOV.UK radios, checkboxes and text input patterns: a group of radios or
// checkboxes is a fieldset with the question as its legend; a single input
// has a label; hint and error are tied to the control by aria-describedby.
type questionView struct {
	Name      string // the field name
	ID        string // id of the input, or prefix of the options' ids
	Kind      string
	Number    int
	Text      string
	Optional  bool
	Hint      string
	HintID    string
	Error     string
	ErrorID   string
	Described string // the aria-describedby value: hint and error ids
	Unit      string
	Value     string // for number and text
	Options   []optionView
	Inline    bool // a numeric scale laid out in a row that wraps
	Anchors   bool // Low/High name the ends of an unlabelled scale
	AnchorsID string
	Low, High string
}

// optionView is one radio or checkbox.
type optionView struct {
	ID      string
	Value   string
	Label   string
	Checked bool
}

// questionViews builds the form's questions from the survey, what was
// submitted (kept on error, never cleared) and the problems found.
func questionViews(s *pilots.Survey, values url.Values, errs pilots.FieldErrors, lang string) []questionView {
	out := make([]questionView, 0, len(s.Questions))
	for i, q := range s.Questions {
		v := questionView{
			Name:     pilots.FieldName(q),
			ID:       pilots.InputID(q),
			Number:   i + 1,
			Text:     q.Text.In(lang),
			Optional: q.Optional,
			Hint:     q.Help.In(lang),
			Unit:     q.Unit,
			Error:    errs.For(q.Name),
		}
		given := values[pilots.FieldName(q)]
		switch q.Type {
		case pilots.Likert, pilots.Rating, pilots.NPS:
			v.Kind = kindRadios
			lo, hi, _ := pilots.ScaleRange(q)
			labelled := len(q.Labels) == hi-lo+1
			for n := lo; n <= hi; n++ {
				label := strconv.Itoa(n)
				if labelled {
					label = q.Labels[n-lo].In(lang)
				}
				val := strconv.Itoa(n)
				v.Options = append(v.Options, optionView{ID: pilots.OptionID(q, n-lo), Value: val, Label: label, Checked: slices.Contains(given, val)})
			}
			if !labelled {
				v.Inline = true
				low, high := "", ""
				switch {
				case q.Type == pilots.NPS:
					low, high = tr(lang, "form_nps_low"), tr(lang, "form_nps_high")
				case len(q.Labels) == 2:
					low, high = q.Labels[0].In(lang), q.Labels[1].In(lang)
				case q.Type == pilots.Likert:
					low, high = tr(lang, "form_agree_low"), tr(lang, "form_agree_high")
				}
				if low != "" || high != "" {
					v.Anchors, v.AnchorsID = true, v.ID+"-anchors"
					v.Low = strconv.Itoa(lo) + " = " + low
					v.High = strconv.Itoa(hi) + " = " + high
				}
			}
		case pilots.Choice, pilots.Choices:
			v.Kind = kindRadios
			if q.Type == pilots.Choices {
				v.Kind = kindCheckboxes
				if v.Hint == "" {
					v.Hint = tr(lang, "form_choices_hint")
				}
			}
			for j, o := range q.Options {
				v.Options = append(v.Options, optionView{ID: pilots.OptionID(q, j), Value: o.Value, Label: o.Text.In(lang), Checked: slices.Contains(given, o.Value)})
			}
		case pilots.Number:
			v.Kind = kindNumber
			v.Value = firstOf(given)
		default:
			v.Kind = kindText
			v.Value = firstOf(given)
			if v.Hint == "" {
				v.Hint = tr(lang, "form_text_hint")
			}
		}
		if v.Hint != "" {
			v.HintID = v.ID + "-hint"
		}
		if v.Error != "" {
			v.ErrorID = v.ID + "-error"
		}
		v.Described = strings.Join(strings.Fields(v.HintID+" "+v.AnchorsID+" "+v.ErrorID), " ")
		out = append(out, v)
	}
	return out
}

func firstOf(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	return vals[0]
}

// knownValues keeps only the fields that answer a question of s: the page's
// own fields and anything a tampered or outdated form adds are ignored.
func knownValues(s *pilots.Survey, form url.Values) url.Values {
	out := url.Values{}
	for _, q := range s.Questions {
		if vals, ok := form[pilots.FieldName(q)]; ok {
			out[pilots.FieldName(q)] = vals
		}
	}
	return out
}

// answerFields writes parsed answers back as form fields, for the hidden
// inputs of the check step.
func answerFields(s *pilots.Survey, answers pilots.Answers) []hiddenField {
	var out []hiddenField
	for _, q := range s.Questions {
		a, ok := answers[q.Name]
		if !ok {
			continue
		}
		name := pilots.FieldName(q)
		switch {
		case a.Int != nil:
			out = append(out, hiddenField{name, strconv.Itoa(*a.Int)})
		case a.Number != nil:
			out = append(out, hiddenField{name, strconv.FormatFloat(*a.Number, 'f', -1, 64)})
		case a.Choices != nil:
			for _, c := range a.Choices {
				out = append(out, hiddenField{name, c})
			}
		case a.Choice != "":
			out = append(out, hiddenField{name, a.Choice})
		default:
			out = append(out, hiddenField{name, a.Text})
		}
	}
	return out
}

type hiddenField struct{ Name, Value string }

// answerRow is one line of the check-your-answers summary.
type answerRow struct {
	Question string
	Answer   []string // one line per chosen option; empty when unanswered
	Field    string   // the id the change button returns to
}

// answerRows describes the answers for the check step in words.
func answerRows(s *pilots.Survey, answers pilots.Answers, lang string) []answerRow {
	out := make([]answerRow, 0, len(s.Questions))
	for _, q := range s.Questions {
		row := answerRow{Question: q.Text.In(lang), Field: pilots.FieldID(q)}
		a, ok := answers[q.Name]
		if ok {
			row.Answer = describeAnswer(q, a, lang)
		}
		out = append(out, row)
	}
	return out
}

func describeAnswer(q pilots.Question, a pilots.Answer, lang string) []string {
	switch {
	case a.Int != nil:
		lo, hi, _ := pilots.ScaleRange(q)
		n := *a.Int
		if len(q.Labels) == hi-lo+1 && n >= lo && n <= hi {
			return []string{strconv.Itoa(n) + " – " + q.Labels[n-lo].In(lang)}
		}
		return []string{strconv.Itoa(n)}
	case a.Number != nil:
		s := formatNumber(*a.Number, lang)
		if q.Unit != "" {
			s += " " + q.Unit
		}
		return []string{s}
	case a.Choice != "":
		return []string{optionText(q, a.Choice, lang)}
	case a.Choices != nil:
		var out []string
		for _, c := range a.Choices {
			out = append(out, optionText(q, c, lang))
		}
		return out
	}
	return []string{a.Text}
}

func optionText(q pilots.Question, value, lang string) string {
	for _, o := range q.Options {
		if o.Value == value {
			return o.Text.In(lang)
		}
	}
	return value
}
