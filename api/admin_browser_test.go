package api_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/chromedp/chromedp/kb"
	"github.com/pilotbed/pilotbed/internal/browsertest"

	"github.com/pilotbed/pilotbed/pilots"
)

// TestAdminBrowser signs in with a token in headless Chromium, looks at the
// dashboard, opens a pilot and starts it through the confirmation page,
// then checks the keyboard entry point and the 320 px reflow. Screenshots
// go to testdata/screenshots/ for a person to look at.
func TestAdminBrowser(t *testing.T) {
	e := newAdminEnv(t, true)
	p := e.submit(t, `pilot "nattillsyn" {
  title = "Digital nattillsyn i hemtjänsten"
  candidate "leverantor-a" {
  }
  candidate "leverantor-b" {
  }
}
`)
	other := e.submit(t, `pilot "medicinrobot" {
  title = "Medicinrobot för hemmaboende"
  candidate "robot-x" {
  }
}
`)
	if _, err := e.svc.Start(t.Context(), "alice", other.ID, "vendor ready"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.fb.Invite(t.Context(), "alice", other.ID, "cohort-robot-x", 4); err != nil {
		t.Fatal(err)
	}
	e.submit(t, `pilot "larmkedja" {
  title = "Digital larmkedja"
  candidate "a" {
  }
}
`)

	run, eval, shot := startAdminBrowser(t)

	// An unknown visitor lands on the login page; the first Tab reaches
	// the skip link.
	run("open /admin", chromedp.Navigate(e.srv.URL+"/admin"), chromedp.WaitVisible(chromedp.ID("token")))
	if got := eval(`location.pathname`); got != "/admin/login" {
		t.Fatalf("path=%q, want /admin/login", got)
	}
	run("tab", chromedp.KeyEvent(kb.Tab))
	if got := eval(`document.activeElement.className`); got != "skip" {
		t.Errorf("first Tab focuses %q, want the skip link", got)
	}

	run("sign in",
		chromedp.SendKeys(chromedp.ID("token"), e.admin),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("status-draft")),
	)
	if got := eval(`document.querySelector("h1").textContent`); got != "Pilots" {
		t.Errorf("h1=%q, want Pilots", got)
	}
	if got := eval(`document.cookie`); strings.Contains(got, "pilotbed_admin") {
		t.Errorf("script can read the session cookie: %q", got)
	}
	shot("admin-dashboard")

	run("open pilot",
		chromedp.Click(chromedp.CSS(`a[href="/admin/pilots/`+p.ID+`"]`)),
		chromedp.WaitVisible(chromedp.ID("events-h")),
	)
	shot("admin-pilot")

	run("confirm start",
		chromedp.Click(chromedp.CSS(`a[href="/admin/pilots/`+p.ID+`/confirm/start"]`)),
		chromedp.WaitVisible(chromedp.ID("reason")),
	)
	shot("admin-confirm")
	run("start",
		chromedp.SendKeys(chromedp.ID("reason"), "All vendors are ready"),
		chromedp.Click(chromedp.CSS("main form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".banner")),
	)
	if got := eval(`document.querySelector(".banner").textContent`); !strings.Contains(got, "was started") {
		t.Errorf("banner=%q, want it to say the pilot was started", got)
	}
	if got, _ := e.svc.Pilot(t.Context(), p.ID); got.Status != pilots.StatusRunning {
		t.Errorf("Status=%v, want running", got.Status)
	}
	shot("admin-pilot-started")

	// At 320 CSS pixels the page reflows: wide tables scroll inside their
	// own regions, the page itself does not scroll sideways.
	run("narrow", chromedp.EmulateViewport(320, 800), chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("events-h")))
	if got := eval(`String(document.documentElement.scrollWidth)`); got != "320" {
		t.Errorf("scrollWidth at 320 px = %s, want 320; too wide: %s", got, eval(`String(innerWidth) + " " + String(document.body.scrollWidth) + " " + [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > 321 && e.scrollWidth > e.clientWidth+1 || e.getBoundingClientRect().right > 321).slice(0, 12).map(e => e.tagName + "." + e.className + "#" + e.id + "=" + Math.round(e.getBoundingClientRect().right) + "/" + e.scrollWidth + "/" + e.clientWidth).join(", ")`))
	}
	shot("admin-pilot-320")
}

// startAdminBrowser starts headless Chromium for an admin browser test and
// returns its steps, each failing the test on error: run does actions,
// eval evaluates a script to a string and shot saves a screenshot to
// testdata/screenshots/.
func startAdminBrowser(t *testing.T) (run func(what string, steps ...chromedp.Action[chromedp.Void]), eval func(expr string) string, shot func(name string)) {
	t.Helper()
	ctx := browsertest.Start(t, 1200, 900, 30*time.Second)
	run = func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval = func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return v
	}
	shot = func(name string) {
		t.Helper()
		path, err := browsertest.Screenshot(ctx, name)
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		abs, _ := filepath.Abs(path)
		t.Logf("screenshot: %s", abs)
	}
	return run, eval, shot
}
