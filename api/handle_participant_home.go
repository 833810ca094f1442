package api

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// homePage is the participant's page: the pilot, the privacy notice, the
// way to the candidate and the surveys.
type homePage struct {
	page
	Description string
	Owner       string
	Period      string
	Participant string
	Vendor      string
	TryURL      string // empty while the pilot does not run
	Controller  string
	LegalBasis  string
	Retention   string
	Decision    string
	Contact     string
	Surveys     []surveyItem
}

// surveyItem is one survey in the list on the participant's page.
type surveyItem struct {
	Name      string
	Title     string
	URL       string // the form, when open
	Status    string
	Detail    string // closing day, opening day or receipt
	Receipt   string
	Anonymous bool
}

// handleParticipantHome shows GET /p/{token} and gives the browser the
// session the gateway needs.
func (pp *participantPages) handleParticipantHome() gin.HandlerFunc {
	return func(c *gin.Context) {
		v, lang, ok := pp.view(c)
		if !ok {
			return
		}
		secret := c.Param("token")
		setSession(c, secret)
		spec := &v.Pilot.Spec
		p := homePage{
			page:        newPage(c, lang, spec.Title, "", homePath(secret)),
			Description: spec.Description,
			Owner:       spec.Owner,
			Participant: v.Participant.ID,
			Controller:  firstNonEmpty(spec.Privacy.Controller, spec.Owner),
			LegalBasis:  firstNonEmpty(spec.Privacy.LegalBasis, tr(lang, "privacy_basis_def")),
			Decision:    spec.Retention.Decision,
			Contact:     firstNonEmpty(spec.Privacy.Contact, spec.Contact),
		}
		if p.Heading == "" {
			p.Heading, p.Title = v.Pilot.Name, v.Pilot.Name
		}
		p.Pilot = p.Heading
		if !spec.Start.IsZero() {
			p.Period = formatDate(spec.Start, lang) + " " + tr(lang, "period_to") + " " + formatLastDay(spec.End, lang)
		}
		if days := int(spec.Retention.Keep.Hours() / 24); days > 0 {
			p.Retention = fmt.Sprintf(tr(lang, "privacy_keep"), days)
		} else {
			p.Retention = tr(lang, "privacy_keep_none")
		}
		if v.Candidate != nil {
			p.Vendor = v.Candidate.Vendor
		}
		if v.Pilot.Status == pilots.StatusRunning && v.Candidate != nil {
			p.TryURL = "/try/" + url.PathEscape(v.Pilot.Name) + "/"
		}
		for _, st := range v.Surveys {
			p.Surveys = append(p.Surveys, describeSurvey(st, secret, lang))
		}
		pp.render(c, http.StatusOK, "home", p)
	}
}

// describeSurvey says where a survey stands for the participant.
func describeSurvey(st pilots.SurveyState, secret, lang string) surveyItem {
	s := st.Survey
	it := surveyItem{Name: s.Name, Title: s.Title.In(lang), Anonymous: s.Anonymous}
	if it.Title == "" {
		it.Title = s.Name
	}
	switch {
	case st.Answered != nil:
		it.Status = tr(lang, "survey_answered")
		it.Receipt = st.Answered.Receipt
	case st.Open:
		it.Status = tr(lang, "survey_open")
		it.URL = surveyPath(secret, s.Name)
		if !s.Closes.IsZero() {
			it.Detail = tr(lang, "survey_closes") + " " + formatLastDay(s.Closes, lang)
		}
	case st.Upcoming:
		it.Status = tr(lang, "survey_upcoming_gen")
		if !s.Opens.IsZero() {
			it.Status = tr(lang, "survey_upcoming") + " " + formatDate(s.Opens, lang)
		}
	default:
		it.Status = tr(lang, "survey_closed")
	}
	return it
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
