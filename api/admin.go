package api

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/pilotbed/pilotbed/pilots"
)

// The admin web UI under /admin: server-rendered pages that work without
// JavaScript, for test leaders, steering groups and operators. A person
// signs in with an API token; the server then keeps a session in memory
// (see adminSessions), so sessions are lost when the server restarts and
// everyone signs in again. Templates are parsed once, when the server is
// made; every page is rendered into a buffer first, so a template error
// never sends half a page.

//go:embed templates/admin/*.html templates/admin/*.css
var adminFS embed.FS

// ReportService is implemented by a Service that can render a pilot's
// scale-up report. The admin UI finds it with a type assertion, so the
// report page appears as soon as the Service grows the method.
type ReportService interface {
	// ReportHTML writes the report of a pilot as a self-contained HTML
	// document. Returns ENOTFOUND for an unknown pilot.
	ReportHTML(ctx context.Context, idOrName string, w io.Writer) error
}

// DecisionService is implemented by a Service that can promote a closed
// pilot to procurement or stop it. Found like ReportService.
type DecisionService interface {
	// Promote moves a closed pilot to promoted with the chosen candidate.
	// A candidate whose verdict is not scale_up needs override. Returns
	// ECONFLICT for a pilot that is not closed or a verdict without
	// override, ENOTFOUND for an unknown pilot or candidate.
	Promote(ctx context.Context, actor, idOrName, candidate, justification string, override bool) (pilots.Pilot, error)
	// Reject moves a closed pilot to stopped. Returns ECONFLICT for a
	// pilot that is not closed.
	Reject(ctx context.Context, actor, idOrName, reason string) (pilots.Pilot, error)
}

// Limits of the admin forms.
const (
	adminMaxForm          = 64 << 10 // bytes of a form body
	adminMaxJustification = 4000     // characters
	adminEventsShown      = 50
)

// adminLoginLimit is per client address: a person mistyping a token a few
// times never notices it, a script guessing tokens gets ten tries a minute.
var adminLoginLimit = struct {
	Rate    rate.Limit
	Burst   int
	MaxKeys int
	Idle    time.Duration
}{rate.Every(6 * time.Second), 10, 10000, 15 * time.Minute}

// adminUI holds what the admin pages share.
type adminUI struct {
	s        *server
	pages    map[string]*template.Template
	css      []byte
	sessions *adminSessions
	cop      *http.CrossOriginProtection
	logins   *bucketSet
	now      func() time.Time
}

// newAdminUI parses the templates; a template that does not parse is a
// fault of the build, caught by any test, so it panics.
func newAdminUI(s *server) *adminUI {
	funcs := template.FuncMap{
		"pathEscape":  url.PathEscape,
		"date":        adminDate,
		"lastDay":     adminLastDay,
		"datetime":    adminDateTime,
		"percent":     adminPercent,
		"mib":         func(b int64) string { return fmt.Sprintf("%d MiB", b>>20) },
		"duration":    adminDuration,
		"lower":       strings.ToLower,
		"statusTitle": statusTitle,
		"warn":        func(a string) bool { return adminActions[a].Warning },
		"actionLabel": func(a string) string {
			if l, ok := adminActions[a]; ok {
				return l.Label
			}
			return a
		},
	}
	pages, _ := parsePages(adminFS, "templates/admin", funcs)
	css, err := fs.ReadFile(adminFS, "templates/admin/admin.css")
	if err != nil {
		panic(err)
	}
	return &adminUI{
		s:        s,
		pages:    pages,
		css:      css,
		sessions: newAdminSessions(adminSessionLimits),
		cop:      http.NewCrossOriginProtection(),
		logins:   newBucketSet(adminLoginLimit.Rate, adminLoginLimit.Burst, adminLoginLimit.MaxKeys, adminLoginLimit.Idle),
		now:      time.Now,
	}
}

// adminPage is what the layout of every admin page needs.
type adminPage struct {
	Title   string // the <title>, "Error: " first when a form has errors
	Heading string
	User    string // the signed-in token's name; empty on the login page
	Admin   bool   // the session may change things
	Flash   string
	Errors  []fieldError // the error summary, in the order of the fields
	Crumbs  []crumb
}

// fieldError is one entry of an error summary and the inline message of
// its field.
type fieldError struct {
	Field   string // the id of the input it belongs to
	Message string
}

// crumb is a step of the breadcrumbs above the heading.
type crumb struct {
	Href, Label string
}

// ErrorFor returns the message of a field, for the inline error.
func (p adminPage) ErrorFor(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// newAdminPage fills in the layout's fields for the session, if any.
func (a *adminUI) newAdminPage(c *gin.Context, heading string) adminPage {
	p := adminPage{Title: heading + " – pilotbed admin", Heading: heading}
	if sess, ok := adminSessionOf(c); ok {
		p.User = sess.TokenName
		p.Admin = sess.Role == pilots.RoleAdmin
		p.Flash = a.sessions.takeFlash(sess.key)
	}
	return p
}

// withErrors sets the error summary and prefixes the title, as GOV.UK
// does, so a screen reader user hears at once that the form came back.
func (p adminPage) withErrors(errs []fieldError) adminPage {
	p.Errors = errs
	if len(errs) > 0 && !strings.HasPrefix(p.Title, "Error: ") {
		p.Title = "Error: " + p.Title
	}
	return p
}

// render writes a page with status, or a plain 500 if the template fails.
func (a *adminUI) render(c *gin.Context, status int, name string, data any) {
	renderPage(c, a.s.log, "admin", a.pages, status, name, data, adminHeaders)
}

// adminHeaders keep admin pages, which show pilot data and sometimes
// invitation links, out of caches and other sites' frames, and allow no
// script at all.
func adminHeaders(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
}

// adminMessage is a page that only says something: not found, forbidden,
// a refused action.
type adminMessage struct {
	adminPage
	Body     string
	BackHref string
	BackText string
}

// message renders a message page with a link back.
func (a *adminUI) message(c *gin.Context, status int, heading, body, backHref, backText string) {
	p := adminMessage{adminPage: a.newAdminPage(c, heading), Body: body, BackHref: backHref, BackText: backText}
	if backHref == "" {
		p.BackHref, p.BackText = "/admin", "Back to the dashboard"
	}
	a.render(c, status, "message", p)
}

// fail answers a failed service call with the page that fits its code.
// Faults of pilotbed are logged here, once, and shown without details.
func (a *adminUI) fail(c *gin.Context, err error, backHref string) {
	code := pilots.ErrorCode(err)
	msg := pilots.ErrorMessage(err)
	back := "Back"
	if backHref == "" {
		back = ""
	}
	heading, ok := failHeadings[code]
	if !ok {
		a.s.log.Error("admin page failed", zap.String("method", c.Request.Method), zap.String("path", routeOf(c)), zap.Error(err))
		a.message(c, http.StatusInternalServerError, "Something went wrong", "pilotbed could not do this because of an internal error. It has been logged; try again later.", backHref, back)
		return
	}
	a.message(c, errorStatus(code), heading, msg, backHref, back)
}

// failHeadings head the page of a failed service call by its code; any
// other code is a fault of pilotbed.
var failHeadings = map[string]string{
	pilots.ENOTFOUND:       "Not found",
	pilots.ECONFLICT:       "This cannot be done now",
	pilots.EINVALID:        "The request is not valid",
	pilots.EFORBIDDEN:      "Not allowed",
	pilots.EUNAVAILABLE:    "Not available right now",
	pilots.ETOOMANYREQUEST: "Too many requests",
}

// parseForm reads a form body of at most adminMaxForm bytes. On failure it
// has answered.
func (a *adminUI) parseForm(c *gin.Context) bool {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, adminMaxForm)
	if err := c.Request.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			a.message(c, http.StatusRequestEntityTooLarge, "The form is too large", fmt.Sprintf("A form may hold at most %d KiB.", adminMaxForm>>10), "", "")
			return false
		}
		a.message(c, http.StatusBadRequest, "The form could not be read", "Go back and send the form again.", "", "")
		return false
	}
	return true
}

// pilotPath is the admin page of a pilot.
func pilotPath(id string) string { return "/admin/pilots/" + url.PathEscape(id) }

func adminDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return pilots.DayOf(t)
}

// adminLastDay formats the end of a period as its last day: an end given as
// a date is decoded as the midnight after it.
func adminLastDay(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return pilots.LastDayOf(t)
}

func adminDateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// adminPercent shows a share 0..1; nil (not measured yet) is a dash.
func adminPercent(v *float64) string {
	if v == nil || math.IsNaN(*v) {
		return "—"
	}
	return fmt.Sprintf("%.1f %%", *v*100)
}

// adminDuration shows a retention period in days when it is whole days.
func adminDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "deleted at close"
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%d days after close", d/(24*time.Hour))
	default:
		return d.String() + " after close"
	}
}

// statusTitle is a status as a heading: "Provisioning".
func statusTitle(st pilots.Status) string {
	s := string(st)
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
