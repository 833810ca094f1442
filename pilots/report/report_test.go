package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pilotbed/pilotbed/pilots"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func build(t *testing.T, in Input) *Report {
	t.Helper()
	r, err := Build(t.Context(), in)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return r
}

func candidate(t *testing.T, r *Report, name string) Candidate {
	t.Helper()
	for _, c := range r.Candidates {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no candidate %q in report", name)
	return Candidate{}
}

func measureOf(t *testing.T, c Candidate, name string) Measure {
	t.Helper()
	for _, m := range c.Measures {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no measure %q for %s", name, c.Name)
	return Measure{}
}

func near(got *float64, want float64) bool {
	return got != nil && math.Abs(*got-want) < 1e-5
}

func TestGolden(t *testing.T) {
	for _, lang := range []string{"sv", "en"} {
		t.Run(lang, func(t *testing.T) {
			r := build(t, fixtureInput(lang))
			var js, md, page bytes.Buffer
			if err := r.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			if err := r.WriteMarkdown(&md); err != nil {
				t.Fatal(err)
			}
			if err := r.WriteHTML(&page); err != nil {
				t.Fatal(err)
			}
			golden(t, "two_candidates."+lang+".json", js.Bytes())
			golden(t, "two_candidates."+lang+".md", md.Bytes())
			if *update { // for looking at, not compared: charts change with styling
				if err := os.WriteFile(filepath.Join("testdata", "two_candidates."+lang+".html"), page.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test ./pilots/report -update and review the diff.\ngot:\n%s", name, got)
	}
}

// TestHandComputed checks the figures worked out by hand in
// fixture_test.go.
func TestHandComputed(t *testing.T) {
	r := build(t, fixtureInput("en"))
	a := candidate(t, r, "leverantor-a")
	sus := lastSUS(a)
	if sus == nil {
		t.Fatal("candidate A has no SUS")
	}
	checks := []struct {
		name string
		got  *float64
		want float64
	}{
		{"SUS mean", sus.Score.Mean, 77},
		{"SUS median", sus.Score.Median, 75},
		{"SUS SD", sus.Score.SD, 12.424773},
		{"SUS CI low", sus.Score.CI95Low, 61.572607},
		{"SUS CI high", sus.Score.CI95High, 92.427393},
		{"NPS", lastNPS(a).Score, 40},
		{"sus measure", measureOf(t, a, "sus").Value, 77},
		{"nps measure", measureOf(t, a, "nps").Value, 40},
		{"final minutes mean", measureOf(t, a, "survey.final.minutes.mean").Value, 11.4},
		{"final minutes median", measureOf(t, a, "survey.final.minutes.median").Value, 11},
		{"baseline minutes mean", measureOf(t, a, "survey.baseline.minutes.mean").Value, 20},
		{"ease median", measureOf(t, a, "survey.final.ease.median").Value, 4},
		{"response rate", measureOf(t, a, "response_rate").Value, 5.0 / 6},
		{"active share", measureOf(t, a, "usage.active_share").Value, 0.5},
		{"benefit share", a.Benefits[0].Share, 0.86},
	}
	for _, c := range checks {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, deref(c.got), c.want)
		}
	}
	if got, want := sus.Grade, "B"; got != want {
		t.Errorf("grade = %q, want %q", got, want)
	}
	if got, want := sus.Acceptability, pilots.SUSAcceptable; got != want {
		t.Errorf("acceptability = %q, want %q", got, want)
	}
	n := lastNPS(a)
	if n.Promoters != 3 || n.Passives != 1 || n.Detractors != 1 || n.N != 5 {
		t.Errorf("NPS counts = %+v, want 3 promoters, 1 passive, 1 detractor of 5", *n)
	}

	b := candidate(t, r, "leverantor-b")
	if got := lastSUS(b).Score.Mean; !near(got, 45) {
		t.Errorf("B SUS mean = %v, want 45", deref(got))
	}
	if got := measureOf(t, b, "sus"); got.Sufficient || got.N == nil || *got.N != 3 {
		t.Errorf("B sus measure = %+v, want n 3 and insufficient", got)
	}
	wantPart := []struct {
		cohort                   string
		invited, revoked, answer int
		active                   int
	}{
		{"vaster", 6, 0, 5, 3},
		{"oster", 5, 1, 4, 1},
	}
	for i, w := range wantPart {
		p := r.Participation[i]
		if p.Cohort != w.cohort || p.Invited != w.invited || p.Revoked != w.revoked || p.Answered != w.answer || p.ActiveUsers != w.active {
			t.Errorf("participation[%d] = %+v, want %+v", i, p, w)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestVerdicts(t *testing.T) {
	tests := []struct {
		name      string
		candidate string
		change    func(in *Input)
		want      Verdict
		reason    string // a part of the first reason
	}{
		{"scale_up", "leverantor-a", func(*Input) {}, ScaleUp, "All 3 criteria are met"},
		{"iterate: a should criterion fails", "leverantor-a", func(in *Input) {
			in.Operations["leverantor-a"] = Operations{Uptime: f64(0.98)}
		}, Iterate, "“tillganglighet” is not met: uptime is 0.98, the threshold is ≥ 0.99"},
		{"iterate: a should criterion lacks data", "leverantor-a", func(in *Input) {
			delete(in.Operations, "leverantor-a")
		}, Iterate, "No data to judge should criterion “tillganglighet” (uptime)"},
		{"stop: a must criterion fails", "leverantor-a", func(in *Input) {
			in.Pilot.Spec.Criteria[0].AtLeast = f64(80)
		}, Stop, "Must criterion “anvandbarhet” is not met: sus is 77, the threshold is ≥ 80"},
		{"insufficient_data: too few answers", "leverantor-b", func(*Input) {}, InsufficientData,
			"Too few answers to judge must criterion “anvandbarhet” (sus): 3, at least 5 needed"},
		{"insufficient_data: no instrument", "leverantor-a", func(in *Input) {
			in.Pilot.Spec.Criteria = append(in.Pilot.Spec.Criteria, pilots.Criterion{
				Name: "umux", Measure: pilots.Expr{Source: "umux_lite", Filename: "pilot.hcl", Line: 1, Column: 1}, AtLeast: f64(60), Must: true,
			})
		}, InsufficientData, "No data to judge must criterion “umux” (umux_lite)"},
		{"scale_up without criteria", "leverantor-a", func(in *Input) {
			in.Pilot.Spec.Criteria = nil
		}, ScaleUp, "declares no criteria"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fixtureInput("en")
			tt.change(&in)
			c := candidate(t, build(t, in), tt.candidate)
			if c.Verdict != tt.want {
				t.Fatalf("Verdict = %s, want %s (reasons %q)", c.Verdict, tt.want, c.Reasons)
			}
			if len(c.Reasons) == 0 || !strings.Contains(c.Reasons[0], tt.reason) {
				t.Errorf("Reasons = %q, want the first to contain %q", c.Reasons, tt.reason)
			}
		})
	}
}

func TestVerdictSwedish(t *testing.T) {
	c := candidate(t, build(t, fixtureInput("sv")), "leverantor-b")
	want := "För få svar för att bedöma ska-kriteriet ”anvandbarhet” (sus): 3, minst 5 behövs."
	if c.Reasons[0] != want {
		t.Errorf("Reasons[0] = %q, want %q", c.Reasons[0], want)
	}
}

func TestBenefitShare(t *testing.T) {
	tests := []struct {
		name                       string
		baseline, measured, target *float64
		want                       *float64
	}{
		{"reduce: part of the way", f64(20), f64(11.4), f64(10), f64(0.86)},
		{"reduce: target passed", f64(20), f64(8), f64(10), f64(1.2)},
		{"reduce: got worse", f64(20), f64(25), f64(10), f64(-0.5)},
		{"increase", f64(50), f64(65), f64(70), f64(0.75)},
		{"increase: reached", f64(50), f64(70), f64(70), f64(1)},
		{"no baseline", nil, f64(30), f64(40), f64(0.75)},
		{"no baseline, zero target", nil, f64(3), f64(0), nil},
		{"target equals baseline", f64(10), f64(12), f64(10), nil},
		{"nothing measured", f64(20), nil, f64(10), nil},
		{"no target", f64(20), f64(10), nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := benefitShare(tt.baseline, tt.measured, tt.target)
			if (got == nil) != (tt.want == nil) || (got != nil && !near(got, *tt.want)) {
				t.Errorf("benefitShare = %v, want %v", deref(got), deref(tt.want))
			}
		})
	}
}

func TestExpressionErrors(t *testing.T) {
	tests := []struct {
		source string
		want   []string // parts of the error
	}{
		{"sus +", []string{"pilot.hcl:7,21", "Missing expression"}},
		{"survey.nope.x.mean", []string{"pilot.hcl:7,16", `"survey.nope.x.mean" is not a measure`}},
		{"survey.final.minutes", []string{"pilot.hcl:7,16", "not a measure"}},
		{"survey.final.comment.mean", []string{"pilot.hcl:7,16", "not a measure"}},
		{`"high"`, []string{"pilot.hcl:7,16", "not a number"}},
		{"sus / 0", []string{"pilot.hcl:7,16", "no finite number"}},
		{`upper("x")`, []string{"pilot.hcl:7,16", "unknown function"}},
		{"sus ? 1 : 2", []string{"pilot.hcl:7,16", "bool"}},
		{"", []string{"pilot.hcl:7,16", "empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			in := fixtureInput("en")
			in.Pilot.Spec.Criteria = []pilots.Criterion{{
				Name: "broken", Measure: pilots.Expr{Source: tt.source, Filename: "pilot.hcl", Line: 7, Column: 16}, AtLeast: f64(1), Must: true,
			}}
			c := candidate(t, build(t, in), "leverantor-a")
			cr := c.Criteria[0]
			if cr.Outcome != Insufficient || c.Verdict != InsufficientData {
				t.Errorf("Outcome = %s, Verdict = %s, want insufficient and insufficient_data", cr.Outcome, c.Verdict)
			}
			for _, w := range tt.want {
				if !strings.Contains(cr.Error, w) {
					t.Errorf("Error = %q, want it to contain %q", cr.Error, w)
				}
			}
			if !strings.Contains(c.Reasons[0], "could not be evaluated") {
				t.Errorf("Reasons[0] = %q, want it to say the criterion could not be evaluated", c.Reasons[0])
			}
		})
	}
}

func TestExpressionFunctionsAndArithmetic(t *testing.T) {
	in := fixtureInput("en")
	in.Pilot.Spec.Criteria = []pilots.Criterion{
		{Name: "gain", Measure: pilots.Expr{Source: "survey.baseline.minutes.mean - survey.final.minutes.mean"}, AtLeast: f64(8)},
		{Name: "fn", Measure: pilots.Expr{Source: "max(sus, nps) + abs(-1)"}, AtLeast: f64(78)},
		{Name: "count", Measure: pilots.Expr{Source: "survey.final.comment.count"}, AtLeast: f64(2)},
	}
	c := candidate(t, build(t, in), "leverantor-a")
	want := []struct {
		value   float64
		n       int
		outcome string
	}{
		{20 - 11.4, 5, Pass},
		{78, 5, Pass},
		{2, 2, Pass},
	}
	for i, w := range want {
		cr := c.Criteria[i]
		if !near(cr.Value, w.value) || cr.N == nil || *cr.N != w.n || cr.Outcome != w.outcome {
			t.Errorf("criterion %s: value %v n %v outcome %s; want %v, %d, %s (error %q)", cr.Name, deref(cr.Value), cr.N, cr.Outcome, w.value, w.n, w.outcome, cr.Error)
		}
	}
}

func TestEscaping(t *testing.T) {
	hostile := []string{
		`<script>alert(1)</script>`,
		`say "hi" & 'bye'`,
		`=cmd|' /C calc'!A0`,
		`[x](javascript:alert(1))`,
		`![img](http://evil.example/x.png)`,
		"# heading\n- list\n> quote\n1. ordered",
	}
	in := fixtureInput("en")
	rs := fixtureResponses()
	// Responses 5..9 are candidate A's final answers, 11..13 B's.
	for i, h := range hostile {
		rs[[]int{5, 6, 7, 8, 9, 11}[i]].Answers["comment"] = pilots.Answer{Text: h}
	}
	in.Responses = streamOf(rs)
	in.Pilot.Spec.Candidates[0].Vendor = `<img src=x onerror=alert(2)>`
	in.Pilot.Spec.Title = `Pilot <b>bold</b> [t](javascript:alert(3))`
	r := build(t, in)

	var page, md bytes.Buffer
	if err := r.WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	html, mds := page.String(), md.String()

	for _, bad := range []string{"<script>alert", "<img src=x", "<b>bold", `"hi"`, "javascript:alert(3)\">"} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML contains %q unescaped", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;img src=x onerror=alert(2)&gt;", "say &#34;hi&#34; &amp; &#39;bye&#39;", "=cmd|&#39; /C calc&#39;!A0"} {
		if !strings.Contains(html, good) {
			t.Errorf("HTML lacks the escaped %q", good)
		}
	}
	if strings.Contains(html, "<a ") || strings.Contains(html, "href=") {
		t.Error("HTML contains a link")
	}

	for _, bad := range []string{"<script", "<img", "<b>", "\n# heading", "\n> quote", "calc'!A0 |"} {
		if strings.Contains(mds, bad) {
			t.Errorf("Markdown contains %q unescaped", bad)
		}
	}
	// A link or image needs an unescaped "]" right before "(".
	if loc := regexp.MustCompile(`(^|[^\\])\]\(`).FindStringIndex(mds); loc != nil {
		t.Errorf("Markdown contains a link: %q", mds[max(0, loc[0]-30):loc[1]+20])
	}
	for _, good := range []string{
		`&lt;script&gt;alert(1)&lt;/script&gt;`,
		`\[x\](javascript:alert(1))`,
		`!\[img\](http://evil.example/x.png)`,
		`\=cmd\|' /C calc'!A0`,
		`say "hi" &amp; 'bye'`,
		"- \\# heading\\\n  \\- list\\\n  &gt; quote\\\n  1\\. ordered",
	} {
		if !strings.Contains(mds, good) {
			t.Errorf("Markdown lacks the escaped %q", good)
		}
	}
}

func TestJSONShape(t *testing.T) {
	r := build(t, fixtureInput("en"))
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
		t.Fatalf("report JSON does not parse: %v", err)
	}
	if got, want := m["version"], float64(Version); got != want {
		t.Errorf("version = %v, want %v", got, want)
	}
	for _, key := range []string{"language", "preliminary", "generated_at", "pilot", "method", "candidates", "participation", "ignored_responses"} {
		if _, ok := m[key]; !ok {
			t.Errorf("JSON lacks %q", key)
		}
	}
}

func TestPreliminaryAndEmpty(t *testing.T) {
	spec := fixtureSpec("sv")
	in := Input{Pilot: pilots.Pilot{ID: "p_x", Spec: spec, Status: pilots.StatusRunning}, GeneratedAt: day("2027-02-01")}
	r := build(t, in)
	if !r.Preliminary {
		t.Error("Preliminary = false for a report that is not final")
	}
	for _, c := range r.Candidates {
		if c.Verdict != InsufficientData {
			t.Errorf("%s: Verdict = %s with no data, want insufficient_data", c.Name, c.Verdict)
		}
	}
	var page, md, js bytes.Buffer
	for _, err := range []error{r.WriteHTML(&page), r.WriteMarkdown(&md), r.WriteJSON(&js)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(page.String(), "Preliminär") || !strings.Contains(md.String(), "Preliminär") {
		t.Error("a preliminary report does not say so")
	}
}

func TestStreamErrorsAndIgnored(t *testing.T) {
	in := fixtureInput("en")
	boom := errors.New("disk on fire")
	in.Responses = func(fn func(pilots.Response) error) error { return boom }
	if _, err := Build(t.Context(), in); !errors.Is(err, boom) {
		t.Errorf("Build error = %v, want it to wrap %v", err, boom)
	}

	in = fixtureInput("en")
	rs := append(fixtureResponses(),
		pilots.Response{Survey: "final", Cohort: "nowhere"},
		pilots.Response{Survey: "gone", Cohort: "vaster", Participant: "P-0006"},
		pilots.Response{Survey: "final", Cohort: "vaster", Participant: "P-0006", Answers: pilots.Answers{
			"recommend": {Int: intp(42)}, "tool": {Choice: "fax"}, "minutes": {Text: "many"},
		}},
	)
	in.Responses = streamOf(rs)
	r := build(t, in)
	if r.Ignored != 2 {
		t.Errorf("Ignored = %d, want 2", r.Ignored)
	}
	a := candidate(t, r, "leverantor-a")
	if got := lastNPS(a).N; got != 5 {
		t.Errorf("NPS n = %d, want 5 (an answer of 42 is skipped)", got)
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Build(ctx, fixtureInput("en")); !errors.Is(err, context.Canceled) {
		t.Errorf("Build error = %v, want context.Canceled", err)
	}
}

// TestUMUXLiteAndAnonymous checks UMUX-Lite scoring and how anonymous
// responses count in participation.
//
//	(7,7) → (6+6)/12×100 = 100; (4,4) → 6/12×100 = 50; (1,7) → 6/12×100 = 50
//	mean 200/3 = 66.666667, median 50, SUS equivalent 0.65 × 66.666667 + 22.9 = 66.233333
func TestUMUXLiteAndAnonymous(t *testing.T) {
	in := fixtureInput("en")
	in.Pilot.Spec.Surveys = append(in.Pilot.Spec.Surveys, pilots.Survey{Name: "pulse", Anonymous: true, Questions: umuxQuestions()})
	rs := fixtureResponses()
	for _, a := range [][2]int{{7, 7}, {4, 4}, {1, 7}} {
		rs = append(rs, pilots.Response{Survey: "pulse", Cohort: "oster", Answers: pilots.Answers{
			"umux_lite_1": {Int: intp(a[0])}, "umux_lite_2": {Int: intp(a[1])},
		}})
	}
	// Five anonymous answers from a cohort of five invited, of whom four
	// answered by name: all five must have answered.
	for range 2 {
		rs = append(rs, pilots.Response{Survey: "pulse", Cohort: "oster", Answers: pilots.Answers{}})
	}
	in.Responses = streamOf(rs)
	r := build(t, in)
	b := candidate(t, r, "leverantor-b")
	u := b.Surveys[2].UMUXLite
	if u == nil {
		t.Fatal("no UMUX-Lite result")
	}
	if !near(u.Score.Mean, 200.0/3) || !near(u.Score.Median, 50) || !near(u.SUSEquivalent, 0.65*200/3+22.9) || u.Score.N != 3 {
		t.Errorf("UMUX-Lite = mean %v median %v sus-eq %v n %d; want 66.666667, 50, 66.233333, 3",
			deref(u.Score.Mean), deref(u.Score.Median), deref(u.SUSEquivalent), u.Score.N)
	}
	if m := measureOf(t, b, "umux_lite"); !near(m.Value, 200.0/3) || m.Sufficient {
		t.Errorf("umux_lite measure = %+v, want 66.67 and insufficient (n 3)", m)
	}
	if got, want := r.Participation[1].Answered, 5; got != want {
		t.Errorf("oster answered = %d, want %d (5 anonymous answers to one survey)", got, want)
	}
	if got, want := r.Participation[1].Responses, 9; got != want {
		t.Errorf("oster responses = %d, want %d", got, want)
	}
}
