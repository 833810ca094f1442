package apitest

import (
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/pilots"
)

// Server is a running API server over an in-memory Service.
type Server struct {
	*httptest.Server
	Service  *Service
	Registry *prometheus.Registry
	Admin    string // secret of an admin token named "admin"
	Viewer   string // secret of a viewer token named "viewer"
}

// NewServer starts an API server on loopback with an admin and a viewer
// token; it is closed when the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	svc := NewService()
	reg := prometheus.NewRegistry()
	s := &Server{
		Service:  svc,
		Registry: reg,
		Admin:    svc.AddToken("admin", pilots.RoleAdmin),
		Viewer:   svc.AddToken("viewer", pilots.RoleViewer),
	}
	s.Server = httptest.NewServer(api.NewServer(api.Config{
		Service: svc, Tokens: svc, Gatherer: reg, Registerer: reg, Version: "test",
	}))
	t.Cleanup(s.Close)
	return s
}

// compile-time checks that the stand-in fits.
var (
	_ api.Service = (*Service)(nil)
	_ api.Tokens  = (*Service)(nil)
)
