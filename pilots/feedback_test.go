package pilots

import (
	"strings"
	"testing"
	"time"
)

func TestParticipantID(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{1, "P-0001"},
		{7, "P-0007"},
		{9999, "P-9999"},
		{10000, "P-10000"},
	}
	for _, tt := range tests {
		got := ParticipantID(tt.n)
		if got != tt.want {
			t.Errorf("ParticipantID(%d)=%q, want %q", tt.n, got, tt.want)
		}
		if n, ok := ParticipantNumber(got); !ok || n != tt.n {
			t.Errorf("ParticipantNumber(%q)=%d, %v; want %d, true", got, n, ok, tt.n)
		}
	}
	for _, bad := range []string{"", "P-", "P-7", "P-00x1", "Q-0001", "P-0000", "P--001", "P-+001"} {
		if n, ok := ParticipantNumber(bad); ok {
			t.Errorf("ParticipantNumber(%q)=%d, true; want false", bad, n)
		}
	}
}

func TestNewReceipt(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		r := NewReceipt()
		if len(r) != 9 || r[4] != '-' {
			t.Fatalf("NewReceipt()=%q, want XXXX-XXXX", r)
		}
		for _, c := range strings.ReplaceAll(r, "-", "") {
			if !strings.ContainsRune(receiptAlphabet, c) {
				t.Fatalf("NewReceipt()=%q has %q, outside the alphabet", r, c)
			}
		}
		if seen[r] {
			t.Fatalf("NewReceipt() repeated %q within 1000 draws", r)
		}
		seen[r] = true
	}
}

func TestIsOpen(t *testing.T) {
	opens := time.Date(2027, 1, 11, 0, 0, 0, 0, time.UTC)
	closes := opens.Add(7 * 24 * time.Hour)
	s := Survey{Name: "baseline", Opens: opens, Closes: closes}
	before, during, after := opens.Add(-time.Second), opens.Add(time.Hour), closes
	ov := func(survey, state string, at time.Time) SurveyOverride {
		return SurveyOverride{PilotID: "p_1", Survey: survey, State: state, Time: at}
	}
	tests := []struct {
		name      string
		s         Survey
		overrides []SurveyOverride
		now       time.Time
		want      bool
	}{
		{"before window", s, nil, before, false},
		{"at opening", s, nil, opens, true},
		{"during window", s, nil, during, true},
		{"at closing", s, nil, after, false},
		{"no window", Survey{Name: "baseline"}, nil, before, true},
		{"only opens", Survey{Name: "baseline", Opens: opens}, nil, after.Add(1000 * time.Hour), true},
		{"opened early", s, []SurveyOverride{ov("baseline", SurveyOpen, before)}, before, true},
		{"closed early", s, []SurveyOverride{ov("baseline", SurveyClosed, during)}, during, false},
		{"reopened after close", s, []SurveyOverride{ov("baseline", SurveyClosed, during), ov("baseline", SurveyOpen, during.Add(time.Minute))}, after, true},
		{"latest wins whatever the order", s, []SurveyOverride{ov("baseline", SurveyOpen, during.Add(time.Minute)), ov("baseline", SurveyClosed, during)}, during, true},
		{"tie: later entry wins", s, []SurveyOverride{ov("baseline", SurveyOpen, during), ov("baseline", SurveyClosed, during)}, during, false},
		{"other survey's override", s, []SurveyOverride{ov("final", SurveyClosed, during)}, during, true},
		{"unknown state ignored", s, []SurveyOverride{ov("baseline", "paused", during)}, during, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsOpen(tt.s, tt.overrides, tt.now); got != tt.want {
				t.Errorf("IsOpen=%v, want %v", got, tt.want)
			}
		})
	}
}
