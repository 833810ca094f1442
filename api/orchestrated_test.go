package api_test

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/orchestrator"
	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/pilots/sqlstore"
	"github.com/pilotbed/pilotbed/testbeds/fake"
)

// testClock is the injected clock a test moves through its pilots.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// newOrchestrator wires the real orchestrator as serve does, on a SQLite
// store and the fake runtime (testbeds turn healthy at once), all on clock
// c. Both are closed when the test ends.
func newOrchestrator(t *testing.T, c *testClock) (*orchestrator.Orchestrator, *sqlstore.Store, *fake.Runtime) {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), filepath.Join(t.TempDir(), "pilotbed.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.Now = c.Now
	t.Cleanup(func() { st.Close() })
	rt := fake.New(fake.Options{Instance: "test", Now: c.Now, AutoHealthy: true})
	o, err := orchestrator.New(orchestrator.Config{
		Store: st, Feedback: st, Reports: st, Runtime: rt,
		Instance: "test", Now: c.Now, DataDir: filepath.Join(t.TempDir(), "data"),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(o.Wait)
	return o, st, rt
}

// waitStatus drives the background work and the scheduler until pilot id
// reaches want.
func waitStatus(t *testing.T, o *orchestrator.Orchestrator, id string, want pilots.Status) {
	t.Helper()
	var got pilots.Status
	for range 20 {
		o.Wait()
		p, err := o.Pilot(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if got = p.Status; got == want {
			return
		}
		if err := o.Tick(t.Context()); err != nil {
			t.Logf("Tick: %v", err)
		}
	}
	t.Fatalf("pilot %s: Status=%v, want %v", id, got, want)
}
