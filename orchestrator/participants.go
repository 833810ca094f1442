package orchestrator

import (
	"context"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/testbeds"
)

// This file serves the participant pages and the gateway
// (api.ParticipantService): every method starts from the invitation secret,
// which is only ever compared by its hash.

// unknownInvitation is the one answer to a secret that leads nowhere, so a
// guesser learns nothing about why.
func unknownInvitation() error {
	return pilots.Errorf(pilots.ENOTFOUND, "unknown or revoked invitation")
}

// participant resolves a secret to its participant and pilot. Returns
// ENOTFOUND for an empty, unknown or revoked secret.
func (o *Orchestrator) participant(ctx context.Context, secret string) (pilots.FeedbackStore, pilots.Participant, pilots.Pilot, error) {
	fb, err := o.feedbackStore()
	if err != nil {
		return nil, pilots.Participant{}, pilots.Pilot{}, err
	}
	if strings.TrimSpace(secret) == "" {
		return nil, pilots.Participant{}, pilots.Pilot{}, unknownInvitation()
	}
	part, err := fb.ParticipantByTokenHash(ctx, pilots.HashSecret(secret))
	if err := invitationError(part, err); err != nil {
		return nil, pilots.Participant{}, pilots.Pilot{}, err
	}
	p, err := o.store.Pilot(ctx, part.PilotID)
	if err != nil {
		// A participant whose pilot is gone has nothing to see.
		if pilots.ErrorCode(err) == pilots.ENOTFOUND {
			return nil, pilots.Participant{}, pilots.Pilot{}, unknownInvitation()
		}
		return nil, pilots.Participant{}, pilots.Pilot{}, fmt.Errorf("load pilot of participant %s: %w", part.ID, err)
	}
	return fb, part, p, nil
}

// invitationError is the answer to looking up an invitation that returned
// part and err: nil when part may go on, the one unknownInvitation answer
// when it is unknown or revoked.
func invitationError(part pilots.Participant, err error) error {
	switch {
	case pilots.ErrorCode(err) == pilots.ENOTFOUND:
		return unknownInvitation()
	case err != nil:
		return fmt.Errorf("look up invitation: %w", err)
	case part.RevokedAt != nil:
		return unknownInvitation()
	}
	return nil
}

// cohortCandidate returns the candidate the participant's cohort tries, or
// nil when the spec does not name one.
func cohortCandidate(spec *pilots.Spec, cohort string) *pilots.Candidate {
	c, ok := spec.Cohort(cohort)
	if !ok {
		return nil
	}
	cand, ok := spec.Candidate(c.Candidate)
	if !ok {
		return nil
	}
	return cand
}

// notStarted reports whether a pilot has yet to run: its surveys are
// upcoming rather than closed.
func notStarted(s pilots.Status) bool {
	switch s {
	case pilots.StatusDraft, pilots.StatusScheduled, pilots.StatusProvisioning, pilots.StatusFailed:
		return true
	}
	return false
}

// statesAt says for each survey of p whether it is open, upcoming or
// closed, and whether the participant has answered it (answered, by
// survey). Only a running pilot has open surveys: closing freezes them.
func statesAt(p *pilots.Pilot, overrides []pilots.SurveyOverride, answered map[string]pilots.AnsweredSurvey, now time.Time) []pilots.SurveyState {
	states := make([]pilots.SurveyState, len(p.Spec.Surveys))
	for i := range p.Spec.Surveys {
		s := &p.Spec.Surveys[i]
		st := pilots.SurveyState{Survey: s}
		switch {
		case p.Status == pilots.StatusRunning:
			st.Open = pilots.IsOpen(*s, overrides, now)
			st.Upcoming = !st.Open && !overridden(s.Name, overrides) && !s.Opens.IsZero() && now.Before(s.Opens)
		case notStarted(p.Status):
			st.Upcoming = true
		}
		if a, ok := answered[s.Name]; ok {
			st.Answered = &a
		}
		states[i] = st
	}
	return states
}

// overridden reports whether a survey was opened or closed by hand.
func overridden(survey string, overrides []pilots.SurveyOverride) bool {
	for _, o := range overrides {
		if o.Survey == survey && (o.State == pilots.SurveyOpen || o.State == pilots.SurveyClosed) {
			return true
		}
	}
	return false
}

// pageReader is a store that reads all a participant page needs in one
// visit and from one snapshot, as sqlstore.Store does; see
// sqlstore.Store.ParticipantPage.
type pageReader interface {
	ParticipantPage(ctx context.Context, tokenHash string) (pilots.Participant, pilots.Pilot, []pilots.SurveyOverride, map[string]pilots.AnsweredSurvey, error)
}

// sameStore reports whether a and b are one and the same store, without
// comparing values whose type cannot be compared.
func sameStore(a, b any) bool {
	ta := reflect.TypeOf(a)
	return ta != nil && ta == reflect.TypeOf(b) && ta.Comparable() && a == b
}

// ParticipantView resolves an invitation secret to what the participant's
// pages show. Returns ENOTFOUND for an unknown or revoked secret,
// EUNAVAILABLE when the server keeps no feedback.
func (o *Orchestrator) ParticipantView(ctx context.Context, secret string) (pilots.ParticipantView, error) {
	fb, err := o.feedbackStore()
	if err != nil {
		return pilots.ParticipantView{}, err
	}
	// Every participant request comes here first: when the pilots and the
	// feedback live in one store that can, read it all in one go.
	var (
		part      pilots.Participant
		p         pilots.Pilot
		overrides []pilots.SurveyOverride
		answered  map[string]pilots.AnsweredSurvey
	)
	if pr, ok := fb.(pageReader); ok && sameStore(fb, o.store) && strings.TrimSpace(secret) != "" {
		part, p, overrides, answered, err = pr.ParticipantPage(ctx, pilots.HashSecret(secret))
		if err := invitationError(part, err); err != nil {
			return pilots.ParticipantView{}, err
		}
	} else {
		if _, part, p, err = o.participant(ctx, secret); err != nil {
			return pilots.ParticipantView{}, err
		}
		if overrides, err = fb.SurveyOverrides(ctx, p.ID); err != nil {
			return pilots.ParticipantView{}, fmt.Errorf("read survey overrides of pilot %q: %w", p.Name, err)
		}
		if answered, err = fb.Answered(ctx, p.ID, part.ID); err != nil {
			return pilots.ParticipantView{}, fmt.Errorf("read answers of participant %s: %w", part.ID, err)
		}
	}
	return pilots.ParticipantView{
		Pilot:       p,
		Participant: part,
		Candidate:   cohortCandidate(&p.Spec, part.Cohort),
		Surveys:     statesAt(&p, overrides, answered, o.now()),
	}, nil
}

// SubmitResponse stores a participant's answers to a survey, once. The
// answers are checked against the survey again, so a caller that skipped
// pilots.ParseAnswers cannot store what a form could not have sent. A
// repeat, even after the survey closed, returns the first response (for an
// anonymous survey only its receipt and day) with created=false.
//
// Returns ENOTFOUND for an unknown secret or survey, ECONFLICT when the
// survey is not open, EINVALID for answers the survey does not accept.
func (o *Orchestrator) SubmitResponse(ctx context.Context, secret, survey string, answers pilots.Answers) (pilots.Response, bool, error) {
	v, err := o.ParticipantView(ctx, secret)
	if err != nil {
		return pilots.Response{}, false, err
	}
	return o.SubmitViewed(ctx, v, survey, answers)
}

// SubmitViewed is SubmitResponse for a caller that has just resolved the
// participant's secret with ParticipantView, as the survey page does on
// every request: it decides from v whether the survey takes answers instead
// of reading the same rows again. What v cannot vouch for a moment later is
// checked where it is written: the store refuses a participant revoked in
// the meantime and keeps a repeat to the response stored first.
//
// Returns ENOTFOUND for a view without a participant or for an unknown
// survey, ECONFLICT when the survey is not open, EINVALID for answers the
// survey does not accept.
func (o *Orchestrator) SubmitViewed(ctx context.Context, v pilots.ParticipantView, survey string, answers pilots.Answers) (pilots.Response, bool, error) {
	fb, err := o.feedbackStore()
	if err != nil {
		return pilots.Response{}, false, err
	}
	p, part := &v.Pilot, v.Participant
	if p.ID == "" || part.ID == "" || part.PilotID != p.ID || part.RevokedAt != nil {
		return pilots.Response{}, false, unknownInvitation()
	}
	var st *pilots.SurveyState
	for i := range v.Surveys {
		if v.Surveys[i].Survey != nil && v.Surveys[i].Survey.Name == survey {
			st = &v.Surveys[i]
		}
	}
	switch {
	case st == nil:
		return pilots.Response{}, false, pilots.Errorf(pilots.ENOTFOUND, "pilot %q has no survey %q", p.Name, survey)
	case st.Answered != nil:
		// The receipt is all a repeat needs; the store would return the
		// same, but this also holds once the survey has closed.
		return pilots.Response{PilotID: p.ID, Survey: survey, Cohort: part.Cohort, Receipt: st.Answered.Receipt, SubmittedAt: st.Answered.At}, false, nil
	case p.Status != pilots.StatusRunning:
		// Only a running pilot has open surveys (see statesAt); a view
		// built by hand must not get round that.
		return pilots.Response{}, false, pilots.Errorf(pilots.ECONFLICT, "survey %q is closed: pilot %q is %s", survey, p.Name, p.Status)
	case !st.Open && st.Upcoming:
		return pilots.Response{}, false, pilots.Errorf(pilots.ECONFLICT, "survey %q is not open yet", survey)
	case !st.Open:
		return pilots.Response{}, false, pilots.Errorf(pilots.ECONFLICT, "survey %q is closed", survey)
	}

	clean, errs := pilots.ParseAnswers(*st.Survey, answerValues(answers), pilots.LangEnglish)
	if len(errs) > 0 {
		return pilots.Response{}, false, pilots.Errorf(pilots.EINVALID, "answers to survey %q: %s", survey, errs.Error())
	}
	r := pilots.Response{
		PilotID:     p.ID,
		Survey:      survey,
		Participant: part.ID,
		Answers:     clean,
		SubmittedAt: o.now(),
	}
	stored, created, err := fb.SubmitResponse(ctx, r, st.Survey.Anonymous)
	if pilots.ErrorCode(err) == pilots.ENOTFOUND {
		// Revoked since the view was read: the same answer as an unknown
		// secret.
		return pilots.Response{}, false, unknownInvitation()
	}
	if err != nil {
		return pilots.Response{}, false, fmt.Errorf("store response to survey %q of pilot %q: %w", survey, p.Name, err)
	}
	if created {
		fields := []zap.Field{zap.String("pilot", p.ID), zap.String("survey", survey), zap.String("cohort", part.Cohort)}
		// An anonymous response must not be linked to its participant,
		// not even in the log.
		if !st.Survey.Anonymous {
			fields = append(fields, zap.String("participant", part.ID))
		}
		o.log.Info("response submitted", fields...)
	}
	return stored, created, nil
}

// answerValues writes answers back as the form fields ParseAnswers reads,
// so the survey's own rules check them once more.
func answerValues(answers pilots.Answers) url.Values {
	v := url.Values{}
	for name, a := range answers {
		switch {
		case a.Int != nil:
			v.Add(name, strconv.Itoa(*a.Int))
		case a.Number != nil:
			v.Add(name, strconv.FormatFloat(*a.Number, 'f', -1, 64))
		case a.Choices != nil:
			v[name] = append([]string(nil), a.Choices...)
		case a.Choice != "":
			v.Add(name, a.Choice)
		default:
			v.Add(name, a.Text)
		}
	}
	return v
}

// Endpoint returns the base URL of the entry service of the candidate the
// participant's cohort tries. Returns ENOTFOUND for an unknown secret or a
// pilot other than the participant's (by id or name), EUNAVAILABLE when the
// pilot is not running or the service does not answer.
func (o *Orchestrator) Endpoint(ctx context.Context, secret, idOrName string) (string, error) {
	_, part, p, err := o.participant(ctx, secret)
	if err != nil {
		return "", err
	}
	if idOrName != p.ID && idOrName != p.Name {
		// Another pilot's participants must not even learn that it exists.
		return "", pilots.Errorf(pilots.ENOTFOUND, "no pilot %q for this invitation", idOrName)
	}
	if p.Status != pilots.StatusRunning {
		return "", pilots.Errorf(pilots.EUNAVAILABLE, "pilot %q is %s, not running", p.Name, p.Status)
	}
	cand := cohortCandidate(&p.Spec, part.Cohort)
	if cand == nil || cand.Entry == "" {
		return "", pilots.Errorf(pilots.EUNAVAILABLE, "cohort %q of pilot %q has no service to try", part.Cohort, p.Name)
	}
	id := testbeds.ID{Pilot: p.ID, Candidate: cand.Name}
	u, err := o.runtime.Endpoint(ctx, id, cand.Entry)
	if err != nil {
		return "", &pilots.Error{Code: pilots.EUNAVAILABLE, Message: fmt.Sprintf("service %s of candidate %s is not running", cand.Entry, cand.Name), Err: err}
	}
	return u, nil
}

// RecordUse adds requests to the participant's use of their candidate
// today (UTC). Returns ENOTFOUND for an unknown secret, EINVALID for a
// negative count.
func (o *Orchestrator) RecordUse(ctx context.Context, secret string, requests int) error {
	if requests < 0 {
		return pilots.Errorf(pilots.EINVALID, "requests must not be negative, not %d", requests)
	}
	fb, part, p, err := o.participant(ctx, secret)
	if err != nil {
		return err
	}
	day := o.now().UTC().Format(pilots.DayLayout)
	if err := fb.AddUsage(ctx, p.ID, part.ID, day, requests); err != nil {
		return fmt.Errorf("record use by participant %s of pilot %q: %w", part.ID, p.Name, err)
	}
	return nil
}
