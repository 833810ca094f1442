package orchestrator

import (
	"context"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/pilots"
)

// revokeTimeout bounds the clean-up of invitations whose audit event could
// not be recorded.
const revokeTimeout = 30 * time.Second

// finished reports whether a pilot is past the point where participants may
// be invited or surveys changed: closing freezes the surveys, and a closed,
// decided or withdrawn pilot takes no more feedback.
func finished(s pilots.Status) bool {
	switch s {
	case pilots.StatusClosing, pilots.StatusClosed, pilots.StatusPromoted, pilots.StatusStopped, pilots.StatusWithdrawn:
		return true
	}
	return false
}

// feedbackStore returns the feedback store, or EUNAVAILABLE when none was
// configured.
func (o *Orchestrator) feedbackStore() (pilots.FeedbackStore, error) {
	if o.feedback == nil {
		return nil, pilots.Errorf(pilots.EUNAVAILABLE, "this server keeps no participant feedback")
	}
	return o.feedback, nil
}

// feedbackPilot returns the feedback store and the pilot with the given id
// or name. Returns EUNAVAILABLE when no feedback store was configured,
// ENOTFOUND for an unknown pilot.
func (o *Orchestrator) feedbackPilot(ctx context.Context, idOrName string) (pilots.FeedbackStore, pilots.Pilot, error) {
	fb, err := o.feedbackStore()
	if err != nil {
		return nil, pilots.Pilot{}, err
	}
	p, err := o.store.Pilot(ctx, idOrName)
	if err != nil {
		return nil, pilots.Pilot{}, err
	}
	return fb, p, nil
}

// Invite creates count invitations for a cohort and returns their secrets;
// only the hashes are stored, so this is the one time they can be shown.
// Returns ENOTFOUND for an unknown pilot or cohort, EINVALID for a count
// outside 1..pilots.MaxInvitations, ECONFLICT for a pilot that is closing or
// past it, or withdrawn.
func (o *Orchestrator) Invite(ctx context.Context, actor, idOrName, cohort string, count int) ([]pilots.Invitation, error) {
	fb, err := o.feedbackStore()
	if err != nil {
		return nil, err
	}
	if count < 1 || count > pilots.MaxInvitations {
		return nil, pilots.Errorf(pilots.EINVALID, "count must be from 1 to %d, not %d", pilots.MaxInvitations, count)
	}
	p, err := o.store.Pilot(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	if finished(p.Status) {
		return nil, pilots.Errorf(pilots.ECONFLICT, "pilot %q is %s; participants can only be invited before it closes", p.Name, p.Status)
	}
	if _, ok := p.Spec.Cohort(cohort); !ok {
		return nil, pilots.Errorf(pilots.ENOTFOUND, "pilot %q has no cohort %q%s", p.Name, cohort, cohortHint(p.Spec))
	}

	secrets := make([]string, count)
	hashes := make([]string, count)
	for i := range count {
		secrets[i] = pilots.NewSecret("")
		hashes[i] = pilots.HashSecret(secrets[i])
	}
	now := o.now()
	ps, err := fb.CreateParticipants(ctx, p.ID, cohort, hashes, now)
	if err != nil {
		return nil, fmt.Errorf("create invitations for pilot %q: %w", p.Name, err)
	}

	// The audit event names the cohort, the count and the pseudonymous ids;
	// never the secrets, which must not outlive this answer.
	ev := pilots.Event{
		PilotID: p.ID,
		Time:    now,
		Actor:   actor,
		Kind:    pilots.EventInvitation,
		To:      cohort,
		Reason:  fmt.Sprintf("invited %d to cohort %s (%s)", count, cohort, idRange(ps)),
	}
	if _, err := o.store.AddEvent(ctx, ev); err != nil {
		// Invitations without their audit event must not work: revoke them
		// even if the caller has gone, so the answer is all or nothing.
		o.revokeAll(context.WithoutCancel(ctx), p.ID, ps)
		return nil, fmt.Errorf("record invitations for pilot %q: %w", p.Name, err)
	}

	out := make([]pilots.Invitation, len(ps))
	for i, part := range ps {
		out[i] = pilots.Invitation{Participant: part.ID, Cohort: part.Cohort, Secret: secrets[i]}
	}
	o.log.Info("participants invited", zap.String("pilot", p.ID), zap.String("cohort", cohort),
		zap.Int("count", count), zap.String("actor", actor))
	return out, nil
}

// revokeAll revokes participants whose invitations could not be recorded.
func (o *Orchestrator) revokeAll(ctx context.Context, pilotID string, ps []pilots.Participant) {
	ctx, cancel := context.WithTimeout(ctx, revokeTimeout)
	defer cancel()
	for _, part := range ps {
		if err := o.feedback.RevokeParticipant(ctx, pilotID, part.ID, o.now()); err != nil {
			o.log.Error("revoke unrecorded invitation", zap.String("pilot", pilotID),
				zap.String("participant", part.ID), zap.Error(err))
		}
	}
}

// idRange names the participants of one invitation: "P-0001..P-0012".
func idRange(ps []pilots.Participant) string {
	switch len(ps) {
	case 0:
		return "none"
	case 1:
		return ps[0].ID
	}
	return ps[0].ID + ".." + ps[len(ps)-1].ID
}

// cohortHint lists the declared cohorts for an error message.
func cohortHint(spec pilots.Spec) string {
	if len(spec.Cohorts) == 0 {
		return "; it declares no cohorts"
	}
	names := make([]string, len(spec.Cohorts))
	for i, c := range spec.Cohorts {
		names[i] = c.Name
	}
	return "; its cohorts are " + orList(names)
}

// Participants lists a pilot's participants, revoked ones included, in id
// order. Returns ENOTFOUND for an unknown pilot.
func (o *Orchestrator) Participants(ctx context.Context, idOrName string) ([]pilots.Participant, error) {
	fb, p, err := o.feedbackPilot(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	ps, err := fb.Participants(ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("list participants of pilot %q: %w", p.Name, err)
	}
	return ps, nil
}

// RevokeParticipant makes a participant's link stop working and records it.
// Revoking again changes nothing and records nothing. Returns ENOTFOUND for
// an unknown pilot or participant.
func (o *Orchestrator) RevokeParticipant(ctx context.Context, actor, idOrName, participant string) error {
	fb, p, err := o.feedbackPilot(ctx, idOrName)
	if err != nil {
		return err
	}
	if _, ok := pilots.ParticipantNumber(participant); !ok {
		return pilots.Errorf(pilots.ENOTFOUND, "pilot %q has no participant %q; participant ids look like P-0007", p.Name, participant)
	}
	ps, err := fb.Participants(ctx, p.ID)
	if err != nil {
		return fmt.Errorf("look up participant %s of pilot %q: %w", participant, p.Name, err)
	}
	var found *pilots.Participant
	for i := range ps {
		if ps[i].ID == participant {
			found = &ps[i]
			break
		}
	}
	switch {
	case found == nil:
		return pilots.Errorf(pilots.ENOTFOUND, "pilot %q has no participant %s", p.Name, participant)
	case found.RevokedAt != nil:
		return nil
	}
	now := o.now()
	if err := fb.RevokeParticipant(ctx, p.ID, participant, now); err != nil {
		return fmt.Errorf("revoke participant %s of pilot %q: %w", participant, p.Name, err)
	}
	ev := pilots.Event{
		PilotID: p.ID,
		Time:    now,
		Actor:   actor,
		Kind:    pilots.EventInvitation,
		From:    "active",
		To:      "revoked",
		Reason:  "revoked " + participant,
	}
	if _, err := o.store.AddEvent(ctx, ev); err != nil {
		return fmt.Errorf("record revocation of %s in pilot %q: %w", participant, p.Name, err)
	}
	o.log.Info("participant revoked", zap.String("pilot", p.ID), zap.String("participant", participant), zap.String("actor", actor))
	return nil
}

// SetSurveyState opens or closes a survey by hand, overriding its declared
// window, and records the change with the state before and after. Returns
// ENOTFOUND for an unknown pilot or survey, EINVALID for a state other than
// pilots.SurveyOpen or pilots.SurveyClosed, ECONFLICT for a pilot that is
// closing or past it, whose surveys are frozen.
func (o *Orchestrator) SetSurveyState(ctx context.Context, actor, idOrName, survey, state string) error {
	fb, err := o.feedbackStore()
	if err != nil {
		return err
	}
	if state != pilots.SurveyOpen && state != pilots.SurveyClosed {
		return pilots.Errorf(pilots.EINVALID, "a survey can be %s or %s, not %q", pilots.SurveyOpen, pilots.SurveyClosed, state)
	}
	p, err := o.store.Pilot(ctx, idOrName)
	if err != nil {
		return err
	}
	s, ok := p.Spec.Survey(survey)
	if !ok {
		return pilots.Errorf(pilots.ENOTFOUND, "pilot %q has no survey %q%s", p.Name, survey, surveyHint(p.Spec))
	}
	if finished(p.Status) {
		return pilots.Errorf(pilots.ECONFLICT, "pilot %q is %s; its surveys are frozen", p.Name, p.Status)
	}
	overrides, err := fb.SurveyOverrides(ctx, p.ID)
	if err != nil {
		return fmt.Errorf("read survey overrides of pilot %q: %w", p.Name, err)
	}
	now := o.now()
	from := pilots.SurveyClosed
	if pilots.IsOpen(*s, overrides, now) {
		from = pilots.SurveyOpen
	}
	if err := fb.SetSurveyOverride(ctx, pilots.SurveyOverride{PilotID: p.ID, Survey: survey, State: state, Actor: actor, Time: now}); err != nil {
		return fmt.Errorf("set survey %q of pilot %q %s: %w", survey, p.Name, state, err)
	}
	// The override is in force before the event is written; a failed event
	// is returned so the caller retries, which sets the same state again.
	ev := pilots.Event{
		PilotID: p.ID,
		Time:    now,
		Actor:   actor,
		Kind:    pilots.EventSurvey,
		From:    from,
		To:      state,
		Reason:  "survey " + survey + " " + state + " by hand",
	}
	if _, err := o.store.AddEvent(ctx, ev); err != nil {
		return fmt.Errorf("record survey %q of pilot %q %s: %w", survey, p.Name, state, err)
	}
	o.log.Info("survey state set", zap.String("pilot", p.ID), zap.String("survey", survey),
		zap.String("from", from), zap.String("to", state), zap.String("actor", actor))
	return nil
}

// surveyHint lists the declared surveys for an error message.
func surveyHint(spec pilots.Spec) string {
	if len(spec.Surveys) == 0 {
		return "; it declares no surveys"
	}
	names := make([]string, len(spec.Surveys))
	for i, s := range spec.Surveys {
		names[i] = s.Name
	}
	return "; its surveys are " + orList(names)
}

// ExportResponses streams a pilot's responses: it hands the pilot to start,
// then each response to fn, reading them from the store as it goes.
//
// Responses to anonymous surveys come last and without their ID: the ID
// and the place among the other responses follow submit order, and next to
// a participant's named response submitted a moment earlier they would say
// who gave the anonymous one. Returns ENOTFOUND for an unknown pilot; an
// error from start or fn stops the export and is returned as is.
func (o *Orchestrator) ExportResponses(ctx context.Context, idOrName string, start func(pilots.Pilot) error, fn func(pilots.Response) error) error {
	fb, p, err := o.feedbackPilot(ctx, idOrName)
	if err != nil {
		return err
	}
	if err := start(p); err != nil {
		return err
	}
	// Two passes over disjoint sets: a response submitted during the export
	// appears at most once.
	err = fb.ForEachResponse(ctx, p.ID, func(r pilots.Response) error {
		if r.Participant == "" {
			return nil
		}
		return fn(r)
	})
	if err != nil {
		return err
	}
	return fb.ForEachResponse(ctx, p.ID, func(r pilots.Response) error {
		if r.Participant != "" {
			return nil
		}
		r.ID = 0
		return fn(r)
	})
}
