package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/docker/client"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/orchestrator"
	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/pilots/sqlstore"
	"github.com/pilotbed/pilotbed/testbeds/docker"
)

func init() { extraCommands = append(extraCommands, newServeCmd) }

type serveConfig struct {
	addr      string
	dataDir   string
	logLevel  string
	logFormat string
	reconcile time.Duration
	// trustedProxies may name the client in X-Forwarded-For.
	trustedProxies []string

	// Supervision tuning, hidden from the flag list: the defaults suit a
	// production pilot, smaller values let drills and tests see a crash
	// loop or a daemon outage play out in seconds.
	restartBudget     int
	restartWindow     time.Duration
	restartBackoff    time.Duration
	restartBackoffMax time.Duration
}

func newServeCmd(c *cli) *cobra.Command {
	var cfg serveConfig
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the pilotbed server: API, testbeds, scheduler",
		Long: `serve runs the pilotbed server. It keeps its state in an SQLite database in
the data directory, runs candidate testbeds on the Docker Engine named by
DOCKER_HOST (or the local socket), starts and closes pilots on their dates,
and serves the JSON API under /api/v1 together with /healthz, /readyz and
/metrics.

On its first start the server creates an admin token and prints it once;
only its hash is stored. Set PILOTBED_BOOTSTRAP_TOKEN to choose that token
yourself (for automation). On SIGTERM or Ctrl-C the server stops serving
and leaves testbeds running; the next start adopts them.

A failed service is restarted after a backoff (1s, doubling up to 1m), at
most 5 times an hour, before pilotbed gives up on it and records an
incident. The hidden flags --restart-budget, --restart-window,
--restart-backoff and --restart-backoff-max change these numbers, for
drills and tests that must see a crash loop play out quickly.`,
		Example: `  pilotbed serve --data-dir /var/lib/pilotbed --addr 0.0.0.0:8080
  PILOTBED_BOOTSTRAP_TOKEN=pbt_... pilotbed serve --log-format json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			return serve(cmd.Context(), c, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.addr, "addr", envOr(c.getenv, "PILOTBED_ADDR", "127.0.0.1:8080"), "address to listen on (env PILOTBED_ADDR)")
	f.StringVar(&cfg.dataDir, "data-dir", envOr(c.getenv, "PILOTBED_DATA_DIR", "data"), "directory for the database, reports and exports (env PILOTBED_DATA_DIR)")
	f.StringVar(&cfg.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.StringVar(&cfg.logFormat, "log-format", "console", "log format: console or json")
	f.DurationVar(&cfg.reconcile, "reconcile-interval", 15*time.Second, "how often testbeds are converged with the stored pilots")
	var proxies []string
	if v := c.getenv("PILOTBED_TRUSTED_PROXIES"); v != "" {
		proxies = strings.Split(v, ",")
	}
	f.StringSliceVar(&cfg.trustedProxies, "trusted-proxy", proxies, "address or CIDR of a reverse proxy whose X-Forwarded-For names the client, for rate limits; repeat or separate with commas (env PILOTBED_TRUSTED_PROXIES)")
	f.IntVar(&cfg.restartBudget, "restart-budget", docker.DefaultRestartBudget, "restarts of one service within --restart-window before the runtime gives up on it")
	f.DurationVar(&cfg.restartWindow, "restart-window", docker.DefaultRestartWindow, "the window in which --restart-budget restarts are allowed")
	f.DurationVar(&cfg.restartBackoff, "restart-backoff", docker.DefaultBackoffBase, "wait before the first restart of a failed service, doubled for each further one; also paces reconnecting to Docker")
	f.DurationVar(&cfg.restartBackoffMax, "restart-backoff-max", docker.DefaultBackoffMax, "the longest wait between restarts or reconnection attempts")
	for _, name := range []string{"restart-budget", "restart-window", "restart-backoff", "restart-backoff-max"} {
		_ = f.MarkHidden(name) // for drills and tests; documented in the long help
	}
	return cmd
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func newLogger(level, format string, w zapcore.WriteSyncer) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, usageErrorf("--log-level: %v", err)
	}
	ec := zap.NewProductionEncoderConfig()
	ec.TimeKey = "time"
	ec.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	switch format {
	case "json":
		enc = zapcore.NewJSONEncoder(ec)
	case "console":
		ec.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(ec)
	default:
		return nil, usageErrorf("--log-format must be console or json, not %q", format)
	}
	return zap.New(zapcore.NewCore(enc, w, lvl)), nil
}

func serve(ctx context.Context, c *cli, cfg serveConfig) error {
	if err := cfg.checkProxies(); err != nil {
		return err
	}
	if err := cfg.checkSupervision(); err != nil {
		return err
	}
	log, err := newLogger(cfg.logLevel, cfg.logFormat, zapcore.AddSync(c.stderr))
	if err != nil {
		return err
	}
	defer log.Sync()

	if err := os.MkdirAll(cfg.dataDir, 0o750); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	instance, err := instanceID(cfg.dataDir)
	if err != nil {
		return err
	}
	store, err := sqlstore.Open(ctx, filepath.Join(cfg.dataDir, "pilotbed.db"))
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer store.Close()

	if err := bootstrapToken(ctx, c, store); err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	dopts := docker.Options{
		Instance: instance, Logger: log.Named("docker"), Registerer: reg,
		RestartBudget: cfg.restartBudget, RestartWindow: cfg.restartWindow,
		BackoffBase: cfg.restartBackoff, BackoffMax: cfg.restartBackoffMax,
	}
	// The Docker client reads the process environment by itself; the
	// environment run() was given wins, so DOCKER_HOST means the same to
	// serve as to every other setting (and tests can point it elsewhere).
	copts := []client.Opt{client.FromEnv, client.WithAPIVersionNegotiation()}
	if host := c.getenv("DOCKER_HOST"); host != "" {
		copts = append(copts, client.WithHost(host))
	}
	dc, err := client.NewClientWithOpts(copts...)
	if err != nil {
		return fmt.Errorf("create Docker client: %w", err)
	}
	defer dc.Close()
	dopts.Client = dc
	rt, err := docker.New(dopts)
	if err != nil {
		return fmt.Errorf("set up the Docker runtime: %w", err)
	}
	defer rt.Close()

	orch, err := orchestrator.New(orchestrator.Config{
		Store:             store,
		Feedback:          store,
		Reports:           store,
		Runtime:           rt,
		Instance:          instance,
		Logger:            log.Named("orchestrator"),
		Registerer:        reg,
		DataDir:           cfg.dataDir,
		ReconcileInterval: cfg.reconcile,
	})
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	srv := &http.Server{
		Handler: api.NewServer(api.Config{
			Service:        orch,
			Feedback:       orch,
			Participants:   orch,
			Tokens:         store,
			Logger:         log.Named("http"),
			Gatherer:       reg,
			Registerer:     reg,
			Version:        version,
			TrustedProxies: cfg.trustedProxies,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}

	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRun()
	orchDone := make(chan error, 1)
	go func() { orchDone <- orch.Run(runCtx) }()

	srvErr := make(chan error, 1)
	go func() { srvErr <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String()
	log.Info("pilotbed serving", zap.String("addr", url), zap.String("instance", instance), zap.String("data_dir", cfg.dataDir))
	fmt.Fprintf(c.stdout, "pilotbed listening on %s\n", url)

	select {
	case <-ctx.Done():
		log.Info("shutting down; testbeds keep running and are adopted on the next start")
	case err := <-srvErr:
		stopRun()
		<-orchDone
		return fmt.Errorf("serve http: %w", err)
	case err := <-orchDone:
		shutdown(srv, log)
		if err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("orchestrator: %w", err)
		}
		return nil
	}
	shutdown(srv, log)
	stopRun()
	if err := <-orchDone; err != nil && !errors.Is(err, context.Canceled) {
		log.Warn("orchestrator stopped with an error", zap.Error(err))
	}
	return nil
}

// checkProxies refuses a --trusted-proxy that is neither an address nor a
// CIDR range, before anything is created.
func (cfg serveConfig) checkProxies() error {
	for _, p := range cfg.trustedProxies {
		p = strings.TrimSpace(p)
		if _, err := netip.ParsePrefix(p); err == nil {
			continue
		}
		if _, err := netip.ParseAddr(p); err == nil {
			continue
		}
		return usageErrorf("--trusted-proxy %q is neither an IP address nor a CIDR range such as 10.0.0.0/8", p)
	}
	return nil
}

// checkSupervision refuses restart settings the runtime cannot work with,
// before anything is created.
func (cfg serveConfig) checkSupervision() error {
	if cfg.restartBudget < 1 {
		return usageErrorf("--restart-budget must be at least 1, not %d", cfg.restartBudget)
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"--restart-window", cfg.restartWindow}, {"--restart-backoff", cfg.restartBackoff}, {"--restart-backoff-max", cfg.restartBackoffMax}} {
		if f.d <= 0 {
			return usageErrorf("%s must be a positive duration, not %s", f.name, f.d)
		}
	}
	return nil
}

func shutdown(srv *http.Server, log *zap.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Warn("http shutdown", zap.Error(err))
	}
}

// instanceID returns the id that labels every Docker object this server
// owns. It is created once per data directory, so a restarted server adopts
// what it left running and two servers never touch each other's testbeds.
func instanceID(dataDir string) (string, error) {
	path := filepath.Join(dataDir, "instance")
	b, err := os.ReadFile(path)
	if err == nil {
		if id := strings.TrimSpace(string(b)); id != "" {
			return id, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read instance id: %w", err)
	}
	r := make([]byte, 5)
	rand.Read(r)
	id := "pb" + hex.EncodeToString(r)
	if err := os.WriteFile(path, []byte(id+"\n"), 0o640); err != nil {
		return "", fmt.Errorf("write instance id: %w", err)
	}
	return id, nil
}

// bootstrapToken makes sure an admin can reach a fresh server: with no
// token stored it creates one and prints it once. A token given in
// PILOTBED_BOOTSTRAP_TOKEN is stored (as a hash) if it is not yet known.
func bootstrapToken(ctx context.Context, c *cli, store pilots.Store) error {
	secret := strings.TrimSpace(c.getenv("PILOTBED_BOOTSTRAP_TOKEN"))
	if secret != "" {
		if len(secret) < 20 {
			return usageErrorf("PILOTBED_BOOTSTRAP_TOKEN is too short: use at least 20 random characters")
		}
		if _, err := store.TokenByHash(ctx, pilots.HashSecret(secret)); err == nil {
			return nil
		} else if pilots.ErrorCode(err) != pilots.ENOTFOUND {
			return fmt.Errorf("look up bootstrap token: %w", err)
		}
		return createToken(ctx, store, "bootstrap-"+pilots.HashSecret(secret)[:8], pilots.RoleAdmin, secret)
	}
	n, err := store.CountTokens(ctx)
	if err != nil {
		return fmt.Errorf("count tokens: %w", err)
	}
	if n > 0 {
		return nil
	}
	secret = pilots.NewSecret(pilots.TokenPrefix)
	if err := createToken(ctx, store, "bootstrap", pilots.RoleAdmin, secret); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "Bootstrap admin token (shown once; store it safely, e.g. export PILOTBED_TOKEN=...):\n  %s\n", secret)
	return nil
}

func createToken(ctx context.Context, store pilots.Store, name string, role pilots.Role, secret string) error {
	t := pilots.Token{ID: pilots.NewSecret("t-")[:14], Name: name, Role: role, Hash: pilots.HashSecret(secret), CreatedAt: time.Now().UTC()}
	if err := store.CreateToken(ctx, t); err != nil {
		return fmt.Errorf("store token %q: %w", name, err)
	}
	return nil
}
