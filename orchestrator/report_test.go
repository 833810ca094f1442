package orchestrator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/pilots/report"
	"github.com/pilotbed/pilotbed/testbeds"
)

// reportHCL is a pilot of two candidates whose participants like one and
// not the other.
const reportHCL = `
pilot "jamforelse" {
  title   = "Jämförelse <av> verktyg"
  owner   = "Vård- och omsorgsförvaltningen"
  contact = "testledare@mittkoping.se"
  start   = "2027-01-11"
  end     = "2027-03-31"

  classification {
    confidentiality = 2
    integrity       = 1
    availability    = 0
  }

  candidate "bra" {
    vendor = "Bra AB"
    entry  = "web"
    service "web" {
      image = "pilotbed-demo:latest"
      port  = 8080
    }
  }

  candidate "samre" {
    vendor = "Sämre AB"
    entry  = "web"
    service "web" {
      image = "pilotbed-demo:latest"
      port  = 8080
    }
  }

  cohort "vaster" {
    candidate    = "bra"
    participants = 6
  }

  cohort "oster" {
    candidate    = "samre"
    participants = 6
  }

  survey "final" {
    opens  = "end-14d"
    closes = "end"
    sus {}
  }

  benefit "nojdhet" {
    description = "Nöjdare personal"
    measure     = sus
    target      = 80
    owner       = "Enhetschef"
  }

  criterion "anvandbarhet" {
    measure  = sus
    at_least = 68
    must     = true
  }

  criterion "svarsfrekvens" {
    measure  = response_rate
    at_least = 0.6
  }
}
`

// reportEnv is an env whose orchestrator keeps feedback and reports in the
// SQLite store and writes to a data directory, as the server wires it.
func newReportEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.o = e.orchestratorWith(t, Config{Feedback: e.store, Reports: e.store, DataDir: e.dataDir})
	return e
}

// runPilot submits and starts the two-candidate pilot, records some
// health, and lets six participants per cohort answer the SUS: those of
// "bra" as well as it can be answered, those of "samre" as badly.
func runPilot(t *testing.T, e *env) pilots.Pilot {
	t.Helper()
	ctx := t.Context()
	e.record(t)
	p, err := e.o.Submit(ctx, "alice", "jamforelse.hcl", []byte(reportHCL))
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	e.clock.Set(start)
	if _, err := e.o.Start(ctx, "alice", p.ID, "by hand"); err != nil {
		t.Fatal(err)
	}
	e.o.Wait()
	if got := e.status(t, p.ID); got != pilots.StatusRunning {
		t.Fatalf("Status=%v, want running", got)
	}

	// "bra" is healthy, down for a day, healthy again; "samre" restarts once.
	idBra := testbeds.ID{Pilot: p.ID, Candidate: "bra"}
	for _, h := range []testbeds.HealthStatus{testbeds.HealthHealthy, testbeds.HealthUnhealthy, testbeds.HealthHealthy} {
		if err := e.rt.SetHealth(idBra, "web", h); err != nil {
			t.Fatal(err)
		}
		e.waitEvent(t, p.ID, "bra", "web", string(h))
		e.clock.Add(24 * time.Hour)
	}
	if _, err := e.store.AddEvent(ctx, pilots.Event{PilotID: p.ID, Time: e.clock.Now(), Actor: ActorRuntime,
		Kind: pilots.EventTestbed, Candidate: "samre", Service: "web", Reason: "restarted: exit code 1"}); err != nil {
		t.Fatal(err)
	}

	// Fast-forward to the final survey and let everyone answer.
	e.clock.Set(p.Spec.End.Add(-7 * 24 * time.Hour))
	for _, co := range []struct {
		cohort string
		good   bool
	}{{"vaster", true}, {"oster", false}} {
		hashes := make([]string, 6)
		for i := range hashes {
			hashes[i] = pilots.HashSecret(fmt.Sprintf("%s-%d", co.cohort, i))
		}
		parts, err := e.store.CreateParticipants(ctx, p.ID, co.cohort, hashes, e.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range parts {
			if _, _, err := e.store.SubmitResponse(ctx, pilots.Response{
				PilotID: p.ID, Survey: "final", Participant: part.ID, Answers: susAnswers(co.good), SubmittedAt: e.clock.Now(),
			}, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	return p
}

// susAnswers answers the ten SUS items for a score of 100 (good) or 0.
func susAnswers(good bool) pilots.Answers {
	a := pilots.Answers{}
	for i := 1; i <= 10; i++ {
		v := 1
		if (i%2 == 1) == good {
			v = 5
		}
		a[fmt.Sprintf("sus_%d", i)] = pilots.Answer{Int: &v}
	}
	return a
}

// closePilot closes a running pilot by hand after its end and waits for
// the close to finish.
func closePilot(t *testing.T, e *env, p pilots.Pilot) {
	t.Helper()
	e.clock.Set(p.Spec.End.Add(-time.Hour))
	if _, err := e.o.Close(t.Context(), "alice", p.ID, "done"); err != nil {
		t.Fatal(err)
	}
	e.o.Wait()
	if got := e.status(t, p.ID); got != pilots.StatusClosed {
		t.Fatalf("Status=%v, want closed", got)
	}
}

func candidateOf(t *testing.T, r *report.Report, name string) report.Candidate {
	t.Helper()
	for _, c := range r.Candidates {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("report has no candidate %q", name)
	return report.Candidate{}
}

func TestReportPreliminaryThenFinal(t *testing.T) {
	e := newReportEnv(t)
	ctx := t.Context()
	p := runPilot(t, e)

	// Before close: preliminary, built on demand, nothing stored.
	r, err := e.o.Report(ctx, p.Name)
	if err != nil {
		t.Fatalf("Report: %v", err)
	}
	if !r.Preliminary {
		t.Error("report of a running pilot is not preliminary")
	}
	var html bytes.Buffer
	final, err := e.o.RenderReport(ctx, p.ID, FormatHTML, &html)
	if err != nil || final {
		t.Fatalf("RenderReport=%v, %v; want preliminary", final, err)
	}
	if !strings.Contains(html.String(), "Preliminär") {
		t.Error("preliminary HTML report does not say so")
	}
	if strings.Contains(html.String(), "<av>") || !strings.Contains(html.String(), "&lt;av&gt;") {
		t.Error("the pilot's title is not escaped in the HTML report")
	}
	if _, _, err := e.store.Report(ctx, p.ID, pilots.DocReport, FormatJSON); pilots.ErrorCode(err) != pilots.ENOTFOUND {
		t.Fatalf("stored report before close: %v, want ENOTFOUND", err)
	}
	// Promotion of a running pilot is refused.
	_, err = e.o.Promote(ctx, "alice", p.ID, "bra", "good", false)
	wantCode(t, err, pilots.ECONFLICT)
	if got, want := pilots.ErrorMessage(err), `pilot "jamforelse" is running; only a closed pilot can be promoted`; got != want {
		t.Errorf("message=%q, want %q", got, want)
	}

	closePilot(t, e, p)

	var steps []string
	for _, ev := range e.events(t, p.ID, pilots.EventClose) {
		steps = append(steps, ev.To)
		if ev.To == StepReportWritten && !strings.Contains(ev.Reason, "the store") {
			t.Errorf("report step reason=%q, want it to name the store", ev.Reason)
		}
	}
	if got, want := strings.Join(steps, ","), "measured,surveys_frozen,summary_written,report_written,testbeds_removed,retention_applied"; got != want {
		t.Errorf("close steps=%s, want %s", got, want)
	}

	// Stored in every format, in the store and the data directory, the
	// same bytes.
	for _, f := range []string{FormatHTML, FormatMarkdown, FormatJSON} {
		stored, _, err := e.store.Report(ctx, p.ID, pilots.DocReport, f)
		if err != nil {
			t.Fatalf("stored %s report: %v", f, err)
		}
		onDisk, err := os.ReadFile(ReportPath(e.dataDir, p.ID, f))
		if err != nil {
			t.Fatalf("%s report in the data directory: %v", f, err)
		}
		if !bytes.Equal(stored, onDisk) {
			t.Errorf("%s report differs between store and data directory", f)
		}
		var served bytes.Buffer
		final, err := e.o.RenderReport(ctx, p.Name, f, &served)
		if err != nil || !final {
			t.Fatalf("RenderReport(%s)=%v, %v; want final", f, final, err)
		}
		if !bytes.Equal(served.Bytes(), stored) {
			t.Errorf("served %s report is not the stored one", f)
		}
	}

	r, err = e.o.Report(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Preliminary || r.Pilot.Status != string(pilots.StatusClosed) {
		t.Fatalf("final report: preliminary=%v status=%s", r.Preliminary, r.Pilot.Status)
	}
	bra, samre := candidateOf(t, r, "bra"), candidateOf(t, r, "samre")
	if got, want := bra.Verdict, report.ScaleUp; got != want {
		t.Errorf("verdict of bra=%s (%v), want %s", got, bra.Reasons, want)
	}
	if got, want := samre.Verdict, report.Stop; got != want {
		t.Errorf("verdict of samre=%s (%v), want %s", got, samre.Reasons, want)
	}
	if bra.Operations.Uptime == nil || *bra.Operations.Uptime >= 1 || len(bra.Operations.Incidents) != 1 {
		t.Errorf("operations of bra=%+v, want uptime below 1 and one incident", bra.Operations)
	}
	if got, want := samre.Operations.Restarts, 1; got != want {
		t.Errorf("restarts of samre=%d, want %d", got, want)
	}
	if !strings.Contains(bra.Operations.DataAtClose, "Testmiljön togs bort") {
		t.Errorf("data at close=%q", bra.Operations.DataAtClose)
	}

	// A server without report store or data directory builds the same
	// final report again from the store's events and responses.
	bare := e.orchestratorWith(t, Config{Feedback: e.store})
	var rebuilt bytes.Buffer
	if final, err := bare.RenderReport(ctx, p.ID, FormatJSON, &rebuilt); err != nil || !final {
		t.Fatalf("rebuilt report: %v, %v", final, err)
	}
	stored, _, _ := e.store.Report(ctx, p.ID, pilots.DocReport, FormatJSON)
	if !bytes.Equal(rebuilt.Bytes(), stored) {
		t.Errorf("rebuilt final report differs from the stored one:\n%s\n---\n%s", rebuilt.Bytes(), stored)
	}
}

func TestReportErrors(t *testing.T) {
	e := newReportEnv(t)
	ctx := t.Context()
	p := e.submit(t)
	var buf bytes.Buffer
	_, err := e.o.RenderReport(ctx, p.ID, "pdf", &buf)
	wantCode(t, err, pilots.EINVALID)
	_, err = e.o.RenderReport(ctx, "nope", FormatJSON, &buf)
	wantCode(t, err, pilots.ENOTFOUND)
	wantCode(t, e.o.ReportHTML(ctx, "nope", &buf), pilots.ENOTFOUND)

	// A draft has a preliminary report with no data rather than an error.
	buf.Reset()
	if _, err := e.o.RenderReport(ctx, p.ID, FormatJSON, &buf); err != nil {
		t.Fatal(err)
	}
	var r report.Report
	if err := json.Unmarshal(buf.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if !r.Preliminary || len(r.Candidates) != 2 {
		t.Fatalf("report of a draft=%+v", r)
	}
}
