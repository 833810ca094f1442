package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/internal/testenv"
)

// TestParticipantsEndToEnd runs the example pilot on the real Docker Engine
// and real SQLite: participants are invited, reach their cohort's candidate
// through the gateway, answer the final survey through the participant
// form; the pilot closes with a final report whose verdicts follow the
// answers; the winner is promoted, the loser refused without override.
func TestParticipantsEndToEnd(t *testing.T) {
	cli := testenv.Docker(t)
	testenv.DemoImage(t, cli)
	dataDir := t.TempDir()
	cleanupInstance(t, cli, dataDir)
	srv := startServer(t, dataDir)
	const name = "digital-nattillsyn"

	mustCLI(t, srv.url, "pilots", "submit", example)
	mustCLI(t, srv.url, "pilots", "start", name)
	eventually(t, "healthy testbeds", 90*time.Second, func() bool {
		return showPilot(t, srv.url, name).Status == "running" && allHealthy(t, srv.url, name)
	})

	links := map[string][]string{} // cohort -> invitation URLs
	for _, cohort := range []string{"vaster", "oster"} {
		out := mustCLI(t, srv.url, "invite", name, "--cohort", cohort, "--count", "5", "--output", "json")
		var inv struct {
			Invitations []struct{ Participant, Cohort, URL string } `json:"invitations"`
		}
		if err := json.Unmarshal([]byte(out), &inv); err != nil {
			t.Fatalf("decode invitations: %v\n%s", err, out)
		}
		if got, want := len(inv.Invitations), 5; got != want {
			t.Fatalf("invitations=%d, want %d", got, want)
		}
		for _, i := range inv.Invitations {
			links[cohort] = append(links[cohort], i.URL)
		}
	}
	// The final survey's window lies in the pilot's last weeks; the test
	// leader opens it early by hand, as the design allows.
	mustCLI(t, srv.url, "surveys", "open", name, "final")

	// Without a participant session the gateway refuses.
	code, body := get(t, newClient(t), srv.url+"/try/"+name+"/")
	if strings.Contains(body, "Nattkamera A") || strings.Contains(body, "Tillsyn B") {
		t.Fatalf("gateway without a session reached a candidate: %d", code)
	}

	for cohort, urls := range links {
		good := cohort == "vaster" // leverantor-a is liked, leverantor-b is not
		for _, link := range urls {
			c := newClient(t)
			if code, body := get(t, c, link); code != http.StatusOK {
				t.Fatalf("GET %s: %d\n%s", link, code, body)
			}
			// The gateway reaches the cohort's own candidate, the demo app.
			code, body := get(t, c, srv.url+"/try/"+name+"/")
			want := map[bool]string{true: "Nattkamera A", false: "Tillsyn B"}[good]
			if code != http.StatusOK || !strings.Contains(body, want) {
				t.Fatalf("GET /try/%s/ as a %s participant: %d, want 200 with %q\n%s", name, cohort, code, want, body)
			}
			submitFinal(t, c, link, good)
		}
	}

	mustCLI(t, srv.url, "pilots", "close", name)
	eventually(t, "pilot closed", 90*time.Second, func() bool { return showPilot(t, srv.url, name).Status == "closed" })

	var rep struct {
		Preliminary bool `json:"preliminary"`
		Candidates  []struct {
			Name     string   `json:"name"`
			Verdict  string   `json:"verdict"`
			Reasons  []string `json:"reasons"`
			Answered int      `json:"answered"`
		} `json:"candidates"`
	}
	out := mustCLI(t, srv.url, "report", name, "--format", "json")
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("decode report: %v", err)
	}
	if rep.Preliminary {
		t.Errorf("report of a closed pilot is preliminary")
	}
	verdicts := map[string]string{}
	for _, c := range rep.Candidates {
		verdicts[c.Name] = c.Verdict
		if c.Answered != 5 {
			t.Errorf("%s answered=%d, want 5", c.Name, c.Answered)
		}
	}
	if got, want := verdicts["leverantor-a"], "scale_up"; got != want {
		t.Errorf("leverantor-a verdict=%q, want %q (report: %+v)", got, want, rep.Candidates)
	}
	if got, want := verdicts["leverantor-b"], "stop"; got != want {
		t.Errorf("leverantor-b verdict=%q, want %q", got, want)
	}

	_, errs, code2 := cliRun(t, srv.url, "pilots", "promote", name, "--candidate", "leverantor-b", "--justification", "cheaper")
	if code2 != 1 || !strings.Contains(errs, "override") {
		t.Errorf("promote of the losing candidate without override: exit %d, stderr %q; want exit 1 naming the override", code2, errs)
	}
	mustCLI(t, srv.url, "pilots", "promote", name, "--candidate", "leverantor-a", "--justification", "Met every criterion in the pilot.")
	if got, want := showPilot(t, srv.url, name).Status, "promoted"; got != want {
		t.Fatalf("Status=%v, want %v", got, want)
	}
	if out := mustCLI(t, srv.url, "dossier", name, "--format", "json"); !strings.Contains(out, "leverantor-a") {
		t.Errorf("dossier does not name the chosen candidate:\n%.400s", out)
	}
	if cs := instanceContainers(t, cli, dataDir); len(cs) != 0 {
		t.Errorf("containers left after close: %d", len(cs))
	}
}

// newClient is a participant's browser: it keeps cookies and does not
// follow redirects, so a test sees each answer.
func newClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// submitFinal answers the final survey of the example and confirms it: the
// SUS items all favourable (score 100) or all unfavourable (score 0).
func submitFinal(t *testing.T, c *http.Client, link string, good bool) {
	t.Helper()
	form := url.Values{"_step": {"confirm"}, "minutes": {"12"}}
	for i := 1; i <= 10; i++ {
		odd := i%2 == 1
		v := 1
		if odd == good {
			v = 5
		}
		form.Set("sus_"+strconv.Itoa(i), strconv.Itoa(v))
	}
	form.Set("recommend", map[bool]string{true: "10", false: "1"}[good])
	resp, err := c.PostForm(link+"/s/final", form)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/kvitto") {
		t.Fatalf("submit: %d Location=%q, want 303 to the receipt\n%.2000s", resp.StatusCode, resp.Header.Get("Location"), b)
	}
	code, body := get(t, c, link+"/s/final/kvitto")
	if code != http.StatusOK || !strings.Contains(strings.ToLower(body), "kvitto") && !strings.Contains(strings.ToLower(body), "receipt") {
		t.Fatalf("receipt: %d\n%.1000s", code, body)
	}
}
