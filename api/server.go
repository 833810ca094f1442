package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// Config holds what the server depends on.
type Config struct {
	Service Service
	Tokens  Tokens
	// Feedback serves invitations, survey windows and exports; those
	// routes answer 503 when it is nil.
	Feedback FeedbackService
	// Participants serves the participant pages and the gateway; those
	// routes answer 503 when it is nil.
	Participants ParticipantService
	// Logger receives one line per request and every internal error; nil
	// logs nothing.
	Logger *zap.Logger
	// Gatherer is exposed at /metrics; nil exposes an empty registry.
	Gatherer prometheus.Gatherer
	// Registerer receives the HTTP request metrics; nil records none.
	Registerer prometheus.Registerer
	// TrustedProxies are the addresses or CIDR ranges of reverse proxies
	// whose X-Forwarded-For names the client, for rate limits. None by
	// default: the peer address is the client, since anyone can send the
	// header. Invalid entries are logged and ignored.
	TrustedProxies []string
	// Version is reported by /readyz.
	Version string
}

// server holds the dependencies the handlers close over.
type server struct {
	svc      Service
	feedback FeedbackService    // nil: feedback routes answer 503
	parts    ParticipantService // nil: participant routes answer 503
	tokens   Tokens
	log      *zap.Logger
	gatherer prometheus.Gatherer
	duration *prometheus.HistogramVec // nil when no Registerer was given
	version  string
}

// NewServer returns the HTTP handler of the API, the probes and the metrics.
func NewServer(cfg Config) http.Handler {
	// Release mode keeps gin from printing its route table and warnings;
	// SetMode is atomic, so calling it per server is safe.
	gin.SetMode(gin.ReleaseMode)

	s := &server{
		svc:      cfg.Service,
		feedback: cfg.Feedback,
		parts:    cfg.Participants,
		tokens:   cfg.Tokens,
		log:      cfg.Logger,
		gatherer: cfg.Gatherer,
		version:  cfg.Version,
	}
	if s.log == nil {
		s.log = zap.NewNop()
	}
	if s.gatherer == nil {
		s.gatherer = prometheus.NewRegistry()
	}
	if cfg.Registerer != nil {
		s.duration = registerDuration(cfg.Registerer)
	}

	r := gin.New()
	// An API answers exact paths: a redirect to a cleaned path would hide
	// client mistakes and turn a POST into a confusing 307.
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true
	// Route on the escaped path so an id containing an escaped "/" stays
	// one path segment; parameters are unescaped for the handlers.
	r.UseRawPath = true
	r.UnescapePathValues = true
	// Let handlers' c.Request.Context() carry cancellation; the gin context
	// itself is never passed down.
	r.ContextWithFallback = true
	// gin trusts every proxy unless told otherwise; trust only those named.
	if err := r.SetTrustedProxies(cfg.TrustedProxies); err != nil {
		s.log.Error("trusted proxies ignored", zap.Error(err))
		_ = r.SetTrustedProxies(nil)
	}
	s.routes(r)
	return r
}

// registerDuration registers the request histogram, reusing one that an
// earlier server registered on the same registry.
func registerDuration(reg prometheus.Registerer) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "pilotbed_http_request_duration_seconds",
		Help:    "Time to answer HTTP requests, by method, route template and status.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "route", "status"})
	if err := reg.Register(h); err != nil {
		if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
			if existing, ok := are.ExistingCollector.(*prometheus.HistogramVec); ok {
				return existing
			}
		}
		return nil
	}
	return h
}
