// Package browsertest starts headless Chromium for tests that look at
// pilotbed's pages the way a person does, through chromedp.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Path returns the Chromium executable, or "" when none is installed.
func Path() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Start launches headless Chromium with a window of width x height and
// returns a chromedp context that ends after timeout or when the test ends.
// Without Chromium the test is skipped, unless CI is set: CI installs it
// (.ci/apt-packages), so a missing browser there is a failure.
func Start(t testing.TB, width, height int, timeout time.Duration) context.Context {
	t.Helper()
	exe := Path()
	if exe == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium not found; CI installs it from .ci/apt-packages")
		}
		t.Skip("chromium not found")
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.WithoutCancel(t.Context()),
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.WindowSize(width, height),
	)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() {
		cancel()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

// Screenshot saves a full-page screenshot as testdata/screenshots/NAME.png
// of the calling test's package and returns its path.
func Screenshot(ctx context.Context, name string) (string, error) {
	dir := filepath.Join("testdata", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, name+".png")
	return p, os.WriteFile(p, buf, 0o644)
}
