package pilots

import "time"

// TestbedStatus is one candidate's testbed as the API and the admin pages
// show it.
type TestbedStatus struct {
	Candidate string          `json:"candidate"`
	Network   string          `json:"network,omitempty"`
	Uptime    *float64        `json:"uptime"` // share 0..1 of probe time the entry service was healthy; nil before any probe
	Services  []ServiceStatus `json:"services"`
}

// ServiceStatus is one service of a testbed.
type ServiceStatus struct {
	Name     string    `json:"name"`
	Entry    bool      `json:"entry"`
	Image    string    `json:"image"`
	State    string    `json:"state"`  // creating, running, restarting, exited, missing, unknown
	Health   string    `json:"health"` // starting, healthy, unhealthy, unknown
	Restarts int       `json:"restarts"`
	Since    time.Time `json:"since,omitzero"`
	Message  string    `json:"message,omitempty"`
}
