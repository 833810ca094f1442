package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/api/apitest"
)

// TestTrustedProxies checks which address the rate limits count: behind a
// trusted proxy the client it names, otherwise the peer, whatever
// X-Forwarded-For a client sends.
func TestTrustedProxies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trusted []string
		want    int // status of the first login from a second client after the first is limited
	}{
		{"untrusted header is ignored", nil, http.StatusTooManyRequests},
		{"trusted proxy names the client", []string{"127.0.0.1"}, http.StatusUnauthorized},
		{"trusted range names the client", []string{"127.0.0.0/8"}, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := apitest.NewService()
			srv := httptest.NewServer(api.NewServer(api.Config{Service: svc, Tokens: svc, TrustedProxies: tc.trusted}))
			defer srv.Close()
			login := func(client string) int {
				req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/admin/login",
					strings.NewReader(url.Values{"token": {"pbt_wrongwrongwrongwrongwrong"}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Forwarded-For", client)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.StatusCode
			}
			limited := false
			for range 50 {
				if login("203.0.113.1") == http.StatusTooManyRequests {
					limited = true
					break
				}
			}
			if !limited {
				t.Fatal("50 failed logins from one client were never limited")
			}
			if got := login("203.0.113.2"); got != tc.want {
				t.Errorf("login from a second client: status %d, want %d", got, tc.want)
			}
		})
	}
}
