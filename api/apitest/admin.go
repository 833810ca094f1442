package apitest

import (
	"context"
	"fmt"
	"html"
	"io"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/pilots"
)

// Deciding is a Service that also renders reports and promotes or rejects
// closed pilots, so tests can reach the admin UI's report page and
// decision forms, which appear only for a Service that is an
// api.ReportService and an api.DecisionService.
//
// Its stand-in verdict is scale_up for a pilot's first candidate and
// iterate for every other, so promoting any but the first needs override.
type Deciding struct {
	*Service
}

var (
	_ api.ReportService   = (*Deciding)(nil)
	_ api.DecisionService = (*Deciding)(nil)
)

// NewDeciding returns svc with reports and decisions.
func NewDeciding(svc *Service) *Deciding { return &Deciding{Service: svc} }

// ReportHTML implements api.ReportService with a small document naming the
// pilot and its status.
func (d *Deciding) ReportHTML(ctx context.Context, idOrName string, w io.Writer) error {
	p, err := d.Pilot(ctx, idOrName)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Report: %s</title><style>body{font-family:sans-serif}</style></head><body><h1>Scale-up report: %s</h1><p>Status %s.</p></body></html>\n",
		html.EscapeString(p.Name), html.EscapeString(p.Spec.Title), html.EscapeString(string(p.Status)))
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// Promote implements api.DecisionService.
func (d *Deciding) Promote(ctx context.Context, actor, idOrName, candidate, justification string, override bool) (pilots.Pilot, error) {
	p, err := d.Pilot(ctx, idOrName)
	if err != nil {
		return pilots.Pilot{}, err
	}
	i := -1
	for j, c := range p.Spec.Candidates {
		if c.Name == candidate {
			i = j
		}
	}
	if i < 0 {
		return pilots.Pilot{}, pilots.Errorf(pilots.ENOTFOUND, "pilot %q has no candidate %q", p.Name, candidate)
	}
	if i > 0 && !override && p.Status == pilots.StatusClosed {
		return pilots.Pilot{}, pilots.Errorf(pilots.ECONFLICT, "the verdict for candidate %q is iterate, not scale_up; promoting it needs an override", candidate)
	}
	return d.transition(actor, idOrName, justification, "promoted", []pilots.Status{pilots.StatusClosed}, pilots.StatusPromoted)
}

// Reject implements api.DecisionService.
func (d *Deciding) Reject(_ context.Context, actor, idOrName, reason string) (pilots.Pilot, error) {
	return d.transition(actor, idOrName, reason, "stopped", []pilots.Status{pilots.StatusClosed}, pilots.StatusStopped)
}
