package pilots

import "time"

// Status is a pilot's place in its lifecycle.
type Status string

// The lifecycle of DESIGN.md:
//
//	draft --approve--> scheduled --(start date)--> provisioning --> running --(close)--> closing --> closed
//	draft --start--> provisioning;  draft|scheduled --withdraw--> withdrawn
//	closed --promote--> promoted;   closed --reject--> stopped
//	provisioning --(error)--> failed --(retry)--> provisioning
const (
	StatusDraft        Status = "draft"
	StatusScheduled    Status = "scheduled"
	StatusProvisioning Status = "provisioning"
	StatusRunning      Status = "running"
	StatusClosing      Status = "closing"
	StatusClosed       Status = "closed"
	StatusPromoted     Status = "promoted"
	StatusStopped      Status = "stopped"
	StatusWithdrawn    Status = "withdrawn"
	StatusFailed       Status = "failed"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{
	StatusDraft, StatusScheduled, StatusProvisioning, StatusRunning, StatusClosing,
	StatusClosed, StatusPromoted, StatusStopped, StatusWithdrawn, StatusFailed,
}

var transitions = map[Status][]Status{
	StatusDraft:        {StatusScheduled, StatusProvisioning, StatusWithdrawn},
	StatusScheduled:    {StatusProvisioning, StatusWithdrawn},
	StatusProvisioning: {StatusRunning, StatusFailed, StatusClosing},
	StatusFailed:       {StatusProvisioning, StatusClosing},
	StatusRunning:      {StatusClosing},
	StatusClosing:      {StatusClosed},
	StatusClosed:       {StatusPromoted, StatusStopped},
}

// CanTransition reports whether a pilot may move from one status to another.
func CanTransition(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if v == s {
			return true
		}
	}
	return false
}

// Active reports whether testbeds should exist for a pilot in this status.
func (s Status) Active() bool {
	return s == StatusProvisioning || s == StatusRunning || s == StatusFailed
}

// Pilot is a submitted pilot: its spec, the source it was decoded from and
// where it is in its lifecycle.
type Pilot struct {
	ID         string // assigned at submit, e.g. "p_01J..."; stable forever
	Name       string // Spec.Name; unique among pilots that are not withdrawn
	Status     Status
	Reason     string // why the last transition happened, e.g. a failure cause
	Spec       Spec
	Source     []byte // the HCL exactly as submitted
	SourceHash string // hex SHA-256 of Source
	CreatedAt  time.Time
	UpdatedAt  time.Time
	CreatedBy  string // the actor who submitted it
}

// Event kinds.
const (
	EventTransition = "transition" // a lifecycle transition (From, To)
	EventTestbed    = "testbed"    // a testbed state change (Candidate, Service)
	EventSurvey     = "survey"     // a survey opened or closed by hand
	EventInvitation = "invitation" // invitations issued or revoked
	EventDecision   = "decision"   // promote or reject
	EventClose      = "close"      // a step of closing a pilot done (To names the step)
)

// EventKinds lists every event kind, for filters that check their input.
var EventKinds = []string{EventTransition, EventTestbed, EventSurvey, EventInvitation, EventDecision, EventClose}

// Event is an entry in a pilot's audit trail. Events are only ever added.
type Event struct {
	ID        int64
	PilotID   string
	Time      time.Time
	Actor     string // who caused it: a token's name, "scheduler", "runtime"
	Kind      string
	From, To  string // statuses or states, when the event is a change
	Reason    string
	Candidate string
	Service   string
}
