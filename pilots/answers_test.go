package pilots

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func fp(f float64) *float64 { return &f }
func ip(n int) *int         { return &n }

// testSurvey has one question of each type, and two SUS items.
func testSurvey() Survey {
	return Survey{
		Name: "final",
		Questions: []Question{
			{Name: "sus_3", Type: Likert, Scale: 5, Instrument: InstrumentSUS, Item: 3, Text: Text{"sv": "Jag tyckte systemet var lätt att använda"}},
			{Name: "stars", Type: Rating, Scale: 4},
			{Name: "recommend", Type: NPS},
			{Name: "minutes", Type: Number, Unit: "min", Min: fp(0), Max: fp(600)},
			{Name: "tool", Type: Choice, Options: []Option{{Value: "tablet"}, {Value: "phone"}}},
			{Name: "uses", Type: Choices, Options: []Option{{Value: "night"}, {Value: "day"}, {Value: "weekend"}}},
			{Name: "comment", Type: Free, Optional: true},
		},
	}
}

func fullForm() url.Values {
	return url.Values{
		"sus_3":     {"4"},
		"stars":     {"4"},
		"recommend": {"0"},
		"minutes":   {"12,5"},
		"tool":      {"phone"},
		"uses":      {"weekend", "night"},
		"comment":   {"  Bra\r\nmen långsam  "},
	}
}

func TestParseAnswersValid(t *testing.T) {
	got, errs := ParseAnswers(testSurvey(), fullForm(), "sv")
	if len(errs) != 0 {
		t.Fatalf("ParseAnswers errors: %v", errs)
	}
	want := Answers{
		"sus_3":     {Int: ip(4)},
		"stars":     {Int: ip(4)},
		"recommend": {Int: ip(0)},
		"minutes":   {Number: fp(12.5)},
		"tool":      {Choice: "phone"},
		"uses":      {Choices: []string{"night", "weekend"}},
		"comment":   {Text: "Bra\nmen långsam"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("answers (-want +got):\n%s", diff)
	}
	// They survive JSON, as the store keeps them.
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	var back Answers
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("Unmarshal: %v", err)
	}
	if diff := cmp.Diff(want, back); diff != "" {
		t.Errorf("answers after JSON (-want +got):\n%s", diff)
	}
}

func TestParseAnswersOptionalLeftOut(t *testing.T) {
	form := fullForm()
	form.Set("comment", "   ")
	got, errs := ParseAnswers(testSurvey(), form, "sv")
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if _, ok := got["comment"]; ok {
		t.Errorf("an empty optional answer is stored: %+v", got["comment"])
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"12", 12, true},
		{"12,5", 12.5, true},
		{"12.5", 12.5, true},
		{" 1 000 ", 1000, true},
		{"1\u00a0000,25", 1000.25, true},
		{"\u22123", -3, true},
		{"-3", -3, true},
		{",5", 0.5, true},
		{"12.", 12, true},
		{"", 0, false},
		{"tolv", 0, false},
		{"1e3", 0, false},
		{"0x10", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"1,2,3", 0, false},
		{"1.2.3", 0, false},
		{"12 min", 0, false},
		{strings.Repeat("9", 400), 0, false},
	}
	for _, tt := range tests {
		got, ok := parseNumber(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("parseNumber(%q)=%v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseAnswersErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(url.Values)
		lang   string
		want   FieldErrors
	}{
		{"likert missing sv", func(v url.Values) { v.Del("sus_3") }, "sv",
			FieldErrors{{Field: "q-sus_3-1", Question: "sus_3", Message: "Välj hur mycket du instämmer"}}},
		{"likert missing en", func(v url.Values) { v.Del("sus_3") }, "en",
			FieldErrors{{Field: "q-sus_3-1", Question: "sus_3", Message: "Select how much you agree"}}},
		{"likert out of range", func(v url.Values) { v.Set("sus_3", "6") }, "sv",
			FieldErrors{{Field: "q-sus_3-1", Question: "sus_3", Message: "Välj ett av alternativen 1 till 5"}}},
		{"likert two values", func(v url.Values) { v["sus_3"] = []string{"1", "2"} }, "en",
			FieldErrors{{Field: "q-sus_3-1", Question: "sus_3", Message: "Select only one answer"}}},
		{"rating not a number", func(v url.Values) { v.Set("stars", "fyra") }, "en",
			FieldErrors{{Field: "q-stars-1", Question: "stars", Message: "Select a value from 1 to 4"}}},
		{"rating missing", func(v url.Values) { v.Del("stars") }, "sv",
			FieldErrors{{Field: "q-stars-1", Question: "stars", Message: "Välj ett betyg från 1 till 4"}}},
		{"nps 11", func(v url.Values) { v.Set("recommend", "11") }, "sv",
			FieldErrors{{Field: "q-recommend-0", Question: "recommend", Message: "Välj ett värde från 0 till 10"}}},
		{"nps missing", func(v url.Values) { v.Set("recommend", "") }, "en",
			FieldErrors{{Field: "q-recommend-0", Question: "recommend", Message: "Select how likely it is, from 0 to 10"}}},
		{"number missing", func(v url.Values) { v.Set("minutes", "") }, "sv",
			FieldErrors{{Field: "q-minutes", Question: "minutes", Message: "Ange antalet minuter"}}},
		{"number words sv", func(v url.Values) { v.Set("minutes", "tolv") }, "sv",
			FieldErrors{{Field: "q-minutes", Question: "minutes", Message: "Ange antalet minuter som ett tal, till exempel 12"}}},
		{"number words en", func(v url.Values) { v.Set("minutes", "twelve") }, "en",
			FieldErrors{{Field: "q-minutes", Question: "minutes", Message: "Enter the number of minutes as a number, like 12"}}},
		{"number too big", func(v url.Values) { v.Set("minutes", "600,5") }, "sv",
			FieldErrors{{Field: "q-minutes", Question: "minutes", Message: "Antalet minuter måste vara mellan 0 och 600"}}},
		{"number negative en", func(v url.Values) { v.Set("minutes", "-1") }, "en",
			FieldErrors{{Field: "q-minutes", Question: "minutes", Message: "The number of minutes must be between 0 and 600"}}},
		{"choice unknown", func(v url.Values) { v.Set("tool", "laptop") }, "sv",
			FieldErrors{{Field: "q-tool-1", Question: "tool", Message: "Välj ett av alternativen i listan"}}},
		{"choice missing", func(v url.Values) { v.Del("tool") }, "en",
			FieldErrors{{Field: "q-tool-1", Question: "tool", Message: "Select an option"}}},
		{"choices unknown", func(v url.Values) { v["uses"] = []string{"night", "always"} }, "en",
			FieldErrors{{Field: "q-uses-1", Question: "uses", Message: "Select only the options listed"}}},
		{"choices missing", func(v url.Values) { v.Del("uses") }, "sv",
			FieldErrors{{Field: "q-uses-1", Question: "uses", Message: "Välj minst ett alternativ"}}},
		{"text too long", func(v url.Values) { v.Set("comment", strings.Repeat("å", MaxTextLength+1)) }, "sv",
			FieldErrors{{Field: "q-comment", Question: "comment", Message: "Svaret får vara högst 2 000 tecken"}}},
		{"unknown fields", func(v url.Values) { v.Set("zeta", "1"); v.Set("alpha", "2"); v.Set("_lang", "en") }, "en",
			FieldErrors{{Message: `The form contained fields that are not part of this survey: "alpha", "zeta"`}}},
		{"several, in question order", func(v url.Values) { v.Del("uses"); v.Del("sus_3"); v.Set("x", "") }, "sv",
			FieldErrors{
				{Field: "q-sus_3-1", Question: "sus_3", Message: "Välj hur mycket du instämmer"},
				{Field: "q-uses-1", Question: "uses", Message: "Välj minst ett alternativ"},
				{Message: `Formuläret innehöll fält som inte hör till enkäten: "x"`},
			}},
		{"unknown language is Swedish", func(v url.Values) { v.Del("tool") }, "de",
			FieldErrors{{Field: "q-tool-1", Question: "tool", Message: "Välj ett alternativ"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := fullForm()
			tt.change(form)
			before := cloneValues(form)
			answers, got := ParseAnswers(testSurvey(), form, tt.lang)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			// The form is never changed, so the page can show it again.
			if diff := cmp.Diff(before, form); diff != "" {
				t.Errorf("ParseAnswers changed the values (-before +after):\n%s", diff)
			}
			// The answers that were fine are kept.
			for _, e := range got {
				if _, ok := answers[e.Question]; ok && e.Question != "" {
					t.Errorf("question %s has an error and an answer", e.Question)
				}
			}
			if _, ok := answers["tool"]; !ok && tt.name != "choice unknown" && tt.name != "choice missing" && tt.name != "unknown language is Swedish" {
				t.Errorf("the valid answer to tool was dropped")
			}
		})
	}
}

func cloneValues(v url.Values) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

func TestFieldErrorsFor(t *testing.T) {
	errs := FieldErrors{{Field: "q-a", Question: "a", Message: "A"}, {Message: "form"}}
	if got := errs.For("a"); got != "A" {
		t.Errorf("For(a)=%q, want A", got)
	}
	if got := errs.For("b"); got != "" {
		t.Errorf("For(b)=%q, want empty", got)
	}
	if got := errs.For(""); got != "" {
		t.Errorf("For(\"\")=%q, want empty", got)
	}
	if got, want := errs.Error(), "a: A; form"; got != want {
		t.Errorf("Error()=%q, want %q", got, want)
	}
}

func TestIDs(t *testing.T) {
	tests := []struct {
		q           Question
		field, opt2 string
	}{
		{Question{Name: "sus_3", Type: Likert, Scale: 5}, "q-sus_3-1", "q-sus_3-2"},
		{Question{Name: "recommend", Type: NPS}, "q-recommend-0", "q-recommend-1"},
		{Question{Name: "tool", Type: Choice}, "q-tool-1", "q-tool-2"},
		{Question{Name: "minutes", Type: Number}, "q-minutes", "q-minutes-2"},
		{Question{Name: "två ord", Type: Free}, "q-tv__ord", "q-tv__ord-2"},
	}
	for _, tt := range tests {
		if got := FieldID(tt.q); got != tt.field {
			t.Errorf("FieldID(%s)=%q, want %q", tt.q.Name, got, tt.field)
		}
		if got := OptionID(tt.q, 1); got != tt.opt2 {
			t.Errorf("OptionID(%s, 1)=%q, want %q", tt.q.Name, got, tt.opt2)
		}
	}
}

func TestAnswerFloat(t *testing.T) {
	tests := []struct {
		a    Answer
		want float64
		ok   bool
	}{
		{Answer{Int: ip(3)}, 3, true},
		{Answer{Number: fp(2.5)}, 2.5, true},
		{Answer{Text: "x"}, 0, false},
	}
	for _, tt := range tests {
		got, ok := tt.a.Float()
		if got != tt.want || ok != tt.ok {
			t.Errorf("%+v.Float()=%v, %v; want %v, %v", tt.a, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzParseAnswers feeds arbitrary form bodies to ParseAnswers: it must
// never panic, and what it accepts must be a valid answer that survives
// JSON.
func FuzzParseAnswers(f *testing.F) {
	f.Add(fullForm().Encode(), "sv")
	f.Add("sus_3=4&sus_3=5&minutes=1e400&tool=&uses=night&uses=night", "en")
	f.Add("minutes=%E2%88%921%C2%A0000,5&comment=%00%01%ff", "sv")
	f.Add("recommend=-0&stars=+4&_lang=en&%ff=1", "xx")
	f.Add(strings.Repeat("a=1&", 50), "en")
	s := testSurvey()
	s.Questions = append(s.Questions, Question{Name: "odd", Type: "slider"}, Question{Name: "bare", Type: Likert})
	f.Fuzz(func(t *testing.T, body, lang string) {
		values, err := url.ParseQuery(body)
		if err != nil {
			return // the HTTP layer refuses a body it cannot parse
		}
		answers, errs := ParseAnswers(s, values, lang)
		for _, e := range errs {
			if e.Message == "" {
				t.Fatalf("an error without a message: %+v", e)
			}
			if !utf8.ValidString(e.Message) {
				t.Fatalf("message is not valid UTF-8: %q", e.Message)
			}
		}
		for name, a := range answers {
			if a.Text != "" && (!utf8.ValidString(a.Text) || utf8.RuneCountInString(a.Text) > MaxTextLength) {
				t.Fatalf("answer %s: text %q invalid or too long", name, a.Text)
			}
			if a.Number != nil && (*a.Number < 0 || *a.Number > 600) {
				t.Fatalf("answer %s: number %v out of range", name, *a.Number)
			}
		}
		if _, err := json.Marshal(answers); err != nil {
			t.Fatalf("answers cannot be stored: %v", err)
		}
	})
}
