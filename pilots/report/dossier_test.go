package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestRequirementText(t *testing.T) {
	tests := []struct {
		lang string
		cr   CriterionResult
		want string
	}{
		{"en", CriterionResult{Measure: "sus", AtLeast: f64(68), Value: f64(74.2)}, "SUS at least 68; measured 74.2 in the pilot"},
		{"sv", CriterionResult{Measure: "sus", AtLeast: f64(68), Value: f64(74.2)}, "SUS minst 68; uppmätt 74,2 i piloten"},
		{"en", CriterionResult{Measure: "uptime", AtLeast: f64(0.99), Value: f64(0.9954)}, "Uptime at least 99%; measured 99.54% in the pilot"},
		{"sv", CriterionResult{Measure: "uptime", AtLeast: f64(0.995)}, "Tillgänglighet minst 99,5 %; inte uppmätt i piloten"},
		{"en", CriterionResult{Measure: "survey.final.minutes.mean", AtMost: f64(10), Value: f64(8)}, "survey.final.minutes.mean at most 10; measured 8 in the pilot"},
		{"en", CriterionResult{Measure: "nps", AtLeast: f64(0), AtMost: f64(50), Value: f64(-5)}, "NPS between 0 and 50; measured -5 in the pilot"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := dossierWordsFor(tt.lang).requirementText(tt.cr); got != tt.want {
				t.Fatalf("requirementText=%q, want %q", got, tt.want)
			}
		})
	}
}

func TestSecurityRequirements(t *testing.T) {
	tests := []struct {
		level     int
		wantCount int
		wantText  string
	}{
		{0, 1, "baseline"},
		{1, 2, "Encryption in transit"},
		{2, 5, "Encryption at rest"},
		{3, 8, "EU/EEA"},
		{4, 10, "independent security review"},
	}
	for _, tt := range tests {
		got := securityRequirements(dossierEnglish, Classification{Confidentiality: tt.level})[0]
		if got.Aspect != "confidentiality" || got.Level != tt.level || len(got.Requirements) != tt.wantCount {
			t.Errorf("level %d: %+v, want %d requirements", tt.level, got, tt.wantCount)
		}
		if !strings.Contains(strings.Join(got.Requirements, " "), tt.wantText) {
			t.Errorf("level %d: %q lacks %q", tt.level, got.Requirements, tt.wantText)
		}
	}
	// Every rule has both languages.
	for _, r := range securityRules {
		if r.en == "" || r.sv == "" || r.from < 1 || r.from > 4 {
			t.Errorf("rule %+v", r)
		}
	}
}

func dossierReport() *Report {
	return &Report{
		Version: Version, Language: "en", GeneratedAt: time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC),
		Pilot: PilotInfo{Name: "p", Title: `<script>alert(1)</script>`, Classification: Classification{Confidentiality: 2, Availability: 3}},
		Candidates: []Candidate{{
			Name: "a", Vendor: "A & co", Verdict: Iterate, Reasons: []string{"Criterion “x” is not met"},
			Criteria: []CriterionResult{{Name: "x", Measure: "sus", AtLeast: f64(68), Value: f64(60), Outcome: Fail}},
			Benefits: []BenefitResult{{Name: "time", Target: f64(10), Measured: f64(12)}},
		}},
	}
}

func TestNewDossier(t *testing.T) {
	at := time.Date(2027, 4, 15, 10, 0, 0, 0, time.UTC)
	d, err := NewDossier(dossierReport(), Decision{Candidate: "a", Actor: "alice", At: at, Override: true, Justification: "<b>cheap</b>"}, at)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := d.BenefitPlan[0].FollowUps[2].Due, time.Date(2028, 4, 15, 10, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("12-month follow-up=%v, want %v", got, want)
	}
	var html bytes.Buffer
	if err := d.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script>", "<b>cheap"} {
		if strings.Contains(html.String(), bad) {
			t.Errorf("HTML dossier contains unescaped %q", bad)
		}
	}
	for _, want := range []string{"Procurement dossier", "&lt;b&gt;cheap&lt;/b&gt;", "explicit override", "Encryption at rest", "RTO 4 h", "A &amp; co"} {
		if !strings.Contains(html.String(), want) {
			t.Errorf("HTML dossier lacks %q", want)
		}
	}
	var js bytes.Buffer
	if err := d.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Dossier
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Decision != d.Decision || back.Version != DossierVersion || len(back.Security) != 3 {
		t.Errorf("JSON round trip=%+v", back)
	}

	if _, err := NewDossier(dossierReport(), Decision{Candidate: "zzz"}, at); err == nil {
		t.Error("dossier of an unknown candidate: no error")
	}
	pre := dossierReport()
	pre.Preliminary = true
	if _, err := NewDossier(pre, Decision{Candidate: "a"}, at); err == nil {
		t.Error("dossier of a preliminary report: no error")
	}
	if _, err := NewDossier(nil, Decision{Candidate: "a"}, at); err == nil {
		t.Error("dossier of no report: no error")
	}
}
