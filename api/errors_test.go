package api

import (
	"net/http"
	"testing"

	"github.com/pilotbed/pilotbed/pilots"
)

func TestErrorStatus(t *testing.T) {
	tests := []struct {
		code string
		want int
	}{
		{pilots.ENOTFOUND, http.StatusNotFound},
		{pilots.EINVALID, http.StatusBadRequest},
		{pilots.ECONFLICT, http.StatusConflict},
		{pilots.EUNAUTHORIZED, http.StatusUnauthorized},
		{pilots.EFORBIDDEN, http.StatusForbidden},
		{pilots.EUNAVAILABLE, http.StatusServiceUnavailable},
		{pilots.ETOOMANYREQUEST, http.StatusTooManyRequests},
		{codeTooLarge, http.StatusRequestEntityTooLarge},
		{codeMethodNotAllowed, http.StatusMethodNotAllowed},
		{pilots.EINTERNAL, http.StatusInternalServerError},
		{"", http.StatusInternalServerError},
		{"made_up", http.StatusInternalServerError},
	}
	for _, tt := range tests {
		if got := errorStatus(tt.code); got != tt.want {
			t.Errorf("errorStatus(%q)=%d, want %d", tt.code, got, tt.want)
		}
	}
}

func TestSubmitFilename(t *testing.T) {
	tests := []struct {
		in, want string
		err      bool
	}{
		{"", "pilot.hcl", false},
		{"nattillsyn.hcl", "nattillsyn.hcl", false},
		{"../../etc/passwd", "passwd", false},
		{`C:\pilots\a.hcl`, "a.hcl", false},
		{"/", "pilot.hcl", false},
		{"..", "pilot.hcl", false},
		{"a\nb", "", true},
	}
	for _, tt := range tests {
		got, err := submitFilename(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("submitFilename(%q)=%q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}
