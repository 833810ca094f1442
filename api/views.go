package api

import (
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

// PilotView is a pilot as the API shows it: its lifecycle and a summary of
// its spec. The full spec is the source, at /pilots/{id}/source.
type PilotView struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Title      string          `json:"title"`
	Status     pilots.Status   `json:"status"`
	Reason     string          `json:"reason"`
	Owner      string          `json:"owner"`
	Start      time.Time       `json:"start"`
	End        time.Time       `json:"end"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
	CreatedBy  string          `json:"created_by"`
	SourceHash string          `json:"source_hash"`
	Candidates []CandidateView `json:"candidates"`
	Cohorts    []CohortView    `json:"cohorts"`
	Surveys    []SurveyView    `json:"surveys"`
}

// CandidateView is one candidate of a pilot.
type CandidateView struct {
	Name     string        `json:"name"`
	Vendor   string        `json:"vendor"`
	Entry    string        `json:"entry"`
	Services []ServiceView `json:"services"`
}

// ServiceView is one service of a candidate with its limits.
type ServiceView struct {
	Name        string  `json:"name"`
	Image       string  `json:"image"`
	Port        int     `json:"port"`
	MemoryBytes int64   `json:"memory_bytes"`
	CPUs        float64 `json:"cpus"`
	PIDs        int64   `json:"pids"`
}

// CohortView is one cohort of a pilot.
type CohortView struct {
	Name         string `json:"name"`
	Candidate    string `json:"candidate"`
	Participants int    `json:"participants"`
}

// SurveyView is one survey of a pilot with its window.
type SurveyView struct {
	Name      string    `json:"name"`
	Opens     time.Time `json:"opens"`
	Closes    time.Time `json:"closes"`
	Anonymous bool      `json:"anonymous"`
	Questions int       `json:"questions"`
}

// PilotList is the answer of GET /api/v1/pilots.
type PilotList struct {
	Pilots []PilotView `json:"pilots"`
}

// SubmitResult is the answer of POST /api/v1/pilots.
type SubmitResult struct {
	ID     string        `json:"id"`
	Name   string        `json:"name"`
	Status pilots.Status `json:"status"`
}

// TransitionRequest is the optional body of approve, start, close and
// withdraw.
type TransitionRequest struct {
	Reason string `json:"reason"`
}

// TestbedList is the answer of GET /api/v1/pilots/{id}/testbeds.
type TestbedList struct {
	Testbeds []pilots.TestbedStatus `json:"testbeds"`
}

// EventView is one entry of a pilot's audit trail.
type EventView struct {
	ID        int64     `json:"id"`
	Time      time.Time `json:"time"`
	Actor     string    `json:"actor"`
	Kind      string    `json:"kind"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Reason    string    `json:"reason"`
	Candidate string    `json:"candidate"`
	Service   string    `json:"service"`
}

// EventList is the answer of GET /api/v1/pilots/{id}/events.
type EventList struct {
	Events []EventView `json:"events"`
}

// newPilotView summarises a pilot. Slices are never nil so clients always
// see arrays, not nulls.
func newPilotView(p pilots.Pilot) PilotView {
	v := PilotView{
		ID:         p.ID,
		Name:       p.Name,
		Title:      p.Spec.Title,
		Status:     p.Status,
		Reason:     p.Reason,
		Owner:      p.Spec.Owner,
		Start:      p.Spec.Start,
		End:        p.Spec.End,
		CreatedAt:  p.CreatedAt,
		UpdatedAt:  p.UpdatedAt,
		CreatedBy:  p.CreatedBy,
		SourceHash: p.SourceHash,
		Candidates: make([]CandidateView, 0, len(p.Spec.Candidates)),
		Cohorts:    make([]CohortView, 0, len(p.Spec.Cohorts)),
		Surveys:    make([]SurveyView, 0, len(p.Spec.Surveys)),
	}
	for _, c := range p.Spec.Candidates {
		cv := CandidateView{Name: c.Name, Vendor: c.Vendor, Entry: c.Entry, Services: make([]ServiceView, 0, len(c.Services))}
		for _, s := range c.Services {
			cv.Services = append(cv.Services, ServiceView{
				Name: s.Name, Image: s.Image, Port: s.Port,
				MemoryBytes: s.MemoryBytes, CPUs: s.CPUs, PIDs: s.PIDs,
			})
		}
		v.Candidates = append(v.Candidates, cv)
	}
	for _, c := range p.Spec.Cohorts {
		v.Cohorts = append(v.Cohorts, CohortView{Name: c.Name, Candidate: c.Candidate, Participants: c.Participants})
	}
	for _, s := range p.Spec.Surveys {
		v.Surveys = append(v.Surveys, SurveyView{
			Name: s.Name, Opens: s.Opens, Closes: s.Closes, Anonymous: s.Anonymous, Questions: len(s.Questions),
		})
	}
	return v
}

func newEventView(e pilots.Event) EventView {
	return EventView{
		ID: e.ID, Time: e.Time, Actor: e.Actor, Kind: e.Kind, From: e.From, To: e.To,
		Reason: e.Reason, Candidate: e.Candidate, Service: e.Service,
	}
}
