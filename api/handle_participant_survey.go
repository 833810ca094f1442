package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/pilots"
)

// Steps of the survey form, sent as the "_step" field: a name starting with
// "_" is the page's own, never a question's (see pilots.ParseAnswers).
const (
	stepField   = "_step"
	stepCheck   = "check"   // validate and show the answers to check
	stepEdit    = "edit"    // back from the check step to the form
	stepConfirm = "confirm" // store the answers
)

// surveyFormPage is the survey form, blank, being corrected or changed.
type surveyFormPage struct {
	page
	Action    string
	Anonymous bool
	Questions []questionView
	Errors    []errorLink
	Total     int
}

// errorLink is one entry of the error summary.
type errorLink struct {
	Href    string // "#<field id>", empty when no field is to blame
	Message string
}

// checkPage is the check-your-answers step.
type checkPage struct {
	page
	Action string
	Rows   []answerRow
	Hidden []hiddenField
}

// viewSubmitter is a ParticipantService that can store answers for the view
// it has just resolved, sparing a second lookup of the same secret on the
// busiest path of the participant pages.
type viewSubmitter interface {
	SubmitViewed(ctx context.Context, v pilots.ParticipantView, survey string, answers pilots.Answers) (pilots.Response, bool, error)
}

// openSurvey finds the requested survey and makes sure it takes answers.
// On failure it has answered: 404 for no such survey, a redirect to the
// receipt when it is answered already, 409 when it is not open.
func (pp *participantPages) openSurvey(c *gin.Context, v pilots.ParticipantView, lang string) (*pilots.Survey, bool) {
	secret := c.Param("token")
	title := pilotTitle(v)
	st, ok := surveyState(v, c.Param("survey"))
	switch {
	case !ok:
		pp.message(c, http.StatusNotFound, lang, "survey404", title, homePath(secret), false)
		return nil, false
	case st.Answered != nil:
		c.Redirect(http.StatusSeeOther, receiptPath(secret, st.Survey.Name))
		c.Abort()
		return nil, false
	case st.Upcoming:
		pp.message(c, http.StatusConflict, lang, "upcoming", title, homePath(secret), false)
		return nil, false
	case !st.Open:
		pp.message(c, http.StatusConflict, lang, "closed", title, homePath(secret), false)
		return nil, false
	}
	return st.Survey, true
}

func pilotTitle(v pilots.ParticipantView) string {
	return firstNonEmpty(v.Pilot.Spec.Title, v.Pilot.Name)
}

func surveyTitle(s *pilots.Survey, lang string) string {
	return firstNonEmpty(s.Title.In(lang), s.Name)
}

// renderForm shows the survey form with what was given and its problems;
// a form with problems gets 422 and a title starting with "Fel: ".
func (pp *participantPages) renderForm(c *gin.Context, v pilots.ParticipantView, s *pilots.Survey, lang string, values url.Values, errs pilots.FieldErrors) {
	secret := c.Param("token")
	p := surveyFormPage{
		page:      newPage(c, lang, surveyTitle(s, lang), pilotTitle(v), homePath(secret)),
		Action:    surveyPath(secret, s.Name),
		Anonymous: s.Anonymous,
		Questions: questionViews(s, values, errs, lang),
		Total:     len(s.Questions),
	}
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
		p.Title = tr(lang, "error_prefix") + p.Title
		for _, e := range errs {
			l := errorLink{Message: e.Message}
			if e.Field != "" {
				l.Href = "#" + e.Field
			}
			p.Errors = append(p.Errors, l)
		}
	}
	pp.render(c, status, "survey", p)
}

// handleSurveyForm shows GET /p/{token}/s/{survey}.
func (pp *participantPages) handleSurveyForm() gin.HandlerFunc {
	return func(c *gin.Context) {
		v, lang, ok := pp.view(c)
		if !ok {
			return
		}
		s, ok := pp.openSurvey(c, v, lang)
		if !ok {
			return
		}
		setSession(c, c.Param("token"))
		pp.renderForm(c, v, s, lang, url.Values{}, nil)
	}
}

// handleSurveyPost takes POST /p/{token}/s/{survey}: the form (to check),
// a change from the check step, or the confirmation that stores the answers
// and redirects to the receipt.
func (pp *participantPages) handleSurveyPost() gin.HandlerFunc {
	return func(c *gin.Context) {
		v, lang, ok := pp.view(c)
		if !ok {
			return
		}
		if !pp.parseForm(c, lang) {
			return
		}
		s, ok := pp.openSurvey(c, v, lang)
		if !ok {
			return
		}
		values := knownValues(s, c.Request.PostForm)
		step := c.Request.PostForm.Get(stepField)
		if step == stepEdit {
			pp.renderForm(c, v, s, lang, values, nil)
			return
		}
		answers, errs := pilots.ParseAnswers(*s, values, lang)
		if len(errs) > 0 {
			pp.renderForm(c, v, s, lang, values, errs)
			return
		}
		secret := c.Param("token")
		if step != stepConfirm {
			p := checkPage{
				page:   newPage(c, lang, tr(lang, "check_title"), pilotTitle(v), homePath(secret)),
				Action: surveyPath(secret, s.Name),
				Rows:   answerRows(s, answers, lang),
				Hidden: answerFields(s, answers),
			}
			p.Title = tr(lang, "check_title") + " – " + surveyTitle(s, lang) + " – " + pilotTitle(v)
			pp.render(c, http.StatusOK, "check", p)
			return
		}

		// SubmitResponse returns only once the response is committed, so
		// the receipt the redirect leads to is never shown for answers
		// that could still be lost.
		var err error
		if vs, ok := pp.s.parts.(viewSubmitter); ok {
			_, _, err = vs.SubmitViewed(c.Request.Context(), v, s.Name, answers)
		} else {
			_, _, err = pp.s.parts.SubmitResponse(c.Request.Context(), secret, s.Name, answers)
		}
		switch pilots.ErrorCode(err) {
		case "":
			c.Redirect(http.StatusSeeOther, receiptPath(secret, s.Name))
			c.Abort()
		case pilots.ECONFLICT:
			pp.message(c, http.StatusConflict, lang, "closed", pilotTitle(v), homePath(secret), false)
		case pilots.EINVALID:
			pp.s.log.Warn("answers refused after they parsed", zap.String("survey", s.Name), zap.Error(err))
			pp.message(c, http.StatusBadRequest, lang, "badform", pilotTitle(v), homePath(secret), false)
		default:
			pp.viewError(c, lang, err)
		}
	}
}
