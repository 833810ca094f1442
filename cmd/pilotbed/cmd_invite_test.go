package main

import (
	"encoding/csv"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/orchestrator"
	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/pilots/sqlstore"
	"github.com/pilotbed/pilotbed/testbeds/fake"
)

const feedbackPilot = `
pilot "enkat" {
  title   = "Enkätpilot"
  owner   = "Vård- och omsorgsförvaltningen"
  contact = "testledare@mittkoping.se"
  start   = "2027-01-11"
  end     = "2027-03-31"

  retention {
    keep     = "365d"
    decision = "KS 2026/123"
  }

  candidate "a" {
    vendor = "Leverantör A AB"
    entry  = "web"
    service "web" {
      image = "pilotbed-demo:latest"
      port  = 8080
    }
  }

  cohort "vaster" {
    candidate    = "a"
    participants = 5
  }

  survey "baseline" {
    opens  = "start"
    closes = "start+7d"
    question "minutes" {
      type = "number"
      text = "Hur många minuter?"
    }
    question "comment" {
      type     = "text"
      optional = true
      text     = "Något mer?"
    }
  }

  survey "final" {
    opens     = "end-14d"
    closes    = "end"
    anonymous = true
    question "mood" {
      type = "likert"
      text = "Trivs du med verktyget?"
    }
  }
}
`

// stack is a real server: the API over the orchestrator, an SQLite store
// in a temporary directory and the in-memory container runtime.
type stack struct {
	url           string
	store         *sqlstore.Store
	orch          *orchestrator.Orchestrator
	admin, viewer string
	pilot         pilots.Pilot
}

func newStack(t *testing.T) *stack {
	t.Helper()
	ctx := t.Context()
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "pilotbed.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	o, err := orchestrator.New(orchestrator.Config{
		Store: st, Feedback: st, Runtime: fake.New(fake.Options{Instance: "test", AutoHealthy: true}), Instance: "test",
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Wait)
	s := &stack{store: st, orch: o}
	for _, tok := range []struct {
		name string
		role pilots.Role
		dst  *string
	}{{"admin", pilots.RoleAdmin, &s.admin}, {"viewer", pilots.RoleViewer, &s.viewer}} {
		secret := pilots.NewSecret(pilots.TokenPrefix)
		if err := st.CreateToken(ctx, pilots.Token{ID: "t-" + tok.name, Name: tok.name, Role: tok.role,
			Hash: pilots.HashSecret(secret), CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
		*tok.dst = secret
	}
	srv := httptest.NewServer(api.NewServer(api.Config{Service: o, Tokens: st, Feedback: o}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	if s.pilot, err = o.Submit(ctx, "admin", "enkat.hcl", []byte(feedbackPilot)); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *stack) env(token string) map[string]string {
	return map[string]string{"PILOTBED_SERVER": s.url, "PILOTBED_TOKEN": token}
}

func TestInviteCmd(t *testing.T) {
	s := newStack(t)
	ctx := t.Context()

	r := runClient(t, ctx, s.env(s.admin), "", "invite", "enkat", "--cohort", "vaster", "--count", "3")
	wantExit(t, r, exitOK)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "PARTICIPANT") {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
	for i, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) != 3 || f[0] != pilots.ParticipantID(i+1) || f[1] != "vaster" || !strings.HasPrefix(f[2], s.url+"/p/") {
			t.Errorf("row %q", l)
		}
		// The link works: its secret finds the participant.
		secret := strings.TrimPrefix(f[2], s.url+"/p/")
		if p, err := s.store.ParticipantByTokenHash(ctx, pilots.HashSecret(secret)); err != nil || p.ID != f[0] {
			t.Errorf("link of %s finds %+v, %v", f[0], p, err)
		}
	}
	if !strings.Contains(r.stderr, "shown once") {
		t.Errorf("stderr lacks the notice: %q", r.stderr)
	}

	r = runClient(t, ctx, s.env(s.admin), "", "invite", "enkat", "--cohort", "vaster", "--count", "2", "--output", "csv")
	wantExit(t, r, exitOK)
	recs, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || strings.Join(recs[0], ",") != "participant,cohort,url" || recs[2][0] != "P-0005" {
		t.Errorf("csv=%v", recs)
	}

	r = runClient(t, ctx, s.env(s.admin), "", "invite", s.pilot.ID, "--cohort", "vaster", "--count", "1", "-o", "json")
	wantExit(t, r, exitOK)
	if got := decodeClientJSON[api.InvitationList](t, r.stdout); len(got.Invitations) != 1 || got.Invitations[0].Participant != "P-0006" || got.Notice == "" {
		t.Errorf("json=%+v", got)
	}

	tests := []struct {
		name  string
		token string
		args  []string
		exit  int
		msg   string
	}{
		{"no cohort", s.admin, []string{"--count", "1"}, exitUsage, "--cohort is required"},
		{"no count", s.admin, []string{"--cohort", "vaster"}, exitUsage, "--count must be from 1 to 1000"},
		{"count too high", s.admin, []string{"--cohort", "vaster", "--count", "1001"}, exitUsage, "--count must be from 1 to 1000"},
		{"bad output", s.admin, []string{"--cohort", "vaster", "--count", "1", "--output", "xml"}, exitUsage, "--output must be one of"},
		{"unknown cohort", s.admin, []string{"--cohort", "norr", "--count", "1"}, exitFailure, `no cohort "norr"`},
		{"viewer", s.viewer, []string{"--cohort", "vaster", "--count", "1"}, exitFailure, "needs an admin token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runClient(t, ctx, s.env(tt.token), "", append([]string{"invite", "enkat"}, tt.args...)...)
			wantExit(t, r, tt.exit)
			if !strings.Contains(r.stderr, tt.msg) {
				t.Errorf("stderr=%q, want %q", r.stderr, tt.msg)
			}
		})
	}
}

func TestParticipantsCmd(t *testing.T) {
	s := newStack(t)
	ctx := t.Context()
	if _, err := s.orch.Invite(ctx, "admin", "enkat", "vaster", 2); err != nil {
		t.Fatal(err)
	}
	r := runClient(t, ctx, s.env(s.admin), "", "participants", "revoke", "enkat", "P-0002")
	wantExit(t, r, exitOK)
	if !strings.Contains(r.stdout, "Revoked P-0002") {
		t.Errorf("stdout=%q", r.stdout)
	}

	r = runClient(t, ctx, s.env(s.viewer), "", "participants", "enkat")
	wantExit(t, r, exitOK)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "PARTICIPANT  COHORT  INVITED") {
		t.Fatalf("stdout:\n%s", r.stdout)
	}
	if f := strings.Fields(lines[1]); f[0] != "P-0001" || f[3] != "-" {
		t.Errorf("P-0001 row %q, want not revoked", lines[1])
	}
	if f := strings.Fields(lines[2]); f[0] != "P-0002" || f[3] == "-" {
		t.Errorf("P-0002 row %q, want revoked", lines[2])
	}

	r = runClient(t, ctx, s.env(s.viewer), "", "participants", "enkat", "-o", "json")
	wantExit(t, r, exitOK)
	if got := decodeClientJSON[api.ParticipantList](t, r.stdout); len(got.Participants) != 2 || got.Participants[1].RevokedAt == nil {
		t.Errorf("json=%+v", got)
	}

	wantExit(t, runClient(t, ctx, s.env(s.viewer), "", "participants", "revoke", "enkat", "P-0001"), exitFailure)
	r = runClient(t, ctx, s.env(s.admin), "", "participants", "revoke", "enkat", "P-0042")
	wantExit(t, r, exitFailure)
	if !strings.Contains(r.stderr, "no participant P-0042") {
		t.Errorf("stderr=%q", r.stderr)
	}
}
