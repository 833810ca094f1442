package api

import (
	"context"
	"errors"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/pilots"
)

// The gateway at /try/{pilot}/ is how participants reach the candidate of
// their cohort: a reverse proxy to its entry service, open only to a browser
// that holds a participant session of that pilot. The candidate sees the
// path without the /try/{pilot} prefix, X-Forwarded-* (and
// X-Forwarded-Prefix, to build its own links) and never pilotbed's cookies.

// cookiePrefix starts every cookie pilotbed sets; none reaches a candidate
// and no candidate may set one.
const cookiePrefix = "pilotbed_"

// gatewayTransport is shared by every proxied request so connections to the
// candidates are reused.
var gatewayTransport = func() http.RoundTripper {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Candidates are reached directly on their testbed network: a proxy
	// set in pilotbed's environment must not be used for them.
	t.Proxy = nil
	return t
}()

// handleGatewayRedirect sends /try/{pilot} to /try/{pilot}/ so the
// candidate's relative links resolve under the prefix.
func (pp *participantPages) handleGatewayRedirect() gin.HandlerFunc {
	return func(c *gin.Context) {
		target := gatewayPrefix(c.Param("pilot")) + "/"
		if q := c.Request.URL.RawQuery; q != "" {
			target += "?" + q
		}
		status := http.StatusPermanentRedirect // keeps the method and body
		if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
			status = http.StatusMovedPermanently
		}
		c.Redirect(status, target)
		c.Abort()
	}
}

// gatewayPrefix is the path prefix of a pilot's gateway, escaped.
func gatewayPrefix(pilot string) string { return "/try/" + url.PathEscape(pilot) }

// handleGateway proxies /try/{pilot}/{path} to the entry service of the
// participant's candidate.
func (pp *participantPages) handleGateway() gin.HandlerFunc {
	return func(c *gin.Context) {
		lang := requestLang(c, "")
		if pp.s.parts == nil {
			pp.message(c, http.StatusServiceUnavailable, lang, "unavailable", "", "", true)
			return
		}
		ctx := c.Request.Context()
		ck, err := c.Request.Cookie(sessionCookie)
		if err != nil || ck.Value == "" {
			pp.needSession(c, lang)
			return
		}
		secret, pilot := ck.Value, c.Param("pilot")
		endpoint, err := pp.s.parts.Endpoint(ctx, secret, pilot)
		switch pilots.ErrorCode(err) {
		case "":
		case pilots.ENOTFOUND:
			// Either the session is stale (revoked, or from another
			// installation) or it belongs to another pilot.
			if _, verr := pp.s.parts.ParticipantView(ctx, secret); pilots.ErrorCode(verr) == pilots.ENOTFOUND {
				http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: isTLS(c.Request)})
				pp.needSession(c, lang)
				return
			}
			pp.message(c, http.StatusNotFound, lang, "gw404", "", "", false)
			return
		case pilots.EUNAVAILABLE:
			retryAfter(c, gatewayRetry)
			pp.message(c, http.StatusServiceUnavailable, lang, "gw_down", "", "", false)
			return
		default:
			pp.viewError(c, lang, err)
			return
		}
		target, err := url.Parse(endpoint)
		if err != nil || target.Scheme == "" || target.Host == "" {
			pp.s.log.Error("gateway endpoint is not a URL", zap.String("endpoint", endpoint), zap.Error(err))
			retryAfter(c, gatewayRetry)
			pp.message(c, http.StatusServiceUnavailable, lang, "gw_down", "", "", false)
			return
		}
		if isPageRequest(c.Request) {
			// Counting is worth less than the page: a failure is logged,
			// the participant still gets through.
			if err := pp.s.parts.RecordUse(ctx, secret, 1); err != nil {
				pp.s.log.Warn("record gateway use", zap.String("pilot", pilot), zap.Error(err))
			}
		}
		pp.proxy(c, target, pilot, lang).ServeHTTP(plainWriter{c.Writer}, c.Request)
		c.Abort()
	}
}

// plainWriter hides the deprecated CloseNotify of gin's writer, which
// panics when the writer beneath lacks it; ReverseProxy then watches the
// request's context instead. Flush and Hijack (for WebSocket upgrades) stay
// reachable through Unwrap and http.ResponseController.
type plainWriter struct{ w gin.ResponseWriter }

func (p plainWriter) Header() http.Header         { return p.w.Header() }
func (p plainWriter) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p plainWriter) WriteHeader(status int)      { p.w.WriteHeader(status) }
func (p plainWriter) Unwrap() http.ResponseWriter { return p.w }

// gatewayRetry is the Retry-After of a candidate that does not answer.
const gatewayRetry = 30 * time.Second

// needSession explains that the invitation link must be opened first.
func (pp *participantPages) needSession(c *gin.Context, lang string) {
	status := http.StatusOK
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		status = http.StatusForbidden
	}
	pp.message(c, status, lang, "session", "", "", true)
}

// isPageRequest reports whether a request loads a page rather than an
// asset, so use is counted per page a participant opens.
func isPageRequest(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	if dest := r.Header.Get("Sec-Fetch-Dest"); dest != "" {
		return dest == "document"
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// proxy returns the reverse proxy of one request to target.
func (pp *participantPages) proxy(c *gin.Context, target *url.URL, pilot, lang string) *httputil.ReverseProxy {
	prefix := gatewayPrefix(pilot)
	return &httputil.ReverseProxy{
		Transport: gatewayTransport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			rest := stripGatewayPrefix(pr.In.URL.EscapedPath())
			path, err := url.PathUnescape(rest)
			if err != nil {
				path = rest
			}
			pr.Out.URL.Path, pr.Out.URL.RawPath = path, ""
			if rest != (&url.URL{Path: path}).EscapedPath() {
				pr.Out.URL.RawPath = rest
			}
			pr.SetURL(target) // also sends the target's Host
			pr.SetXForwarded()
			if isTLS(pr.In) {
				pr.Out.Header.Set("X-Forwarded-Proto", "https")
			}
			pr.Out.Header.Set("X-Forwarded-Prefix", prefix)
			stripOwnCookies(pr.Out)
		},
		ModifyResponse: func(resp *http.Response) error {
			rewriteResponse(resp, target, prefix)
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, context.Canceled) {
				return // the participant left
			}
			pp.s.log.Warn("gateway request failed", zap.String("pilot", pilot), zap.Error(err))
			retryAfter(c, gatewayRetry)
			pp.message(c, http.StatusBadGateway, lang, "gw_down", "", "", false)
		},
	}
}

// stripGatewayPrefix returns the escaped path after /try/{pilot}, always
// starting with "/".
func stripGatewayPrefix(escaped string) string {
	rest := strings.TrimPrefix(escaped, "/try/")
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return "/"
	}
	return rest[i:]
}

// stripOwnCookies removes pilotbed's cookies, the participant session
// above all, from a request bound for a candidate.
func stripOwnCookies(r *http.Request) {
	cookies := r.Cookies()
	r.Header.Del("Cookie")
	for _, ck := range cookies {
		if !strings.HasPrefix(ck.Name, cookiePrefix) {
			r.AddCookie(ck)
		}
	}
}

// rewriteResponse keeps a candidate inside its prefix: redirects to its
// own absolute paths and cookies get the prefix, and it cannot set or
// overwrite pilotbed's cookies.
func rewriteResponse(resp *http.Response, target *url.URL, prefix string) {
	if loc := resp.Header.Get("Location"); loc != "" {
		resp.Header.Set("Location", rewriteLocation(loc, target, prefix))
	}
	lines := resp.Header.Values("Set-Cookie")
	if len(lines) == 0 {
		return
	}
	resp.Header.Del("Set-Cookie")
	for _, line := range lines {
		ck, err := http.ParseSetCookie(line)
		if err != nil || strings.HasPrefix(ck.Name, cookiePrefix) {
			continue
		}
		ck.Domain = ""
		if strings.HasPrefix(ck.Path, "/") {
			ck.Path = prefix + ck.Path
		} else {
			ck.Path = prefix + "/"
		}
		resp.Header.Add("Set-Cookie", ck.String())
	}
}

// rewriteLocation puts the prefix before a redirect to the candidate's own
// absolute path or URL; redirects elsewhere are left alone.
func rewriteLocation(loc string, target *url.URL, prefix string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	switch {
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/"):
	case u.Host == target.Host && (u.Scheme == "" || u.Scheme == target.Scheme):
		u.Scheme, u.Host = "", ""
	default:
		return loc
	}
	if u.Path == prefix || strings.HasPrefix(u.EscapedPath(), prefix+"/") {
		return u.String() // the candidate already knows its prefix
	}
	return prefix + u.String()
}
