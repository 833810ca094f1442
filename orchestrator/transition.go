package orchestrator

import (
	"context"
	"strings"

	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/pilots"
)

// verbs name what moving to a status means to a person, for refusals such
// as `pilot "x" is running; only a draft or scheduled pilot can be withdrawn`.
var verbs = map[pilots.Status]string{
	pilots.StatusScheduled:    "approved",
	pilots.StatusProvisioning: "started",
	pilots.StatusRunning:      "marked running",
	pilots.StatusFailed:       "marked failed",
	pilots.StatusClosing:      "closed",
	pilots.StatusClosed:       "marked closed",
	pilots.StatusPromoted:     "promoted",
	pilots.StatusStopped:      "stopped",
	pilots.StatusWithdrawn:    "withdrawn",
}

// transition moves p to status to: the one way any status changes. It checks
// the lifecycle, compare-and-sets the status in the store and records the
// audit event in the same transaction. A refused transition returns
// ECONFLICT naming the current status and the statuses it is allowed from.
func (o *Orchestrator) transition(ctx context.Context, p pilots.Pilot, to pilots.Status, actor, reason string) (pilots.Pilot, error) {
	if !pilots.CanTransition(p.Status, to) {
		return pilots.Pilot{}, refusal(p, to)
	}
	ev := pilots.Event{
		PilotID: p.ID,
		Time:    o.now(),
		Actor:   actor,
		Kind:    pilots.EventTransition,
		Reason:  reason,
	}
	got, err := o.store.Transition(ctx, p.ID, p.Status, to, reason, ev)
	if err != nil {
		if pilots.ErrorCode(err) == pilots.ECONFLICT {
			// Someone else moved the pilot first; name where it is now.
			if cur, rerr := o.store.Pilot(ctx, p.ID); rerr == nil {
				return pilots.Pilot{}, refusal(cur, to)
			}
		}
		return pilots.Pilot{}, err
	}
	o.log.Info("pilot transition",
		zap.String("pilot", p.ID), zap.String("from", string(p.Status)), zap.String("to", string(to)),
		zap.String("actor", actor), zap.String("reason", reason))
	return got, nil
}

// refusal is the ECONFLICT of a transition the lifecycle does not allow.
func refusal(p pilots.Pilot, to pilots.Status) error {
	if p.Status == to {
		return pilots.Errorf(pilots.ECONFLICT, "pilot %q is already %s", p.Name, p.Status)
	}
	var from []string
	for _, s := range pilots.Statuses {
		if pilots.CanTransition(s, to) {
			from = append(from, string(s))
		}
	}
	verb, ok := verbs[to]
	if !ok {
		verb = "moved to " + string(to)
	}
	if len(from) == 0 {
		return pilots.Errorf(pilots.ECONFLICT, "pilot %q is %s; no pilot can be %s", p.Name, p.Status, verb)
	}
	return pilots.Errorf(pilots.ECONFLICT, "pilot %q is %s; only a %s pilot can be %s",
		p.Name, p.Status, orList(from), verb)
}

// orList joins ["a", "b", "c"] as "a, b or c".
func orList(s []string) string {
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}
