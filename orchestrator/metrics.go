package orchestrator

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/testbeds"
)

// scrapeTimeout bounds the store and runtime calls of one scrape, so a slow
// dependency cannot hang /metrics.
const scrapeTimeout = 2 * time.Second

var (
	pilotsDesc = prometheus.NewDesc("pilotbed_pilots",
		"Pilots by lifecycle status.", []string{"status"}, nil)
	containersDesc = prometheus.NewDesc("pilotbed_testbed_containers",
		"Testbed containers this instance owns, by state.", []string{"state"}, nil)
	runtimeUpDesc = prometheus.NewDesc("pilotbed_runtime_up",
		"1 when the container runtime answered at the last check, 0 when not.", nil, nil)
)

// collector reads the store and the runtime at scrape time, so the figures
// are never stale and nothing has to be kept in step.
type collector struct{ o *Orchestrator }

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- pilotsDesc
	ch <- containersDesc
	ch <- runtimeUpDesc
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()

	counts := make(map[pilots.Status]int, len(pilots.Statuses))
	list, err := c.o.store.Pilots(ctx, pilots.PilotFilter{})
	if err != nil {
		c.o.log.Warn("metrics: list pilots", zap.Error(err))
	} else {
		for _, p := range list {
			counts[p.Status]++
		}
		for _, s := range pilots.Statuses {
			ch <- prometheus.MustNewConstMetric(pilotsDesc, prometheus.GaugeValue, float64(counts[s]), string(s))
		}
	}

	up := 0.0
	if !c.o.isUnreachable() {
		up = 1
		states := map[testbeds.State]int{
			testbeds.StateCreating: 0, testbeds.StateRunning: 0, testbeds.StateRestarting: 0, testbeds.StateExited: 0,
		}
		tbs, err := c.o.runtime.Testbeds(ctx)
		if err != nil {
			c.o.log.Warn("metrics: list testbeds", zap.Error(err))
		} else {
			for _, tb := range tbs {
				for _, s := range tb.Services {
					states[s.State]++
				}
			}
			for st, n := range states {
				ch <- prometheus.MustNewConstMetric(containersDesc, prometheus.GaugeValue, float64(n), string(st))
			}
		}
	}
	ch <- prometheus.MustNewConstMetric(runtimeUpDesc, prometheus.GaugeValue, up)
}
