package orchestrator

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/pilots/report"
)

// closedPilot runs the two-candidate pilot to closed.
func closedPilot(t *testing.T) (*env, pilots.Pilot) {
	t.Helper()
	e := newReportEnv(t)
	p := runPilot(t, e)
	closePilot(t, e, p)
	return e, p
}

func decisions(t *testing.T, e *env, id string) []pilots.Event {
	t.Helper()
	return e.events(t, id, pilots.EventDecision)
}

func storedDossier(t *testing.T, e *env, id string) report.Dossier {
	t.Helper()
	body, _, err := e.store.Report(t.Context(), id, pilots.DocDossier, FormatJSON)
	if err != nil {
		t.Fatalf("stored dossier: %v", err)
	}
	var d report.Dossier
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestPromoteWinner(t *testing.T) {
	e, p := closedPilot(t)
	ctx := t.Context()

	refused := []struct {
		name                     string
		candidate, justification string
		override                 bool
		code                     string
		message                  string
	}{
		{"no justification", "bra", "  ", false, pilots.EINVALID, "a justification is required"},
		{"unknown candidate", "nope", "why not", false, pilots.ENOTFOUND, `pilot "jamforelse" has no candidate "nope"; its candidates are bra, samre`},
		{"losing candidate without override", "samre", "cheaper", false, pilots.ECONFLICT, `candidate "samre" of pilot "jamforelse" has the verdict stop, not scale_up`},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.o.Promote(ctx, "alice", p.Name, tt.candidate, tt.justification, tt.override)
			wantCode(t, err, tt.code)
			if got := pilots.ErrorMessage(err); !strings.HasPrefix(got, tt.message) {
				t.Fatalf("message=%q, want it to start with %q", got, tt.message)
			}
			if tt.code == pilots.ECONFLICT && !strings.Contains(pilots.ErrorMessage(err), "override") {
				t.Errorf("message %q does not say an override is needed", pilots.ErrorMessage(err))
			}
		})
	}
	if got := decisions(t, e, p.ID); len(got) != 0 {
		t.Fatalf("refused promotions recorded decisions: %+v", got)
	}
	var buf bytes.Buffer
	wantCode(t, e.o.RenderDossier(ctx, p.ID, FormatHTML, &buf), pilots.ENOTFOUND)

	promotedAt := e.clock.Add(48 * time.Hour)
	got, err := e.o.Promote(ctx, "alice", p.ID, "bra", "Bäst <i> piloten", false)
	if err != nil {
		t.Fatalf("Promote: %v", err)
	}
	if got.Status != pilots.StatusPromoted {
		t.Fatalf("Status=%v, want promoted", got.Status)
	}
	evs := decisions(t, e, p.ID)
	if len(evs) != 1 || evs[0].Candidate != "bra" || evs[0].From != "scale_up" || evs[0].To != "promoted" ||
		evs[0].Reason != "Bäst <i> piloten" || evs[0].Actor != "alice" {
		t.Fatalf("decision events=%+v", evs)
	}

	d := storedDossier(t, e, p.ID)
	if d.Decision.Candidate != "bra" || d.Decision.Override || d.Decision.Justification != "Bäst <i> piloten" || d.Candidate.Verdict != report.ScaleUp {
		t.Errorf("dossier decision=%+v verdict=%s", d.Decision, d.Candidate.Verdict)
	}
	if len(d.Requirements) != 2 {
		t.Fatalf("requirements=%+v, want one per criterion", d.Requirements)
	}
	if got, want := d.Requirements[0].Text, "SUS minst 68; uppmätt 100 i piloten"; got != want {
		t.Errorf("requirement=%q, want %q", got, want)
	}
	if got, want := d.Requirements[1].Text, "Svarsfrekvens minst 60 %; uppmätt 100 % i piloten"; got != want {
		t.Errorf("requirement=%q, want %q", got, want)
	}
	if len(d.Security) != 3 || d.Security[0].Level != 2 || !containsText(d.Security[0].Requirements, "Kryptering av all lagrad data") {
		t.Errorf("security=%+v, want encryption at rest for confidentiality 2", d.Security)
	}
	if got := d.Security[2].Requirements; len(got) != 1 || !strings.Contains(got[0], "grundskydd") {
		t.Errorf("availability 0 requirements=%q, want the baseline only", got)
	}
	if len(d.BenefitPlan) != 1 || len(d.BenefitPlan[0].FollowUps) != 3 {
		t.Fatalf("benefit plan=%+v", d.BenefitPlan)
	}
	for i, m := range []int{3, 6, 12} {
		fu := d.BenefitPlan[0].FollowUps[i]
		if fu.Months != m || !fu.Due.Equal(promotedAt.AddDate(0, m, 0)) {
			t.Errorf("follow-up %d=%+v, want %d months after %v", i, fu, m, promotedAt)
		}
	}

	// HTML and JSON in the data directory; the HTML escapes the text.
	html, err := os.ReadFile(DossierPath(e.dataDir, p.ID, FormatHTML))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(html), "<i>") || !strings.Contains(string(html), "Bäst &lt;i&gt; piloten") {
		t.Error("justification is not escaped in the HTML dossier")
	}
	if _, err := os.Stat(DossierPath(e.dataDir, p.ID, FormatJSON)); err != nil {
		t.Error(err)
	}
	buf.Reset()
	if err := e.o.RenderDossier(ctx, p.Name, FormatHTML, &buf); err != nil || !bytes.Equal(buf.Bytes(), html) {
		t.Errorf("served dossier differs from the written one (%v)", err)
	}
	wantCode(t, e.o.RenderDossier(ctx, p.Name, "md", &buf), pilots.EINVALID)

	// A promoted pilot cannot be promoted or stopped again.
	_, err = e.o.Promote(ctx, "alice", p.ID, "bra", "again", false)
	wantCode(t, err, pilots.ECONFLICT)
	_, err = e.o.Reject(ctx, "alice", p.ID, "changed our minds")
	wantCode(t, err, pilots.ECONFLICT)

	// Without report store and data directory the dossier is built again
	// from the decision event and the final report.
	bare := e.orchestratorWith(t, Config{Feedback: e.store})
	rd, err := bare.Dossier(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rd.Decision != d.Decision || len(rd.Requirements) != len(d.Requirements) {
		t.Errorf("rebuilt dossier decision=%+v, want %+v", rd.Decision, d.Decision)
	}
}

func containsText(list []string, s string) bool {
	for _, l := range list {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func TestPromoteOverride(t *testing.T) {
	e, p := closedPilot(t)
	ctx := t.Context()
	_, err := e.o.Promote(ctx, "alice", p.ID, "samre", "", true)
	wantCode(t, err, pilots.EINVALID)

	got, err := e.o.Promote(ctx, "alice", p.ID, "samre", "Enda leverantören som klarar integrationen", true)
	if err != nil {
		t.Fatalf("Promote with override: %v", err)
	}
	if got.Status != pilots.StatusPromoted {
		t.Fatalf("Status=%v", got.Status)
	}
	evs := decisions(t, e, p.ID)
	if len(evs) != 1 || evs[0].From != "stop" || evs[0].Reason != "override: Enda leverantören som klarar integrationen" {
		t.Fatalf("decision events=%+v", evs)
	}
	d := storedDossier(t, e, p.ID)
	if !d.Decision.Override || d.Decision.Justification != "Enda leverantören som klarar integrationen" || d.Candidate.Verdict != report.Stop {
		t.Errorf("dossier decision=%+v verdict=%s", d.Decision, d.Candidate.Verdict)
	}
	var html bytes.Buffer
	if err := e.o.RenderDossier(ctx, p.ID, FormatHTML, &html); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.String(), "uttryckligt undantag") {
		t.Error("HTML dossier does not point out the override")
	}
	var tr []string
	for _, ev := range e.events(t, p.ID, pilots.EventTransition) {
		tr = append(tr, ev.To+":"+ev.Reason)
	}
	if last := tr[len(tr)-1]; last != "promoted:promoted with candidate samre (override of verdict stop)" {
		t.Errorf("last transition=%q", last)
	}
}

func TestReject(t *testing.T) {
	e, p := closedPilot(t)
	ctx := t.Context()
	_, err := e.o.Reject(ctx, "alice", p.ID, " ")
	wantCode(t, err, pilots.EINVALID)
	_, err = e.o.Reject(ctx, "alice", "nope", "x")
	wantCode(t, err, pilots.ENOTFOUND)

	got, err := e.o.Reject(ctx, "alice", p.Name, "Ingen kandidat räcker")
	if err != nil {
		t.Fatalf("Reject: %v", err)
	}
	if got.Status != pilots.StatusStopped || got.Reason != "Ingen kandidat räcker" {
		t.Fatalf("pilot=%v %q", got.Status, got.Reason)
	}
	evs := decisions(t, e, p.ID)
	if len(evs) != 1 || evs[0].To != "stopped" || evs[0].Reason != "Ingen kandidat räcker" {
		t.Fatalf("decision events=%+v", evs)
	}
	// The final report stays readable; there is no dossier.
	var buf bytes.Buffer
	if final, err := e.o.RenderReport(ctx, p.ID, FormatMarkdown, &buf); err != nil || !final {
		t.Fatalf("report of a stopped pilot: %v, %v", final, err)
	}
	wantCode(t, e.o.RenderDossier(ctx, p.ID, FormatJSON, &buf), pilots.ENOTFOUND)
	_, err = e.o.Promote(ctx, "alice", p.ID, "bra", "now", false)
	wantCode(t, err, pilots.ECONFLICT)
}

func TestRejectRunning(t *testing.T) {
	e := newReportEnv(t)
	p := e.submit(t)
	_, err := e.o.Reject(t.Context(), "alice", p.ID, "no")
	wantCode(t, err, pilots.ECONFLICT)
	if got, want := pilots.ErrorMessage(err), `pilot "nattillsyn" is draft; only a closed pilot can be stopped`; got != want {
		t.Errorf("message=%q, want %q", got, want)
	}
}
