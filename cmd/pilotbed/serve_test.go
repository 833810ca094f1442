package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var bootstrapRE = regexp.MustCompile(`(pbt_[a-z2-7]+)`)

// serveFresh runs serve with no bootstrap token in the environment.
func serveFresh(t *testing.T, dataDir string) *server {
	t.Helper()
	return launchServer(t, dataDir, nil)
}

// httpDo sends one request, with a bearer token unless token is "", and
// returns the status and the body. A server that does not answer within
// ten seconds fails the test.
func httpDo(t *testing.T, method, url, token string, body io.Reader) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s %s: %v", method, url, err)
	}
	return resp.StatusCode, string(b)
}

// TestServeBootstrapAndTokens checks the first start: an admin token is
// printed once and stored only as a hash; tokens created on the host work
// with their role; the server exposes health, readiness and metrics.
func TestServeBootstrapAndTokens(t *testing.T) {
	dataDir := t.TempDir()
	srv := serveFresh(t, dataDir)
	url, out := srv.url, srv.out

	m := bootstrapRE.FindStringSubmatch(out.String())
	if m == nil || !strings.Contains(out.String(), "Bootstrap admin token") {
		t.Fatalf("first start printed no bootstrap token:\n%s", out.String())
	}
	admin := m[1]
	if code, body := httpDo(t, "GET", url+"/api/v1/pilots", admin, nil); code != http.StatusOK {
		t.Fatalf("GET /api/v1/pilots with the bootstrap token: %d %s", code, body)
	}
	if code, _ := httpDo(t, "GET", url+"/api/v1/pilots", "", nil); code != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/pilots without a token: %d, want 401", code)
	}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200} {
		if code, body := httpDo(t, "GET", url+path, "", nil); code != want && !(path == "/readyz" && code == 503) {
			t.Errorf("GET %s: %d %s", path, code, body)
		}
	}
	_, metrics := httpDo(t, "GET", url+"/metrics", "", nil)
	for _, name := range []string{"pilotbed_pilots", "pilotbed_http_request_duration_seconds", "pilotbed_testbed_containers", "go_goroutines"} {
		if !strings.Contains(metrics, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	srv.shutdown(t)

	// Only the hash is stored: the secret appears in no file of the data dir.
	err := filepath.WalkDir(dataDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte(admin)) {
			t.Errorf("%s contains the bootstrap token in clear", path)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk the data dir: %v", err)
	}

	// A viewer token created on the host reads but cannot write.
	var tokOut, tokErr bytes.Buffer
	err = run(t.Context(), []string{"tokens", "create", "--name", "dashboard", "--role", "viewer", "--data-dir", dataDir}, func(string) string { return "" }, strings.NewReader(""), &tokOut, &tokErr)
	if code := exitCode(err, &tokErr); code != 0 {
		t.Fatalf("tokens create: exit %d: %s", code, tokErr.String())
	}
	viewer := strings.TrimSpace(tokOut.String())
	if !strings.HasPrefix(viewer, "pbt_") {
		t.Fatalf("tokens create printed %q, want a pbt_ token", viewer)
	}
	tokOut.Reset()
	tokErr.Reset()
	err = run(t.Context(), []string{"tokens", "create", "--name", "x", "--role", "root", "--data-dir", dataDir}, func(string) string { return "" }, strings.NewReader(""), &tokOut, &tokErr)
	if code := exitCode(err, &tokErr); code != 2 {
		t.Errorf("tokens create --role root: exit %d, want 2", code)
	}

	srv = serveFresh(t, dataDir)
	url, out = srv.url, srv.out
	if strings.Contains(out.String(), "Bootstrap admin token") {
		t.Errorf("second start printed a bootstrap token again:\n%s", out.String())
	}
	if code, _ := httpDo(t, "GET", url+"/api/v1/pilots", viewer, nil); code != http.StatusOK {
		t.Errorf("viewer GET: %d, want 200", code)
	}
	if code, _ := httpDo(t, "POST", url+"/api/v1/pilots", viewer, strings.NewReader(`pilot "x" {}`)); code != http.StatusForbidden {
		t.Errorf("viewer POST: %d, want 403", code)
	}
	if code, _ := httpDo(t, "GET", url+"/api/v1/pilots", admin, nil); code != http.StatusOK {
		t.Errorf("bootstrap token after restart: %d, want 200", code)
	}
}
