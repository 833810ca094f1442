package api

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	vegeta "github.com/tsenart/vegeta/v12/lib"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/pilotbed/pilotbed/orchestrator"
	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/pilots/sqlstore"
	"github.com/pilotbed/pilotbed/testbeds/fake"
)

// The ingestion target: participants' survey submissions, each a durable
// (fsynced) SQLite commit, from 64 concurrent clients, at no less than half
// the rate of a bare gin handler measured in the same run, with p99 <= 50 ms
// and no response lost or duplicated. Run by `make bench` only:
//
//	go test -run '^$' -bench Ingest -benchtime 1x ./api/
//
// The load comes from vegeta, a maintained HTTP load generator whose
// latency estimates (t-digest quantiles) are what its own reports print, so
// the figures are not those of a hand-rolled client loop.

const (
	ingestClients     = 64               // concurrent clients (vegeta workers)
	ingestSubmissions = 5000             // distinct participants, each submitting once
	ingestMaxDuration = 10 * time.Second // bound on one attack
	ingestSurvey      = "dagbok"
)

// ingestPilotSrc has one short survey, answered by every participant.
const ingestPilotSrc = `
pilot "inmatning" {
  title   = "Inmatning under last"
  owner   = "Prestandamätning"
  contact = "bench@example.org"
  start   = "2027-01-11"
  end     = "2027-03-31"
  retention {
    keep     = "30d"
    decision = "bench"
  }
  privacy {
    legal_basis = "bench"
  }
  candidate "a" {
    vendor = "Leverantör A AB"
    entry  = "web"
    service "web" {
      image = "demo:latest"
      port  = 8080
    }
  }
  cohort "alla" {
    candidate    = "a"
    participants = 5000
  }
  survey "dagbok" {
    question "trivsel" {
      type = "likert"
      text = "Jag trivs med tjänsten."
    }
    question "rekommendera" {
      type = "nps"
      text = "Skulle du rekommendera tjänsten?"
    }
    question "kommentar" {
      type     = "text"
      optional = true
      text     = "Något mer?"
    }
  }
}
`

// ingestBody is the confirmation step of a complete answer.
var ingestBody = []byte(url.Values{
	stepField:      {stepConfirm},
	"trivsel":      {"4"},
	"rekommendera": {"9"},
	"kommentar":    {"Fungerar bra nattetid, men inloggningen tar tid."},
}.Encode())

// ingestSetup is the real server wired as `pilotbed serve` wires it, with
// the fake runtime in place of Docker, on a SQLite file.
type ingestSetup struct {
	o     *orchestrator.Orchestrator
	store *sqlstore.Store
	pilot pilots.Pilot
	srv   *httptest.Server
}

func newIngestSetup(b *testing.B) *ingestSetup {
	b.Helper()
	ctx := b.Context()
	clock := &ptClock{t: ptStart.Add(-24 * time.Hour)}
	st, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), "pilotbed.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	st.Now = clock.Now
	// Logging as in production (info, JSON), written nowhere: encoding a
	// line per request is part of the cost of a submission.
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zapcore.InfoLevel))
	reg := prometheus.NewRegistry()
	rt := fake.New(fake.Options{Instance: "bench", Now: clock.Now})
	o, err := orchestrator.New(orchestrator.Config{Store: st, Feedback: st, Reports: st, Runtime: rt, Instance: "bench",
		Now: clock.Now, Logger: log, Registerer: reg})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(o.Wait)
	p, err := o.Submit(ctx, "bench", "inmatning.hcl", []byte(ingestPilotSrc))
	if err != nil {
		b.Fatalf("Submit: %v", err)
	}
	clock.Set(ptStart.Add(2 * 24 * time.Hour))
	if _, err := o.Start(ctx, "bench", p.ID, "ingestion benchmark"); err != nil {
		b.Fatalf("Start: %v", err)
	}
	o.Wait()

	// The per-client bucket would refuse one machine sending thousands of
	// forms; the clients here stand for many people behind one address, so
	// only this server gets a bucket large enough. The per-invitation
	// bucket stays as in production: each participant submits once.
	saved := participantLimits
	participantLimits.ClientBurst = 1 << 30
	h := NewServer(Config{Service: o, Feedback: o, Participants: o, Tokens: st, Logger: log.Named("http"), Gatherer: reg, Registerer: reg})
	participantLimits = saved

	srv := httptest.NewServer(h)
	b.Cleanup(srv.Close)
	return &ingestSetup{o: o, store: st, pilot: p, srv: srv}
}

// invite makes n new participants and returns their secrets by
// participant id.
func (s *ingestSetup) invite(b *testing.B, n int) map[string]string {
	b.Helper()
	secrets := make(map[string]string, n)
	for n > 0 {
		batch := min(n, pilots.MaxInvitations)
		inv, err := s.o.Invite(b.Context(), "bench", s.pilot.ID, "alla", batch)
		if err != nil {
			b.Fatalf("Invite: %v", err)
		}
		for _, i := range inv {
			secrets[i.Participant] = i.Secret
		}
		n -= batch
	}
	return secrets
}

// onceTargeter hands out each target once, then says there are no more,
// which ends vegeta's attack.
func onceTargeter(targets []vegeta.Target) vegeta.Targeter {
	var next atomic.Int64
	return func(t *vegeta.Target) error {
		i := next.Add(1) - 1
		if i >= int64(len(targets)) {
			return vegeta.ErrNoTargets
		}
		*t = targets[i]
		return nil
	}
}

func submitTarget(base, secret string) vegeta.Target {
	return vegeta.Target{
		Method: http.MethodPost,
		URL:    base + surveyPath(secret, ingestSurvey),
		Body:   ingestBody,
		Header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
	}
}

// attackResult is what one attack measured.
type attackResult struct {
	metrics  vegeta.Metrics
	seeOther map[string]bool // target URL -> answered 303
	other    int             // answers other than 303, transport errors included
	span     time.Duration   // first request to last answer
}

// attack sends every target once from ingestClients workers as fast as
// they are answered, for at most ingestMaxDuration.
func attack(targets []vegeta.Target) attackResult {
	atk := vegeta.NewAttacker(
		vegeta.Workers(ingestClients),
		vegeta.MaxWorkers(ingestClients),
		vegeta.Connections(ingestClients),
		vegeta.Redirects(vegeta.NoFollow), // the 303 is the answer; the receipt is another page
		vegeta.Timeout(30*time.Second),
		vegeta.KeepAlive(true),
	)
	res := attackResult{seeOther: make(map[string]bool, len(targets))}
	// A zero rate is vegeta's "as fast as the workers go".
	for r := range atk.Attack(onceTargeter(targets), vegeta.Rate{Freq: 0}, ingestMaxDuration, "ingest") {
		if r.Code == 0 && r.Error == vegeta.ErrNoTargets.Error() {
			continue // a worker asked after the last target: not a request
		}
		res.metrics.Add(r)
		if r.Code == http.StatusSeeOther {
			res.seeOther[r.URL] = true
		} else {
			res.other++
		}
	}
	res.metrics.Close()
	res.span = res.metrics.Duration + res.metrics.Wait
	return res
}

// report states an attack's rate of 303 answers and latency quantiles.
func (r attackResult) report(b *testing.B) {
	b.ReportMetric(float64(len(r.seeOther))/r.span.Seconds(), "req/s")
	b.ReportMetric(float64(r.metrics.Latencies.P50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(r.metrics.Latencies.P99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(r.metrics.Requests), "sent")
	b.ReportMetric(float64(r.other), "failed")
	if r.other > 0 {
		b.Logf("answers other than 303: %v; errors: %v", r.metrics.StatusCodes, r.metrics.Errors)
	}
}

// BenchmarkIngest attacks the real participant submit path and a bare gin
// handler with the same requests from the same 64 clients. The pilotbed
// run then checks the store against the answers: lost counts participants
// told 303 whose response is not stored, dup counts stored responses beyond
// one per participant, unacked counts responses stored for a participant
// who was not told 303 (a timeout, say).
func BenchmarkIngest(b *testing.B) {
	b.Run("pilotbed", func(b *testing.B) {
		s := newIngestSetup(b)
		var lost, dup, unacked int
		var last attackResult
		for range b.N {
			b.StopTimer()
			secrets := s.invite(b, ingestSubmissions)
			targets := make([]vegeta.Target, 0, len(secrets))
			for _, secret := range secrets {
				targets = append(targets, submitTarget(s.srv.URL, secret))
			}
			before := map[string]int{}
			if err := s.store.ForEachResponse(b.Context(), s.pilot.ID, func(r pilots.Response) error {
				before[r.Participant]++
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()

			last = attack(targets)

			b.StopTimer()
			stored := map[string]int{}
			if err := s.store.ForEachResponse(b.Context(), s.pilot.ID, func(r pilots.Response) error {
				if before[r.Participant] == 0 {
					stored[r.Participant]++
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
			for id, secret := range secrets {
				acked := last.seeOther[s.srv.URL+surveyPath(secret, ingestSurvey)]
				n := stored[id]
				switch {
				case acked && n == 0:
					lost++
				case !acked && n > 0:
					unacked++
				}
				if n > 1 {
					dup += n - 1
				}
			}
			b.StartTimer()
		}
		b.StopTimer()
		last.report(b)
		b.ReportMetric(float64(lost), "lost")
		b.ReportMetric(float64(dup), "dup")
		b.ReportMetric(float64(unacked), "unacked")
	})

	b.Run("bare-gin", func(b *testing.B) {
		gin.SetMode(gin.ReleaseMode)
		r := gin.New()
		r.POST("/p/:token/s/:survey", func(c *gin.Context) {
			// The same work a handler cannot skip: read the form, answer
			// with a redirect to the receipt.
			if err := c.Request.ParseForm(); err != nil {
				c.AbortWithStatus(http.StatusBadRequest)
				return
			}
			c.Redirect(http.StatusSeeOther, receiptPath(c.Param("token"), c.Param("survey")))
		})
		srv := httptest.NewServer(r)
		b.Cleanup(srv.Close)
		var last attackResult
		for i := range b.N {
			b.StopTimer()
			targets := make([]vegeta.Target, ingestSubmissions)
			for j := range targets {
				targets[j] = submitTarget(srv.URL, fmt.Sprintf("pbp_bare%02d%06d", i, j))
			}
			b.StartTimer()
			last = attack(targets)
		}
		b.StopTimer()
		if len(last.seeOther) == 0 {
			b.Fatal("the bare handler answered no request with 303")
		}
		last.report(b)
	})
}
