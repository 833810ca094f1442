package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequest sends arbitrary methods, paths, queries and bodies as an
// admin: the server must answer every one without a 500.
func FuzzRequest(f *testing.F) {
	f.Add("POST", "/api/v1/pilots", "filename=x.hcl", validPilot)
	f.Add("POST", "/api/v1/pilots/nattillsyn/start", "", `{"reason":"go"}`)
	f.Add("POST", "/api/v1/pilots/nattillsyn/close", "", `{"reason":`)
	f.Add("GET", "/api/v1/pilots", "status=draft,,x", "")
	f.Add("GET", "/api/v1/pilots/nattillsyn/events", "after=99999999999999999999&limit=-1", "")
	f.Add("GET", "/api/v1/pilots/%00/testbeds", "", "")
	f.Add("PATCH", "/api/v1//pilots", "", "\x00")
	f.Fuzz(func(t *testing.T, method, path, query, body string) {
		fx := newFixture(t)
		fx.submit(t, validPilot)
		if !validMethod(method) || !strings.HasPrefix(path, "/") || strings.ContainsAny(path+query, " \r\n\t?#") {
			return
		}
		req, err := http.NewRequestWithContext(t.Context(), method, "http://x"+path+"?"+query, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+fx.admin)
		rec := httptest.NewRecorder()
		fx.handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s: Status=%d; body %s", method, path, query, rec.Code, rec.Body)
		}
	})
}

func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for _, r := range m {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
