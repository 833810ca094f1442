package api

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/pilots"
)

// The participant pages are server-rendered HTML that works without
// JavaScript, in the pilot's language (Swedish by default) or English.
// Templates are parsed once, when the server is made; every page is rendered
// into a buffer first, so a template error never sends half a page.

//go:embed templates/participant/*.html
var participantFS embed.FS

// sessionCookie carries the invitation secret from the participant's page
// to the gateway. It holds the secret itself: the secret is already the
// credential in the invitation link, a derived value would add a second
// secret to manage without protecting more, and the cookie is HttpOnly
// (no script reads it), SameSite=Lax (no cross-site POST carries it) and
// stripped before any request reaches a candidate.
const sessionCookie = "pilotbed_participant"

// sessionMaxAge is how long a browser keeps the participant session: long
// enough to cover a pilot's weeks of occasional use.
const sessionMaxAge = 90 * 24 * time.Hour

// participantPages holds what the participant pages and the gateway share.
type participantPages struct {
	s      *server
	pages  map[string]*template.Template
	csp    string // Content-Security-Policy of every page
	cop    *http.CrossOriginProtection
	limits *limiters
}

// newParticipantPages parses the templates; a template that does not parse
// is a fault of the build, caught by any test, so it panics.
func newParticipantPages(s *server) *participantPages {
	pages, layout := parsePages(participantFS, "templates/participant", template.FuncMap{
		"pathEscape": url.PathEscape,
	})
	return &participantPages{
		s:      s,
		pages:  pages,
		csp:    contentPolicy(layout),
		cop:    http.NewCrossOriginProtection(),
		limits: newLimiters(participantLimits),
	}
}

// contentPolicy allows the layout's own inline script by its hash and
// nothing else: no other script runs, whatever a page shows.
func contentPolicy(layout []byte) string {
	policy := "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
	src := string(layout)
	start := strings.Index(src, "<script>")
	end := strings.Index(src, "</script>")
	if start < 0 || end < start {
		return policy
	}
	sum := sha256.Sum256([]byte(src[start+len("<script>") : end]))
	return policy + "; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// page is what every participant page's layout needs.
type page struct {
	Lang      string
	T         map[string]string
	Other     string // the language the switch offers
	OtherName string
	OtherT    map[string]string // texts in the other language, for pages that show both
	Title     string            // the full <title>, with "Fel: " on a form with errors
	Heading   string
	Pilot     string // the pilot's title, when known
	Home      string // the participant's page, when known
	SwitchURL string // this page in the other language
}

// newPage fills in the layout's fields for a request in lang.
func newPage(c *gin.Context, lang, heading, pilotTitle, home string) page {
	other := otherLang(lang)
	q := url.Values{"lang": {other}}
	title := heading
	if pilotTitle != "" {
		title += " – " + pilotTitle
	}
	return page{
		Lang:      lang,
		T:         catalogs[lang],
		Other:     other,
		OtherName: tr(other, "lang_name"),
		OtherT:    catalogs[other],
		Title:     title,
		Heading:   heading,
		Pilot:     pilotTitle,
		Home:      home,
		SwitchURL: c.Request.URL.EscapedPath() + "?" + q.Encode(),
	}
}

// render writes a page with status, or a plain 500 if the template fails.
func (pp *participantPages) render(c *gin.Context, status int, name string, data any) {
	renderPage(c, pp.s.log, "participant", pp.pages, status, name, data, func(h http.Header) {
		// The pages show a participant's own answers and link secret: keep
		// them out of shared caches and other sites' frames.
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", pp.csp)
	})
}

// messagePage is a page that only says something: an error, a closed
// survey, a missing session.
type messagePage struct {
	page
	Body string
	// Both shows the message in the other language too, for pages reached
	// without knowing which language the participant reads.
	Both      bool
	OtherHead string
	OtherBody string
}

// message renders a message page; key names the "<key>_title" and
// "<key>_body" texts.
func (pp *participantPages) message(c *gin.Context, status int, lang, key, pilotTitle, home string, both bool) {
	p := messagePage{
		page: newPage(c, lang, tr(lang, key+"_title"), pilotTitle, home),
		Body: tr(lang, key+"_body"),
		Both: both,
	}
	if both {
		other := otherLang(lang)
		p.OtherHead, p.OtherBody = tr(other, key+"_title"), tr(other, key+"_body")
		p.Title = p.Heading + " / " + p.OtherHead
	}
	pp.render(c, status, "message", p)
}

// requestLang is the language asked for by ?lang=, then by the cookie, then
// the pilot's own, then Swedish. A valid ?lang= is remembered.
func requestLang(c *gin.Context, pilotLang string) string {
	if l := c.Query("lang"); validLang(l) {
		http.SetCookie(c.Writer, &http.Cookie{
			Name: langCookie, Value: l, Path: "/", MaxAge: int(sessionMaxAge / time.Second),
			HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: isTLS(c.Request),
		})
		return l
	}
	if ck, err := c.Request.Cookie(langCookie); err == nil && validLang(ck.Value) {
		return ck.Value
	}
	if validLang(pilotLang) {
		return pilotLang
	}
	return pilots.LangSwedish
}

// isTLS reports whether the participant reached pilotbed over HTTPS,
// directly or through a proxy that says so.
func isTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// setSession gives the browser the participant session the gateway needs.
func setSession(c *gin.Context, secret string) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name:     sessionCookie,
		Value:    secret,
		Path:     "/",
		MaxAge:   int(sessionMaxAge / time.Second),
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
		Secure:   isTLS(c.Request),
	})
}

// homePath is the participant's page.
func homePath(secret string) string { return "/p/" + url.PathEscape(secret) }

// surveyPath is the form of one survey.
func surveyPath(secret, survey string) string {
	return homePath(secret) + "/s/" + url.PathEscape(survey)
}

// receiptPath is the receipt of one survey.
func receiptPath(secret, survey string) string { return surveyPath(secret, survey) + "/kvitto" }

// viewError answers a failed ParticipantView or SubmitResponse with the
// page that fits; faults of pilotbed are logged once, here.
func (pp *participantPages) viewError(c *gin.Context, lang string, err error) {
	switch pilots.ErrorCode(err) {
	case pilots.ENOTFOUND:
		pp.message(c, http.StatusNotFound, lang, "notfound", "", "", true)
	case pilots.EUNAVAILABLE:
		pp.message(c, http.StatusServiceUnavailable, lang, "unavailable", "", "", true)
	case pilots.ETOOMANYREQUEST:
		pp.message(c, http.StatusTooManyRequests, lang, "toomany", "", "", true)
	default:
		pp.s.log.Error("participant page failed", zap.String("method", c.Request.Method), zap.String("path", routeOf(c)), zap.Error(err))
		pp.message(c, http.StatusInternalServerError, lang, "internal", "", "", true)
	}
}

// view resolves the token of the request; on failure it has answered.
func (pp *participantPages) view(c *gin.Context) (pilots.ParticipantView, string, bool) {
	if pp.s.parts == nil {
		pp.message(c, http.StatusServiceUnavailable, requestLang(c, ""), "unavailable", "", "", true)
		return pilots.ParticipantView{}, "", false
	}
	v, err := pp.s.parts.ParticipantView(c.Request.Context(), c.Param("token"))
	if err != nil {
		pp.viewError(c, requestLang(c, ""), err)
		return pilots.ParticipantView{}, "", false
	}
	return v, requestLang(c, v.Pilot.Spec.Language), true
}

// surveyState finds a survey in a view.
func surveyState(v pilots.ParticipantView, name string) (pilots.SurveyState, bool) {
	for _, s := range v.Surveys {
		if s.Survey != nil && s.Survey.Name == name {
			return s, true
		}
	}
	return pilots.SurveyState{}, false
}

// retryAfter writes a Retry-After of whole seconds, at least one.
func retryAfter(c *gin.Context, d time.Duration) {
	secs := int((d + time.Second - 1) / time.Second)
	c.Header("Retry-After", strconv.Itoa(max(secs, 1)))
}
