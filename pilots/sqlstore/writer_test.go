package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

// groupFixture is a running pilot with n participants.
func groupFixture(t *testing.T, n int) (*Store, []pilots.Participant) {
	t.Helper()
	s := openTest(t, filepath.Join(t.TempDir(), "pilotbed.db"))
	t.Cleanup(func() { s.Close() })
	if err := s.CreatePilot(t.Context(), pilots.Pilot{ID: "p_1", Name: "group", Status: pilots.StatusRunning}, pilots.Event{}); err != nil {
		t.Fatalf("CreatePilot: %v", err)
	}
	hashes := make([]string, n)
	for i := range hashes {
		hashes[i] = fmt.Sprintf("h%d", i)
	}
	ps, err := s.CreateParticipants(t.Context(), "p_1", "alla", hashes, time.Time{})
	if err != nil {
		t.Fatalf("CreateParticipants: %v", err)
	}
	return s, ps
}

func storedCount(t *testing.T, s *Store) int {
	t.Helper()
	var n int
	if err := s.read.QueryRowContext(t.Context(), `SELECT count(*) FROM responses`).Scan(&n); err != nil {
		t.Fatalf("count responses: %v", err)
	}
	return n
}

// Submissions that share a commit fail alone: an unknown or revoked
// participant among them, or a repeat, leaves the others stored.
func TestGroupCommitFailuresStayAlone(t *testing.T) {
	ctx := t.Context()
	s, ps := groupFixture(t, 40)
	if err := s.RevokeParticipant(ctx, "p_1", ps[0].ID, time.Time{}); err != nil {
		t.Fatalf("RevokeParticipant: %v", err)
	}
	type outcome struct {
		created bool
		code    string
	}
	cases := []struct {
		participant string
		anonymous   bool
		want        outcome
	}{
		{ps[0].ID, false, outcome{code: pilots.ENOTFOUND}}, // revoked
		{"P-9999", false, outcome{code: pilots.ENOTFOUND}},
		{"P-9998", true, outcome{code: pilots.ENOTFOUND}},
	}
	for _, p := range ps[1:] {
		cases = append(cases, struct {
			participant string
			anonymous   bool
			want        outcome
		}{p.ID, len(cases)%2 == 0, outcome{created: true}})
	}
	got := make([]outcome, len(cases))
	var wg sync.WaitGroup
	for i, c := range cases {
		wg.Go(func() {
			_, created, err := s.SubmitResponse(ctx, pilots.Response{PilotID: "p_1", Survey: "final", Participant: c.participant}, c.anonymous)
			got[i] = outcome{created: created, code: pilots.ErrorCode(err)}
		})
	}
	wg.Wait()
	for i, c := range cases {
		if got[i] != c.want {
			t.Errorf("submit by %s (anonymous %v) = %+v, want %+v", c.participant, c.anonymous, got[i], c.want)
		}
	}
	if got, want := storedCount(t, s), len(ps)-1; got != want {
		t.Errorf("stored %d responses, want %d", got, want)
	}
}

// A caller that gave up before its submission was taken gets its context's
// error, and nothing is stored for it.
func TestGroupCommitCanceledCaller(t *testing.T) {
	s, ps := groupFixture(t, 1)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := s.SubmitResponse(ctx, pilots.Response{PilotID: "p_1", Survey: "final", Participant: ps[0].ID}, false)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("SubmitResponse with a canceled context = %v, want context.Canceled", err)
	}
	if got := storedCount(t, s); got != 0 {
		t.Errorf("stored %d responses, want 0", got)
	}
}

// Closing the store answers every submission: each either was stored or
// reports an error, and none waits forever.
func TestGroupCommitClose(t *testing.T) {
	s, ps := groupFixture(t, 200)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for _, p := range ps {
		wg.Go(func() {
			_, _, err := s.SubmitResponse(context.Background(), pilots.Response{PilotID: "p_1", Survey: "final", Participant: p.ID}, false)
			if err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		})
	}
	time.Sleep(time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()

	// Every submission told "stored" is on disk.
	s2 := openTest(t, s.Path())
	defer s2.Close()
	if got := storedCount(t, s2); got != ok {
		t.Errorf("stored %d responses, but %d submissions were told they were stored", got, ok)
	}
	if _, _, err := s.SubmitResponse(t.Context(), pilots.Response{PilotID: "p_1", Survey: "final", Participant: ps[0].ID}, false); err == nil {
		t.Errorf("SubmitResponse after Close succeeded, want an error")
	}
}
