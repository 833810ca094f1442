package api

import (
	"fmt"
	"strings"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

// The participant pages speak Swedish and English. Texts are looked up by
// key; TestCatalogsComplete keeps both catalogs holding the same keys, so a
// page never shows an empty string in one language.

// catalogs holds the participant pages' texts by language and key.
var catalogs = map[string]map[string]string{
	pilots.LangSwedish: {
		"lang_name":           "Svenska",
		"skip":                "Hoppa till innehållet",
		"service":             "Pilot",
		"error_prefix":        "Fel: ",
		"pilot_by":            "Ansvarig",
		"period":              "Pilotperiod",
		"period_to":           "till",
		"your_id":             "Ditt deltagar-id",
		"your_id_hint":        "Vi sparar inte ditt namn eller din e-postadress. Dina svar kopplas bara till det här id:t.",
		"try_heading":         "Prova tjänsten",
		"try_link":            "Prova tjänsten",
		"try_vendor":          "Leverantör",
		"try_not_running":     "Tjänsten går att prova när piloten är igång.",
		"surveys_heading":     "Enkäter",
		"surveys_none":        "Piloten har inga enkäter.",
		"survey_open":         "Öppen",
		"survey_answer":       "Svara på enkäten",
		"survey_closes":       "Öppen till och med",
		"survey_answered":     "Besvarad",
		"survey_receipt":      "Kvitto",
		"survey_upcoming":     "Öppnar",
		"survey_upcoming_gen": "Öppnar senare",
		"survey_closed":       "Stängd",
		"survey_anonymous":    "Dina svar sparas anonymt: utan ditt deltagar-id.",
		"privacy_heading":     "Så hanterar vi dina uppgifter",
		"privacy_controller":  "Personuppgiftsansvarig",
		"privacy_basis":       "Rättslig grund",
		"privacy_basis_def":   "Allmänt intresse (artikel 6.1 e i dataskyddsförordningen)",
		"privacy_retention":   "Hur länge svaren sparas",
		"privacy_keep":        "%d dagar efter att piloten avslutats",
		"privacy_keep_none":   "Svaren raderas när piloten avslutas",
		"privacy_decision":    "enligt beslut",
		"privacy_contact":     "Kontakt",
		"privacy_contact_def": "Kontakta den som bjöd in dig.",
		"form_required_note":  "Alla frågor måste besvaras om inget annat anges.",
		"form_optional":       "(frivillig)",
		"form_continue":       "Fortsätt",
		"form_back":           "Tillbaka till pilotens sida",
		"form_unit":           "Svar i",
		"form_choices_hint":   "Välj alla som stämmer.",
		"form_text_hint":      "Högst 2 000 tecken.",
		"form_nps_low":        "Inte alls troligt",
		"form_nps_high":       "Mycket troligt",
		"form_agree_low":      "Instämmer inte alls",
		"form_agree_high":     "Instämmer helt",
		"form_question":       "Fråga",
		"form_of":             "av",
		"error_summary":       "Det finns problem",
		"error_inline":        "Fel:",
		"check_title":         "Kontrollera dina svar",
		"check_intro":         "Läs igenom dina svar innan du skickar dem. Du kan inte ändra svaren efteråt.",
		"check_change":        "Ändra",
		"check_change_hidden": "svaret på",
		"check_send":          "Skicka svar",
		"check_unanswered":    "Inte besvarad",
		"receipt_title":       "Tack!",
		"receipt_intro":       "Dina svar är sparade.",
		"receipt_code":        "Ditt kvitto",
		"receipt_keep":        "Spara kvittot om du vill kunna visa att du har svarat.",
		"receipt_back":        "Tillbaka till pilotens sida",
		"notfound_title":      "Länken fungerar inte",
		"notfound_body":       "Länken är fel eller inte längre giltig. Kontrollera att du har kopierat hela länken från inbjudan, eller kontakta den som bjöd in dig.",
		"survey404_title":     "Enkäten finns inte",
		"survey404_body":      "Den här piloten har ingen enkät med det namnet.",
		"closed_title":        "Enkäten är stängd",
		"closed_body":         "Enkäten tar inte emot svar längre.",
		"upcoming_title":      "Enkäten har inte öppnat än",
		"upcoming_body":       "Enkäten tar inte emot svar än. Kom tillbaka när den har öppnat.",
		"unavailable_title":   "Tjänsten är inte tillgänglig just nu",
		"unavailable_body":    "Försök igen om en stund.",
		"gw_down_title":       "Tjänsten som provas svarar inte just nu",
		"gw_down_body":        "Försök igen om en stund. Om det inte fungerar, kontakta den som bjöd in dig.",
		"session_title":       "Öppna länken i din inbjudan först",
		"session_body":        "För att prova tjänsten behöver du först öppna länken i din inbjudan i den här webbläsaren. Sedan kan du välja ”Prova tjänsten”.",
		"gw404_title":         "Sidan finns inte",
		"gw404_body":          "Din inbjudan gäller inte den här piloten.",
		"forbidden_title":     "Formuläret kunde inte skickas",
		"forbidden_body":      "Formuläret skickades från en annan webbplats. Öppna pilotens sida och försök igen.",
		"toolarge_title":      "Formuläret är för stort",
		"toolarge_body":       "Svaren var för långa för att tas emot. Korta dina svar och försök igen.",
		"toomany_title":       "För många försök",
		"toomany_body":        "Vänta en stund och försök igen.",
		"badform_title":       "Formuläret kunde inte läsas",
		"badform_body":        "Gå tillbaka till enkäten och försök igen.",
		"internal_title":      "Något gick fel",
		"internal_body":       "Det är inte ditt fel. Försök igen om en stund.",
		"home_link":           "Gå till pilotens sida",
	},
	pilots.LangEnglish: {
		"lang_name":           "English",
		"skip":                "Skip to main content",
		"service":             "Pilot",
		"error_prefix":        "Error: ",
		"pilot_by":            "Run by",
		"period":              "Pilot period",
		"period_to":           "to",
		"your_id":             "Your participant id",
		"your_id_hint":        "We do not store your name or email address. Your answers are linked only to this id.",
		"try_heading":         "Try the service",
		"try_link":            "Try the service",
		"try_vendor":          "Supplier",
		"try_not_running":     "You can try the service once the pilot is running.",
		"surveys_heading":     "Surveys",
		"surveys_none":        "This pilot has no surveys.",
		"survey_open":         "Open",
		"survey_answer":       "Answer the survey",
		"survey_closes":       "Open until",
		"survey_answered":     "Answered",
		"survey_receipt":      "Receipt",
		"survey_upcoming":     "Opens",
		"survey_upcoming_gen": "Opens later",
		"survey_closed":       "Closed",
		"survey_anonymous":    "Your answers are stored anonymously: without your participant id.",
		"privacy_heading":     "How we handle your data",
		"privacy_controller":  "Data controller",
		"privacy_basis":       "Legal basis",
		"privacy_basis_def":   "Public interest (Article 6(1)(e) of the General Data Protection Regulation)",
		"privacy_retention":   "How long answers are kept",
		"privacy_keep":        "%d days after the pilot has closed",
		"privacy_keep_none":   "Answers are deleted when the pilot closes",
		"privacy_decision":    "under decision",
		"privacy_contact":     "Contact",
		"privacy_contact_def": "Contact the person who invited you.",
		"form_required_note":  "Answer every question unless it says it is optional.",
		"form_optional":       "(optional)",
		"form_continue":       "Continue",
		"form_back":           "Back to the pilot's page",
		"form_unit":           "Answer in",
		"form_choices_hint":   "Select all that apply.",
		"form_text_hint":      "2,000 characters at most.",
		"form_nps_low":        "Not at all likely",
		"form_nps_high":       "Extremely likely",
		"form_agree_low":      "Strongly disagree",
		"form_agree_high":     "Strongly agree",
		"form_question":       "Question",
		"form_of":             "of",
		"error_summary":       "There is a problem",
		"error_inline":        "Error:",
		"check_title":         "Check your answers",
		"check_intro":         "Read your answers before you send them. You cannot change them afterwards.",
		"check_change":        "Change",
		"check_change_hidden": "your answer to",
		"check_send":          "Send answers",
		"check_unanswered":    "Not answered",
		"receipt_title":       "Thank you!",
		"receipt_intro":       "Your answers have been saved.",
		"receipt_code":        "Your receipt",
		"receipt_keep":        "Keep the receipt if you want to be able to show that you have answered.",
		"receipt_back":        "Back to the pilot's page",
		"notfound_title":      "The link does not work",
		"notfound_body":       "The link is wrong or no longer valid. Check that you copied the whole link from your invitation, or contact the person who invited you.",
		"survey404_title":     "The survey does not exist",
		"survey404_body":      "This pilot has no survey with that name.",
		"closed_title":        "The survey is closed",
		"closed_body":         "The survey no longer takes answers.",
		"upcoming_title":      "The survey has not opened yet",
		"upcoming_body":       "The survey does not take answers yet. Come back when it has opened.",
		"unavailable_title":   "The service is not available right now",
		"unavailable_body":    "Try again in a while.",
		"gw_down_title":       "The service under trial is not answering right now",
		"gw_down_body":        "Try again in a while. If it still does not work, contact the person who invited you.",
		"session_title":       "Open the link in your invitation first",
		"session_body":        "To try the service, first open the link in your invitation in this browser. Then choose “Try the service”.",
		"gw404_title":         "Page not found",
		"gw404_body":          "Your invitation is not for this pilot.",
		"forbidden_title":     "The form could not be sent",
		"forbidden_body":      "The form was sent from another website. Open the pilot's page and try again.",
		"toolarge_title":      "The form is too large",
		"toolarge_body":       "Your answers were too long to be accepted. Shorten them and try again.",
		"toomany_title":       "Too many attempts",
		"toomany_body":        "Wait a moment and try again.",
		"badform_title":       "The form could not be read",
		"badform_body":        "Go back to the survey and try again.",
		"internal_title":      "Something went wrong",
		"internal_body":       "It is not your fault. Try again in a while.",
		"home_link":           "Go to the pilot's page",
	},
}

// langCookie remembers the language a participant chose.
const langCookie = "pilotbed_lang"

// validLang reports whether participant pages speak lang.
func validLang(lang string) bool {
	return lang == pilots.LangSwedish || lang == pilots.LangEnglish
}

// otherLang is the language the switch link offers.
func otherLang(lang string) string {
	if lang == pilots.LangEnglish {
		return pilots.LangSwedish
	}
	return pilots.LangEnglish
}

// tr returns the text of key in lang.
func tr(lang, key string) string {
	if s, ok := catalogs[lang][key]; ok {
		return s
	}
	return catalogs[pilots.LangSwedish][key]
}

var monthsSv = [...]string{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"}

// formatDate writes a day the way the language does: "11 januari 2027",
// "11 January 2027", in Stockholm time.
func formatDate(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(pilots.DayZone)
	if lang == pilots.LangEnglish {
		return t.Format("2 January 2006")
	}
	return fmt.Sprintf("%d %s %d", t.Day(), monthsSv[t.Month()-1], t.Year())
}

// formatLastDay writes the last day before an exclusive end: a pilot or
// survey that ends "2027-03-31" ends at the first instant of 1 April.
func formatLastDay(end time.Time, lang string) string {
	if end.IsZero() {
		return ""
	}
	return formatDate(end.Add(-time.Nanosecond), lang)
}

// formatNumber writes a number with the language's decimal mark.
func formatNumber(f float64, lang string) string {
	s := fmt.Sprintf("%g", f)
	if strings.ContainsAny(s, "e") {
		s = fmt.Sprintf("%f", f)
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if lang == pilots.LangSwedish {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}
