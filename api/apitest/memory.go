package apitest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

// Service is an in-memory api.Service. The zero value is not usable; call
// NewService.
type Service struct {
	// Now is the clock; tests set it for stable times.
	Now func() time.Time

	mu      sync.Mutex
	pilots  []pilots.Pilot // in submit order
	events  []pilots.Event
	nextID  int
	nextEv  int64
	fail    error
	ready   error
	tokens  map[string]pilots.Token // by hash
	nextTok int
}

// NewService returns an empty service whose clock starts at a fixed time and
// advances a second per call, so tests see stable, ordered times.
func NewService() *Service {
	t := time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	return &Service{
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			t = t.Add(time.Second)
			return t
		},
		tokens: map[string]pilots.Token{},
	}
}

// Fail makes every method but Ready return err from now on; nil heals it.
func (s *Service) Fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = err
}

// SetReady sets what Ready returns.
func (s *Service) SetReady(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ready = err
}

// AddToken creates a token with the given name and role and returns its
// secret.
func (s *Service) AddToken(name string, role pilots.Role) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextTok++
	secret := fmt.Sprintf("%s%s%d", pilots.TokenPrefix, name, s.nextTok)
	h := pilots.HashSecret(secret)
	s.tokens[h] = pilots.Token{ID: fmt.Sprintf("t_%d", s.nextTok), Name: name, Role: role, Hash: h, CreatedAt: s.Now()}
	return secret
}

// TokenByHash implements api.Tokens.
func (s *Service) TokenByHash(_ context.Context, hash string) (pilots.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return pilots.Token{}, s.fail
	}
	t, ok := s.tokens[hash]
	if !ok || t.RevokedAt != nil {
		return pilots.Token{}, pilots.Errorf(pilots.ENOTFOUND, "token not found")
	}
	return t, nil
}

var (
	pilotRE = regexp.MustCompile(`(?m)^\s*pilot\s+"([^"]*)"\s*\{`)
	titleRE = regexp.MustCompile(`(?m)^\s*title\s*=\s*"([^"]*)"`)
	candRE  = regexp.MustCompile(`(?m)^\s*candidate\s+"([^"]*)"\s*\{`)
)

// parse is the stand-in parser: one `pilot "name" {` line, an optional
// title and any number of `candidate "name" {` lines, each of which gets one
// service "web". A file without a pilot block gets one diagnostic.
func parse(filename string, src []byte) (pilots.Spec, error) {
	m := pilotRE.FindAllSubmatch(src, -1)
	if len(m) != 1 || len(m[0][1]) == 0 {
		return pilots.Spec{}, &pilots.DiagnosticsError{Diagnostics: []pilots.Diagnostic{{
			Severity: "error",
			Summary:  "Exactly one pilot block is required",
			Detail:   fmt.Sprintf("The file declares %d pilot blocks.", len(m)),
			Range:    &pilots.Range{Filename: filename, Start: pilots.Pos{Line: 1, Column: 1}, End: pilots.Pos{Line: 1, Column: 2}},
		}}}
	}
	spec := pilots.Spec{
		Name:     string(m[0][1]),
		Owner:    "Mittköping",
		Start:    time.Date(2027, 1, 11, 0, 0, 0, 0, time.UTC),
		End:      time.Date(2027, 4, 1, 0, 0, 0, 0, pilots.DayZone), // the midnight after the last day, as pilotfile decodes "2027-03-31"
		Language: pilots.LangSwedish,
	}
	if t := titleRE.FindSubmatch(src); t != nil {
		spec.Title = string(t[1])
	}
	for _, c := range candRE.FindAllSubmatch(src, -1) {
		name := string(c[1])
		spec.Candidates = append(spec.Candidates, pilots.Candidate{
			Name: name, Vendor: "Vendor " + name, Entry: "web",
			Services: []pilots.Service{{
				Name: "web", Image: "pilotbed-demo:latest", Port: 8080,
				MemoryBytes: pilots.DefaultMemoryBytes, CPUs: pilots.DefaultCPUs, PIDs: pilots.DefaultPIDs,
			}},
		})
		spec.Cohorts = append(spec.Cohorts, pilots.Cohort{Name: "cohort-" + name, Candidate: name, Participants: 10})
	}
	spec.Surveys = []pilots.Survey{{
		Name: "final", Opens: spec.End.AddDate(0, 0, -14), Closes: spec.End,
		Questions: []pilots.Question{{Name: "recommend", Type: pilots.NPS}},
	}}
	return spec, nil
}

// Submit implements api.Service.
func (s *Service) Submit(_ context.Context, actor, filename string, src []byte) (pilots.Pilot, error) {
	spec, err := parse(filename, src)
	if err != nil {
		return pilots.Pilot{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return pilots.Pilot{}, s.fail
	}
	for _, p := range s.pilots {
		if p.Name == spec.Name && p.Status != pilots.StatusWithdrawn {
			return pilots.Pilot{}, pilots.Errorf(pilots.ECONFLICT, "a pilot named %q exists already", spec.Name)
		}
	}
	s.nextID++
	now := s.Now()
	sum := sha256.Sum256(src)
	p := pilots.Pilot{
		ID: fmt.Sprintf("p_%04d", s.nextID), Name: spec.Name, Status: pilots.StatusDraft, Spec: spec,
		Source: slices.Clone(src), SourceHash: hex.EncodeToString(sum[:]),
		CreatedAt: now, UpdatedAt: now, CreatedBy: actor,
	}
	s.pilots = append(s.pilots, p)
	s.addEvent(pilots.Event{PilotID: p.ID, Time: now, Actor: actor, Kind: pilots.EventTransition, To: string(pilots.StatusDraft), Reason: "submitted"})
	return p, nil
}

// Pilots implements api.Service.
func (s *Service) Pilots(_ context.Context, filter pilots.PilotFilter) ([]pilots.Pilot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	var out []pilots.Pilot
	for i := len(s.pilots) - 1; i >= 0; i-- {
		p := s.pilots[i]
		if len(filter.Statuses) == 0 || slices.Contains(filter.Statuses, p.Status) {
			out = append(out, p)
		}
	}
	return out, nil
}

// Pilot implements api.Service.
func (s *Service) Pilot(_ context.Context, idOrName string) (pilots.Pilot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return pilots.Pilot{}, s.fail
	}
	i, err := s.find(idOrName)
	if err != nil {
		return pilots.Pilot{}, err
	}
	return s.pilots[i], nil
}

// find returns the index of the pilot with the id, or else the newest with
// the name.
func (s *Service) find(idOrName string) (int, error) {
	for i, p := range s.pilots {
		if p.ID == idOrName {
			return i, nil
		}
	}
	for i := len(s.pilots) - 1; i >= 0; i-- {
		if s.pilots[i].Name == idOrName {
			return i, nil
		}
	}
	return 0, pilots.Errorf(pilots.ENOTFOUND, "pilot %q does not exist", idOrName)
}

// Approve implements api.Service.
func (s *Service) Approve(_ context.Context, actor, idOrName, reason string) (pilots.Pilot, error) {
	return s.transition(actor, idOrName, reason, "approved", []pilots.Status{pilots.StatusDraft}, pilots.StatusScheduled)
}

// Start implements api.Service. The stand-in has no testbeds to wait for,
// so the pilot goes straight on to running.
func (s *Service) Start(_ context.Context, actor, idOrName, reason string) (pilots.Pilot, error) {
	return s.transition(actor, idOrName, reason, "started", []pilots.Status{pilots.StatusDraft, pilots.StatusScheduled}, pilots.StatusProvisioning, pilots.StatusRunning)
}

// Close implements api.Service; the pilot ends up closed at once.
func (s *Service) Close(_ context.Context, actor, idOrName, reason string) (pilots.Pilot, error) {
	return s.transition(actor, idOrName, reason, "closed", []pilots.Status{pilots.StatusProvisioning, pilots.StatusRunning, pilots.StatusFailed}, pilots.StatusClosing, pilots.StatusClosed)
}

// Withdraw implements api.Service.
func (s *Service) Withdraw(_ context.Context, actor, idOrName, reason string) (pilots.Pilot, error) {
	return s.transition(actor, idOrName, reason, "withdrawn", []pilots.Status{pilots.StatusDraft, pilots.StatusScheduled}, pilots.StatusWithdrawn)
}

func (s *Service) transition(actor, idOrName, reason, verb string, from []pilots.Status, to ...pilots.Status) (pilots.Pilot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return pilots.Pilot{}, s.fail
	}
	i, err := s.find(idOrName)
	if err != nil {
		return pilots.Pilot{}, err
	}
	p := &s.pilots[i]
	if !slices.Contains(from, p.Status) {
		names := make([]string, len(from))
		for i, f := range from {
			names[i] = string(f)
		}
		return pilots.Pilot{}, pilots.Errorf(pilots.ECONFLICT, "pilot %q is %s; only a %s pilot can be %s", p.Name, p.Status, strings.Join(names, " or "), verb)
	}
	for _, st := range to {
		now := s.Now()
		s.addEvent(pilots.Event{PilotID: p.ID, Time: now, Actor: actor, Kind: pilots.EventTransition, From: string(p.Status), To: string(st), Reason: reason})
		p.Status, p.Reason, p.UpdatedAt = st, reason, now
	}
	return *p, nil
}

func (s *Service) addEvent(e pilots.Event) {
	s.nextEv++
	e.ID = s.nextEv
	s.events = append(s.events, e)
}

// Testbeds implements api.Service: a running pilot has one healthy testbed
// per candidate, any other none.
func (s *Service) Testbeds(_ context.Context, idOrName string) ([]pilots.TestbedStatus, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	i, err := s.find(idOrName)
	if err != nil {
		return nil, err
	}
	p := s.pilots[i]
	if p.Status != pilots.StatusRunning {
		return nil, nil
	}
	var out []pilots.TestbedStatus
	uptime := 0.995
	for _, c := range p.Spec.Candidates {
		tb := pilots.TestbedStatus{Candidate: c.Name, Network: "pilotbed-" + p.Name + "-" + c.Name, Uptime: &uptime}
		for _, svc := range c.Services {
			tb.Services = append(tb.Services, pilots.ServiceStatus{
				Name: svc.Name, Entry: svc.Name == c.Entry, Image: svc.Image,
				State: "running", Health: "healthy", Restarts: 1, Since: p.UpdatedAt,
			})
		}
		out = append(out, tb)
	}
	return out, nil
}

// Events implements api.Service.
func (s *Service) Events(_ context.Context, idOrName string, filter pilots.EventFilter) ([]pilots.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return nil, s.fail
	}
	i, err := s.find(idOrName)
	if err != nil {
		return nil, err
	}
	id := s.pilots[i].ID
	var out []pilots.Event
	for _, e := range s.events {
		if e.PilotID != id || e.ID <= filter.After || (filter.Kind != "" && e.Kind != filter.Kind) {
			continue
		}
		out = append(out, e)
		if filter.Limit > 0 && len(out) == filter.Limit {
			break
		}
	}
	return out, nil
}

// AddEvent appends an event to a pilot's trail, as the runtime would.
func (s *Service) AddEvent(e pilots.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.Time.IsZero() {
		e.Time = s.Now()
	}
	s.addEvent(e)
}

// Ready implements api.Service.
func (s *Service) Ready(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ready
}
