package report

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

// Version is the version of the JSON shape documented in doc.go. It grows
// only when a field changes meaning or disappears; new fields keep it.
const Version = 1

// MinAnswers is the fewest answers a measure must rest on to be trusted.
// Below it the measure is reported but counts as insufficient data. It is a
// fixed count rather than a share of the invited: a pilot of 8 participants
// with 5 answers is small but usable, and 5 is the smallest sample for
// which Sauro & Lewis still give a usable t-interval of a SUS mean.
const MinAnswers = 5

// MaxComments is the most free-text comments per question a report lists;
// the total is always given. It keeps a report of a very large pilot
// readable and its memory bounded.
const MaxComments = 500

// Input is everything a report is computed from. The report never reads a
// store itself: the caller streams the responses through Responses.
type Input struct {
	Pilot       pilots.Pilot
	Final       bool // false: the report is marked preliminary
	GeneratedAt time.Time
	// Participants are everyone invited to the pilot, revoked ones
	// included. Revoked participants are left out of every denominator
	// (invited, response rate, active use): their invitation no longer
	// works, so they could not answer. Answers they gave before revocation
	// still count in the scores.
	Participants []pilots.Participant
	// Responses calls fn with every response of the pilot exactly once,
	// in any order; the report keeps only running sums, never the
	// responses themselves. An error from fn must be returned as is.
	Responses func(fn func(pilots.Response) error) error
	Usage     []pilots.Usage
	// Operations are what the testbeds measured, by candidate name. A
	// candidate without an entry has an unknown uptime.
	Operations map[string]Operations
}

// Operations is how one candidate's testbed ran.
type Operations struct {
	Uptime      *float64 // share 0..1 of probe time the entry service was healthy; nil if never probed
	Incidents   []Incident
	Restarts    int
	Limits      string // e.g. "256MiB, 0.5 CPU, 256 PIDs"; empty: derived from the spec
	DataAtClose string // what was done with the candidate's data at close
}

// Incident is a period in which a service was down.
type Incident struct {
	Service string
	Start   time.Time
	End     time.Time // zero while the incident lasts
	Reason  string
}

// Verdict is the recommendation for one candidate.
type Verdict string

// Verdicts, from the best to the least conclusive.
const (
	ScaleUp          Verdict = "scale_up"          // every criterion met
	Iterate          Verdict = "iterate"           // every must met, some should not (or not measurable)
	Stop             Verdict = "stop"              // a must criterion failed
	InsufficientData Verdict = "insufficient_data" // a must criterion rests on too few answers
)

// Criterion outcomes.
const (
	Pass         = "pass"
	Fail         = "fail"
	Insufficient = "insufficient" // too few answers, no data, or an expression that could not be evaluated
)

// Build computes the report of a pilot. It reads every response once,
// through in.Responses, and holds only per-question sums, the values of
// number questions (for their medians) and at most MaxComments comments
// per question. It returns an error only when the responses cannot be
// read or ctx ends; problems with measures become part of the report.
func Build(ctx context.Context, in Input) (*Report, error) {
	spec := &in.Pilot.Spec
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("build report of %q: %w", spec.Name, err)
	}
	acc := newAccumulator(spec, in.Participants)
	if in.Responses != nil {
		n := 0
		err := in.Responses(func(r pilots.Response) error {
			n++
			if n%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			acc.add(r)
			return nil
		})
		if err != nil {
			if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
				return nil, fmt.Errorf("build report of %q: %w", spec.Name, err)
			}
			return nil, fmt.Errorf("build report of %q: read responses: %w", spec.Name, err)
		}
	}
	acc.addUsage(in.Usage)
	return assemble(spec, in, acc), nil
}
