package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

type visit struct {
	Time    time.Time
	Visitor string
	Purpose string
}

type app struct {
	cfg       config
	out       io.Writer
	unhealthy atomic.Bool

	mu     sync.Mutex
	visits []visit

	leakMu sync.Mutex
	leaked [][]byte
}

func newApp(cfg config, out io.Writer) *app {
	a := &app{cfg: cfg, out: out}
	a.unhealthy.Store(cfg.failHealth)
	return a
}

func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.handleIndex)
	mux.HandleFunc("POST /visits", a.handleAddVisit)
	mux.HandleFunc("GET /healthz", a.handleHealth)
	if a.cfg.testAPI {
		mux.HandleFunc("POST /_test/unhealthy", a.handleSetHealth(false))
		mux.HandleFunc("POST /_test/healthy", a.handleSetHealth(true))
		mux.HandleFunc("POST /_test/crash", a.handleCrash)
		mux.HandleFunc("POST /_test/leak", a.handleLeak)
		mux.HandleFunc("GET /_test/dial", a.handleDial)
	}
	// Forms post from the page itself; cross-site posts are refused. The
	// /_test/ switches are posted by tools without browser headers and pass.
	return http.NewCrossOriginProtection().Handler(mux)
}

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Errors}}Fel: {{end}}{{.Title}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;color:#0b0c0c;line-height:1.5}
header{background:{{.Accent}};color:#fff;padding:1rem}
header h1{margin:0;font-size:1.5rem}
main{max-width:40rem;margin:0 auto;padding:1rem}
label{display:block;font-weight:bold;margin-top:1rem}
input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box;border:2px solid #0b0c0c}
input:focus,button:focus{outline:3px solid #fd0;outline-offset:0}
button{font:inherit;margin-top:1rem;padding:.5rem 1rem;background:{{.Accent}};color:#fff;border:0}
.error-summary{border:4px solid #d4351c;padding:1rem}
.error-message{color:#d4351c;font-weight:bold;display:block}
table{border-collapse:collapse;width:100%;margin-top:1rem}
th,td{text-align:left;border-bottom:1px solid #b1b4b6;padding:.4rem}
</style>
</head>
<body>
<header><h1>{{.Title}}</h1><p>Variant {{.Variant}}</p></header>
<main>
{{if .Errors}}
<div class="error-summary" role="alert" tabindex="-1">
<h2>Det finns fel i formuläret</h2>
<ul>{{range $f, $m := .Errors}}<li><a href="#{{$f}}">{{$m}}</a></li>{{end}}</ul>
</div>
{{end}}
<h2>Registrera ett besök</h2>
<form method="post" action="visits" novalidate>
<label for="visitor">Besökare</label>
{{with .Errors.visitor}}<span class="error-message" id="visitor-error">Fel: {{.}}</span>{{end}}
<input id="visitor" name="visitor" value="{{.Form.Visitor}}" maxlength="100" autocomplete="off"{{if .Errors.visitor}} aria-describedby="visitor-error"{{end}}>
<label for="purpose">Ärende</label>
{{with .Errors.purpose}}<span class="error-message" id="purpose-error">Fel: {{.}}</span>{{end}}
<input id="purpose" name="purpose" value="{{.Form.Purpose}}" maxlength="200"{{if .Errors.purpose}} aria-describedby="purpose-error"{{end}}>
<button type="submit">Spara besöket</button>
</form>
<h2>Besök</h2>
{{if .Visits}}
<table>
<thead><tr><th scope="col">Tid</th><th scope="col">Besökare</th><th scope="col">Ärende</th></tr></thead>
<tbody>{{range .Visits}}<tr><td>{{.Time.Format "2006-01-02 15:04"}}</td><td>{{.Visitor}}</td><td>{{.Purpose}}</td></tr>{{end}}</tbody>
</table>
{{else}}<p>Inga besök registrerade ännu.</p>{{end}}
</main>
</body>
</html>
`))

type pageData struct {
	Title, Variant string
	Accent         template.CSS // validated in loadConfig: a hex colour or letters only
	Visits         []visit
	Form           visit
	Errors         map[string]string
}

func (a *app) render(w http.ResponseWriter, status int, form visit, errs map[string]string) {
	a.mu.Lock()
	visits := make([]visit, len(a.visits))
	// Newest first.
	for i, v := range a.visits {
		visits[len(a.visits)-1-i] = v
	}
	a.mu.Unlock()
	var buf bytes.Buffer
	err := page.Execute(&buf, pageData{
		Title: a.cfg.title, Variant: a.cfg.variant, Accent: template.CSS(a.cfg.accent),
		Visits: visits, Form: form, Errors: errs,
	})
	if err != nil {
		http.Error(w, "could not render the page", http.StatusInternalServerError)
		fmt.Fprintln(a.out, "render:", err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (a *app) handleIndex(w http.ResponseWriter, r *http.Request) {
	a.render(w, http.StatusOK, visit{}, nil)
}

func (a *app) handleAddVisit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "the form could not be read", http.StatusBadRequest)
		return
	}
	v := visit{
		Visitor: strings.TrimSpace(r.PostForm.Get("visitor")),
		Purpose: strings.TrimSpace(r.PostForm.Get("purpose")),
	}
	if errs := v.validate(); len(errs) > 0 {
		a.render(w, http.StatusUnprocessableEntity, v, errs)
		return
	}
	v.Time = time.Now()
	a.mu.Lock()
	a.visits = append(a.visits, v)
	// Bounded, so the demo cannot be made to grow without limit.
	if len(a.visits) > a.cfg.maxVisits {
		a.visits = a.visits[len(a.visits)-a.cfg.maxVisits:]
	}
	a.mu.Unlock()
	// Relative, so the page works behind the gateway's stripped prefix.
	http.Redirect(w, r, "./", http.StatusSeeOther)
}

func (v visit) validate() map[string]string {
	errs := map[string]string{}
	switch n := utf8.RuneCountInString(v.Visitor); {
	case n == 0:
		errs["visitor"] = "Ange vem som besökte"
	case n > 100:
		errs["visitor"] = "Besökare får vara högst 100 tecken"
	}
	if utf8.RuneCountInString(v.Purpose) > 200 {
		errs["purpose"] = "Ärende får vara högst 200 tecken"
	}
	return errs
}

func (a *app) handleHealth(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if a.unhealthy.Load() {
		http.Error(w, "unhealthy", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ok")
}

func (a *app) handleSetHealth(healthy bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a.unhealthy.Store(!healthy)
		fmt.Fprintf(a.out, "health switched, healthy=%v\n", healthy)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (a *app) handleCrash(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(a.out, "crashing as /_test/crash asks")
	w.WriteHeader(http.StatusAccepted)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	// Let the answer leave before the process goes.
	time.AfterFunc(50*time.Millisecond, func() { exit(1) })
}

func (a *app) handleLeak(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintln(a.out, "allocating memory until killed, as /_test/leak asks")
	w.WriteHeader(http.StatusAccepted)
	go func() {
		for {
			b := make([]byte, 8<<20)
			// Touch every page so the memory is really resident.
			for i := 0; i < len(b); i += 4096 {
				b[i] = 1
			}
			a.leakMu.Lock()
			a.leaked = append(a.leaked, b)
			a.leakMu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	}()
}

// handleDial reports whether a TCP connection to addr can be opened within a
// second. Tests use it between their own containers to check isolation.
func (a *app) handleDial(w http.ResponseWriter, r *http.Request) {
	addr := r.URL.Query().Get("addr")
	if _, _, err := net.SplitHostPort(addr); err != nil {
		http.Error(w, "addr: want host:port", http.StatusBadRequest)
		return
	}
	res := struct {
		Addr  string `json:"addr"`
		OK    bool   `json:"ok"`
		Error string `json:"error,omitempty"`
	}{Addr: addr}
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		res.Error = err.Error()
	} else {
		res.OK = true
		c.Close()
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(res)
}
