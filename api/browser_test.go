package api

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/chromedp/chromedp/kb"
	"github.com/pilotbed/pilotbed/internal/browsertest"
)

// TestBrowserKeyboardSurvey opens an invitation in headless Chromium and
// answers the SUS survey with the keyboard alone: one item left out, the
// error summary, its link to the field, the correction, the check step and
// the receipt. It also checks that the form reflows at 320 px.
func TestBrowserKeyboardSurvey(t *testing.T) {
	f := newPTFixture(t)
	srv := httptest.NewServer(f.h)
	defer srv.Close()

	ctx := browsertest.Start(t, 1000, 900, 90*time.Second)

	shot := func(name string) error {
		p, err := browsertest.Screenshot(ctx, name)
		if err != nil {
			return err
		}
		abs, _ := filepath.Abs(p)
		t.Logf("screenshot: %s", abs)
		return nil
	}
	active := func() string {
		id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? (document.activeElement.id || document.activeElement.tagName) : ""`))
		if err != nil {
			t.Fatalf("read focus: %v", err)
		}
		return id
	}
	eval := func(expr string) any {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return v
	}
	key := func(keys ...string) {
		t.Helper()
		for _, k := range keys {
			if k == kb.Enter {
				if err := pressEnter(ctx); err != nil {
					t.Fatalf("Enter: %v", err)
				}
				continue
			}
			if err := chromedp.Do(ctx, chromedp.KeyEvent(k)); err != nil {
				t.Fatalf("key %q: %v", k, err)
			}
		}
	}
	// tabTo presses Tab until the element with the given id (or the
	// submit button with the given value, as "button:<value>") has focus.
	tabTo := func(want string) {
		t.Helper()
		for range 80 {
			key(kb.Tab)
			got := active()
			if got == want {
				return
			}
			if v, ok := strings.CutPrefix(want, "button:"); ok && got == "BUTTON" {
				if eval(`document.activeElement.value`) == v {
					return
				}
			}
		}
		t.Fatalf("Tab never reached %q", want)
	}

	// The invitation link, then the survey link, followed by keyboard.
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/p/"+f.secret)); err != nil {
		t.Fatalf("open invitation: %v", err)
	}
	tabTo("survey-final")
	key(kb.Enter)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("q-sus_1-1"))); err != nil {
		t.Fatalf("survey form: %v", err)
	}

	// Every item but SUS 4: Space picks the first point, arrows move on.
	for i := 1; i <= 10; i++ {
		tabTo(fmt.Sprintf("q-sus_%d-1", i))
		if i == 4 {
			continue
		}
		key(" ", kb.ArrowRight, kb.ArrowRight) // 3: neither agree nor disagree
	}
	for i := 1; i <= 2; i++ {
		tabTo(fmt.Sprintf("q-umux_lite_%d-1", i))
		key(" ", kb.ArrowRight, kb.ArrowRight, kb.ArrowRight, kb.ArrowRight, kb.ArrowRight) // 6
	}
	if checked := eval(`document.querySelectorAll('input[type=radio]:checked').length`); checked != 11.0 {
		t.Fatalf("checked radios=%v, want 11", checked)
	}
	if err := shot("survey-form"); err != nil {
		t.Fatal(err)
	}
	tabTo("button:check")
	key(kb.Enter)

	// The error summary has focus and links to the missing item.
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(".error-summary"))); err != nil {
		t.Fatalf("error summary: %v", err)
	}
	title, _ := chromedp.Run(ctx, chromedp.Title())
	if !strings.HasPrefix(title, "Fel: ") {
		t.Errorf("title=%q, want it to start with \"Fel: \"", title)
	}
	if focusClass := eval(`document.activeElement.className`); focusClass != "error-summary" {
		t.Errorf("focus on %q after the error, want the error summary", focusClass)
	}
	for i := 1; i <= 10; i++ {
		if i == 4 {
			continue
		}
		if kept := eval(fmt.Sprintf(`document.getElementById('q-sus_%d-3').checked`, i)); kept != true {
			t.Errorf("answer to SUS %d was lost", i)
		}
	}
	if err := shot("survey-error"); err != nil {
		t.Fatal(err)
	}
	assertReflow(t, ctx)

	key(kb.Tab)
	if href := eval(`document.activeElement.getAttribute('href')`); href != "#q-sus_4-1" {
		t.Fatalf("first Tab from the summary reached %q, want the link to #q-sus_4-1", href)
	}
	key(kb.Enter)
	if got := waitFocus(ctx, "q-sus_4-1"); got != "q-sus_4-1" {
		t.Logf("location %v, active %v", eval(`location.href`), eval(`document.activeElement.outerHTML.slice(0,200)`))
		t.Fatalf("focus after following the error link=%q, want q-sus_4-1", got)
	}
	key(" ", kb.ArrowRight) // 2
	tabTo("button:check")
	key(kb.Enter)

	// The check step, then the confirmation.
	if err := waitFor(ctx, chromedp.CSS("button[value=confirm]")); err != nil {
		title, _ := chromedp.Run(ctx, chromedp.Title())
		shot("check-failed")
		t.Fatalf("check step: %v (page %q)", err, title)
	}
	tabTo("button:confirm")
	key(kb.Enter)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("receipt"))); err != nil {
		t.Fatalf("receipt: %v", err)
	}
	receipt, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("receipt")))
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !regexp.MustCompile(`^[0-9A-Z]{4}-[0-9A-Z]{4}$`).MatchString(receipt) || !strings.HasSuffix(loc, "/s/final/kvitto") {
		t.Fatalf("receipt=%q at %s, want a code on /s/final/kvitto", receipt, loc)
	}
	if err := shot("survey-receipt"); err != nil {
		t.Fatal(err)
	}
}

// pressEnter presses Enter as a keyboard does: the key down carries its
// text, so the browser handles it as one key press. chromedp.KeyEvent sends
// the text as a separate char event, which reaches whatever has focus once
// the key down was handled: after an error summary link has moved focus to
// a radio, that char would submit the form.
func pressEnter(ctx context.Context) error {
	down := input.DispatchKeyEventParams{
		Type: input.DispatchKeyEventTypeKeyDown, Key: "Enter", Code: "Enter", Text: "\r", UnmodifiedText: "\r",
		WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13,
	}
	if _, err := chromedp.Call(ctx, input.DispatchKeyEvent, down); err != nil {
		return err
	}
	up := down
	up.Type, up.Text, up.UnmodifiedText = input.DispatchKeyEventTypeKeyUp, "", ""
	_, err := chromedp.Call(ctx, input.DispatchKeyEvent, up)
	return err
}

// waitFor waits at most ten seconds for an element to show.
func waitFor(ctx context.Context, sel chromedp.CSS) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return chromedp.Do(ctx, chromedp.WaitVisible(sel))
}

// waitFocus waits briefly for focus to land on id and returns where it is.
func waitFocus(ctx context.Context, id string) string {
	var got string
	for range 20 {
		got, _ = chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
		if got == id {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	return got
}

// assertReflow narrows the viewport to 320 CSS px and checks that nothing
// scrolls sideways, then restores it.
func assertReflow(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(320, 640)); err != nil {
		t.Fatalf("narrow viewport: %v", err)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatalf("reflow: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.ResetViewport()); err != nil {
		t.Fatalf("reset viewport: %v", err)
	}
	if width > 320 {
		t.Errorf("page is %d px wide at a 320 px viewport; want no horizontal scrolling", width)
	}
}
