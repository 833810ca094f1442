package pilotfile

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/pilotbed/pilotbed/pilots"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// formatDiags renders diagnostics one per line as
// line,col: severity: summary: detail — stable and readable in a golden file.
func formatDiags(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		sev := "error"
		if d.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		pos := "-"
		if d.Subject != nil {
			pos = fmt.Sprintf("%d,%d", d.Subject.Start.Line, d.Subject.Start.Column)
		}
		fmt.Fprintf(&b, "%s: %s: %s: %s\n", pos, sev, d.Summary, d.Detail)
	}
	return b.String()
}

func TestInvalidGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 18 {
		t.Fatalf("found %d invalid cases, want at least 18", len(files))
	}
	for _, name := range files {
		t.Run(strings.TrimSuffix(filepath.Base(name), ".hcl"), func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			specs, diags := Parse(name, src, Options{})
			if !diags.HasErrors() {
				t.Fatalf("Parse found no error in %s", name)
			}
			if specs != nil {
				t.Errorf("Parse returned %d specs along with errors, want nil", len(specs))
			}
			for _, d := range diags {
				if d.Subject == nil && !strings.Contains(name, "missing_variable") {
					t.Errorf("diagnostic %q has no range", d.Summary)
				}
			}
			got := formatDiags(diags)
			golden := strings.TrimSuffix(name, ".hcl") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read golden file (run with -update to create it): %v", err)
			}
			if got != string(want) {
				t.Errorf("diagnostics differ from %s\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

func TestSeveralErrorsAllReported(t *testing.T) {
	src, err := os.ReadFile("testdata/invalid/several_errors.hcl")
	if err != nil {
		t.Fatal(err)
	}
	_, diags := Parse("several_errors.hcl", src, Options{})
	want := []string{
		"Unsupported argument", "End before start", "Unsupported language", "Value out of range for integrity",
		"Undeclared variable", "Invalid memory size", "Egress not allowed by classification", "Unknown entry service",
		`Duplicate candidate "a"`, "Unknown candidate", "Invalid duration", "Likert scale out of range",
		"Unknown question", "Unknown measure",
	}
	got := formatDiags(diags)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("diagnostics lack %q; got:\n%s", w, got)
		}
	}
}

func loadExamples(t *testing.T) map[string]pilots.Spec {
	t.Helper()
	res, diags := Load([]string{"../../examples"}, Options{})
	if diags.HasErrors() {
		var b bytes.Buffer
		_ = WriteDiagnostics(&b, res.Files, diags, 0, false)
		t.Fatalf("examples do not validate:\n%s", b.String())
	}
	if len(diags) > 0 {
		t.Errorf("examples give warnings:\n%s", formatDiags(diags))
	}
	specs := map[string]pilots.Spec{}
	for _, s := range res.Specs {
		specs[s.Name] = s
	}
	if got, want := len(specs), 3; got != want {
		t.Fatalf("len(specs)=%d, want %d", got, want)
	}
	return specs
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, pilots.DayZone) }

func TestExamplesDecode(t *testing.T) {
	specs := loadExamples(t)

	n := specs["digital-nattillsyn"]
	checks := []struct {
		name      string
		got, want any
	}{
		{"Title", n.Title, "Digital nattillsyn i hemtjänsten"},
		{"Start", n.Start, day(2027, 1, 11)},
		{"End (end of the last day)", n.End, day(2027, 4, 1)},
		{"BudgetSEK", n.BudgetSEK, int64(250000)},
		{"Language", n.Language, "sv"},
		{"Classification", n.Classification, pilots.Classification{Confidentiality: 2, Integrity: 2, Availability: 1}},
		{"Retention.Keep", n.Retention.Keep, 365 * 24 * time.Hour},
		{"len(Candidates)", len(n.Candidates), 2},
		{"a.Entry", n.Candidates[0].Entry, "web"},
		{"a.web.Image", n.Candidates[0].Services[0].Image, "pilotbed-demo:latest"},
		{"a.web.Memory", n.Candidates[0].Services[0].MemoryBytes, int64(256 << 20)},
		{"a.web.PIDs default", n.Candidates[0].Services[0].PIDs, int64(pilots.DefaultPIDs)},
		{"a.web.Health.Interval", n.Candidates[0].Services[0].Health.Interval, 10 * time.Second},
		{"a.web.Health.Timeout default", n.Candidates[0].Services[0].Health.Timeout, pilots.DefaultHealthTimeout},
		{"a.web.Volume", n.Candidates[0].Services[0].Volumes[0], pilots.Volume{Name: "data", Path: "/var/lib/app"}},
		{"b.Entry defaults to only service", n.Candidates[1].Entry, "app"},
		{"b.app.CPUs default", n.Candidates[1].Services[0].CPUs, pilots.DefaultCPUs},
		{"b.app.Health.Retries", n.Candidates[1].Services[0].Health.Retries, 5},
		{"baseline.Opens", n.Surveys[0].Opens, day(2027, 1, 11)},
		{"baseline.Closes (start+7d)", n.Surveys[0].Closes, day(2027, 1, 18)},
		{"final.Opens (end-14d)", n.Surveys[1].Opens, day(2027, 3, 18)},
		{"final.Closes (end)", n.Surveys[1].Closes, day(2027, 4, 1)},
		{"final questions (10 SUS + 3)", len(n.Surveys[1].Questions), 13},
		{"sus_1.Instrument", n.Surveys[1].Questions[0].Instrument, "sus"},
		{"sus_10.Name", n.Surveys[1].Questions[9].Name, "sus_10"},
		{"sus_10.Item", n.Surveys[1].Questions[9].Item, 10},
		{"sus_3.Scale", n.Surveys[1].Questions[2].Scale, 5},
		{"sus_3 has en", n.Surveys[1].Questions[2].Text["en"] != "", true},
		{"recommend.Text.en", n.Surveys[1].Questions[10].Text["en"], "How likely is it that you would recommend the solution to a colleague?"},
		{"benefit measure", n.Benefits[0].Measure.Source, "survey.final.minutes.mean"},
		{"benefit target", n.Benefits[0].Target.Source, "10"},
		{"criterion measure", n.Criteria[0].Measure.Source, "sus"},
		{"criterion at_least", *n.Criteria[0].AtLeast, 68.0},
		{"criterion must", n.Criteria[0].Must, true},
		{"privacy controller", n.Privacy.Controller, "Vård- och omsorgsnämnden i Mittköping"},
	}
	s := specs["skola-lasverktyg"]
	checks = append(checks, []struct {
		name      string
		got, want any
	}{
		{"skola egress", s.Candidates[0].Egress, true},
		{"skola plain text under sv", s.Surveys[0].Questions[0].Text, pilots.Text{"sv": "Hur ofta har verktyget använts i dina lektioner?"}},
		{"skola options", len(s.Surveys[0].Questions[0].Options), 4},
		{"skola labels", s.Surveys[0].Questions[1].Labels[4], pilots.Text{"sv": "Instämmer helt"}},
		{"skola umux items", s.Surveys[1].Questions[1].Name, "umux_lite_2"},
		{"skola umux scale", s.Surveys[1].Questions[1].Scale, 7},
		{"skola option block", s.Surveys[1].Questions[2].Options[1], pilots.Option{Value: "ordforklaring", Text: pilots.Text{"sv": "Ordförklaringar"}}},
		{"skola rating default scale", s.Surveys[1].Questions[3].Scale, 5},
		{"skola survey closes on date", s.Surveys[0].Closes, day(2027, 3, 20)},
		{"skola privacy defaults to owner", s.Privacy.Controller, "Utbildningsförvaltningen"},
	}...)
	e := specs["e-tjanst-bokning"]
	checks = append(checks, []struct {
		name      string
		got, want any
	}{
		{"bokning language", e.Language, "en"},
		{"bokning entry", e.Candidates[0].Entry, "web"},
		{"bokning services", len(e.Candidates[0].Services), 2},
		{"bokning api memory from variable", e.Candidates[0].Services[1].MemoryBytes, int64(128 << 20)},
		{"bokning api command", strings.Join(e.Candidates[0].Services[1].Command, " "), "/demoapp -listen :8080"},
		{"bokning labels sv", e.Surveys[0].Questions[0].Labels[6]["sv"], "Instämmer helt"},
		{"bokning final opens (end-21d)", e.Surveys[1].Opens, day(2027, 5, 29)},
		{"bokning baseline", e.Benefits[0].Baseline.Source, "15"},
	}...)
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s=%v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestSUSWording(t *testing.T) {
	qs := instrumentItems(pilots.InstrumentSUS)
	if got, want := len(qs), 10; got != want {
		t.Fatalf("len(sus)=%d, want %d", got, want)
	}
	for i, q := range qs {
		if q.Text["sv"] == "" || q.Text["en"] == "" || len(q.Labels) != 5 || q.Item != i+1 {
			t.Errorf("sus item %d incomplete: %+v", i+1, q)
		}
	}
	qs[0].Text["sv"] = "changed"
	if instrumentItems(pilots.InstrumentSUS)[0].Text["sv"] == "changed" {
		t.Error("expanded items share maps with the built-in wording")
	}
}

func TestExprPosition(t *testing.T) {
	specs := loadExamples(t)
	got := specs["digital-nattillsyn"].Benefits[0].Measure
	if got.Filename != filepath.Join("../../examples", "nattillsyn.hcl") || got.Line == 0 || got.Column == 0 {
		t.Errorf("Measure=%+v, want a position in nattillsyn.hcl", got)
	}
}

const varPilot = `
variable "image" {
  default = "from-default"
}
variable "cpus" {
  type    = number
  default = 0.5
}
variable "tags" {
  type    = list(string)
  default = []
}
pilot "v" {
  title = "V"
  start = "2027-01-11"
  end   = "2027-03-31"
  candidate "a" {
    service "web" {
      image   = var.image
      port    = 8080
      cpus    = var.cpus
      command = var.tags
    }
  }
}
`

func TestVariablePrecedence(t *testing.T) {
	dir := t.TempDir()
	varFile := filepath.Join(dir, "vars.hcl")
	if err := os.WriteFile(varFile, []byte("image = \"from-file\"\ncpus = 1.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	laterFile := filepath.Join(dir, "later.hcl")
	if err := os.WriteFile(laterFile, []byte("image = \"from-later-file\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	tests := []struct {
		name      string
		opts      Options
		wantImage string
		wantCPUs  float64
		wantCmd   string
	}{
		{"default", Options{}, "from-default", 0.5, ""},
		{"env over default", Options{Getenv: env(map[string]string{"PILOTBED_VAR_image": "from-env", "PILOTBED_VAR_cpus": "2"})}, "from-env", 2, ""},
		{"var-file over env", Options{Getenv: env(map[string]string{"PILOTBED_VAR_image": "from-env"}), VarFiles: []string{varFile}}, "from-file", 1.5, ""},
		{"later var-file wins", Options{VarFiles: []string{varFile, laterFile}}, "from-later-file", 1.5, ""},
		{"--var over var-file", Options{VarFiles: []string{varFile}, Vars: map[string]string{"image": "from-flag", "tags": `["x", "y"]`}}, "from-flag", 1.5, "x y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			specs, diags := Parse("v.hcl", []byte(varPilot), tt.opts)
			if diags.HasErrors() {
				t.Fatalf("Parse: %s", formatDiags(diags))
			}
			svc := specs[0].Candidates[0].Services[0]
			if got := svc.Image; got != tt.wantImage {
				t.Errorf("Image=%q, want %q", got, tt.wantImage)
			}
			if got := svc.CPUs; got != tt.wantCPUs {
				t.Errorf("CPUs=%v, want %v", got, tt.wantCPUs)
			}
			if got := strings.Join(svc.Command, " "); got != tt.wantCmd {
				t.Errorf("Command=%q, want %q", got, tt.wantCmd)
			}
		})
	}
}

func TestVariableErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"undeclared --var", Options{Vars: map[string]string{"imgae": "x"}}, `Undeclared variable "imgae"`},
		{"wrong type", Options{Vars: map[string]string{"cpus": "many"}}, `Invalid value for variable "cpus"`},
		{"wrong type from env", Options{Getenv: func(k string) string {
			if k == "PILOTBED_VAR_tags" {
				return "[1,"
			}
			return ""
		}}, `Invalid value for variable "tags"`},
		{"missing var-file", Options{VarFiles: []string{"testdata/does-not-exist.hcl"}}, "Cannot read variable file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, diags := Parse("v.hcl", []byte(varPilot), tt.opts)
			if got := formatDiags(diags); !strings.Contains(got, tt.want) {
				t.Errorf("diagnostics=%q, want one containing %q", got, tt.want)
			}
		})
	}
}

func TestLoadDuplicatePilotAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.hcl", "b.hcl"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(varPilot), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, diags := Load([]string{dir}, Options{})
	got := formatDiags(diags)
	if !strings.Contains(got, `Duplicate pilot "v"`) || !strings.Contains(got, "previous definition at "+filepath.Join(dir, "a.hcl")+":13,1") {
		t.Errorf("diagnostics=%q, want a duplicate pilot naming a.hcl:13,1", got)
	}
	if res.Specs != nil || len(res.Files) != 2 {
		t.Errorf("Specs=%v Files=%d, want nil specs and 2 files", res.Specs, len(res.Files))
	}
}

func TestJSONSyntax(t *testing.T) {
	src := `{
  "pilot": {
    "j": {
      "title": "JSON",
      "start": "2027-01-11",
      "end": "2027-03-31",
      "candidate": {"a": {"service": {"web": {"image": "img", "port": 8080}}}},
      "survey": {"s": {"question": {"q": {"type": "rating", "text": {"sv": "Betyg?"}}}}},
      "criterion": {"c": {"measure": "survey.s.q.mean", "at_least": 3}}
    }
  }
}`
	specs, diags := Parse("pilot.hcl.json", []byte(src), Options{})
	if diags.HasErrors() {
		t.Fatalf("Parse: %s", formatDiags(diags))
	}
	if got, want := specs[0].Criteria[0].Measure.Source, "survey.s.q.mean"; got != want {
		t.Errorf("Measure.Source=%q, want %q", got, want)
	}
	bad := strings.Replace(src, "survey.s.q.mean", "survey.s.x.mean", 1)
	if _, diags := Parse("pilot.hcl.json", []byte(bad), Options{}); !strings.Contains(formatDiags(diags), "Unknown question") {
		t.Errorf("JSON with unknown question: got %q", formatDiags(diags))
	}
}

func TestFormat(t *testing.T) {
	examples, err := filepath.Glob("../../examples/*.hcl")
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, name := range examples {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Format(name, src)
		if err != nil {
			t.Fatalf("Format(%s): %v", name, err)
		}
		if string(got) != string(src) {
			t.Errorf("%s is not in canonical form", name)
		}
	}

	messy := "pilot \"p\"{\ntitle=\"T\"\n  start =    \"2027-01-11\"\n    candidate \"a\" {\n service \"web\" { image = \"i\" }\n}\n}\n"
	once, err := Format("m.hcl", []byte(messy))
	if err != nil {
		t.Fatal(err)
	}
	if string(once) == messy {
		t.Error("Format left messy source unchanged")
	}
	twice, err := Format("m.hcl", once)
	if err != nil {
		t.Fatal(err)
	}
	if string(twice) != string(once) {
		t.Errorf("Format is not idempotent:\nonce:\n%s\ntwice:\n%s", once, twice)
	}
	if _, err := Format("bad.hcl", []byte("pilot \"p\" {\n")); err == nil {
		t.Error("Format of source that does not parse: err=nil, want an error")
	}
}

func TestDomain(t *testing.T) {
	_, diags := Parse("x.hcl", []byte("pilot \"p\" {\n  colour = 1\n}\n"), Options{})
	got := Domain(diags)
	if len(got) != len(diags) {
		t.Fatalf("len(Domain())=%d, want %d", len(got), len(diags))
	}
	var d pilots.Diagnostic
	for _, g := range got {
		if g.Summary == "Unsupported argument" {
			d = g
		}
	}
	if d.Severity != "error" || d.Range == nil || d.Range.Filename != "x.hcl" || d.Range.Start.Line != 2 || d.Range.Start.Column != 3 {
		t.Errorf("Domain()[0]=%+v, want an error at x.hcl:2,3", d)
	}
}

func TestWriteDiagnostics(t *testing.T) {
	src := []byte("pilot \"p\" {\n  colour = 1\n}\n")
	dir := t.TempDir()
	name := filepath.Join(dir, "x.hcl")
	if err := os.WriteFile(name, src, 0o644); err != nil {
		t.Fatal(err)
	}
	r, diags := Load([]string{name}, Options{})
	var b bytes.Buffer
	if err := WriteDiagnostics(&b, r.Files, diags, 0, false); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); !strings.Contains(got, name+":2,3: Error: Unsupported argument") {
		t.Errorf("output lacks the position:\n%s", got)
	}
	if got := b.String(); !strings.Contains(got, "colour = 1") {
		t.Errorf("output lacks the source snippet:\n%s", got)
	}
}

func TestHelpers(t *testing.T) {
	durations := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"10s", 10 * time.Second, true},
		{"1d12h", 36 * time.Hour, true},
		{"365d", 365 * 24 * time.Hour, true},
		{"5m", 5 * time.Minute, true},
		{"2w", 0, false},
		{"", 0, false},
		{"10", 0, false},
		{"1.5h", 0, false},
		{"99999999999999999999d", 0, false},
	}
	for _, tt := range durations {
		got, err := parseDuration(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseDuration(%q)=%v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	sizes := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"256MiB", 256 << 20, true},
		{"1GiB", 1 << 30, true},
		{"1.5GiB", 3 << 29, true},
		{"8192KiB", 8 << 20, true},
		{"256MB", 0, false},
		{"1KiB", 0, false},
		{"100GiB", 0, false},
	}
	for _, tt := range sizes {
		got, err := parseMemory(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseMemory(%q)=%v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	start, end := day(2027, 3, 1), day(2027, 4, 1)
	dates := []struct {
		in       string
		endOfDay bool
		want     time.Time
	}{
		{"start", false, start},
		{"end", true, end},
		{"start + 7d", false, day(2027, 3, 8)},
		{"end-14d", false, day(2027, 3, 18)},
		{"2027-03-10", false, day(2027, 3, 10)},
		{"2027-03-10", true, day(2027, 3, 11)},
		// Summer time starts 2027-03-28: whole days stay at midnight.
		{"end-1d", false, day(2027, 3, 31)},
		{"start+1d12h", false, day(2027, 3, 2).Add(12 * time.Hour)},
		{"2027-03-10T08:00:00Z", false, time.Date(2027, 3, 10, 9, 0, 0, 0, pilots.DayZone)},
	}
	for _, tt := range dates {
		got, err := parseWindowDate(tt.in, tt.endOfDay, start, end)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("parseWindowDate(%q)=%v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	slugs := map[string]bool{"digital-nattillsyn": true, "a1": true, "A": false, "a_b": false, "-a": false, "a-": false, "1a": false, strings.Repeat("a", 64): false}
	for in, want := range slugs {
		if got := validSlug(in); got != want {
			t.Errorf("validSlug(%q)=%v, want %v", in, got, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"../../examples/*.hcl", "testdata/invalid/*.hcl"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			src, err := os.ReadFile(name)
			if err == nil {
				f.Add(string(src))
			}
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		specs, diags := Parse("fuzz.hcl", []byte(src), Options{})
		if diags.HasErrors() && specs != nil {
			t.Fatal("specs returned along with errors")
		}
		_ = Domain(diags)
		_ = WriteDiagnostics(&bytes.Buffer{}, nil, diags, 80, false)
		if out, err := Format("fuzz.hcl", []byte(src)); err == nil {
			// hclwrite is not always idempotent on odd input, so only
			// make sure formatting its own output does not fail.
			if _, err := Format("fuzz.hcl", out); err != nil {
				t.Fatalf("format formatted output: %v", err)
			}
		}
	})
}
