package api

import (
	"context"
	"fmt"
	"slices"

	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/pilots"
)

// adminAction is a lifecycle button of the pilot page.
type adminAction struct {
	Label    string          // the button, "Start"
	Question string          // the heading of the confirmation page
	Done     string          // the flash after it, "started"
	Explain  string          // what it does, on the confirmation page
	Warning  bool            // it cannot be undone
	Reason   bool            // a reason is required
	From     []pilots.Status // the statuses it is offered in, as the Service allows
	Do       transition
}

// adminActionOrder is the order of the lifecycle buttons.
var adminActionOrder = []string{"approve", "start", "close", "withdraw"}

var adminActions = map[string]adminAction{
	"approve": {
		Question: "Approve this pilot?",
		Label:    "Approve", Done: "approved", From: []pilots.Status{pilots.StatusDraft}, Do: Service.Approve,
		Explain: "The pilot becomes scheduled. Its testbeds start on its start date, or at once if that date has passed.",
	},
	"start": {
		Question: "Start this pilot now?",
		Label:    "Start now", Done: "started", From: []pilots.Status{pilots.StatusDraft, pilots.StatusScheduled}, Do: Service.Start,
		Explain: "The testbeds of every candidate are created now, whatever the start date says.",
	},
	"close": {
		Question: "Close this pilot?",
		Label:    "Close", Done: "closed", Warning: true, From: []pilots.Status{pilots.StatusProvisioning, pilots.StatusRunning, pilots.StatusFailed}, Do: Service.Close,
		Explain: "Closing freezes the surveys, takes the last measurements, writes the report and removes the testbeds. It cannot be undone.",
	},
	"withdraw": {
		Question: "Withdraw this pilot?",
		Label:    "Withdraw", Done: "withdrawn", Warning: true, Reason: true, From: []pilots.Status{pilots.StatusDraft, pilots.StatusScheduled}, Do: Service.Withdraw,
		Explain: "The pilot will never run. It cannot be undone; its name becomes free for a new pilot.",
	},
}

// actionsFor lists the lifecycle actions offered for a status.
func actionsFor(st pilots.Status) []string {
	var out []string
	for _, name := range adminActionOrder {
		if slices.Contains(adminActions[name].From, st) {
			out = append(out, name)
		}
	}
	return out
}

// healthSummary is a pilot's testbeds at a glance.
type healthSummary struct {
	Known   bool // testbeds were asked for
	Healthy int  // services reported healthy
	Total   int
	Uptime  *float64 // the lowest uptime of the testbeds: the weakest candidate sets the tone
	Error   string
}

// summariseHealth counts healthy services over all testbeds.
func summariseHealth(tbs []pilots.TestbedStatus) healthSummary {
	h := healthSummary{Known: true}
	for _, tb := range tbs {
		for _, svc := range tb.Services {
			h.Total++
			if svc.Health == "healthy" {
				h.Healthy++
			}
		}
		if tb.Uptime != nil && (h.Uptime == nil || *tb.Uptime < *h.Uptime) {
			u := *tb.Uptime
			h.Uptime = &u
		}
	}
	return h
}

// cohortRow is the participation of one cohort.
type cohortRow struct {
	Name, Candidate  string
	Planned, Invited int
	Revoked          int
}

// participation is a pilot's participants by cohort; nil rows when the
// feedback service is missing.
type participation struct {
	Known   bool
	Cohorts []cohortRow
	Invited int
	Planned int
	Error   string
}

// participationOf counts the participants of a pilot per cohort.
func (a *adminUI) participationOf(ctx context.Context, p pilots.Pilot) participation {
	out := participation{}
	for _, co := range p.Spec.Cohorts {
		out.Cohorts = append(out.Cohorts, cohortRow{Name: co.Name, Candidate: co.Candidate, Planned: co.Participants})
		out.Planned += co.Participants
	}
	if a.s.feedback == nil {
		return out
	}
	ps, err := a.s.feedback.Participants(ctx, p.ID)
	if err != nil {
		// One failing count must not take the page down; the cell says so.
		a.s.log.Warn("count participants", zap.String("pilot", p.Name), zap.Error(err))
		out.Error = "could not be counted"
		return out
	}
	out.Known = true
	for _, pt := range ps {
		i := slices.IndexFunc(out.Cohorts, func(r cohortRow) bool { return r.Name == pt.Cohort })
		if i < 0 {
			out.Cohorts = append(out.Cohorts, cohortRow{Name: pt.Cohort})
			i = len(out.Cohorts) - 1
		}
		if pt.RevokedAt != nil {
			out.Cohorts[i].Revoked++
			continue
		}
		out.Cohorts[i].Invited++
		out.Invited++
	}
	return out
}

// healthOf asks for a pilot's testbeds when it should have some.
func (a *adminUI) healthOf(ctx context.Context, p pilots.Pilot) ([]pilots.TestbedStatus, healthSummary) {
	if !p.Status.Active() && p.Status != pilots.StatusClosing {
		return nil, healthSummary{}
	}
	tbs, err := a.s.svc.Testbeds(ctx, p.ID)
	if err != nil {
		a.s.log.Warn("list testbeds", zap.String("pilot", p.Name), zap.Error(err))
		return nil, healthSummary{Known: true, Error: fmt.Sprintf("unknown (%s)", pilots.ErrorMessage(err))}
	}
	return tbs, summariseHealth(tbs)
}

// reportService returns the Service as a ReportService, if it is one.
func (a *adminUI) reportService() (ReportService, bool) {
	r, ok := a.s.svc.(ReportService)
	return r, ok
}

// decisionService returns the Service as a DecisionService, if it is one.
func (a *adminUI) decisionService() (DecisionService, bool) {
	d, ok := a.s.svc.(DecisionService)
	return d, ok
}
