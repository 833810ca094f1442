package main

import (
	"fmt"
	"strconv"
	"time"
)

type config struct {
	port       string
	title      string
	variant    string
	accent     string // CSS colour
	failHealth bool
	crashAfter time.Duration
	testAPI    bool
	maxVisits  int
}

// Accent colours of the named variants; both pass WCAG AA contrast on white.
var variants = map[string]string{
	"a": "#1d4f91",
	"b": "#00703c",
}

func loadConfig(getenv func(string) string) (config, error) {
	cfg := config{port: "8080", title: "Besökslogg", variant: "a", testAPI: false, maxVisits: 1000}
	if p := getenv("PORT"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return cfg, fmt.Errorf("PORT=%q: want a port number 1..65535", p)
		}
		cfg.port = p
	}
	if t := getenv("APP_TITLE"); t != "" {
		cfg.title = t
	}
	if v := getenv("APP_VARIANT"); v != "" {
		cfg.variant = v
	}
	cfg.accent = variants[cfg.variant]
	if cfg.accent == "" {
		if !isColourName(cfg.variant) {
			return cfg, fmt.Errorf("APP_VARIANT=%q: want a, b or a CSS colour name (letters only)", cfg.variant)
		}
		cfg.accent = cfg.variant
	}
	cfg.failHealth = getenv("DEMO_FAIL_HEALTH") == "1"
	if d := getenv("DEMO_CRASH_AFTER"); d != "" {
		v, err := time.ParseDuration(d)
		if err != nil || v <= 0 {
			return cfg, fmt.Errorf("DEMO_CRASH_AFTER=%q: want a positive duration such as 5s", d)
		}
		cfg.crashAfter = v
	}
	// The failure switches are off unless asked for: a participant reaches
	// the candidate through the gateway and must not be able to crash it.
	cfg.testAPI = getenv("DEMO_TEST_API") == "1"
	return cfg, nil
}

// isColourName accepts only letters, so the value can go into a style
// attribute without any chance of breaking out of it.
func isColourName(s string) bool {
	if s == "" || len(s) > 30 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
