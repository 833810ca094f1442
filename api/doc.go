// Package api is pilotbed's HTTP surface: the JSON API under /api/v1, the
// health and readiness probes and the Prometheus metrics. It talks to the
// use cases only through the Service interface it declares itself, so it can
// be tested with a stand-in and never imports the orchestrator.
//
// routes.go lists every route in one place; each resource has its handler in
// a handle_*.go file; errors.go is the one place where error codes become
// HTTP statuses.
//
// # Authentication
//
// Every /api/v1 route needs "Authorization: Bearer <token>". A missing or
// unknown token gets 401 with "WWW-Authenticate: Bearer"; a viewer token on
// a route that changes something (every POST) gets 403. The token's name is
// the actor recorded in the audit trail.
//
// # Errors
//
// Every error is JSON:
//
//	{"error": {"code": "not_found", "message": "pilot \"x\" does not exist"}}
//
// The codes are those of package pilots (not_found 404, invalid 400,
// conflict 409, unauthorized 401, forbidden 403, unavailable 503,
// too_many_requests 429, internal 500) plus too_large (413) and
// method_not_allowed (405). An invalid pilot file gets 422 with
//
//	{"diagnostics": [{"severity", "summary", "detail", "range": {"filename", "start": {"line", "column"}, "end": {...}}}]}
//
// # Views
//
// Keys are snake_case and stable; times are RFC 3339.
//
// A pilot (PilotView), as returned by GET /api/v1/pilots/{id} and, in a
// list {"pilots": [...]}, by GET /api/v1/pilots:
//
//	{"id", "name", "title", "status", "reason", "owner", "start", "end",
//	 "created_at", "updated_at", "created_by", "source_hash",
//	 "candidates": [{"name", "vendor", "entry",
//	                 "services": [{"name", "image", "port", "memory_bytes", "cpus", "pids"}]}],
//	 "cohorts": [{"name", "candidate", "participants"}],
//	 "surveys": [{"name", "opens", "closes", "anonymous", "questions": N}]}
//
// POST /api/v1/pilots answers 201 with {"id", "name", "status"}
// (SubmitResult). POST /api/v1/pilots/{id}/approve|start|close|withdraw take
// an optional body {"reason": "..."} and answer with the pilot.
//
// GET /api/v1/pilots/{id}/testbeds answers {"testbeds": [...]} with
// pilots.TestbedStatus values: {"candidate", "network", "uptime",
// "services": [{"name", "entry", "image", "state", "health", "restarts",
// "since", "message"}]}.
//
// GET /api/v1/pilots/{id}/events?after=ID&limit=N&kind=K answers
// {"events": [{"id", "time", "actor", "kind", "from", "to", "reason",
// "candidate", "service"}]} in order; pass the last id as after to follow.
package api
