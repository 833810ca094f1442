package main

import (
	"strings"
	"testing"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/api/apitest"
)

func TestTestbedsCmd(t *testing.T) {
	srv := apitest.NewServer(t)
	env := clientEnv(srv, srv.Admin)
	wantExit(t, runClient(t, t.Context(), env, testPilot, "pilots", "submit", "-"), exitOK)

	r := runClient(t, t.Context(), env, "", "testbeds", "nattillsyn")
	wantExit(t, r, exitOK)
	if !strings.Contains(r.stdout, "has no testbeds") {
		t.Errorf("draft: stdout=%q", r.stdout)
	}

	wantExit(t, runClient(t, t.Context(), env, "", "pilots", "start", "nattillsyn"), exitOK)
	r = runClient(t, t.Context(), clientEnv(srv, srv.Viewer), "", "testbeds", "nattillsyn")
	wantExit(t, r, exitOK)
	want := `CANDIDATE  SERVICE      STATE    HEALTH   RESTARTS  UPTIME
a          web (entry)  running  healthy  1         99.5%
b          web (entry)  running  healthy  1         99.5%
`
	if r.stdout != want {
		t.Errorf("testbeds:\n%s\nwant:\n%s", r.stdout, want)
	}

	r = runClient(t, t.Context(), env, "", "testbeds", "nattillsyn", "--output", "json")
	wantExit(t, r, exitOK)
	if got := decodeClientJSON[api.TestbedList](t, r.stdout); len(got.Testbeds) != 2 {
		t.Errorf("json=%+v", got)
	}

	r = runClient(t, t.Context(), env, "", "testbeds", "nope")
	wantExit(t, r, exitFailure)
	if r.stderr != "pilotbed: pilot \"nope\" does not exist\n" {
		t.Errorf("stderr=%q", r.stderr)
	}
}
