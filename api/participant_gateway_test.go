package api

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/testbeds"
)

// seen is what the candidate's backend received.
type seen struct {
	Method, Path, RawQuery, Host, Cookie string
	Header                               http.Header
}

// newBackend is a candidate that answers with what it received, redirects
// on /go, sets cookies on /cookie and upgrades /ws to an echo.
func newBackend(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/go":
			http.Redirect(w, r, "/login?next=1", http.StatusFound)
			return
		case "/cookie":
			w.Header().Add("Set-Cookie", "sid=1; Path=/; HttpOnly")
			w.Header().Add("Set-Cookie", sessionCookie+"=stolen; Path=/")
			return
		case "/ws":
			conn, rw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("hijack: %v", err)
				return
			}
			defer conn.Close()
			rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
			rw.Flush()
			line, _ := rw.ReadString('\n')
			rw.WriteString("echo " + line)
			rw.Flush()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(seen{r.Method, r.URL.Path, r.URL.RawQuery, r.Host, r.Header.Get("Cookie"), r.Header})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestGateway(t *testing.T) {
	f := newPTFixture(t)
	backend := newBackend(t)
	f.rt.SetEndpoint(testbeds.ID{Pilot: f.pilot.ID, Candidate: "a"}, "web", backend.URL)
	session := sessionCookie + "=" + f.secret

	t.Run("no session", func(t *testing.T) {
		for _, ck := range []string{"", sessionCookie + "=forged"} {
			w := f.do(t, "GET", "/try/tillsyn/", nil, "Cookie", ck)
			wantStatus(t, "no session", w.Code, http.StatusOK)
			wantContains(t, "no session", w.Body.String(), "Öppna länken i din inbjudan först", "Open the link in your invitation first")
		}
		w := f.do(t, "POST", "/try/tillsyn/x", nil)
		wantStatus(t, "POST without session", w.Code, http.StatusForbidden)
	})

	t.Run("proxied", func(t *testing.T) {
		w := f.do(t, "GET", "/try/tillsyn/a/b%2Fc?x=1&y=%C3%A5", nil,
			"Cookie", session+"; app=42; "+langCookie+"=en", "Accept", "text/html")
		wantStatus(t, "proxied "+w.Body.String(), w.Code, http.StatusOK)
		var got seen
		if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
			t.Fatalf("backend answer %q: %v", w.Body.String(), err)
		}
		if got.Path != "/a/b/c" || got.RawQuery != "x=1&y=%C3%A5" {
			t.Errorf("path=%q query=%q, want /a/b/c and x=1&y=%%C3%%A5", got.Path, got.RawQuery)
		}
		if got.Cookie != "app=42" {
			t.Errorf("Cookie=%q, want only the candidate's own cookie", got.Cookie)
		}
		if got.Host != strings.TrimPrefix(backend.URL, "http://") {
			t.Errorf("Host=%q, want the backend's", got.Host)
		}
		for k, want := range map[string]string{"X-Forwarded-Host": "example.com", "X-Forwarded-Proto": "http", "X-Forwarded-Prefix": "/try/tillsyn", "X-Forwarded-For": "192.0.2.1"} {
			if v := got.Header.Get(k); v != want {
				t.Errorf("%s=%q, want %q", k, v, want)
			}
		}
	})

	t.Run("counts pages, not assets", func(t *testing.T) {
		before := usage(t, f)
		f.do(t, "GET", "/try/tillsyn/", nil, "Cookie", session, "Sec-Fetch-Dest", "document")
		f.do(t, "GET", "/try/tillsyn/app.css", nil, "Cookie", session, "Sec-Fetch-Dest", "style")
		if got := usage(t, f) - before; got != 1 {
			t.Fatalf("counted %d requests, want 1", got)
		}
	})

	t.Run("redirect and cookies stay under the prefix", func(t *testing.T) {
		w := f.do(t, "GET", "/try/tillsyn/go", nil, "Cookie", session)
		if got, want := w.Header().Get("Location"), "/try/tillsyn/login?next=1"; got != want {
			t.Errorf("Location=%q, want %q", got, want)
		}
		w = f.do(t, "GET", "/try/tillsyn/cookie", nil, "Cookie", session)
		cs := w.Result().Cookies()
		if len(cs) != 1 || cs[0].Name != "sid" || cs[0].Path != "/try/tillsyn/" {
			t.Errorf("Set-Cookie=%v, want only sid with path /try/tillsyn/", w.Header().Values("Set-Cookie"))
		}
	})

	t.Run("without slash", func(t *testing.T) {
		w := f.do(t, "GET", "/try/tillsyn?a=1", nil, "Cookie", session)
		wantStatus(t, "redirect", w.Code, http.StatusMovedPermanently)
		if got := w.Header().Get("Location"); got != "/try/tillsyn/?a=1" {
			t.Errorf("Location=%q, want /try/tillsyn/?a=1", got)
		}
	})

	t.Run("other pilot", func(t *testing.T) {
		w := f.do(t, "GET", "/try/annan/", nil, "Cookie", session)
		wantStatus(t, "other pilot", w.Code, http.StatusNotFound)
		w = f.do(t, "GET", "/try/nosuchpilot/", nil, "Cookie", session)
		wantStatus(t, "unknown pilot", w.Code, http.StatusNotFound)
	})

	t.Run("candidate down", func(t *testing.T) {
		// The other pilot's endpoint never resolves.
		w := f.do(t, "GET", "/try/annan/", nil, "Cookie", sessionCookie+"="+f.otherSecret)
		wantStatus(t, "unreachable", w.Code, http.StatusBadGateway)
		wantContains(t, "unreachable", w.Body.String(), "svarar inte just nu")
		if err := f.rt.Crash(testbeds.ID{Pilot: f.other.ID, Candidate: "a"}, "web", false); err != nil {
			t.Fatal(err)
		}
		w = f.do(t, "GET", "/try/annan/", nil, "Cookie", sessionCookie+"="+f.otherSecret)
		wantStatus(t, "not running", w.Code, http.StatusServiceUnavailable)
		if w.Header().Get("Retry-After") == "" {
			t.Errorf("503 without Retry-After")
		}
	})

	t.Run("websocket", func(t *testing.T) {
		srv := httptest.NewServer(f.h)
		defer srv.Close()
		conn, err := net.DialTimeout("tcp", strings.TrimPrefix(srv.URL, "http://"), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(conn, "GET /try/tillsyn/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nCookie: "+session+"\r\n\r\n")
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("Status=%d, want 101", resp.StatusCode)
		}
		io.WriteString(conn, "hello\n")
		line, err := br.ReadString('\n')
		if err != nil || line != "echo hello\n" {
			t.Fatalf("echo=%q, %v", line, err)
		}
	})
}

// usage is the requests counted for the first test pilot so far.
func usage(t *testing.T, f *ptFixture) int {
	t.Helper()
	rows, err := f.store.UsageDays(t.Context(), f.pilot.ID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range rows {
		n += r.Requests
	}
	return n
}

func TestStripGatewayPrefix(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/try/p/", "/"},
		{"/try/p", "/"},
		{"/try/p/a/b", "/a/b"},
		{"/try/p%2Fq/a%2Fb", "/a%2Fb"},
	}
	for _, tt := range tests {
		if got := stripGatewayPrefix(tt.in); got != tt.want {
			t.Errorf("stripGatewayPrefix(%q)=%q, want %q", tt.in, got, tt.want)
		}
	}
}
