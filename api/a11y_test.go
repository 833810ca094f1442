package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// TestParticipantPagesAccessible renders every participant page and checks
// the structure assistive technology relies on: a page language, a label
// for every input, a fieldset and legend around every radio or checkbox
// group, error summary links that lead somewhere, aria-describedby that
// names existing ids, no positive tabindex, no image without alt.
func TestParticipantPagesAccessible(t *testing.T) {
	f := newPTFixture(t)
	home := "/p/" + f.secret
	confirmAlla := validAlla()
	confirmAlla.Set("_step", "confirm")
	emptyFinal := url.Values{"sus_3": {"2"}}

	pages := []struct {
		name   string
		method string
		path   string
		form   url.Values
		status int
	}{
		{"home", "GET", home, nil, http.StatusOK},
		{"home en", "GET", home + "?lang=en", nil, http.StatusOK},
		{"form every type", "GET", home + "/s/alla", nil, http.StatusOK},
		{"form SUS and UMUX-Lite", "GET", home + "/s/final", nil, http.StatusOK},
		{"form anonymous", "GET", home + "/s/anon", nil, http.StatusOK},
		{"errors every type", "POST", home + "/s/alla", url.Values{"minuter": {"x"}}, http.StatusUnprocessableEntity},
		{"errors SUS", "POST", home + "/s/final", emptyFinal, http.StatusUnprocessableEntity},
		{"errors en", "POST", home + "/s/final?lang=en", emptyFinal, http.StatusUnprocessableEntity},
		{"check", "POST", home + "/s/alla", validAlla(), http.StatusOK},
		{"check SUS", "POST", home + "/s/final", validFinal(), http.StatusOK},
		{"edit", "POST", home + "/s/alla", withStep(validAlla(), "edit"), http.StatusOK},
		{"closed", "GET", home + "/s/tidig", nil, http.StatusConflict},
		{"upcoming", "GET", home + "/s/senare", nil, http.StatusConflict},
		{"unknown survey", "GET", home + "/s/nope", nil, http.StatusNotFound},
		{"unknown token", "GET", "/p/nosuchsecret", nil, http.StatusNotFound},
		{"gateway without session", "GET", "/try/tillsyn/", nil, http.StatusOK},
		{"confirm", "POST", home + "/s/alla", confirmAlla, http.StatusSeeOther},
		{"receipt", "GET", home + "/s/alla/kvitto", nil, http.StatusOK},
		{"home answered", "GET", home, nil, http.StatusOK},
	}
	for _, p := range pages {
		t.Run(p.name, func(t *testing.T) {
			w := f.do(t, p.method, p.path, p.form)
			wantStatus(t, p.name, w.Code, p.status)
			if p.status == http.StatusSeeOther {
				return
			}
			for _, problem := range checkAccessible(w.Body.String()) {
				t.Error(problem)
			}
		})
	}
}

func withStep(v url.Values, step string) url.Values {
	v.Set("_step", step)
	return v
}

// TestCheckAccessibleFinds makes sure the checker itself finds what it
// looks for.
func TestCheckAccessibleFinds(t *testing.T) {
	bad := `<!DOCTYPE html><html><body>
<input type="text" id="a">
<div><input type="radio" name="r" id="r1"><label for="r1">x</label></div>
<div class="error-summary"><a href="#missing">m</a></div>
<a href="#" tabindex="2">x</a><img src="x.png">
<p aria-describedby="nothere">x</p></body></html>`
	got := strings.Join(checkAccessible(bad), "\n")
	for _, want := range []string{"no lang", `input "a" has no label`, `radio "r1" is not in a fieldset`, `"#missing"`, "tabindex 2", "img without alt", `"nothere"`} {
		if !strings.Contains(got, want) {
			t.Errorf("checker missed %q; found:\n%s", want, got)
		}
	}
}

// checkAccessible returns the problems it finds in a page.
func checkAccessible(page string) []string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return []string{"parse: " + err.Error()}
	}
	var problems []string
	ids := map[string]*html.Node{}
	labelFor := map[string]bool{}
	var all []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			all = append(all, n)
			if id := attr(n, "id"); id != "" {
				if ids[id] != nil {
					problems = append(problems, "duplicate id "+strconv.Quote(id))
				}
				ids[id] = n
			}
			if n.Data == "label" && attr(n, "for") != "" {
				labelFor[attr(n, "for")] = true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)

	for _, n := range all {
		switch n.Data {
		case "html":
			if strings.TrimSpace(attr(n, "lang")) == "" {
				problems = append(problems, "<html> has no lang")
			}
		case "input", "textarea", "select":
			typ := attr(n, "type")
			if typ == "hidden" || typ == "submit" || typ == "button" || typ == "reset" || typ == "image" {
				continue
			}
			id := attr(n, "id")
			if !(id != "" && labelFor[id]) && ancestor(n, "label") == nil {
				problems = append(problems, "input "+strconv.Quote(id)+" has no label")
			}
			if typ == "radio" || typ == "checkbox" {
				fs := ancestor(n, "fieldset")
				if fs == nil {
					problems = append(problems, typ+" "+strconv.Quote(id)+" is not in a fieldset")
				} else if lg := firstElement(fs); lg == nil || lg.Data != "legend" || strings.TrimSpace(text(lg)) == "" {
					problems = append(problems, typ+" "+strconv.Quote(id)+": its fieldset does not start with a legend")
				}
			}
		case "img":
			if _, ok := attrOK(n, "alt"); !ok {
				problems = append(problems, "img without alt")
			}
		case "a":
			if strings.Contains(" "+attr(ancestorClass(n, "error-summary"), "class")+" ", " error-summary ") {
				href := attr(n, "href")
				if !strings.HasPrefix(href, "#") || ids[strings.TrimPrefix(href, "#")] == nil {
					problems = append(problems, "error summary link "+strconv.Quote(href)+" leads nowhere")
				}
			}
		}
		if ti := attr(n, "tabindex"); ti != "" {
			if v, err := strconv.Atoi(ti); err != nil || v > 0 {
				problems = append(problems, "tabindex "+ti+" on <"+n.Data+">")
			}
		}
		for _, ref := range strings.Fields(attr(n, "aria-describedby") + " " + attr(n, "aria-labelledby")) {
			if ids[ref] == nil {
				problems = append(problems, "aria reference "+strconv.Quote(ref)+" names no element")
			}
		}
	}
	return problems
}

func attr(n *html.Node, key string) string {
	v, _ := attrOK(n, key)
	return v
}

func attrOK(n *html.Node, key string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func ancestor(n *html.Node, tag string) *html.Node {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.Data == tag {
			return p
		}
	}
	return nil
}

func ancestorClass(n *html.Node, class string) *html.Node {
	for p := n.Parent; p != nil; p = p.Parent {
		if strings.Contains(" "+attr(p, "class")+" ", " "+class+" ") {
			return p
		}
	}
	return nil
}

func firstElement(n *html.Node) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			return c
		}
	}
	return nil
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}
