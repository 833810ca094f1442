package apitest

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/pilots"
)

// Feedback is an in-memory api.FeedbackService over the pilots of a
// Service: it keeps participants and survey overrides, and records
// invitations and overrides as events of the Service. It stores no
// responses: an export has a header and no rows.
type Feedback struct {
	svc *Service

	mu           sync.Mutex
	participants map[string][]pilots.Participant // by pilot id, in id order
	overrides    map[string]string               // "<pilot id>/<survey>" -> state
}

var _ api.FeedbackService = (*Feedback)(nil)

// NewFeedback returns a feedback stand-in over the pilots of svc.
func NewFeedback(svc *Service) *Feedback {
	return &Feedback{
		svc:          svc,
		participants: map[string][]pilots.Participant{},
		overrides:    map[string]string{},
	}
}

// closedStatuses take no more invitations or survey changes.
var closedStatuses = []pilots.Status{pilots.StatusClosing, pilots.StatusClosed, pilots.StatusPromoted, pilots.StatusStopped, pilots.StatusWithdrawn}

// Invite implements api.FeedbackService.
func (f *Feedback) Invite(ctx context.Context, actor, idOrName, cohort string, count int) ([]pilots.Invitation, error) {
	if count < 1 || count > pilots.MaxInvitations {
		return nil, pilots.Errorf(pilots.EINVALID, "count must be from 1 to %d, not %d", pilots.MaxInvitations, count)
	}
	p, err := f.svc.Pilot(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	if slices.Contains(closedStatuses, p.Status) {
		return nil, pilots.Errorf(pilots.ECONFLICT, "pilot %q is %s", p.Name, p.Status)
	}
	if !slices.ContainsFunc(p.Spec.Cohorts, func(c pilots.Cohort) bool { return c.Name == cohort }) {
		return nil, pilots.Errorf(pilots.ENOTFOUND, "pilot %q has no cohort %q", p.Name, cohort)
	}
	f.mu.Lock()
	now := f.svc.Now()
	var out []pilots.Invitation
	for range count {
		secret := pilots.NewSecret("")
		id := pilots.ParticipantID(len(f.participants[p.ID]) + 1)
		f.participants[p.ID] = append(f.participants[p.ID], pilots.Participant{
			PilotID: p.ID, ID: id, Cohort: cohort, TokenHash: pilots.HashSecret(secret), CreatedAt: now,
		})
		out = append(out, pilots.Invitation{Participant: id, Cohort: cohort, Secret: secret})
	}
	f.mu.Unlock()
	f.svc.AddEvent(pilots.Event{PilotID: p.ID, Actor: actor, Kind: pilots.EventInvitation, To: cohort,
		Reason: fmt.Sprintf("invited %d to cohort %s", count, cohort)})
	return out, nil
}

// Participants implements api.FeedbackService.
func (f *Feedback) Participants(ctx context.Context, idOrName string) ([]pilots.Participant, error) {
	p, err := f.svc.Pilot(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.participants[p.ID]), nil
}

// RevokeParticipant implements api.FeedbackService.
func (f *Feedback) RevokeParticipant(ctx context.Context, actor, idOrName, participant string) error {
	p, err := f.svc.Pilot(ctx, idOrName)
	if err != nil {
		return err
	}
	f.mu.Lock()
	ps := f.participants[p.ID]
	i := slices.IndexFunc(ps, func(x pilots.Participant) bool { return x.ID == participant })
	if i < 0 {
		f.mu.Unlock()
		return pilots.Errorf(pilots.ENOTFOUND, "pilot %q has no participant %q", p.Name, participant)
	}
	if ps[i].RevokedAt != nil {
		f.mu.Unlock()
		return nil
	}
	now := f.svc.Now()
	ps[i].RevokedAt = &now
	f.mu.Unlock()
	f.svc.AddEvent(pilots.Event{PilotID: p.ID, Actor: actor, Kind: pilots.EventInvitation, From: "active", To: "revoked", Reason: "revoked " + participant})
	return nil
}

// SetSurveyState implements api.FeedbackService.
func (f *Feedback) SetSurveyState(ctx context.Context, actor, idOrName, survey, state string) error {
	if state != pilots.SurveyOpen && state != pilots.SurveyClosed {
		return pilots.Errorf(pilots.EINVALID, "unknown survey state %q", state)
	}
	p, err := f.svc.Pilot(ctx, idOrName)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(p.Spec.Surveys, func(s pilots.Survey) bool { return s.Name == survey }) {
		return pilots.Errorf(pilots.ENOTFOUND, "pilot %q has no survey %q", p.Name, survey)
	}
	if slices.Contains(closedStatuses, p.Status) {
		return pilots.Errorf(pilots.ECONFLICT, "pilot %q is %s; its surveys are frozen", p.Name, p.Status)
	}
	f.mu.Lock()
	key := p.ID + "/" + survey
	from := f.overrides[key]
	if from == "" {
		from = pilots.SurveyClosed
	}
	f.overrides[key] = state
	f.mu.Unlock()
	f.svc.AddEvent(pilots.Event{PilotID: p.ID, Actor: actor, Kind: pilots.EventSurvey, From: from, To: state, Reason: "survey " + survey + " " + state + " by hand"})
	return nil
}

// SurveyState returns the override in force for a survey, "" if none.
func (f *Feedback) SurveyState(pilotID, survey string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.overrides[pilotID+"/"+survey]
}

// ExportResponses implements api.FeedbackService: it starts the export of
// the pilot and sends no rows.
func (f *Feedback) ExportResponses(ctx context.Context, idOrName string, start func(pilots.Pilot) error, _ func(pilots.Response) error) error {
	p, err := f.svc.Pilot(ctx, idOrName)
	if err != nil {
		return err
	}
	return start(p)
}
