package pilots

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Answers are a response's answers by question name. A question left
// unanswered (only an optional one can be) has no entry.
type Answers map[string]Answer

// Answer is the answer to one question. Exactly one field is set, which one
// depends on the question's type:
//
//	likert, rating, nps  Int
//	number               Number
//	choice               Choice (an option's value)
//	choices              Choices (option values in the order of the options)
//	text                 Text
type Answer struct {
	Int     *int     `json:"int,omitempty"`
	Number  *float64 `json:"number,omitempty"`
	Choice  string   `json:"choice,omitempty"`
	Choices []string `json:"choices,omitempty"`
	Text    string   `json:"text,omitempty"`
}

// Float returns a numeric answer (Int or Number) as a float64; ok is false
// when the answer is not numeric.
func (a Answer) Float() (v float64, ok bool) {
	switch {
	case a.Int != nil:
		return float64(*a.Int), true
	case a.Number != nil:
		return *a.Number, true
	}
	return 0, false
}

// MaxTextLength is the most characters a text answer may have.
const MaxTextLength = 2000

// FieldError is a problem with one answer of a submitted form, for the
// error summary and the inline message of the GOV.UK error pattern.
type FieldError struct {
	Field    string // HTML id of the input to link to (FieldID); empty when no input is to blame
	Question string // the question's name; empty when no question is to blame
	Message  string // in the requested language
}

// FieldErrors are the problems of a form in the order of its questions; the
// problems no question is to blame for come last.
type FieldErrors []FieldError

// For returns the message for a question, or "" if its answer is fine.
func (fe FieldErrors) For(question string) string {
	for _, e := range fe {
		if e.Question == question && question != "" {
			return e.Message
		}
	}
	return ""
}

// Error makes FieldErrors usable as an error, e.g. in logs.
func (fe FieldErrors) Error() string {
	msgs := make([]string, len(fe))
	for i, e := range fe {
		if e.Question != "" {
			msgs[i] = e.Question + ": " + e.Message
		} else {
			msgs[i] = e.Message
		}
	}
	return strings.Join(msgs, "; ")
}

// ScaleRange returns the values of a likert, rating or nps question's
// points; ok is false for other types. A likert or rating question without
// a scale has 5 points.
func ScaleRange(q Question) (lo, hi int, ok bool) {
	switch q.Type {
	case NPS:
		return 0, 10, true
	case Likert, Rating:
		if q.Scale <= 0 {
			return 1, 5, true
		}
		return 1, q.Scale, true
	}
	return 0, 0, false
}

// FieldName is the name of the form input(s) of a question: the question's
// name. Names that start with "_" are left to the page (see ParseAnswers).
func FieldName(q Question) string { return q.Name }

// InputID returns the HTML id of a question's text or number input, and the
// prefix of the ids of its radios and checkboxes: "q-minutes".
func InputID(q Question) string { return "q-" + idSafe(q.Name) }

// OptionID returns the HTML id of the i-th (0-based) radio or checkbox of a
// question: for a scale the point's value ("q-sus_3-1" is the first point
// of sus_3, "q-recommend-0" the first of an nps question), for a choice the
// option's position from 1 ("q-tool-1").
func OptionID(q Question, i int) string {
	if lo, _, ok := ScaleRange(q); ok {
		return InputID(q) + "-" + strconv.Itoa(lo+i)
	}
	return InputID(q) + "-" + strconv.Itoa(i+1)
}

// FieldID returns the HTML id an error about a question links to: the
// input itself, or the first radio or checkbox of a group, as the GOV.UK
// error summary does.
func FieldID(q Question) string {
	switch q.Type {
	case Likert, Rating, NPS, Choice, Choices:
		return OptionID(q, 0)
	}
	return InputID(q)
}

// idSafe replaces what may not appear in an HTML id (space) and what would
// need escaping in a CSS selector or URL fragment with "_".
func idSafe(name string) string {
	return strings.Map(func(r rune) rune {
		if r < utf8.RuneSelf && (r == '-' || r == '_' || r == '.' ||
			'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return r
		}
		return '_'
	}, name)
}

// maxUnknownNamed is how many unknown field names one error lists.
const maxUnknownNamed = 5

// ParseAnswers validates a submitted survey form and returns the answers it
// holds, with a message in lang ("sv" or "en"; anything else is Swedish)
// for each question whose answer is missing or malformed. The answers that
// are valid are returned even when others are not; the page re-renders the
// form from values, so nothing the participant typed is lost.
//
// Each question is read from the field named FieldName(q). Fields whose
// names start with "_" belong to the page (a language switch, say) and are
// ignored; any other field that names no question of s is reported in one
// error without a Field, since only a tampered or outdated form sends one.
func ParseAnswers(s Survey, values url.Values, lang string) (Answers, FieldErrors) {
	m := messages[LangSwedish]
	if lang == LangEnglish {
		m = messages[LangEnglish]
	}
	answers := Answers{}
	var errs FieldErrors
	known := make(map[string]bool, len(s.Questions))
	for _, q := range s.Questions {
		known[FieldName(q)] = true
		a, msg, answered := parseAnswer(q, values[FieldName(q)], m)
		switch {
		case msg != "":
			errs = append(errs, FieldError{Field: FieldID(q), Question: q.Name, Message: msg})
		case answered:
			answers[q.Name] = a
		case !q.Optional:
			errs = append(errs, FieldError{Field: FieldID(q), Question: q.Name, Message: m.missing(q)})
		}
	}

	var unknown []string
	for name := range values {
		if !known[name] && !strings.HasPrefix(name, "_") {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		shown := unknown[:min(len(unknown), maxUnknownNamed)]
		for i, n := range shown {
			shown[i] = strconv.Quote(truncate(n, 40))
		}
		list := strings.Join(shown, ", ")
		if len(unknown) > maxUnknownNamed {
			list += " …"
		}
		errs = append(errs, FieldError{Message: m.unknownFields + list})
	}
	return answers, errs
}

// parseAnswer reads one question's answer from its submitted values.
// answered is false when nothing was given; msg is set when what was given
// is not a valid answer.
func parseAnswer(q Question, vals []string, m *catalog) (a Answer, msg string, answered bool) {
	// Browsers send empty text inputs as an empty value: the same as none.
	var given []string
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			given = append(given, v)
		}
	}
	if len(given) == 0 {
		return Answer{}, "", false
	}

	switch q.Type {
	case Likert, Rating, NPS:
		lo, hi, _ := ScaleRange(q)
		if len(given) > 1 {
			return Answer{}, m.onlyOne, true
		}
		n, err := strconv.Atoi(strings.TrimSpace(given[0]))
		if err != nil || n < lo || n > hi {
			return Answer{}, m.scaleRange(q, lo, hi), true
		}
		return Answer{Int: &n}, "", true

	case Number:
		if len(given) > 1 {
			return Answer{}, m.notNumber(q), true
		}
		f, ok := parseNumber(given[0])
		if !ok {
			return Answer{}, m.notNumber(q), true
		}
		if (q.Min != nil && f < *q.Min) || (q.Max != nil && f > *q.Max) {
			return Answer{}, m.outOfRange(q), true
		}
		return Answer{Number: &f}, "", true

	case Choice:
		if len(given) > 1 {
			return Answer{}, m.onlyOne, true
		}
		if !slices.ContainsFunc(q.Options, func(o Option) bool { return o.Value == given[0] }) {
			return Answer{}, m.notAnOption, true
		}
		return Answer{Choice: given[0]}, "", true

	case Choices:
		picked := map[string]bool{}
		for _, v := range given {
			if !slices.ContainsFunc(q.Options, func(o Option) bool { return o.Value == v }) {
				return Answer{}, m.notOptions, true
			}
			picked[v] = true
		}
		// Option order, not submit order, and each once: a duplicated
		// checkbox value must not count twice.
		var cs []string
		for _, o := range q.Options {
			if picked[o.Value] {
				cs = append(cs, o.Value)
				delete(picked, o.Value)
			}
		}
		return Answer{Choices: cs}, "", true

	case Free:
		if len(given) > 1 {
			return Answer{}, m.onlyOne, true
		}
		t := cleanText(given[0])
		if t == "" {
			return Answer{}, "", false // only control characters: nothing said
		}
		if utf8.RuneCountInString(t) > MaxTextLength {
			return Answer{}, m.tooLong, true
		}
		return Answer{Text: t}, "", true
	}
	return Answer{}, m.unsupported, true
}

// numberPattern is a plain decimal number after spaces are removed:
// optional sign, digits, and a decimal point or comma. Exponents, hex,
// "Inf" and "NaN", which strconv.ParseFloat would take, are not answers a
// person gives.
var numberPattern = regexp.MustCompile(`^[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)$`)

// parseNumber reads a number as people write it in Swedish and English:
// "12", "12,5", "12.5", "1 000", "−3" (with a minus sign).
func parseNumber(s string) (float64, bool) {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r) || r == '\u202f' || r == '\u00a0':
			return -1 // thousands separators and stray spaces
		case r == '\u2212':
			return '-'
		}
		return r
	}, s)
	if len(s) > 64 || !numberPattern.MatchString(s) {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// cleanText makes free text safe to store and show: valid UTF-8, line
// breaks as "\n", no control characters other than line breaks and tabs,
// no surrounding space.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r':
			return '\n'
		case r == '\n' || r == '\t':
			return r
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// truncate shortens s to at most n runes.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// catalog holds the messages of one language, worded after the GOV.UK
// Design System's error message guidance: say what to do, in plain words.
type catalog struct {
	lang          string
	onlyOne       string
	notAnOption   string
	notOptions    string
	tooLong       string
	unsupported   string
	unknownFields string
}

var messages = map[string]*catalog{
	LangSwedish: {
		lang:          LangSwedish,
		onlyOne:       "Välj bara ett svar",
		notAnOption:   "Välj ett av alternativen i listan",
		notOptions:    "Välj bara bland alternativen i listan",
		tooLong:       "Svaret får vara högst 2 000 tecken",
		unsupported:   "Frågan kan inte besvaras i det här formuläret",
		unknownFields: "Formuläret innehöll fält som inte hör till enkäten: ",
	},
	LangEnglish: {
		lang:          LangEnglish,
		onlyOne:       "Select only one answer",
		notAnOption:   "Select one of the options listed",
		notOptions:    "Select only the options listed",
		tooLong:       "Your answer must be 2,000 characters or fewer",
		unsupported:   "This question cannot be answered in this form",
		unknownFields: "The form contained fields that are not part of this survey: ",
	},
}

func (m *catalog) sv() bool { return m.lang == LangSwedish }

// missing is the message for a required question left unanswered.
func (m *catalog) missing(q Question) string {
	switch q.Type {
	case Likert:
		return m.pick("Välj hur mycket du instämmer", "Select how much you agree")
	case Rating:
		_, hi, _ := ScaleRange(q)
		return m.pick(fmt.Sprintf("Välj ett betyg från 1 till %d", hi), fmt.Sprintf("Select a rating from 1 to %d", hi))
	case NPS:
		return m.pick("Välj hur troligt det är, från 0 till 10", "Select how likely it is, from 0 to 10")
	case Number:
		if u, ok := units[q.Unit]; ok {
			return m.pick("Ange antalet "+u.sv, "Enter the number of "+u.en)
		}
		return m.pick("Ange ett tal", "Enter a number")
	case Choice:
		return m.pick("Välj ett alternativ", "Select an option")
	case Choices:
		return m.pick("Välj minst ett alternativ", "Select at least one option")
	case Free:
		return m.pick("Skriv ditt svar", "Enter your answer")
	}
	return m.unsupported
}

// scaleRange is the message for a scale answer that is not one of its points.
func (m *catalog) scaleRange(q Question, lo, hi int) string {
	if q.Type == Likert {
		return m.pick(fmt.Sprintf("Välj ett av alternativen %d till %d", lo, hi), fmt.Sprintf("Select one of the options from %d to %d", lo, hi))
	}
	return m.pick(fmt.Sprintf("Välj ett värde från %d till %d", lo, hi), fmt.Sprintf("Select a value from %d to %d", lo, hi))
}

// notNumber is the message for a number answer that is not a number.
func (m *catalog) notNumber(q Question) string {
	ex := m.num(exampleNumber(q))
	if u, ok := units[q.Unit]; ok {
		return m.pick("Ange antalet "+u.sv+" som ett tal, till exempel "+ex,
			"Enter the number of "+u.en+" as a number, like "+ex)
	}
	return m.pick("Ange svaret som ett tal, till exempel "+ex, "Enter the answer as a number, like "+ex)
}

// outOfRange is the message for a number outside the question's bounds.
func (m *catalog) outOfRange(q Question) string {
	subjSv, subjEn := "Svaret", "The answer"
	if u, ok := units[q.Unit]; ok {
		subjSv, subjEn = "Antalet "+u.sv, "The number of "+u.en
	}
	switch {
	case q.Min != nil && q.Max != nil:
		return m.pick(fmt.Sprintf("%s måste vara mellan %s och %s", subjSv, m.num(*q.Min), m.num(*q.Max)),
			fmt.Sprintf("%s must be between %s and %s", subjEn, m.num(*q.Min), m.num(*q.Max)))
	case q.Min != nil:
		return m.pick(fmt.Sprintf("%s måste vara %s eller mer", subjSv, m.num(*q.Min)),
			fmt.Sprintf("%s must be %s or more", subjEn, m.num(*q.Min)))
	case q.Max != nil:
		return m.pick(fmt.Sprintf("%s måste vara %s eller mindre", subjSv, m.num(*q.Max)),
			fmt.Sprintf("%s must be %s or less", subjEn, m.num(*q.Max)))
	}
	return m.notNumber(q)
}

func (m *catalog) pick(sv, en string) string {
	if m.sv() {
		return sv
	}
	return en
}

// num formats a number the way the language writes it: a decimal comma in
// Swedish.
func (m *catalog) num(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if m.sv() {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// exampleNumber is a plausible answer to show in a message: 12, unless the
// question's bounds exclude it.
func exampleNumber(q Question) float64 {
	ex := 12.0
	if q.Max != nil && ex > *q.Max {
		ex = math.Floor(*q.Max)
	}
	if q.Min != nil && ex < *q.Min {
		ex = math.Ceil(*q.Min)
	}
	return ex
}

// unit is the plural noun of a unit in both languages.
type unit struct{ sv, en string }

// units names the units a number question commonly declares, so a message
// can say "the number of minutes" rather than "a number".
var units = map[string]unit{
	"s":        {"sekunder", "seconds"},
	"sek":      {"sekunder", "seconds"},
	"sekunder": {"sekunder", "seconds"},
	"seconds":  {"sekunder", "seconds"},
	"min":      {"minuter", "minutes"},
	"minuter":  {"minuter", "minutes"},
	"minutes":  {"minuter", "minutes"},
	"h":        {"timmar", "hours"},
	"tim":      {"timmar", "hours"},
	"timmar":   {"timmar", "hours"},
	"hours":    {"timmar", "hours"},
	"d":        {"dagar", "days"},
	"dagar":    {"dagar", "days"},
	"days":     {"dagar", "days"},
	"gånger":   {"gånger", "times"},
	"times":    {"gånger", "times"},
	"kr":       {"kronor", "kronor"},
	"SEK":      {"kronor", "kronor"},
	"besök":    {"besök", "visits"},
	"visits":   {"besök", "visits"},
}
