package docker

import (
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the probe counters; nil fields when no registerer was given.
type metrics struct {
	probes   *prometheus.CounterVec
	duration prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{}
	if reg == nil {
		return m, nil
	}
	probes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "pilotbed_probe_total",
		Help: "Health probes of testbed services, by result (ok or fail).",
	}, []string{"result"})
	duration := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "pilotbed_probe_duration_seconds",
		Help:    "Time a health probe of a testbed service took.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	})
	var err error
	if m.probes, err = register(reg, probes); err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, duration); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector already registered under
// its name, so two runtimes may share a registry.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		return c, fmt.Errorf("register probe metrics: %w", err)
	}
	return c, nil
}

func (m *metrics) observe(ok bool, took time.Duration) {
	if m.probes == nil {
		return
	}
	result := "ok"
	if !ok {
		result = "fail"
	}
	m.probes.WithLabelValues(result).Inc()
	m.duration.Observe(took.Seconds())
}
