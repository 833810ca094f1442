package pilotfile

import (
	"fmt"

	"github.com/pilotbed/pilotbed/pilots"
)

// The built-in instruments keep the structure and scoring of the published
// scales — SUS: ten items, odd ones positive and even ones negative, five
// points; UMUX-Lite: two positive items, seven points — in wording of
// pilotbed's own, in plain Swedish and English. A participant reads "the
// service", which fits whatever candidate a pilot tries.

var susItems = []pilots.Text{
	{"sv": "Jag skulle gärna använda tjänsten regelbundet.", "en": "I would be glad to use this service regularly."},
	{"sv": "Tjänsten kändes krångligare än den behöver vara.", "en": "The service felt more complicated than it needs to be."},
	{"sv": "Tjänsten var lätt att använda.", "en": "The service was easy to use."},
	{"sv": "Jag skulle behöva hjälp av någon som kan tekniken för att klara av att använda tjänsten.", "en": "I would need help from someone who knows the technology to manage to use the service."},
	{"sv": "Tjänstens olika delar hängde väl ihop.", "en": "The different parts of the service fitted well together."},
	{"sv": "Tjänsten betedde sig på för många ställen inte som jag väntade mig.", "en": "In too many places the service did not behave the way I expected."},
	{"sv": "Jag tror att de flesta snabbt skulle lära sig att använda tjänsten.", "en": "I think most people would quickly learn to use the service."},
	{"sv": "Tjänsten var omständlig att använda.", "en": "The service was awkward to use."},
	{"sv": "Jag kände mig säker när jag använde tjänsten.", "en": "I felt sure of myself when I used the service."},
	{"sv": "Jag behövde lära mig mycket innan jag kom igång med tjänsten.", "en": "I had to learn a lot before I could get going with the service."},
}

var agree5 = []pilots.Text{
	{"sv": "Instämmer inte alls", "en": "Strongly disagree"},
	{"sv": "Instämmer inte", "en": "Disagree"},
	{"sv": "Varken eller", "en": "Neither agree nor disagree"},
	{"sv": "Instämmer", "en": "Agree"},
	{"sv": "Instämmer helt", "en": "Strongly agree"},
}

var umuxLiteItems = []pilots.Text{
	{"sv": "Tjänsten gör det jag behöver att den gör.", "en": "The service does what I need it to do."},
	{"sv": "Tjänsten är enkel att använda.", "en": "The service is simple to use."},
}

var agree7 = []pilots.Text{
	{"sv": "Instämmer inte alls", "en": "Strongly disagree"},
	{"sv": "Instämmer inte", "en": "Disagree"},
	{"sv": "Instämmer delvis inte", "en": "Somewhat disagree"},
	{"sv": "Varken eller", "en": "Neither agree nor disagree"},
	{"sv": "Instämmer delvis", "en": "Somewhat agree"},
	{"sv": "Instämmer", "en": "Agree"},
	{"sv": "Instämmer helt", "en": "Strongly agree"},
}

// instrumentItems expands a built-in instrument into its questions, named
// <instrument>_<item>: sus_1 … sus_10, umux_lite_1 and umux_lite_2.
func instrumentItems(instrument string) []pilots.Question {
	items, labels := susItems, agree5
	if instrument == pilots.InstrumentUMUXLite {
		items, labels = umuxLiteItems, agree7
	}
	qs := make([]pilots.Question, len(items))
	for i, text := range items {
		qs[i] = pilots.Question{
			Name:       fmt.Sprintf("%s_%d", instrument, i+1),
			Type:       pilots.Likert,
			Text:       cloneText(text),
			Scale:      len(labels),
			Labels:     cloneTexts(labels),
			Instrument: instrument,
			Item:       i + 1,
		}
	}
	return qs
}

// cloneText copies a text so no spec shares maps with another.
func cloneText(t pilots.Text) pilots.Text {
	c := make(pilots.Text, len(t))
	for k, v := range t {
		c[k] = v
	}
	return c
}

func cloneTexts(ts []pilots.Text) []pilots.Text {
	c := make([]pilots.Text, len(ts))
	for i, t := range ts {
		c[i] = cloneText(t)
	}
	return c
}
