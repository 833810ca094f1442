package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func testApp(t *testing.T, env map[string]string) (*app, *httptest.Server) {
	t.Helper()
	cfg, err := loadConfig(func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		if k == "DEMO_TEST_API" {
			return "1" // the tests play failures unless they say otherwise
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(cfg, io.Discard)
	srv := httptest.NewServer(a.routes())
	t.Cleanup(srv.Close)
	return a, srv
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"defaults", nil, ""},
		{"bad port", map[string]string{"PORT": "http"}, "PORT"},
		{"port out of range", map[string]string{"PORT": "70000"}, "PORT"},
		{"variant colour", map[string]string{"APP_VARIANT": "purple"}, ""},
		{"variant injection", map[string]string{"APP_VARIANT": "red;}body{display:none"}, "APP_VARIANT"},
		{"crash after", map[string]string{"DEMO_CRASH_AFTER": "5s"}, ""},
		{"bad crash after", map[string]string{"DEMO_CRASH_AFTER": "soon"}, "DEMO_CRASH_AFTER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadConfig(func(k string) string { return tt.env[k] })
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("err=%v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("err=%v, want one naming %s", err, tt.wantErr)
			}
		})
	}
}

func TestVisitLog(t *testing.T) {
	_, srv := testApp(t, map[string]string{"APP_TITLE": "Nattillsyn <A>"})
	client := srv.Client()
	res, err := client.PostForm(srv.URL+"/visits", url.Values{"visitor": {"<script>alert(1)</script>"}, "purpose": {"Tillsyn"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Request.URL.Path != "/" {
		t.Fatalf("POST /visits ended at %s with %d, want a redirect to / and 200", res.Request.URL.Path, res.StatusCode)
	}
	page := string(body)
	for _, want := range []string{"Nattillsyn &lt;A&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;", "Tillsyn"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>") {
		t.Error("page contains an unescaped script tag")
	}
}

func TestVisitValidation(t *testing.T) {
	_, srv := testApp(t, nil)
	res, err := srv.Client().PostForm(srv.URL+"/visits", url.Values{"visitor": {""}, "purpose": {"kvar"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if got, want := res.StatusCode, http.StatusUnprocessableEntity; got != want {
		t.Fatalf("status=%d, want %d", got, want)
	}
	for _, want := range []string{"<title>Fel: ", `href="#visitor"`, `aria-describedby="visitor-error"`, `value="kvar"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("error page lacks %q", want)
		}
	}
}

func TestCrossSitePostRefused(t *testing.T) {
	_, srv := testApp(t, nil)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/visits", strings.NewReader("visitor=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got, want := res.StatusCode, http.StatusForbidden; got != want {
		t.Fatalf("status=%d, want %d", got, want)
	}
}

func TestHealthSwitches(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		toggle string
		want   int
	}{
		{"healthy", nil, "", http.StatusOK},
		{"fail by env", map[string]string{"DEMO_FAIL_HEALTH": "1"}, "", http.StatusServiceUnavailable},
		{"fail by switch", nil, "/_test/unhealthy", http.StatusServiceUnavailable},
		{"back by switch", map[string]string{"DEMO_FAIL_HEALTH": "1"}, "/_test/healthy", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, srv := testApp(t, tt.env)
			if tt.toggle != "" {
				res, err := srv.Client().Post(srv.URL+tt.toggle, "", nil)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
			}
			res, err := srv.Client().Get(srv.URL + "/healthz")
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.want {
				t.Fatalf("/healthz status=%d, want %d", res.StatusCode, tt.want)
			}
		})
	}
}

func TestTestAPIDisabled(t *testing.T) {
	_, srv := testApp(t, map[string]string{"DEMO_TEST_API": "0"})
	res, err := srv.Client().Post(srv.URL+"/_test/crash", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusAccepted {
		t.Fatal("/_test/crash accepted with DEMO_TEST_API=0")
	}
}

func TestCrash(t *testing.T) {
	var code atomic.Int32
	code.Store(-1)
	exit = func(c int) { code.Store(int32(c)) }
	t.Cleanup(func() { exit = os.Exit })
	_, srv := testApp(t, nil)
	res, err := srv.Client().Post(srv.URL+"/_test/crash", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	deadline := time.Now().Add(2 * time.Second)
	for code.Load() == -1 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got, want := code.Load(), int32(1); got != want {
		t.Fatalf("exit code=%d, want %d", got, want)
	}
}

func TestDial(t *testing.T) {
	_, srv := testApp(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	open := ln.Addr().String()
	ln.Close() // now nothing listens there
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln2.Close()
	tests := []struct {
		addr string
		want string
	}{
		{ln2.Addr().String(), `"ok":true`},
		{open, `"ok":false`},
		{"nonsense", "want host:port"},
	}
	for _, tt := range tests {
		res, err := srv.Client().Get(srv.URL + "/_test/dial?addr=" + url.QueryEscape(tt.addr))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), tt.want) {
			t.Errorf("dial %s: body %q, want it to contain %q", tt.addr, body, tt.want)
		}
	}
}
