package orchestrator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/pilots/report"
)

// MaxJustification is the longest justification or reason of a decision,
// in characters.
const MaxJustification = 4000

// overridePrefix marks the reason of a decision event whose candidate was
// promoted against its verdict.
const overridePrefix = "override: "

// Promote takes a closed pilot to procurement with one of its candidates.
// The candidate's verdict in the final report must be scale_up, or
// override must be set; either way the justification is required and
// recorded. Promotion records a decision event (candidate, the verdict in
// From, the justification in Reason, prefixed "override: " when the
// verdict was overridden), moves the pilot to promoted and writes the
// procurement dossier to the report store and the data directory.
//
// Returns EINVALID for a missing or overlong justification, ENOTFOUND for
// an unknown pilot or candidate, ECONFLICT for a pilot that is not closed
// or a verdict other than scale_up without override.
func (o *Orchestrator) Promote(ctx context.Context, actor, idOrName, candidate, justification string, override bool) (pilots.Pilot, error) {
	// Promote and reject of one pilot are serialised, so the decision
	// event, the transition and the dossier always belong together.
	p, unlock, err := o.lockPilot(ctx, idOrName)
	if err != nil {
		return pilots.Pilot{}, err
	}
	defer unlock()
	justification = strings.TrimSpace(justification)
	if err := checkDecisionText("justification", justification); err != nil {
		return pilots.Pilot{}, err
	}
	if _, ok := p.Spec.Candidate(candidate); !ok {
		names := make([]string, len(p.Spec.Candidates))
		for i, c := range p.Spec.Candidates {
			names[i] = c.Name
		}
		return pilots.Pilot{}, pilots.Errorf(pilots.ENOTFOUND, "pilot %q has no candidate %q; its candidates are %s",
			p.Name, candidate, strings.Join(names, ", "))
	}
	if p.Status != pilots.StatusClosed {
		return pilots.Pilot{}, refusal(p, pilots.StatusPromoted)
	}
	r, err := o.finalReport(ctx, p)
	if err != nil {
		return pilots.Pilot{}, err
	}
	rc, ok := reportCandidate(r, candidate)
	if !ok {
		return pilots.Pilot{}, fmt.Errorf("promote %q: the final report has no candidate %q", p.Name, candidate)
	}
	overridden := rc.Verdict != report.ScaleUp
	if overridden && !override {
		msg := fmt.Sprintf("candidate %q of pilot %q has the verdict %s, not %s", candidate, p.Name, rc.Verdict, report.ScaleUp)
		if len(rc.Reasons) > 0 {
			msg += " (" + strings.Join(rc.Reasons, " ") + ")"
		}
		msg += "; promoting it needs an explicit override with a justification"
		return pilots.Pilot{}, pilots.Errorf(pilots.ECONFLICT, "%s", msg)
	}

	now := o.now()
	reason := justification
	if overridden {
		reason = overridePrefix + justification
	}
	// The decision is recorded first: under the lock nothing else can move
	// a closed pilot, so the transition after it fails only if the store
	// does, and a promoted pilot always has its decision on record.
	if _, err := o.store.AddEvent(ctx, pilots.Event{
		PilotID: p.ID, Time: now, Actor: actor, Kind: pilots.EventDecision,
		From: string(rc.Verdict), To: string(pilots.StatusPromoted), Reason: reason, Candidate: candidate,
	}); err != nil {
		return pilots.Pilot{}, fmt.Errorf("record the promotion of %q: %w", p.Name, err)
	}
	transitionReason := "promoted with candidate " + candidate
	if overridden {
		transitionReason += fmt.Sprintf(" (override of verdict %s)", rc.Verdict)
	}
	got, err := o.transition(ctx, p, pilots.StatusPromoted, actor, transitionReason)
	if err != nil {
		return pilots.Pilot{}, err
	}
	d := report.Decision{Candidate: candidate, Actor: actor, At: now, Override: overridden, Justification: justification}
	if where, err := o.writeDossier(ctx, got, r, d); err != nil {
		// The promotion stands; the dossier is built again from the
		// decision event when it is asked for.
		o.log.Error("write dossier", zap.String("pilot", p.ID), zap.Error(err))
	} else {
		o.log.Info("dossier written", zap.String("pilot", p.ID), zap.String("candidate", candidate), zap.String("where", where))
	}
	return got, nil
}

// Reject stops a closed pilot: no candidate goes to procurement. The
// reason is required and recorded in a decision event. Returns EINVALID
// for a missing or overlong reason, ENOTFOUND for an unknown pilot,
// ECONFLICT for a pilot that is not closed.
func (o *Orchestrator) Reject(ctx context.Context, actor, idOrName, reason string) (pilots.Pilot, error) {
	p, unlock, err := o.lockPilot(ctx, idOrName)
	if err != nil {
		return pilots.Pilot{}, err
	}
	defer unlock()
	reason = strings.TrimSpace(reason)
	if err := checkDecisionText("reason", reason); err != nil {
		return pilots.Pilot{}, err
	}
	if p.Status != pilots.StatusClosed {
		return pilots.Pilot{}, refusal(p, pilots.StatusStopped)
	}
	if _, err := o.store.AddEvent(ctx, pilots.Event{
		PilotID: p.ID, Time: o.now(), Actor: actor, Kind: pilots.EventDecision,
		To: string(pilots.StatusStopped), Reason: reason,
	}); err != nil {
		return pilots.Pilot{}, fmt.Errorf("record the rejection of %q: %w", p.Name, err)
	}
	return o.transition(ctx, p, pilots.StatusStopped, actor, reason)
}

// lockPilot takes the lock of the pilot with the given id or name and
// reads the pilot again under it, so what the caller checks cannot change
// before it acts. The caller must call unlock. Returns ENOTFOUND for an
// unknown pilot.
func (o *Orchestrator) lockPilot(ctx context.Context, idOrName string) (p pilots.Pilot, unlock func(), err error) {
	// The lock is by id; a name is resolved first.
	if p, err = o.store.Pilot(ctx, idOrName); err != nil {
		return pilots.Pilot{}, nil, err
	}
	mu := o.lock(p.ID)
	mu.Lock()
	if p, err = o.store.Pilot(ctx, p.ID); err != nil {
		mu.Unlock()
		return pilots.Pilot{}, nil, err
	}
	return p, mu.Unlock, nil
}

// Dossier returns the procurement dossier of a promoted pilot: the one
// written at promotion, or the same one built again from the decision
// event and the final report. Returns ENOTFOUND for an unknown pilot and
// for a pilot that has not been promoted.
func (o *Orchestrator) Dossier(ctx context.Context, idOrName string) (*report.Dossier, error) {
	p, err := o.promotedPilot(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	if body, ok := o.storedDoc(ctx, p.ID, pilots.DocDossier, FormatJSON); ok {
		var d report.Dossier
		if err := json.Unmarshal(body, &d); err != nil {
			return nil, fmt.Errorf("decode the stored dossier of %q: %w", p.Name, err)
		}
		return &d, nil
	}
	return o.rebuildDossier(ctx, p)
}

// RenderDossier writes the dossier of a promoted pilot in format (html or
// json) to w, exactly as written at promotion when it was kept. Returns
// EINVALID for an unknown format, ENOTFOUND for an unknown pilot or one
// that has not been promoted.
func (o *Orchestrator) RenderDossier(ctx context.Context, idOrName, format string, w io.Writer) error {
	if !validFormat(format, dossierFormats) {
		return pilots.Errorf(pilots.EINVALID, "format must be html or json, not %q", format)
	}
	p, err := o.promotedPilot(ctx, idOrName)
	if err != nil {
		return err
	}
	if body, ok := o.storedDoc(ctx, p.ID, pilots.DocDossier, format); ok {
		_, err := w.Write(body)
		return err
	}
	d, err := o.rebuildDossier(ctx, p)
	if err != nil {
		return err
	}
	return renderDossier(d, format, w)
}

func (o *Orchestrator) promotedPilot(ctx context.Context, idOrName string) (pilots.Pilot, error) {
	p, err := o.store.Pilot(ctx, idOrName)
	if err != nil {
		return pilots.Pilot{}, err
	}
	if p.Status != pilots.StatusPromoted {
		return pilots.Pilot{}, pilots.Errorf(pilots.ENOTFOUND,
			"pilot %q has no procurement dossier: it is %s, and a dossier is written when a closed pilot is promoted", p.Name, p.Status)
	}
	return p, nil
}

// rebuildDossier builds the dossier again from the last promotion on
// record and the final report, for a promotion whose dossier could not be
// written or was kept nowhere.
func (o *Orchestrator) rebuildDossier(ctx context.Context, p pilots.Pilot) (*report.Dossier, error) {
	evs, err := o.store.Events(ctx, p.ID, pilots.EventFilter{Kind: pilots.EventDecision})
	if err != nil {
		return nil, fmt.Errorf("read decisions of %q: %w", p.Name, err)
	}
	var dec *pilots.Event
	for i := range evs {
		if evs[i].To == string(pilots.StatusPromoted) {
			dec = &evs[i]
		}
	}
	if dec == nil {
		return nil, fmt.Errorf("build dossier of %q: no promotion on record", p.Name)
	}
	r, err := o.finalReport(ctx, p)
	if err != nil {
		return nil, err
	}
	justification, overridden := strings.CutPrefix(dec.Reason, overridePrefix)
	d := report.Decision{Candidate: dec.Candidate, Actor: dec.Actor, At: dec.Time, Override: overridden, Justification: justification}
	return report.NewDossier(r, d, dec.Time)
}

// writeDossier builds the dossier of a promotion and keeps it in every
// format.
func (o *Orchestrator) writeDossier(ctx context.Context, p pilots.Pilot, r *report.Report, d report.Decision) (string, error) {
	ds, err := report.NewDossier(r, d, d.At)
	if err != nil {
		return "", err
	}
	docs := make(map[string][]byte, len(dossierFormats))
	for _, f := range dossierFormats {
		var buf bytes.Buffer
		if err := renderDossier(ds, f, &buf); err != nil {
			return "", err
		}
		docs[f] = buf.Bytes()
	}
	return o.keepDocs(ctx, p, pilots.DocDossier, dossierFormats, docs, d.At)
}

func renderDossier(d *report.Dossier, format string, w io.Writer) error {
	if format == FormatHTML {
		return d.WriteHTML(w)
	}
	return d.WriteJSON(w)
}

func reportCandidate(r *report.Report, name string) (report.Candidate, bool) {
	for _, c := range r.Candidates {
		if c.Name == name {
			return c, true
		}
	}
	return report.Candidate{}, false
}

// checkDecisionText checks a justification or reason: required, text, and
// not overlong.
func checkDecisionText(what, s string) error {
	switch {
	case s == "":
		return pilots.Errorf(pilots.EINVALID, "a %s is required", what)
	case !utf8.ValidString(s):
		return pilots.Errorf(pilots.EINVALID, "the %s must be valid UTF-8 text", what)
	case utf8.RuneCountInString(s) > MaxJustification:
		return pilots.Errorf(pilots.EINVALID, "the %s is %d characters long; at most %d are allowed", what, utf8.RuneCountInString(s), MaxJustification)
	}
	return nil
}
