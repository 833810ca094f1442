package storetest

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/pilotbed/pilotbed/pilots"
)

// RunFeedback runs the contract suite of pilots.FeedbackStore. open must
// return a new, empty store for each call, as both its interfaces (usually
// the same value); the suite closes it.
func RunFeedback(t *testing.T, open func(t *testing.T) (pilots.Store, pilots.FeedbackStore)) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s pilots.Store, fs pilots.FeedbackStore)
	}{
		{"CreateParticipants", testCreateParticipants},
		{"CreateParticipantsInvalid", testCreateParticipantsInvalid},
		{"RevokeParticipant", testRevokeParticipant},
		{"SubmitNamed", testSubmitNamed},
		{"SubmitAnonymous", testSubmitAnonymous},
		{"SubmitInvalid", testSubmitInvalid},
		{"ConcurrentDistinctSubmits", testConcurrentDistinctSubmits},
		{"ConcurrentDuplicateSubmits", testConcurrentDuplicateSubmits},
		{"ConcurrentDuplicateAnonymous", testConcurrentDuplicateAnonymous},
		{"ForEachResponse", testForEachResponse},
		{"CountResponses", testCountResponses},
		{"SurveyOverrides", testSurveyOverrides},
		{"Usage", testUsage},
		{"UnknownPilot", testFeedbackUnknownPilot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, fs := open(t)
			t.Cleanup(func() { s.Close() })
			tt.fn(t, s, fs)
		})
	}
}

// feedbackPilot creates the pilot the feedback tests use.
func feedbackPilot(t *testing.T, s pilots.Store) pilots.Pilot {
	t.Helper()
	p := newPilot("p_fb", "feedback", at(0))
	mustCreate(t, s, p)
	return p
}

// hashes returns n distinct token hashes tagged with tag.
func hashes(tag string, n int) []string {
	hs := make([]string, n)
	for i := range n {
		hs[i] = pilots.HashSecret(fmt.Sprintf("%s-%d", tag, i))
	}
	return hs
}

// inviteBatch numbers the batches of mustInvite so their hashes differ.
var inviteBatch atomic.Int64

func mustInvite(t *testing.T, fs pilots.FeedbackStore, pilotID, cohort string, n int) []pilots.Participant {
	t.Helper()
	tag := fmt.Sprintf("%s-%s-%d", pilotID, cohort, inviteBatch.Add(1))
	ps, err := fs.CreateParticipants(t.Context(), pilotID, cohort, hashes(tag, n), at(1))
	if err != nil {
		t.Fatalf("CreateParticipants(%s, %d): %v", cohort, n, err)
	}
	return ps
}

// storedResponses returns every response of the pilot.
func storedResponses(t *testing.T, fs pilots.FeedbackStore, pilotID string) []pilots.Response {
	t.Helper()
	var stored []pilots.Response
	if err := fs.ForEachResponse(t.Context(), pilotID, func(r pilots.Response) error { stored = append(stored, r); return nil }); err != nil {
		t.Fatalf("ForEachResponse: %v", err)
	}
	return stored
}

func intp(n int) *int           { return &n }
func floatp(f float64) *float64 { return &f }
func sampleAnswers() pilots.Answers {
	return pilots.Answers{
		"sus_1":     {Int: intp(4)},
		"recommend": {Int: intp(0)},
		"minutes":   {Number: floatp(12.5)},
		"tool":      {Choice: "tablet"},
		"uses":      {Choices: []string{"night", "day"}},
		"comment":   {Text: "Bra, men \"<b>\" = 1+1"},
	}
}

func testCreateParticipants(t *testing.T, s pilots.Store, fs pilots.FeedbackStore) {
	ctx := t.Context()
	p := feedbackPilot(t, s)
	hs := hashes("a", 3)
	got, err := fs.CreateParticipants(ctx, p.ID, "vaster", hs, at(1))
	if err != nil {
		t.Fatalf("CreateParticipants: %v", err)
	}
	var want []pilots.Participant
	for i, h := range hs {
		want = append(want, pilots.Participant{PilotID: p.ID, ID: fmt.Sprintf("P-%04d", i+1), Cohort: "vaster", TokenHash: h, CreatedAt: at(1)})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("CreateParticipants (-want +got):\n%s", diff)
	}
	// The sequence continues across calls and cohorts.
	more, err := fs.CreateParticipants(ctx, p.ID, "oster", hashes("b", 2), at(2))
	if err != nil {
		t.Fatalf("CreateParticipants again: %v", err)
	}
	if more[0].ID != "P-0004" || more[1].ID != "P-0005" {
		t.Fatalf("second batch ids %s, %s; want P-0004, P-0005", more[0].ID, more[1].ID)
	}
	want = append(want, more...)

	list, err := fs.Participants(ctx, p.ID)
	if err != nil {
		t.Fatalf("Participants: %v", err)
	}
	if diff := cmp.Diff(want, list); diff != "" {
		t.Errorf("Participants (-want +got):\n%s", diff)
	}
	for _, w := range want {
		got, err := fs.ParticipantByTokenHash(ctx, w.TokenHash)
		if err != nil {
			t.Fatalf("ParticipantByTokenHash(%s): %v", w.ID, err)
		}
		if diff := cmp.Diff(w, got); diff != "" {
			t.Errorf("ParticipantByTokenHash(%s) (-want +got):\n%s", w.ID, diff)
		}
	}
	_, err = fs.ParticipantByTokenHash(ctx, pilots.HashSecret("never issued"))
	wantCode(t, "ParticipantByTokenHash(unknown)", err, pilots.ENOTFOUND)

	// Participants of another pilot have their own sequence.
	other := newPilot("p_other", "other", at(0))
	mustCreate(t, s, other)
	ops, err := fs.CreateParticipants(ctx, other.ID, "vaster", hashes("c", 1), at(3))
	if err != nil {
		t.Fatalf("CreateParticipants(other pilot): %v", err)
	}
	if ops[0].ID != "P-0001" {
		t.Errorf("first participant of another pilot is %s, want P-0001", ops[0].ID)
	}
}

func testCreateParticipantsInvalid(t *testing.T, s pilots.Store, fs pilots.FeedbackStore) {
	ctx := t.Context()
	p := feedbackPilot(t, s)
	used := mustInvite(t, fs, p.ID, "vaster", 1)[0]
	tests := []struct {
		name   string
		pilot  string
		cohort string
		hashes []string
		code   string
	}{
		{"unknown pilot", "p_nope", "vaster", hashes("x", 1), pilots.ENOTFOUND},
		{"none", p.ID, "vaster", nil, pilots.EINVALID},
		{"too many", p.ID, "vaster", hashes("x", pilots.MaxInvitations+1), pilots.EINVALID},
		{"no cohort", p.ID, "", hashes("x", 1), pilots.EINVALID},
		{"empty hash", p.ID, "vaster", []string{pilots.HashSecret("y"), ""}, pilots.EINVALID},
		{"hash in use", p.ID, "vaster", []string{pilots.HashSecret("z"), used.TokenHash}, pilots.ECONFLICT},
		{"hash twice", p.ID, "vaster", []string{pilots.HashSecret("w"), pilots.HashSecret("w")}, pilots.ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fs.CreateParticipants(ctx, tt.pilot, tt.cohort, tt.hashes, at(1))
			wantCode(t, "CreateParticipants", err, tt.code)
		})
	}
	// A refused batch leaves nothing behind, and the sequence has no gap.
	list, err := fs.Participants(ctx, p.ID)
	if err != nil {
		t.Fatalf("Participants: %v", err)
	}
	if len(list) != 1 {
		t.Fatalf("Participants after refused batches = %d, want 1", len(list))
	}
	next := mustInvite(t, fs, p.ID, "vaster", 1)[0]
	if next.ID != "P-0002" {
		t.Errorf("next participant %s, want P-0002", next.ID)
	}
}

func testRevokeParticipant(t *testing.T, s pilots.Store, fs pilots.FeedbackStore) {
	ctx := t.Context()
	p := feedbackPilot(t, s)
	ps := mustInvite(t, fs, p.ID, "vaster", 2)
	if err := fs.RevokeParticipant(ctx, p.ID, ps[0].ID, at(5)); err != nil {
		t.Fatalf("RevokeParticipant: %v", err)
	}
	// Idempotent: the first time stays.
	if err := fs.RevokeParticipant(ctx, p.ID, ps[0].ID, at(9)); err != nil {
		t.Fatalf("RevokeParticipant again: %v", err)
	}
	_, err := fs.ParticipantByTokenHash(ctx, ps[0].TokenHash)
	wantCode(t, "ParticipantByTokenHash(revoked)", err, pilots.ENOTFOUND)
	if _, err := fs.ParticipantByTokenHash(ctx, ps[1].TokenHash); err != nil {
		t.Errorf("ParticipantByTokenHash(not revoked): %v", err)
	}
	list, err := fs.Participants(ctx, p.ID)
	if err != nil {
		t.Fatalf("Participants: %v", err)
	}
	if list[0].RevokedAt == nil || !list[0].RevokedAt.Equal(at(5)) {
		t.Errorf("RevokedAt=%v, want %v", list[0].RevokedAt, at(5))
	}
	if list[1].RevokedAt != nil {
		t.Errorf("RevokedAt of the other participant=%v, want nil", list[1].RevokedAt)
	}
	err = fs.RevokeParticipant(ctx, p.ID, "P-9999", at(5))
	wantCode(t, "RevokeParticipant(unknown)", err, pilots.ENOTFOUND)

	// A revoked participant cannot answer.
	_, _, err = fs.SubmitResponse(ctx, pilots.Response{PilotID: p.ID, Survey: "final", Participant: ps[0].ID, Answers: sampleAnswers()}, false)
	wantCode(t, "SubmitResponse(revoked)", err, pilots.ENOTFOUND)
}

func testSubmitNamed(t *testing.T, s pilots.Store, fs pilots.FeedbackStore) {
	ctx := t.Context()
	p := feedbackPilot(t, s)
	part := mustInvite(t, fs, p.ID, "vaster", 1)[0]
	r := pilots.Response{PilotID: p.ID, Survey: "final", Participant: part.ID, Answers: sampleAnswers(), SubmittedAt: at(10)}
	got, created, err := fs.SubmitResponse(ctx, r, false)
	if err != nil {
		t.Fatalf("SubmitResponse: %v", err)
	}
	if !created || got.ID == 0 || len(got.Receipt) < 8 {
		t.Fatalf("SubmitResponse = %+v, created %v; want created, an id and a receipt", got, created)
	}
	want := r
	want.ID, want.Receipt, want.Cohort = got.ID, got.Receipt, "vaster"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stored response (-want +got):\n%s", diff)
	}

	// A repeat with other answers changes nothing and shows the same receipt.
	again := r
	again.Answers = pilots.Answers{"sus_1": {Int: intp(1)}}
	again.SubmittedAt = at(11)
	got2, created, err := fs.SubmitResponse(ctx, again, false)
	if err != nil {
		t.Fatalf("SubmitResponse again: %v", err)
	}
	if created {
		t.Errorf("repeat created=true, want false")
	}
	if diff := cmp.Diff(want, got2); diff != "" {
		t.Errorf("repeat returned (-want +got):\n%s", diff)
	}

	// The same participant may answer another survey.
	if _, created, err := fs.SubmitResponse(ctx, pilots.Response{PilotID: p.ID, Survey: "baseline", Participant: part.ID}, false); err != nil || !created {
		t.Fatalf("SubmitResponse(other survey) created=%v err=%v, want created", created, err)
	}

	answered, err := fs.Answered(ctx, p.ID, part.ID)
	if err != nil {
		t.Fatalf("Answered: %v", err)
	}
	if a, ok := answered["final"]; !ok || a.Receipt != got.Receipt || !a.At.Equal(at(10)) {
		t.Errorf("Answered[final]=%+v, %v; want receipt %s at %v", a, ok, got.Receipt, at(10))
	}
	if _, ok := answered["baseline"]; !ok || len(answered) != 2 {
		t.Errorf("Answered=%v, want final and baseline", answered)
	}
	_, err = fs.Answered(ctx, p.ID, "P-9999")
	wantCode(t, "Answered(unknown)", err, pilots.ENOTFOUND)
}

func testSubmitAnonymous(t *testing.T, s pilots.Store, fs pilots.FeedbackStore) {
	ctx := t.Context()
	p := feedbackPilot(t, s)
	part := mustInvite(t, fs, p.ID, "vaster", 1)[0]
	r := pilots.Response{PilotID: p.ID, Survey: "final", Participant: part.ID, Answers: sampleAnswers(), SubmittedAt: at(10)}
	got, created, err := fs.SubmitResponse(ctx, r, true)
	if err != nil {
		t.Fatalf("SubmitResponse(anonymous): %v", err)
	}
	if !created || got.Receipt == "" || got.Participant != "" || got.ID != 0 {
		t.Fatalf("SubmitResponse(anonymous) = %+v, created %v; want created, a receipt, no participant and no id", got, created)
	}
	day := time.Date(base.Year(), base.Month(), base.Day(), 0, 0, 0, 0, time.UTC)
	if !got.SubmittedAt.Equal(day) {
		t.Errorf("SubmittedAt=%v, want only the day %v", got.SubmittedAt, day)
	}

	stored := storedResponses(t, fs, p.ID)
	if len(stored) != 1 {
		t.Fatalf("stored %d responses, want 1", len(stored))
	}
	want := pilots.Response{ID: stored[0].ID, PilotID: p.ID, Survey: "final", Cohort: "vaster", Answers: sampleAnswers(), SubmittedAt: day}
	if diff := cmp.Diff(want, stored[0]); diff != "" {
		t.Errorf("stored anonymous response (-want +got):\n%s", diff)
	}
	if stored[0].Receipt == got.Receipt {
		t.Errorf("the anonymous response row carries the receipt %s, which links it to the participant", got.Receipt)
	}

	answered, err := fs.Answered(ctx, p.ID, part.ID)
	if err != nil {
		t.Fatalf("Answered: %v", err)
	}
	if a := answered["final"]; a.Receipt != got.Receipt || !a.At.Equal(day) {
		t.Errorf("Answered[final]=%+v, want the mark with receipt %s on %v", a, got.Receipt, day)
	}

	// A repeat is caught by the mark and shows the same receipt.
	got2, created, err := fs.SubmitResponse(ctx, r, true)
	if err != nil {
		t.Fatalf("SubmitResponse(anonymous, again): %v", err)
	}
	if created || got2.Receipt != got.Receipt || got2.Participant != "" {
		t.Errorf("repeat = %+v, created %v; want not created, receipt %s, no participant", got2, created, got.Receipt)
	}
	counts, err := fs.CountResponses(ctx, p.ID)
	if err != nil {
		t.Fatalf("CountResponses: %v", err)
	}
	if diff := cmp.Diff([]pilots.ResponseCount{{Survey: "final", Cohort: "vaster", N: 1}}, counts); diff != "" {
		t.Errorf("CountResponses (-want +got):\n%s", diff)
	}
}

func testSubmitInvalid(t *testing.T, s pilots.Store, fs pilots.FeedbackStore) {
	p := feedbackPilot(t, s)
	part := mustInvite(t, fs, p.ID, "vaster", 1)[0]
	tests := []struct {
		name string
		r    pilots.Response
		code string
	}{
		{"no pilot", pilots.Response{Survey: "final", Participant: part.ID}, pilots.EINVALID},
		{"no survey", pilots.Response{PilotID: p.ID, Participant: part.ID}, pilots.EINVALID},
		{"no participant", pilots.Response{PilotID: p.ID, Survey: "final"}, pilots.EINVALID},
		{"unknown participant", pilots.Response{PilotID: p.ID, Survey: "final", Participant: "P-9999"}, pilots.ENOTFOUND},
		{"participant of another pilot", pilots.Response{PilotID: "p_nope", Survey: "final", Participant: part.ID}, pilots.ENOTFOUND},
	}
	for _, tt := range tests {
		for _, anonymous := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/anonymous=%v", tt.name, anonymous), func(t *testing.T) {
				_, _, err := fs.SubmitResponse(t.Context(), tt.r, anonymous)
				wantCode(t, "SubmitResponse", err, tt.code)
			})
		}
	}
}

func testConcurrentDistinctSubmits(t *testing.T, s pilots.Store, fs pilots.FeedbackStore) {
	ctx := t.Context()
	p := feedbackPilot(t, s)
	const n = 500
	ps := mustInvite(t, fs, p.ID, "vaster", n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, part := range ps {
		wg.Go(func() {
			r := pilots.Response{PilotID: p.ID, Survey: "final", Participant: part.ID,
				Answers: pilots.Answers{"n": {Int: intp(i)}}, SubmittedAt: at(10)}
			_, created, err := fs.SubmitResponse(ctx, r, false)
			if err == nil && !created {
				err = fmt.Errorf("participant %s: created=false on the first submit", part.ID)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("SubmitResponse: %v", err)
		}
	}
	seen := map[string]bool{}
	if err := fs.ForEachResponse(ctx, p.ID, func(r pilots.Response) error {
		if seen[r.Participant] {
			return fmt.Errorf("participant %s stored twice", r.Participant)
		}
		seen[r.Participant] = true
		return nil
	}); err != nil {
		t.Fatalf("ForEachResponse: %v", err)
	}
	if got := len(seen); got != n {
		t.Errorf("stored %d responses, want %d", got, n)
	}
}

func testConcurrentDuplicateSubmits(t *testing.T, s pilots.Store, fs pilots.FeedbackStore) {
	ctx := t.Context()
	p := feedbackPilot(t, s)
	part := mustInvite(t, fs, p.ID, "vaster", 1)[0]
	const n = 50
	results := make([]pilots.Response, n)
	createdCount := 0
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			r := pilots.Response{PilotID: p.ID, Survey: "final", Participant: part.ID,
				Answers: pilots.Answers{"n": {Int: intp(i)}}, SubmittedAt: at(10)}
			got, created, err := fs.SubmitResponse(ctx, r, false)
			results[i] = got
			if created {
				mu.Lock()
				createdCount++
				mu.Unlock()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("SubmitResponse: %v", err)
		}
	}
	if createdCount != 1 {
		t.Errorf("%d submits reported created, want 1", createdCount)
	}
	for i, r := range results {
		if diff := cmp.Diff(results[0], r); diff != "" {
			t.Fatalf("submit %d returned another response than submit 0 (-0 +%d):\n%s", i, i, diff)
		}
	}
	stored := storedResponses(t, fs, p.ID)
	if len(stored) != 1 {
		t.Fatalf("stored %d responses, want 1", len(stored))
	}
	if diff := cmp.Diff(stored[0], results[0]); diff != "" {
		t.Errorf("returned response differs from the stored one (-stored +returned):\n%s", diff)
	}
}

func testConcurrentDuplicateAnonymous(t *testing.T, s pilots.Store, fs pilots.FeedbackStore) {
	ctx := t.Context()
	p := feedbackPilot(t, s)
	part := mustInvite(t, fs, p.ID, "vaster", 1)[0]
	const n = 50
	receipts := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			got, _, err := fs.SubmitResponse(ctx, pilots.Response{PilotID: p.ID, Survey: "final", Participant: part.ID, SubmittedAt: at(10)}, true)
			receipts[i] = got.Receipt
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("SubmitResponse: %v", err)
		}
	}
	for i, r := range receipts {
		if r != receipts[0] || r == "" {
			t.Fatalf("submit %d got receipt %q, submit 0 %q; want one receipt for all", i, r, receipts[0])
		}
	}
	counts, err := fs.CountResponses(ctx, p.ID)
	if err != nil {
		t.Fatalf("CountResponses: %v", err)
	}
	if len(counts) != 1 || counts[0].N != 1 {
		t.Errorf("CountResponses=%+v, want one response", counts)
	}
}

func testForEachResponse(t *testing.T, s pilots.Store, fs pilots.FeedbackStore) {
	ctx := t.Context()
	p := feedbackPilot(t, s)
	ps := mustInvite(t, fs, p.ID, "vaster", 10)
	var ids []int64
	for i, part := range ps {
		r, _, err := fs.SubmitResponse(ctx, pilots.Response{PilotID: p.ID, Survey: "final", Participant: part.ID, Answers: pilots.Answers{"n": {Int: intp(i)}}, SubmittedAt: at(i)}, false)
		if err != nil {
			t.Fatalf("SubmitResponse: %v", err)
		}
		ids = append(ids, r.ID)
	}
	var got []int64
	if err := fs.ForEachResponse(ctx, p.ID, func(r pilots.Response) error {
		if n := *r.Answers["n"].Int; n != len(got) {
			return fmt.Errorf("response %d has n=%d, want %d", r.ID, n, len(got))
		}
		got = append(got, r.ID)
		return nil
	}); err != nil {
		t.Fatalf("ForEachResponse: %v", err)
	}
	if diff := cmp.Diff(ids, got); diff != "" {
		t.Errorf("ForEachResponse order (-want +got):\n%s", diff)
	}
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("ids not increasing: %v", got)
		}
	}

	stop := errors.New("stop")
	calls := 0
	err := fs.ForEachResponse(ctx, p.ID, func(pilots.Response) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Errorf("ForEachResponse err=%v, want fn's error", err)
	}
	if calls != 3 {
		t.Errorf("fn called %d times, want it to stop after 3", calls)
	}

	// Responses of another pilot do not show up.
	other := newPilot("p_other", "other", at(0))
	mustCreate(t, s, other)
	calls = 0
	if err := fs.ForEachResponse(ctx, other.ID, func(pilots.Response) error { calls++; return nil }); err != nil || calls != 0 {
		t.Errorf("ForEachResponse(other pilot) calls=%d err=%v, want none", calls, err)
	}
}

func testCountResponses(t *testing.T, s pilots.Store, fs pilots.FeedbackStore) {
	ctx := t.Context()
	p := feedbackPilot(t, s)
	vaster := mustInvite(t, fs, p.ID, "vaster", 3)
	oster := mustInvite(t, fs, p.ID, "oster", 2)
	submit := func(part pilots.Participant, survey string, anonymous bool) {
		t.Helper()
		if _, _, err := fs.SubmitResponse(ctx, pilots.Response{PilotID: p.ID, Survey: survey, Participant: part.ID}, anonymous); err != nil {
			t.Fatalf("SubmitResponse: %v", err)
		}
	}
	for _, part := range vaster {
		submit(part, "final", false)
	}
	submit(vaster[0], "baseline", false)
	submit(oster[0], "final", true)
	submit(oster[1], "final", true)
	submit(oster[1], "final", true) // a repeat counts once

	got, err := fs.CountResponses(ctx, p.ID)
	if err != nil {
		t.Fatalf("CountResponses: %v", err)
	}
	want := []pilots.ResponseCount{
		{Survey: "baseline", Cohort: "vaster", N: 1},
		{Survey: "final", Cohort: "oster", N: 2},
		{Survey: "final", Cohort: "vaster", N: 3},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CountResponses (-want +got):\n%s", diff)
	}
}

func testSurveyOverrides(t *testing.T, s pilots.Store, fs pilots.FeedbackStore) {
	ctx := t.Context()
	p := feedbackPilot(t, s)
	for _, o := range []pilots.SurveyOverride{
		{PilotID: p.ID, Survey: "final", State: pilots.SurveyOpen, Actor: "admin", Time: at(1)},
		{PilotID: p.ID, Survey: "final", State: pilots.SurveyClosed, Actor: "lead", Time: at(2)},
		{PilotID: p.ID, Survey: "baseline", State: pilots.SurveyOpen, Actor: "admin", Time: at(3)},
	} {
		if err := fs.SetSurveyOverride(ctx, o); err != nil {
			t.Fatalf("SetSurveyOverride(%+v): %v", o, err)
		}
	}
	got, err := fs.SurveyOverrides(ctx, p.ID)
	if err != nil {
		t.Fatalf("SurveyOverrides: %v", err)
	}
	want := []pilots.SurveyOverride{
		{PilotID: p.ID, Survey: "baseline", State: pilots.SurveyOpen, Actor: "admin", Time: at(3)},
		{PilotID: p.ID, Survey: "final", State: pilots.SurveyClosed, Actor: "lead", Time: at(2)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SurveyOverrides (-want +got):\n%s", diff)
	}

	tests := []struct {
		name string
		o    pilots.SurveyOverride
		code string
	}{
		{"bad state", pilots.SurveyOverride{PilotID: p.ID, Survey: "final", State: "paused"}, pilots.EINVALID},
		{"no survey", pilots.SurveyOverride{PilotID: p.ID, State: pilots.SurveyOpen}, pilots.EINVALID},
		{"unknown pilot", pilots.SurveyOverride{PilotID: "p_nope", Survey: "final", State: pilots.SurveyOpen}, pilots.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, "SetSurveyOverride", fs.SetSurveyOverride(t.Context(), tt.o), tt.code)
		})
	}
}

func testUsage(t *testing.T, s pilots.Store, fs pilots.FeedbackStore) {
	ctx := t.Context()
	p := feedbackPilot(t, s)
	ps := mustInvite(t, fs, p.ID, "vaster", 2)
	adds := []struct {
		part, day string
		n         int
	}{
		{ps[0].ID, "2027-01-12", 3},
		{ps[0].ID, "2027-01-12", 2},
		{ps[1].ID, "2027-01-12", 1},
		{ps[0].ID, "2027-01-11", 7},
		{ps[1].ID, "2027-01-13", 0},
	}
	for _, a := range adds {
		if err := fs.AddUsage(ctx, p.ID, a.part, a.day, a.n); err != nil {
			t.Fatalf("AddUsage(%s, %s, %d): %v", a.part, a.day, a.n, err)
		}
	}
	// Concurrent increments of one row all count.
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := fs.AddUsage(ctx, p.ID, ps[1].ID, "2027-01-13", 1); err != nil {
				t.Errorf("AddUsage: %v", err)
			}
		})
	}
	wg.Wait()

	got, err := fs.UsageDays(ctx, p.ID)
	if err != nil {
		t.Fatalf("UsageDays: %v", err)
	}
	want := []pilots.Usage{
		{PilotID: p.ID, Participant: ps[0].ID, Day: "2027-01-11", Requests: 7},
		{PilotID: p.ID, Participant: ps[0].ID, Day: "2027-01-12", Requests: 5},
		{PilotID: p.ID, Participant: ps[1].ID, Day: "2027-01-12", Requests: 1},
		{PilotID: p.ID, Participant: ps[1].ID, Day: "2027-01-13", Requests: 20},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("UsageDays (-want +got):\n%s", diff)
	}

	tests := []struct {
		name, pilot, part, day string
		n                      int
		code                   string
	}{
		{"bad day", p.ID, ps[0].ID, "12/1/2027", 1, pilots.EINVALID},
		{"empty day", p.ID, ps[0].ID, "", 1, pilots.EINVALID},
		{"negative", p.ID, ps[0].ID, "2027-01-12", -1, pilots.EINVALID},
		{"unknown participant", p.ID, "P-9999", "2027-01-12", 1, pilots.ENOTFOUND},
		{"unknown pilot", "p_nope", ps[0].ID, "2027-01-12", 1, pilots.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, "AddUsage", fs.AddUsage(t.Context(), tt.pilot, tt.part, tt.day, tt.n), tt.code)
		})
	}
}

func testFeedbackUnknownPilot(t *testing.T, s pilots.Store, fs pilots.FeedbackStore) {
	ctx := t.Context()
	const id = "p_nope"
	_, err := fs.Participants(ctx, id)
	wantCode(t, "Participants", err, pilots.ENOTFOUND)
	err = fs.ForEachResponse(ctx, id, func(pilots.Response) error { return nil })
	wantCode(t, "ForEachResponse", err, pilots.ENOTFOUND)
	_, err = fs.CountResponses(ctx, id)
	wantCode(t, "CountResponses", err, pilots.ENOTFOUND)
	_, err = fs.SurveyOverrides(ctx, id)
	wantCode(t, "SurveyOverrides", err, pilots.ENOTFOUND)
	_, err = fs.UsageDays(ctx, id)
	wantCode(t, "UsageDays", err, pilots.ENOTFOUND)
	err = fs.RevokeParticipant(ctx, id, "P-0001", at(1))
	wantCode(t, "RevokeParticipant", err, pilots.ENOTFOUND)
	_, err = fs.Answered(ctx, id, "P-0001")
	wantCode(t, "Answered", err, pilots.ENOTFOUND)

	// An existing pilot without any feedback lists empty, not nil.
	p := feedbackPilot(t, s)
	list, err := fs.Participants(ctx, p.ID)
	if err != nil || list == nil || len(list) != 0 {
		t.Errorf("Participants(empty pilot)=%v, %v; want an empty list", list, err)
	}
	counts, err := fs.CountResponses(ctx, p.ID)
	if err != nil || counts == nil || len(counts) != 0 {
		t.Errorf("CountResponses(empty pilot)=%v, %v; want an empty list", counts, err)
	}
}
