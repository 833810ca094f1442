package report

import (
	"io"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

// bigInput is a pilot of two candidates with 50 000 participants who each
// answer the baseline and the final survey: 100 000 responses, generated
// as they are streamed, as a store would read them row by row. One
// Answers map is reused for every response, so the allocations measured
// are the report's, not the generator's.
func bigInput(responses int) Input {
	in := fixtureInput("sv")
	participants := responses / 2
	ps := make([]pilots.Participant, participants)
	ids := make([]string, participants)
	for i := range ps {
		ids[i] = pilots.ParticipantID(i + 1)
		cohort := "vaster"
		if i%2 == 1 {
			cohort = "oster"
		}
		ps[i] = pilots.Participant{PilotID: "p_big", ID: ids[i], Cohort: cohort}
	}
	in.Participants = ps
	usage := make([]pilots.Usage, 0, participants)
	for i := 0; i < participants; i += 3 {
		usage = append(usage, pilots.Usage{Participant: ids[i], Day: "2027-02-01", Requests: 4})
	}
	in.Usage = usage

	var ints [11]int
	for i := range ints {
		ints[i] = i
	}
	minutes := make([]float64, 60)
	for i := range minutes {
		minutes[i] = float64(i) + 0.5
	}
	comments := []string{"Bra", "Långsam inloggning <b>ibland</b>", "Fungerar & sparar tid", "[länk](javascript:x)"}
	susNames := make([]string, 10)
	for i, q := range susQuestions() {
		susNames[i] = q.Name
	}
	in.Responses = func(fn func(pilots.Response) error) error {
		rng := rand.New(rand.NewPCG(1, 2))
		answers := pilots.Answers{}
		for i := range responses {
			p := i / 2
			r := pilots.Response{ID: int64(i + 1), PilotID: "p_big", Participant: ids[p], Cohort: ps[p].Cohort, Answers: answers}
			clear(answers)
			if i%2 == 0 {
				r.Survey = "baseline"
				answers["minutes"] = pilots.Answer{Number: &minutes[rng.IntN(60)]}
			} else {
				r.Survey = "final"
				for _, name := range susNames {
					answers[name] = pilots.Answer{Int: &ints[1+rng.IntN(5)]}
				}
				answers["recommend"] = pilots.Answer{Int: &ints[rng.IntN(11)]}
				answers["minutes"] = pilots.Answer{Number: &minutes[rng.IntN(60)]}
				answers["ease"] = pilots.Answer{Int: &ints[1+rng.IntN(5)]}
				answers["tool"] = pilots.Answer{Choice: []string{"app", "web"}[rng.IntN(2)]}
				if rng.IntN(10) == 0 {
					answers["comment"] = pilots.Answer{Text: comments[rng.IntN(len(comments))]}
				}
			}
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
	return in
}

// BenchmarkReport100k builds the report of 100 000 responses and renders
// it as HTML and JSON. Besides ns/op and B/op it reports peak-heap-MB: the
// most heap memory in live and not yet collected objects, sampled every
// millisecond while the benchmark runs.
func BenchmarkReport100k(b *testing.B) {
	in := bigInput(100_000)
	runtime.GC()
	peak := sampleHeap()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r, err := Build(b.Context(), in)
		if err != nil {
			b.Fatal(err)
		}
		if err := r.WriteHTML(io.Discard); err != nil {
			b.Fatal(err)
		}
		if err := r.WriteJSON(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
}

// sampleHeap samples the heap's object bytes until the returned function
// is called, which returns the highest sample.
func sampleHeap() func() uint64 {
	var (
		mu   sync.Mutex
		top  uint64
		done = make(chan struct{})
		wg   sync.WaitGroup
	)
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			mu.Lock()
			top = max(top, s[0].Value.Uint64())
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return top
	}
}

// TestBigReport checks that a large report is consistent: every response
// counted, every participant invited.
func TestBigReport(t *testing.T) {
	r := build(t, bigInput(20_000))
	total := 0
	for _, c := range r.Candidates {
		for _, s := range c.Surveys {
			total += s.Responses
		}
	}
	if total != 20_000 || r.Pilot.Invited != 10_000 {
		t.Errorf("responses %d, invited %d; want 20000 and 10000", total, r.Pilot.Invited)
	}
	for _, c := range r.Candidates {
		if c.Verdict == InsufficientData {
			t.Errorf("%s: insufficient data with 10 000 answers: %q", c.Name, c.Reasons)
		}
	}
}
