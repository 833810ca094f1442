package main

import (
	"strings"
	"testing"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/api/apitest"
	"github.com/pilotbed/pilotbed/pilots"
)

func TestPilotsSubmit(t *testing.T) {
	srv := apitest.NewServer(t)
	env := clientEnv(srv, srv.Admin)
	file := writeClientFile(t, "nattillsyn.hcl", testPilot)

	r := runClient(t, t.Context(), env, "", "pilots", "submit", file)
	wantExit(t, r, exitOK)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "ID NAME STATUS" ||
		strings.Join(strings.Fields(lines[1]), " ") != "p_0001 nattillsyn draft" {
		t.Errorf("stdout=%q", r.stdout)
	}
	p, err := srv.Service.Pilot(t.Context(), "nattillsyn")
	if err != nil || p.CreatedBy != "admin" || string(p.Source) != testPilot {
		t.Errorf("stored pilot=%+v, %v", p, err)
	}

	// A second pilot by stdin, as JSON.
	r = runClient(t, t.Context(), env, `pilot "other" {`, "pilots", "submit", "-", "-o", "json")
	wantExit(t, r, exitOK)
	if got := decodeClientJSON[api.SubmitResult](t, r.stdout); got.Name != "other" || got.Status != pilots.StatusDraft {
		t.Errorf("json=%+v", got)
	}

	// The same name again conflicts; the message is the server's.
	r = runClient(t, t.Context(), env, "", "pilots", "submit", file)
	wantExit(t, r, exitFailure)
	if want := "pilotbed: a pilot named \"nattillsyn\" exists already\n"; r.stderr != want {
		t.Errorf("stderr=%q, want %q", r.stderr, want)
	}

	// A viewer may not submit.
	r = runClient(t, t.Context(), clientEnv(srv, srv.Viewer), "", "pilots", "submit", file)
	wantExit(t, r, exitFailure)
	if !strings.Contains(r.stderr, "needs an admin token") {
		t.Errorf("stderr=%q", r.stderr)
	}
}

func TestPilotsSubmitInvalid(t *testing.T) {
	srv := apitest.NewServer(t)
	file := writeClientFile(t, "bad.hcl", "variable \"x\" {}\n")
	r := runClient(t, t.Context(), clientEnv(srv, srv.Admin), "", "pilots", "submit", file)
	wantExit(t, r, exitFailure)
	if want := "bad.hcl:1,1: Exactly one pilot block is required: The file declares 0 pilot blocks.\n"; r.stderr != want {
		t.Errorf("stderr=%q, want %q", r.stderr, want)
	}
	if r.stdout != "" {
		t.Errorf("stdout=%q, want nothing", r.stdout)
	}

	r = runClient(t, t.Context(), clientEnv(srv, srv.Admin), "", "pilots", "submit", "-o", "json", file)
	wantExit(t, r, exitFailure)
	if got := decodeClientJSON[api.DiagnosticsBody](t, r.stdout); len(got.Diagnostics) != 1 {
		t.Errorf("json diagnostics=%+v", got)
	}
}

func TestPilotsListShowAndLifecycle(t *testing.T) {
	srv := apitest.NewServer(t)
	admin, viewer := clientEnv(srv, srv.Admin), clientEnv(srv, srv.Viewer)
	wantExit(t, runClient(t, t.Context(), admin, "", "pilots", "submit", writeClientFile(t, "a.hcl", testPilot)), exitOK)
	wantExit(t, runClient(t, t.Context(), admin, `pilot "zweite" {`+"\n"+`title = "Second"`, "pilots", "submit", "-"), exitOK)

	r := runClient(t, t.Context(), viewer, "", "pilots", "list")
	wantExit(t, r, exitOK)
	want := `ID      NAME        STATUS  START       END         TITLE
p_0002  zweite      draft   2027-01-11  2027-03-31  Second
p_0001  nattillsyn  draft   2027-01-11  2027-03-31  Digital nattillsyn
`
	if r.stdout != want {
		t.Errorf("list:\n%s\nwant:\n%s", r.stdout, want)
	}

	tests := []struct {
		args []string
		want string
	}{
		{[]string{"pilots", "approve", "nattillsyn", "--reason", "Styrgruppen 2027-01-05"}, "pilot nattillsyn (p_0001) is scheduled\n"},
		{[]string{"pilots", "start", "p_0001"}, "pilot nattillsyn (p_0001) is running\n"},
		{[]string{"pilots", "withdraw", "zweite", "--reason", "no budget"}, "pilot zweite (p_0002) is withdrawn\n"},
	}
	for _, tt := range tests {
		r := runClient(t, t.Context(), admin, "", tt.args...)
		wantExit(t, r, exitOK)
		if r.stdout != tt.want {
			t.Errorf("%v: stdout=%q, want %q", tt.args, r.stdout, tt.want)
		}
	}

	// Not allowed from the current status: the server's message, exit 1.
	r = runClient(t, t.Context(), admin, "", "pilots", "withdraw", "nattillsyn")
	wantExit(t, r, exitFailure)
	if !strings.HasPrefix(r.stderr, `pilotbed: pilot "nattillsyn" is running; only a draft or scheduled pilot can be withdrawn`) {
		t.Errorf("stderr=%q", r.stderr)
	}
	// A viewer may not change a pilot.
	r = runClient(t, t.Context(), viewer, "", "pilots", "close", "nattillsyn")
	wantExit(t, r, exitFailure)
	if !strings.Contains(r.stderr, "needs an admin token") {
		t.Errorf("stderr=%q", r.stderr)
	}
	r = runClient(t, t.Context(), admin, "", "pilots", "close", "nattillsyn", "-o", "json")
	wantExit(t, r, exitOK)
	if got := decodeClientJSON[api.PilotView](t, r.stdout); got.Status != pilots.StatusClosed {
		t.Errorf("close json status=%q", got.Status)
	}

	r = runClient(t, t.Context(), viewer, "", "pilots", "list", "--status", "closed,withdrawn", "-o", "json")
	wantExit(t, r, exitOK)
	if got := decodeClientJSON[api.PilotList](t, r.stdout); len(got.Pilots) != 2 {
		t.Errorf("filtered list=%+v", got)
	}
	r = runClient(t, t.Context(), viewer, "", "pilots", "list", "--status", "bogus")
	wantExit(t, r, exitFailure)
	if !strings.Contains(r.stderr, `unknown status "bogus"`) {
		t.Errorf("stderr=%q", r.stderr)
	}

	r = runClient(t, t.Context(), viewer, "", "pilots", "show", "nattillsyn")
	wantExit(t, r, exitOK)
	for _, want := range []string{
		"Name:", "nattillsyn", "Status:", "closed", "Period:", "2027-01-11 to 2027-03-31", "Submitted:", "by admin",
		"CANDIDATE", "web (entry)", "256MiB", "COHORT", "cohort-a", "SURVEY", "final",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("show lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runClient(t, t.Context(), viewer, "", "pilots", "show", "nope")
	wantExit(t, r, exitFailure)
	if r.stderr != "pilotbed: pilot \"nope\" does not exist\n" {
		t.Errorf("stderr=%q", r.stderr)
	}
	// Names with characters special in URLs reach the server intact.
	r = runClient(t, t.Context(), viewer, "", "pilots", "show", "a/b?c")
	wantExit(t, r, exitFailure)
	if r.stderr != "pilotbed: pilot \"a/b?c\" does not exist\n" {
		t.Errorf("stderr=%q", r.stderr)
	}
}
