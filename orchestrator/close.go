package orchestrator

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/testbeds"
)

// Close steps, recorded as pilots.EventClose events with the step in To. A
// step already recorded is not done again, so a close interrupted by a crash
// resumes where it stopped.
//
// The final report is written after the summary and before the testbeds
// are removed: it needs only the store (events, responses), so it does not
// wait for an unreachable runtime, and it comes before the retention rule,
// which may delete responses. Its figures are computed up to the time of
// StepMeasured, so a resumed close writes the same report again.
const (
	StepMeasured        = "measured"
	StepSurveysFrozen   = "surveys_frozen"
	StepSummaryWritten  = "summary_written"
	StepReportWritten   = "report_written"
	StepTestbedsRemoved = "testbeds_removed"
	StepRetention       = "retention_applied"
)

// CloseSummary is what close.json holds: the period and the operations
// measures of every candidate at close.
type CloseSummary struct {
	Pilot      string             `json:"pilot"`
	Name       string             `json:"name"`
	Title      string             `json:"title,omitempty"`
	Start      time.Time          `json:"start"`
	End        time.Time          `json:"end"`
	ClosedAt   time.Time          `json:"closed_at"`
	Candidates []CandidateSummary `json:"candidates"`
	Retention  RetentionSummary   `json:"retention"`
}

// CandidateSummary is one candidate's operations measures.
type CandidateSummary struct {
	Candidate string     `json:"candidate"`
	Entry     string     `json:"entry"`
	Uptime    *float64   `json:"uptime"` // share of probe time the entry service was healthy; null without probes
	Incidents []Incident `json:"incidents"`
}

// RetentionSummary is the rule applied to responses at close.
type RetentionSummary struct {
	Keep     string `json:"keep"`
	Decision string `json:"decision,omitempty"`
}

// SummaryPath is where the close summary of a pilot is written.
func SummaryPath(dataDir, pilotID string) string {
	return filepath.Join(dataDir, "pilots", pilotID, "close.json")
}

// finishClose runs the close steps not yet done and then marks the pilot
// closed. A step that fails leaves the pilot closing; the next tick resumes.
func (o *Orchestrator) finishClose(ctx context.Context, p pilots.Pilot) error {
	evs, err := o.store.Events(ctx, p.ID, pilots.EventFilter{Kind: pilots.EventClose})
	if err != nil {
		return fmt.Errorf("read close steps: %w", err)
	}
	done := make(map[string]pilots.Event)
	for _, ev := range evs {
		done[ev.To] = ev
	}
	stepDone := func(step, reason string) error {
		ev, err := o.store.AddEvent(ctx, pilots.Event{
			PilotID: p.ID, Time: o.now(), Actor: ActorScheduler, Kind: pilots.EventClose, To: step, Reason: reason,
		})
		if err != nil {
			return fmt.Errorf("record close step %s: %w", step, err)
		}
		done[step] = ev
		return nil
	}

	// The last measurements: uptime is frozen at the time they were taken,
	// so a resumed close reports the same figures.
	if _, ok := done[StepMeasured]; !ok {
		sum, err := o.summarise(ctx, p, o.now())
		if err != nil {
			return err
		}
		if err := stepDone(StepMeasured, measuredReason(sum)); err != nil {
			return err
		}
	}
	closedAt := done[StepMeasured].Time

	if _, ok := done[StepSurveysFrozen]; !ok {
		reason := "no surveys declared"
		if len(p.Spec.Surveys) > 0 {
			names := make([]string, len(p.Spec.Surveys))
			for i, s := range p.Spec.Surveys {
				names[i] = s.Name
			}
			reason = "surveys frozen: " + strings.Join(names, ", ")
		}
		if err := stepDone(StepSurveysFrozen, reason); err != nil {
			return err
		}
	}

	if _, ok := done[StepSummaryWritten]; !ok {
		reason := "no data directory configured; summary not written"
		if o.dataDir != "" {
			sum, err := o.summarise(ctx, p, closedAt)
			if err != nil {
				return err
			}
			path := SummaryPath(o.dataDir, p.ID)
			if err := writeJSON(path, sum); err != nil {
				return fmt.Errorf("write close summary: %w", err)
			}
			// The audit trail names the file within the data directory, not
			// the server's own paths: it is shown to every admin.
			reason = "summary written to " + filepath.Join("pilots", p.ID, filepath.Base(path))
		}
		if err := stepDone(StepSummaryWritten, reason); err != nil {
			return err
		}
	}

	if _, ok := done[StepReportWritten]; !ok {
		m := done[StepMeasured]
		reason, err := o.writeFinalReport(ctx, p, closeMark{at: m.Time, eventID: m.ID})
		if err != nil {
			return err
		}
		if err := stepDone(StepReportWritten, reason); err != nil {
			return err
		}
	}

	if _, ok := done[StepTestbedsRemoved]; !ok {
		if o.isUnreachable() {
			return nil // resumed when the runtime answers again
		}
		if err := o.destroyAll(ctx, p); err != nil {
			return err
		}
		if err := stepDone(StepTestbedsRemoved, removedReason(p.Spec)); err != nil {
			return err
		}
	}

	if _, ok := done[StepRetention]; !ok {
		if err := stepDone(StepRetention, retentionReason(p.Spec.Retention)); err != nil {
			return err
		}
	}

	_, err = o.transition(ctx, p, pilots.StatusClosed, ActorScheduler, "close steps done")
	return err
}

// destroyAll removes every candidate's testbed in parallel; volumes the
// spec marks keep survive.
func (o *Orchestrator) destroyAll(ctx context.Context, p pilots.Pilot) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs = make(map[string]error)
	)
	for _, c := range p.Spec.Candidates {
		wg.Go(func() {
			id := testbeds.ID{Pilot: p.ID, Candidate: c.Name}
			if err := o.runtime.Destroy(ctx, id, testbeds.DestroyOptions{}); err != nil {
				mu.Lock()
				errs[c.Name] = err
				mu.Unlock()
				o.log.Warn("destroy testbed", zap.String("pilot", p.ID), zap.String("candidate", c.Name), zap.Error(err))
			}
		})
	}
	wg.Wait()
	if len(errs) == 0 {
		return nil
	}
	if unavailable(errs) || !o.checkRuntime(ctx) {
		return nil
	}
	return fmt.Errorf("remove testbeds: %s", joinCauses(errs))
}

// summarise computes the operations measures of every candidate up to until.
func (o *Orchestrator) summarise(ctx context.Context, p pilots.Pilot, until time.Time) (CloseSummary, error) {
	evs, err := o.store.Events(ctx, p.ID, pilots.EventFilter{Kind: pilots.EventTestbed})
	if err != nil {
		return CloseSummary{}, fmt.Errorf("read testbed events: %w", err)
	}
	sum := CloseSummary{
		Pilot:    p.ID,
		Name:     p.Name,
		Title:    p.Spec.Title,
		Start:    p.Spec.Start,
		End:      p.Spec.End,
		ClosedAt: until,
		Retention: RetentionSummary{
			Keep:     formatKeep(p.Spec.Retention.Keep),
			Decision: p.Spec.Retention.Decision,
		},
		Candidates: []CandidateSummary{},
	}
	for _, c := range p.Spec.Candidates {
		up, incidents := measure(candidateEvents(evs, c.Name), c, until)
		cs := CandidateSummary{Candidate: c.Name, Entry: c.Entry, Uptime: up, Incidents: []Incident{}}
		cs.Incidents = append(cs.Incidents, incidents...)
		sum.Candidates = append(sum.Candidates, cs)
	}
	return sum, nil
}

// measure computes from one candidate's events (see candidateEvents) the
// uptime of its entry service up to until, nil before the first probe
// result, and the incidents of all its services. The close summary and the
// report both measure this way.
func measure(cevs []pilots.Event, c pilots.Candidate, until time.Time) (uptime *float64, incidents []Incident) {
	for _, s := range c.Services {
		up, incs, ok := Uptime(cevs, s.Name, until)
		if ok && s.Name == c.Entry {
			uptime = &up
		}
		incidents = append(incidents, incs...)
	}
	return uptime, incidents
}

// candidateEvents keeps the events of one candidate and those that concern
// every testbed of the pilot (the runtime's reachability).
func candidateEvents(evs []pilots.Event, candidate string) []pilots.Event {
	var out []pilots.Event
	for _, ev := range evs {
		if ev.Candidate == candidate || (ev.Candidate == "" && ev.Service == "") {
			out = append(out, ev)
		}
	}
	return out
}

func measuredReason(sum CloseSummary) string {
	parts := make([]string, 0, len(sum.Candidates))
	for _, c := range sum.Candidates {
		if c.Uptime == nil {
			parts = append(parts, fmt.Sprintf("%s: uptime not measured (no probe result)", c.Candidate))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: uptime %.2f%%, %d incidents", c.Candidate, *c.Uptime*100, len(c.Incidents)))
	}
	if len(parts) == 0 {
		return "no candidates"
	}
	return "final measurements: " + strings.Join(parts, "; ")
}

func removedReason(spec pilots.Spec) string {
	var kept []string
	for _, c := range spec.Candidates {
		for _, s := range c.Services {
			for _, v := range s.Volumes {
				if v.Keep {
					kept = append(kept, c.Name+"/"+s.Name+"/"+v.Name)
				}
			}
		}
	}
	reason := fmt.Sprintf("testbeds of %d candidates removed", len(spec.Candidates))
	if len(kept) > 0 {
		reason += "; volumes kept: " + strings.Join(kept, ", ")
	}
	return reason
}

func retentionReason(r pilots.Retention) string {
	var b strings.Builder
	if r.Keep <= 0 {
		b.WriteString("responses are deleted at close")
	} else {
		fmt.Fprintf(&b, "responses are kept %s after close", formatKeep(r.Keep))
	}
	if r.Decision != "" {
		fmt.Fprintf(&b, " (archive decision %s)", r.Decision)
	}
	if len(r.Export) > 0 {
		fmt.Fprintf(&b, "; export: %s", strings.Join(r.Export, ", "))
	}
	b.WriteString("; no responses are stored by this version")
	return b.String()
}

// formatKeep writes a retention period in days when it is whole days, as
// pilot files do.
func formatKeep(d time.Duration) string {
	if d <= 0 {
		return "0d"
	}
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

// writeJSON writes v to path as indented JSON, atomically.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return writeFileAtomic(path, append(b, '\n'))
}
