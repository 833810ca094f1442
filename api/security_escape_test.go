package api_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/pilotbed/pilotbed/pilots"
)

// secComment is a participant's hostile comment the reports must show, as
// text.
const secComment = "COMMENT-MARK " + secScript + " " + secAttr

// TestSecurityEscaping follows pilot A, whose every free text is hostile,
// through each page, report, export and dossier that shows it, with hostile
// answers from its participants, and checks that none of it comes out as
// markup, a script URL or a spreadsheet formula.
func TestSecurityEscaping(t *testing.T) {
	e := newSecEnv(t)
	admin := e.login(t, e.admin)
	aID := url.PathEscape(e.A.p.ID)

	// A participant of a1 walks the survey through the web form.
	inv := e.invite(t, e.A, "ca1", 1)[0].Secret
	home := "/p/" + url.PathEscape(inv)
	form := home + "/s/" + e.A.survey
	for _, lang := range []string{"", "?lang=en"} {
		w := e.get(t, home+lang, "")
		secHTML(t, "participant home"+lang, w, http.StatusOK, secMarkA)
		w = e.get(t, form+lang, "")
		secHTML(t, "survey form"+lang, w, http.StatusOK, secMarkA)
	}
	// Hostile input to a number field comes back on the form with an error.
	bad := secAnswerA(secAll, secScript, true)
	bad.Set("minuter", secAttr+secScript)
	bad.Set("_step", "check")
	secHTML(t, "survey form with errors", e.postForm(t, form, bad), http.StatusUnprocessableEntity, "onerror=alert(1)")
	// A hostile comment and a hostile option are shown on the check step.
	good := secAnswerA(secAll, secScript, true)
	good.Set("_step", "check")
	secHTML(t, "check step", e.postForm(t, form, good), http.StatusOK, secScript)
	e.answer(t, inv, e.A.survey, secAnswerA(secAll, secScript, true))
	secHTML(t, "receipt", e.get(t, form+"/kvitto", ""), http.StatusOK, secMarkA)
	w := e.get(t, home, "")
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'sha256-") || strings.Contains(csp, "unsafe-inline' 'sha") || strings.Contains(csp, "script-src 'unsafe") {
		t.Errorf("participant home: Content-Security-Policy=%q, want scripts limited to the page's own by hash", csp)
	}

	// Input reflected from the path and the query is escaped too.
	hostile := url.PathEscape(secScript + secAttr)
	for _, page := range []struct {
		name, path string
		status     int
		admin      bool
	}{
		{"participant home, hostile lang", home + "?lang=" + url.QueryEscape(secAttr+secScript), http.StatusOK, false},
		{"participant, hostile survey", home + "/s/" + hostile, http.StatusNotFound, false},
		{"participant, hostile receipt", home + "/s/" + hostile + "/kvitto", http.StatusNotFound, false},
		{"participant, hostile token", "/p/" + hostile, http.StatusNotFound, false},
		{"gateway, hostile pilot", "/try/" + hostile + "/x?q=" + url.QueryEscape(secScript), http.StatusOK, false},
		{"admin, hostile pilot", "/admin/pilots/" + hostile, http.StatusNotFound, true},
		{"admin, hostile action", "/admin/pilots/" + aID + "/confirm/" + hostile, http.StatusNotFound, true},
		{"admin login, hostile query", "/admin/login?signed_out=" + url.QueryEscape(secScript), http.StatusOK, false},
	} {
		var cks []*http.Cookie
		if page.admin {
			cks = append(cks, admin)
		}
		secHTML(t, page.name, e.get(t, page.path, "", cks...), page.status, "")
	}
	w = e.get(t, "/api/v1/pilots/"+aID+"/source", e.viewer)
	if w.Code != http.StatusOK {
		t.Errorf("pilot source: Status=%d, want 200", w.Code)
	}
	secNoSniff(t, "pilot source", w, "text/plain")

	// More participants answer in both cohorts, each comment a payload.
	comments := append(slices.Clone(secHostile), secComment, "@SUM(1+1)", "+1+1", "-2+3", "\t=1+1", "  =1+1")
	for i, comment := range comments {
		cohort := e.A.cohorts[i%2]
		sec := e.invite(t, e.A, cohort, 1)[0].Secret
		option := []string{secScript, secFormula, "vanlig"}[i%3]
		e.answer(t, sec, e.A.survey, secAnswerA(comment, option, cohort == "ca1"))
	}

	// The admin UI and the preliminary report of the running pilot.
	for _, page := range []struct{ name, path string }{
		{"admin dashboard", "/admin"},
		{"admin pilot page", "/admin/pilots/" + aID},
		{"admin confirm page", "/admin/pilots/" + aID + "/confirm/close"},
	} {
		secHTML(t, page.name, e.get(t, page.path, "", admin), http.StatusOK, secMarkA)
	}
	secHTML(t, "admin report (preliminary)", e.get(t, "/admin/pilots/"+aID+"/report", "", admin), http.StatusOK, secMarkA, secComment)
	e.reportDocs(t, "preliminary")

	// The exports: CSV cells of user text are never formulas, JSON is
	// JSON.
	w = e.get(t, "/api/v1/pilots/"+aID+"/responses?format=csv", e.admin)
	secCSV(t, w, len(comments)+2) // the header, the form walker and the others
	w = e.get(t, "/api/v1/pilots/"+aID+"/responses?format=json", e.admin)
	if w.Code != http.StatusOK || !json.Valid(w.Body.Bytes()) {
		t.Errorf("JSON export: Status=%d valid=%v, want 200 and JSON", w.Code, json.Valid(w.Body.Bytes()))
	}

	// Close with a hostile reason, decide with a hostile justification.
	w = e.postJSON(t, "/api/v1/pilots/"+aID+"/close", e.admin, mustJSON(t, map[string]string{"reason": secAll}))
	if w.Code != http.StatusOK && w.Code != http.StatusAccepted {
		t.Fatalf("close: Status=%d; body %.300s", w.Code, w.Body.String())
	}
	waitStatus(t, e.o, e.A.p.ID, pilots.StatusClosed)
	e.reportDocs(t, "final")
	secHTML(t, "admin report (final)", e.get(t, "/admin/pilots/"+aID+"/report", "", admin), http.StatusOK, secMarkA, secComment)
	secHTML(t, "admin decide page", e.get(t, "/admin/pilots/"+aID+"/decide", "", admin), http.StatusOK, secMarkA)

	promote := map[string]any{"candidate": "a2", "justification": secAll}
	w = e.postJSON(t, "/api/v1/pilots/"+aID+"/promote", e.admin, mustJSON(t, promote))
	if w.Code != http.StatusOK {
		// a2's participants rated it poorly: an override is needed.
		promote["override"] = true
		w = e.postJSON(t, "/api/v1/pilots/"+aID+"/promote", e.admin, mustJSON(t, promote))
	}
	if w.Code != http.StatusOK {
		t.Fatalf("promote: Status=%d; body %.300s", w.Code, w.Body.String())
	}
	secHTML(t, "admin pilot page (promoted)", e.get(t, "/admin/pilots/"+aID, "", admin), http.StatusOK, secMarkA)
	secHTML(t, "dossier HTML", e.get(t, "/api/v1/pilots/"+aID+"/dossier?format=html", e.viewer), http.StatusOK, secMarkA)
	w = e.get(t, "/api/v1/pilots/"+aID+"/dossier?format=json", e.viewer)
	if w.Code != http.StatusOK || !json.Valid(w.Body.Bytes()) || !strings.Contains(w.Body.String(), "alert(1)") {
		t.Errorf("dossier JSON: Status=%d, want 200 and JSON with the texts; body %.300s", w.Code, w.Body.String())
	}
}

// reportDocs checks the API's HTML and Markdown reports of pilot A.
func (e *secEnv) reportDocs(t *testing.T, kind string) {
	t.Helper()
	aID := url.PathEscape(e.A.p.ID)
	secHTML(t, kind+" report HTML", e.get(t, "/api/v1/pilots/"+aID+"/report?format=html", e.viewer), http.StatusOK, secMarkA, secComment)
	w := e.get(t, "/api/v1/pilots/"+aID+"/report?format=md", e.viewer)
	secMD(t, kind+" report Markdown", w)
	w = e.get(t, "/api/v1/pilots/"+aID+"/report?format=json", e.viewer)
	if w.Code != http.StatusOK || !json.Valid(w.Body.Bytes()) {
		t.Errorf("%s report JSON: Status=%d valid=%v, want 200 and JSON", kind, w.Code, json.Valid(w.Body.Bytes()))
	}
}

// secHTML checks a page: the status, the content type, that it shows want
// as text (so the hostile text is on it, escaped), and that nothing in it is
// markup or a script URL that came from user text.
func secHTML(t *testing.T, name string, w *httptest.ResponseRecorder, status int, want ...string) {
	t.Helper()
	if w.Code != status {
		t.Errorf("%s: Status=%d, want %d; body %.500s", name, w.Code, status, w.Body.String())
		return
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s: Content-Type=%q, want text/html", name, ct)
	}
	for _, p := range htmlProblems(w.Body.Bytes(), want...) {
		t.Errorf("%s: %s", name, p)
	}
}

// htmlProblems lists what in an HTML page is live markup from user text:
// raw payloads, script elements that call alert, event handler attributes,
// an injected <img src=x> and javascript: URLs; and want missing as text.
func htmlProblems(body []byte, want ...string) []string {
	var out []string
	lower := bytes.ToLower(body)
	for _, raw := range []string{"<script>alert(1)", "<img src=x onerror", "onerror=alert(1)>"} {
		if i := bytes.Index(lower, []byte(raw)); i >= 0 {
			out = append(out, fmt.Sprintf("raw %q in the page: ...%s...", raw, secAround(body, i)))
		}
	}
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return append(out, fmt.Sprintf("parse: %v", err))
	}
	var text strings.Builder
	for n := range doc.Descendants() {
		switch n.Type {
		case html.TextNode:
			text.WriteString(n.Data)
		case html.ElementNode:
			if n.Data == "script" {
				var src strings.Builder
				for c := range n.Descendants() {
					if c.Type == html.TextNode {
						src.WriteString(c.Data)
					}
				}
				if strings.Contains(src.String(), "alert(") {
					out = append(out, fmt.Sprintf("a script element runs %q", src.String()))
				}
			}
			for _, a := range n.Attr {
				key, val := strings.ToLower(a.Key), strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
				if strings.HasPrefix(key, "on") {
					out = append(out, fmt.Sprintf("<%s %s=%q>: an event handler attribute", n.Data, a.Key, a.Val))
				}
				if n.Data == "img" && key == "src" && val == "x" {
					out = append(out, "an injected <img src=x>")
				}
				switch key {
				case "href", "src", "action", "formaction", "xlink:href", "srcdoc", "data", "poster":
					if strings.HasPrefix(val, "javascript:") {
						out = append(out, fmt.Sprintf("<%s %s=%q>: a javascript: URL", n.Data, a.Key, a.Val))
					}
				}
			}
		}
	}
	for _, w := range want {
		if w != "" && !strings.Contains(text.String(), w) {
			out = append(out, fmt.Sprintf("the page does not show %q as text", w))
		}
	}
	return out
}

// secMD checks a Markdown document served by the API.
func secMD(t *testing.T, name string, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Errorf("%s: Status=%d, want 200; body %.300s", name, w.Code, w.Body.String())
		return
	}
	secNoSniff(t, name, w, "text/markdown")
	for _, p := range mdProblems(w.Body.Bytes(), secMarkA, "COMMENT-MARK") {
		t.Errorf("%s: %s", name, p)
	}
}

// mdProblems lists raw HTML tags and links to javascript: URLs in a
// Markdown document, and want missing from it.
func mdProblems(body []byte, want ...string) []string {
	var out []string
	lower := bytes.ToLower(body)
	for _, raw := range []string{"<script", "<img", "<svg", "](javascript:"} {
		for off := 0; ; {
			i := bytes.Index(lower[off:], []byte(raw))
			if i < 0 {
				break
			}
			i += off
			off = i + 1
			// "\](" is an escaped bracket, plain text and no link: the
			// bracket is escaped when an odd number of backslashes
			// precede it.
			n := 0
			for j := i - 1; j >= 0 && body[j] == '\\'; j-- {
				n++
			}
			if raw[0] == ']' && n%2 == 1 {
				continue
			}
			out = append(out, fmt.Sprintf("raw %q in the document: ...%s...", raw, secAround(body, i)))
		}
	}
	for _, w := range want {
		if w != "" && !bytes.Contains(body, []byte(w)) {
			out = append(out, fmt.Sprintf("the document does not contain %q", w))
		}
	}
	return out
}

// secCSV checks a CSV export: it parses, has wantRows rows with the header,
// holds the hostile answers, and no cell starts a formula unless it is a
// number.
func secCSV(t *testing.T, w *httptest.ResponseRecorder, wantRows int) {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Errorf("CSV export: Status=%d, want 200; body %.300s", w.Code, w.Body.String())
		return
	}
	secNoSniff(t, "CSV export", w, "text/csv")
	rows, err := csv.NewReader(bytes.NewReader(w.Body.Bytes())).ReadAll()
	if err != nil {
		t.Errorf("CSV export: %v", err)
		return
	}
	if len(rows) != wantRows {
		t.Errorf("CSV export: %d rows, want %d", len(rows), wantRows)
	}
	for _, p := range csvProblems(rows) {
		t.Errorf("CSV export: %s", p)
	}
	if !strings.Contains(w.Body.String(), "alert(1)") || !strings.Contains(w.Body.String(), "calc") {
		t.Errorf("CSV export: no cell holds the hostile answers")
	}
}

// csvProblems lists cells a spreadsheet would take for a formula: starting
// with = + @, a tab or a carriage return, or with - and not a number.
func csvProblems(rows [][]string) []string {
	var out []string
	for i, row := range rows {
		for j, cell := range row {
			if cell == "" {
				continue
			}
			formula := strings.ContainsRune("=+@\t\r", rune(cell[0]))
			if cell[0] == '-' {
				_, err := strconv.ParseFloat(cell, 64)
				formula = err != nil
			}
			if formula {
				out = append(out, fmt.Sprintf("row %d column %d: %q starts a formula", i, j, cell))
			}
		}
	}
	return out
}

// secNoSniff checks that a document of user text is served as what it is
// and never sniffed as HTML.
func secNoSniff(t *testing.T, name string, w *httptest.ResponseRecorder, wantType string) {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, wantType) {
		t.Errorf("%s: Content-Type=%q, want %s", name, ct, wantType)
	}
	if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options=%q, want nosniff", name, got)
	}
}

// TestSecurityCheckers makes sure the checks above see what they look for,
// so a clean result of the suite means something.
func TestSecurityCheckers(t *testing.T) {
	for _, tc := range []struct {
		name, page string
		want       int
	}{
		{"escaped", `<p>&lt;script&gt;alert(1)&lt;/script&gt; &#34;&gt;&lt;img src=x onerror=alert(1)&gt;</p><a href="mailto:javascript:alert(1)">x</a>`, 0},
		{"script", `<p><script>alert(1)</script></p>`, 2},
		{"img", `<p>"><img src=x onerror=alert(1)></p>`, 4},
		{"handler only", `<p title="" onmouseover=alert(1)>x</p>`, 1},
		{"javascript href", `<a href=" JavaScript:alert(1)">x</a>`, 1},
		{"javascript action", `<form action="javascript:alert(1)"></form>`, 1},
	} {
		if got := len(htmlProblems([]byte(tc.page), "")); got != tc.want {
			t.Errorf("HTML %s: %d problems, want %d: %q", tc.name, got, tc.want, htmlProblems([]byte(tc.page), ""))
		}
	}
	if got := htmlProblems([]byte(`<p>other</p>`), "alert(1)"); len(got) != 1 {
		t.Errorf("HTML without the wanted text: %q, want one problem", got)
	}
	for _, tc := range []struct {
		name, doc string
		want      int
	}{
		{"escaped", `\[x\](javascript:alert(1)) &lt;script&gt;`, 0},
		{"link", `[x](javascript:alert(1))`, 1},
		{"escaped backslash", `\\[x\\](javascript:alert(1))`, 1},
		{"raw tags", `<script>alert(1)</script> <img src=x>`, 2},
	} {
		if got := len(mdProblems([]byte(tc.doc), "")); got != tc.want {
			t.Errorf("Markdown %s: %d problems, want %d", tc.name, got, tc.want)
		}
	}
	for _, tc := range []struct {
		cell string
		want int
	}{
		{"'=cmd|' /C calc'!A0", 0}, {"-2.5", 0}, {"alert(1)", 0},
		{"=cmd|' /C calc'!A0", 1}, {"+1+1", 1}, {"-2+3", 1}, {"@SUM(1)", 1}, {"\t=1", 1}, {"\r=1", 1},
	} {
		if got := len(csvProblems([][]string{{tc.cell}})); got != tc.want {
			t.Errorf("CSV %q: %d problems, want %d", tc.cell, got, tc.want)
		}
	}
}

// secAround is the text around i, for messages.
func secAround(b []byte, i int) string {
	lo, hi := max(i-60, 0), min(i+80, len(b))
	return string(b[lo:hi])
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
