package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// checkAccessible checks the structure WCAG 2.1 AA asks of a page that a
// parser can see: a language, a title, one h1, a skip link to main, unique
// ids, a label for every control, radio groups in fieldsets with legends,
// no positive tabindex, table headers with scope, references
// (aria-describedby, label for, error summary links) that point at ids
// that exist, and "Error: " in the title when there is an error summary.
// Colour contrast and focus styles are checked by looking, in the browser
// test's screenshots.
func admCheckAccessible(t testing.TB, page string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("parse page: %v", err)
	}
	ids := map[string]int{}
	labelFor := map[string]bool{}
	var (
		lang, title  string
		h1s          int
		skip, main   bool
		summaryLinks []string
		describedBy  []string
		controls     []*html.Node
		tables       []*html.Node
	)
	var walk func(n *html.Node, inSummary bool)
	walk = func(n *html.Node, inSummary bool) {
		if n.Type == html.ElementNode {
			if id := admAttr(n, "id"); id != "" {
				ids[id]++
			}
			if v, ok := admAttrOK(n, "tabindex"); ok {
				if i, err := strconv.Atoi(v); err != nil || i > 0 {
					t.Errorf("<%s> has tabindex=%q; only 0 and -1 keep the reading order", n.Data, v)
				}
			}
			if d := admAttr(n, "aria-describedby"); d != "" {
				describedBy = append(describedBy, strings.Fields(d)...)
			}
			if strings.Contains(" "+admAttr(n, "class")+" ", " error-summary ") {
				inSummary = true
			}
			switch n.DataAtom {
			case atom.Html:
				lang = admAttr(n, "lang")
			case atom.Title:
				title = admText(n)
			case atom.H1:
				h1s++
			case atom.Main:
				main = admAttr(n, "id") == "main"
			case atom.A:
				if admAttr(n, "href") == "#main" {
					skip = true
				}
				if inSummary {
					summaryLinks = append(summaryLinks, admAttr(n, "href"))
				}
			case atom.Label:
				if f := admAttr(n, "for"); f != "" {
					labelFor[f] = true
				}
			case atom.Input, atom.Select, atom.Textarea:
				controls = append(controls, n)
			case atom.Button:
				if strings.TrimSpace(admText(n)) == "" {
					t.Errorf("a button has no text")
				}
			case atom.Table:
				tables = append(tables, n)
			case atom.Img:
				if _, ok := admAttrOK(n, "alt"); !ok {
					t.Errorf("an image has no alt")
				}
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch, inSummary)
		}
	}
	walk(doc, false)

	if lang == "" {
		t.Errorf("<html> has no lang")
	}
	if strings.TrimSpace(title) == "" {
		t.Errorf("the page has no title")
	}
	if h1s != 1 {
		t.Errorf("the page has %d h1 elements, want 1", h1s)
	}
	if !skip || !main {
		t.Errorf("skip link=%v, main#main=%v; want both", skip, main)
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("id %q is used %d times", id, n)
		}
	}
	for _, id := range describedBy {
		if ids[id] == 0 {
			t.Errorf("aria-describedby names %q, which no element has", id)
		}
	}
	for f := range labelFor {
		if ids[f] == 0 {
			t.Errorf("a label is for %q, which no element has", f)
		}
	}
	if len(summaryLinks) > 0 && !strings.HasPrefix(title, "Error: ") {
		t.Errorf("title %q lacks the Error: prefix of a page with an error summary", title)
	}
	for _, href := range summaryLinks {
		if !strings.HasPrefix(href, "#") || ids[href[1:]] == 0 {
			t.Errorf("error summary link %q targets no element", href)
		}
	}
	for _, c := range controls {
		typ := admAttr(c, "type")
		if typ == "hidden" || typ == "submit" || typ == "button" {
			continue
		}
		id := admAttr(c, "id")
		if id == "" || !labelFor[id] {
			if admAttr(c, "aria-label") == "" {
				t.Errorf("<%s name=%q> has no label", c.Data, admAttr(c, "name"))
			}
		}
		if typ == "radio" {
			fs := admAncestor(c, atom.Fieldset)
			if fs == nil || admFirstElement(fs) == nil || admFirstElement(fs).DataAtom != atom.Legend {
				t.Errorf("radio %q is not in a fieldset that starts with a legend", admAttr(c, "name"))
			}
		}
	}
	for _, tb := range tables {
		var headers int
		admEach(tb, func(n *html.Node) {
			if n.DataAtom == atom.Th {
				headers++
				if s := admAttr(n, "scope"); s != "col" && s != "row" {
					t.Errorf("a table header %q has scope %q", strings.TrimSpace(admText(n)), s)
				}
			}
		})
		if headers == 0 {
			t.Errorf("a table has no headers")
		}
		if caption := admFirstElement(tb); caption == nil || caption.DataAtom != atom.Caption {
			if admAncestorAttr(tb, "aria-labelledby") == "" {
				t.Errorf("a table has neither a caption nor a labelled region")
			}
		}
	}
}

func admAttrOK(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func admAttr(n *html.Node, key string) string {
	v, _ := admAttrOK(n, key)
	return v
}

func admText(n *html.Node) string {
	var b strings.Builder
	admEach(n, func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
	})
	return b.String()
}

func admEach(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		admEach(ch, fn)
	}
}

func admAncestor(n *html.Node, a atom.Atom) *html.Node {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.DataAtom == a {
			return p
		}
	}
	return nil
}

func admAncestorAttr(n *html.Node, key string) string {
	for p := n.Parent; p != nil; p = p.Parent {
		if v := admAttr(p, key); v != "" {
			return v
		}
	}
	return ""
}

func admFirstElement(n *html.Node) *html.Node {
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if ch.Type == html.ElementNode {
			return ch
		}
	}
	return nil
}

// TestAdminPagesAccessible renders every admin page, in its plain and its
// error forms, and checks its structure.
func TestAdminPagesAccessible(t *testing.T) {
	e := newAdminEnv(t, true)
	draft := e.submit(t, adminPilotFile)
	closed := e.submit(t, `pilot "closed" {
  title = "Closed pilot"
  candidate "a" {
  }
  candidate "b" {
  }
}
`)
	running := e.submit(t, `pilot "running" {
  title = "Running pilot"
  candidate "a" {
  }
}
`)
	for _, step := range []func() error{
		func() error { _, err := e.svc.Start(t.Context(), "alice", closed.ID, ""); return err },
		func() error { _, err := e.svc.Close(t.Context(), "alice", closed.ID, "done"); return err },
		func() error { _, err := e.svc.Start(t.Context(), "alice", running.ID, ""); return err },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	admin := e.login(t, e.admin)
	viewer := e.login(t, e.viewer)
	anon := e.client(t)
	d, cl, rn := "/admin/pilots/"+draft.ID, "/admin/pilots/"+closed.ID, "/admin/pilots/"+running.ID

	type page struct {
		name   string
		fetch  func() adminResponse
		status int
	}
	pages := []page{
		{"login", func() adminResponse { return e.get(t, anon, "/admin/login") }, http.StatusOK},
		{"login signed out", func() adminResponse { return e.get(t, anon, "/admin/login?signed_out=1") }, http.StatusOK},
		{"login wrong token", func() adminResponse {
			return e.post(t, anon, "/admin/login", url.Values{"token": {"pbt_wrong"}})
		}, http.StatusUnauthorized},
		{"login empty", func() adminResponse { return e.post(t, anon, "/admin/login", url.Values{}) }, http.StatusUnprocessableEntity},
		{"dashboard", func() adminResponse { return e.get(t, admin, "/admin") }, http.StatusOK},
		{"dashboard viewer", func() adminResponse { return e.get(t, viewer, "/admin") }, http.StatusOK},
		{"pilot draft", func() adminResponse { return e.get(t, admin, d) }, http.StatusOK},
		{"pilot running", func() adminResponse { return e.get(t, admin, rn) }, http.StatusOK},
		{"pilot closed", func() adminResponse { return e.get(t, admin, cl) }, http.StatusOK},
		{"pilot viewer", func() adminResponse { return e.get(t, viewer, rn) }, http.StatusOK},
		{"pilot invite errors", func() adminResponse {
			return e.post(t, admin, rn+"/invitations", url.Values{"cohort": {"x"}, "count": {"0"}})
		}, http.StatusUnprocessableEntity},
		{"invitations", func() adminResponse {
			return e.post(t, admin, rn+"/invitations", url.Values{"cohort": {"cohort-a"}, "count": {"3"}})
		}, http.StatusCreated},
		{"confirm", func() adminResponse { return e.get(t, admin, d+"/confirm/withdraw") }, http.StatusOK},
		{"confirm error", func() adminResponse { return e.post(t, admin, d+"/withdraw", url.Values{}) }, http.StatusUnprocessableEntity},
		{"decide", func() adminResponse { return e.get(t, admin, cl+"/decide") }, http.StatusOK},
		{"decide errors", func() adminResponse { return e.post(t, admin, cl+"/promote", url.Values{}) }, http.StatusUnprocessableEntity},
		{"decide conflict", func() adminResponse {
			return e.post(t, admin, cl+"/promote", url.Values{"candidate": {"b"}, "justification": {"x"}})
		}, http.StatusConflict},
		{"reject error", func() adminResponse { return e.post(t, admin, cl+"/reject", url.Values{}) }, http.StatusUnprocessableEntity},
		{"not found", func() adminResponse { return e.get(t, admin, "/admin/pilots/nope") }, http.StatusNotFound},
		{"conflict", func() adminResponse { return e.post(t, admin, rn+"/approve", url.Values{}) }, http.StatusConflict},
		{"forbidden", func() adminResponse { return e.post(t, viewer, rn+"/close", url.Values{}) }, http.StatusForbidden},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			r := p.fetch()
			admWantStatus(t, r, p.status)
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Fatalf("Content-Type=%q, want text/html", ct)
			}
			admCheckAccessible(t, r.Body)
		})
	}
	// The radio group of the decision page is really there to be checked.
	r := e.get(t, admin, cl+"/decide")
	if got := strings.Count(r.Body, `type="radio"`); got != 2 {
		t.Errorf("decision page has %d radios, want 2", got)
	}
}

// admRecorder collects what the checker reports instead of failing.
type admRecorder struct {
	testing.TB
	errs []string
}

func (r *admRecorder) Helper() {}
func (r *admRecorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestAdminCheckAccessibleFinds makes sure the checker catches what it
// claims to, so passing pages mean something.
func TestAdminCheckAccessibleFinds(t *testing.T) {
	const ok = `<!DOCTYPE html><html lang="en"><head><title>T</title></head><body><a href="#main">Skip</a><main id="main"><h1>H</h1>%s</main></body></html>`
	tests := []struct {
		name, body, want string
	}{
		{"fine", `<label for="x">X</label><input id="x">`, ""},
		{"unlabelled input", `<input id="x" name="x">`, "has no label"},
		{"positive tabindex", `<p tabindex="2">x</p>`, "tabindex"},
		{"radio outside fieldset", `<label for="r">R</label><input type="radio" id="r" name="r">`, "fieldset"},
		{"th without scope", `<table><caption>c</caption><tr><th>a</th></tr></table>`, "scope"},
		{"dangling describedby", `<label for="x">X</label><input id="x" aria-describedby="nope">`, "aria-describedby"},
		{"summary link to nothing", `<div class="error-summary"><a href="#gone">x</a></div>`, "targets no element"},
		{"duplicate id", `<p id="a"></p><p id="a"></p>`, "used 2 times"},
		{"two h1", `<h1>again</h1>`, "h1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &admRecorder{TB: t}
			admCheckAccessible(r, fmt.Sprintf(ok, tt.body))
			got := strings.Join(r.errs, "\n")
			if tt.want == "" && got != "" {
				t.Errorf("errors:\n%s\nwant none", got)
			}
			if tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("errors:\n%s\nwant one about %q", got, tt.want)
			}
		})
	}
}
