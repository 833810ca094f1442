package sqlstore

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

func TestReports(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "pilotbed.db")
	s := openTest(t, path)
	if err := s.CreatePilot(ctx, pilots.Pilot{ID: "p_1", Name: "rep", Status: pilots.StatusClosed}, pilots.Event{}); err != nil {
		t.Fatalf("CreatePilot: %v", err)
	}
	at := time.Date(2027, 4, 1, 12, 0, 0, 0, time.UTC)

	if _, _, err := s.Report(ctx, "p_1", pilots.DocReport, "json"); pilots.ErrorCode(err) != pilots.ENOTFOUND {
		t.Fatalf("Report before save: %v, want ENOTFOUND", err)
	}
	if err := s.SaveReport(ctx, "nope", pilots.DocReport, "json", []byte("{}"), at); pilots.ErrorCode(err) != pilots.ENOTFOUND {
		t.Fatalf("SaveReport of unknown pilot: %v, want ENOTFOUND", err)
	}
	if err := s.SaveReport(ctx, "p_1", "", "json", []byte("{}"), at); pilots.ErrorCode(err) != pilots.EINVALID {
		t.Fatalf("SaveReport without kind: %v, want EINVALID", err)
	}

	if err := s.SaveReport(ctx, "p_1", pilots.DocReport, "json", []byte(`{"v":1}`), at); err != nil {
		t.Fatal(err)
	}
	// Saving again replaces the document, as a resumed close does.
	if err := s.SaveReport(ctx, "p_1", pilots.DocReport, "json", []byte(`{"v":2}`), at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveReport(ctx, "p_1", pilots.DocDossier, "json", []byte(`{"d":1}`), at); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Durable across reopen.
	s = openTest(t, path)
	defer s.Close()
	tests := []struct {
		kind, format, want string
		at                 time.Time
	}{
		{pilots.DocReport, "json", `{"v":2}`, at.Add(time.Minute)},
		{pilots.DocDossier, "json", `{"d":1}`, at},
	}
	for _, tt := range tests {
		body, got, err := s.Report(ctx, "p_1", tt.kind, tt.format)
		if err != nil {
			t.Fatal(err)
		}
		if string(body) != tt.want || !got.Equal(tt.at) {
			t.Errorf("%s/%s=%s at %v, want %s at %v", tt.kind, tt.format, body, got, tt.want, tt.at)
		}
	}
	if _, _, err := s.Report(ctx, "p_1", pilots.DocReport, "html"); pilots.ErrorCode(err) != pilots.ENOTFOUND {
		t.Fatalf("Report of another format: %v, want ENOTFOUND", err)
	}
}
