package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// secIdentity is who sends a request of the access matrix.
type secIdentity struct {
	name    string
	bearer  string
	cookies []*http.Cookie
	apiRole pilots.Role // what the API must grant; "" for nothing
	uiRole  pilots.Role // what the admin UI must grant; "" for nothing
	// fresh makes another admin session of the same role, for the one
	// route (logout) that ends the session it is given.
	fresh func() *http.Cookie
	// part is the pilot whose gateway the identity's participant session
	// opens, and cand the candidate of its cohort; nil for none.
	part *secPilot
	cand string
	// tokA and tokB are invitation secrets of A and B that only this
	// identity puts in /p/ paths, so the per-invitation rate limit never
	// decides an answer of the matrix.
	tokA, tokB string
}

// secTarget fills the path parameters of a route.
type secTarget struct {
	name        string
	pilot       *secPilot // nil: no such pilot
	id          string
	survey      string
	participant string
	action      string
	state       string
}

// secCheck counts the (route, identity, target) requests of the matrix.
type secCheck struct {
	t *testing.T
	n int
}

// TestSecurityAccess walks every route the server has with every kind of
// caller and with real and bogus path parameters: the API takes only
// bearer tokens and only admin tokens for changes, the admin UI only a
// session (of an admin token for changes), participant pages and the
// gateway only the participant's own pilot, and nothing answers 5xx.
func TestSecurityAccess(t *testing.T) {
	e := newSecEnv(t)
	ids := e.identities(t)
	targets := map[string]secTarget{}
	for _, tg := range []secTarget{
		{name: "A", pilot: &e.A, id: e.A.p.ID, survey: e.A.survey, participant: "P-0001", action: "close", state: "open"},
		{name: "A by name", pilot: &e.A, id: e.A.p.Name, survey: e.A.survey, participant: "P-0001", action: "start", state: "close"},
		{name: "B", pilot: &e.B, id: e.B.p.ID, survey: e.B.survey, participant: "P-0001", action: "withdraw", state: "open"},
		{name: "C", pilot: &e.C, id: e.C.p.ID, survey: e.C.survey, participant: "P-0001", action: "close", state: "close"},
		{name: "bogus", id: "nosuch", survey: "nosuch", participant: "P-9999", action: "explode", state: "explode"},
		{name: "hostile", id: secScript, survey: secAttr, participant: "../P-0001", action: "../close", state: "%00"},
	} {
		targets[tg.name] = tg
	}

	routes := e.engine.Routes()
	slices.SortFunc(routes, func(a, b gin.RouteInfo) int {
		return strings.Compare(a.Path+" "+a.Method, b.Path+" "+b.Method)
	})
	ck := &secCheck{t: t}
	kinds := map[string]int{}
	for _, rt := range routes {
		switch {
		case strings.HasPrefix(rt.Path, "/api/v1/"):
			kinds["api"]++
			e.matrixAPI(t, ck, rt, ids, targets)
		case rt.Path == "/admin" || strings.HasPrefix(rt.Path, "/admin/"):
			kinds["admin"]++
			e.matrixAdmin(t, ck, rt, ids, targets)
		case strings.HasPrefix(rt.Path, "/p/"):
			kinds["participant"]++
			e.matrixParticipant(t, ck, rt, ids)
		case strings.HasPrefix(rt.Path, "/try/"):
			kinds["gateway"]++
			e.matrixGateway(t, ck, rt, ids)
		default:
			kinds["public"]++
			for _, id := range ids {
				w := e.serve(t, id.req(rt.Method, rt.Path))
				ck.n++
				if w.Code >= 500 {
					t.Errorf("%s %s as %s: Status=%d, want no 5xx", rt.Method, rt.Path, id.name, w.Code)
				}
			}
		}
	}
	for kind, min := range map[string]int{"api": 15, "admin": 10, "participant": 4, "gateway": 18} {
		if kinds[kind] < min {
			t.Errorf("found %d %s routes, want at least %d", kinds[kind], kind, min)
		}
	}
	t.Logf("access matrix: %d routes (%v) x %d identities, %d requests checked", len(routes), kinds, len(ids), ck.n)

	// Participant secrets are not API tokens, not even to sign in to the
	// admin UI.
	for _, secret := range []string{ids[0].tokA, ids[0].tokB} {
		w := e.postForm(t, "/admin/login", url.Values{"token": {secret}})
		if w.Code != http.StatusUnauthorized || len(w.Result().Cookies()) > 0 && w.Result().Cookies()[0].Value != "" {
			t.Errorf("admin login with a participant secret: Status=%d cookies=%v, want 401 and no session", w.Code, w.Result().Cookies())
		}
	}
}

// identities are the callers of the matrix: nobody, an unknown and a
// forged credential, the two token roles as bearer and as admin session,
// and a participant of A and of B, by bearer and by session cookie.
func (e *secEnv) identities(t *testing.T) []secIdentity {
	t.Helper()
	partA := e.invite(t, e.A, "ca1", 1)[0].Secret
	partB := e.invite(t, e.B, "cb2", 1)[0].Secret
	ckA, ckB := e.participantCookie(t, partA), e.participantCookie(t, partB)
	adminSess := func() *http.Cookie { return e.login(t, e.admin) }
	viewerSess := func() *http.Cookie { return e.login(t, e.viewer) }
	ids := []secIdentity{
		{name: "nobody"},
		{name: "unknown bearer", bearer: pilots.NewSecret(pilots.TokenPrefix)},
		{name: "forged session", cookies: []*http.Cookie{
			{Name: "pilotbed_admin", Value: "forged-session-id"},
			{Name: "pilotbed_participant", Value: "forged-invitation"},
		}},
		{name: "viewer token", bearer: e.viewer, apiRole: pilots.RoleViewer},
		{name: "admin token", bearer: e.admin, apiRole: pilots.RoleAdmin},
		{name: "viewer session", cookies: []*http.Cookie{viewerSess()}, uiRole: pilots.RoleViewer, fresh: viewerSess},
		{name: "admin session", cookies: []*http.Cookie{adminSess()}, uiRole: pilots.RoleAdmin, fresh: adminSess},
		{name: "participant A bearer", bearer: partA},
		{name: "participant A session", cookies: []*http.Cookie{ckA}, part: &e.A, cand: "a1"},
		{name: "participant B bearer", bearer: partB},
		{name: "participant B session", cookies: []*http.Cookie{ckB}, part: &e.B, cand: "b2"},
	}
	for i := range ids {
		ids[i].tokA = e.invite(t, e.A, "ca2", 1)[0].Secret
		ids[i].tokB = e.invite(t, e.B, "cb1", 1)[0].Secret
	}
	return ids
}

// req is a request as the identity sends it; an unsafe one carries an
// empty form.
func (id secIdentity) req(method, path string) secReq {
	r := secReq{method: method, path: path, cookies: id.cookies}
	if id.bearer != "" {
		r.header = http.Header{"Authorization": {"Bearer " + id.bearer}}
	}
	if method != http.MethodGet && method != http.MethodHead {
		r.contentType = "application/x-www-form-urlencoded"
	}
	return r
}

// fill puts values into a route's parameters, escaped.
func fill(path string, values map[string]string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if len(s) > 1 && (s[0] == ':' || s[0] == '*') {
			v, ok := values[s[1:]]
			if !ok {
				v = "x"
			}
			if s[0] == '*' {
				segs[i] = strings.TrimPrefix(v, "/")
				continue
			}
			segs[i] = url.PathEscape(v)
		}
	}
	return strings.Join(segs, "/")
}

func (tg secTarget) values() map[string]string {
	return map[string]string{"id": tg.id, "survey": tg.survey, "participant": tg.participant, "action": tg.action, "state": tg.state}
}

// matrixAPI: no bearer token of the store is 401, a viewer's change 403,
// a known token is let through; nothing is 5xx. Admins change only C.
func (e *secEnv) matrixAPI(t *testing.T, ck *secCheck, rt gin.RouteInfo, ids []secIdentity, targets map[string]secTarget) {
	t.Helper()
	write := rt.Method != http.MethodGet
	for _, id := range ids {
		names := []string{"A", "A by name", "B", "bogus", "hostile"}
		if write && id.apiRole == pilots.RoleAdmin {
			names = []string{"C", "bogus", "hostile"}
		}
		if !strings.Contains(rt.Path, ":") {
			names = names[:1]
		}
		for _, name := range names {
			tg := targets[name]
			path := fill(rt.Path, tg.values())
			w := e.serve(t, id.req(rt.Method, path))
			ck.n++
			where := fmt.Sprintf("%s %s (%s) as %s", rt.Method, path, name, id.name)
			switch {
			case w.Code >= 500:
				t.Errorf("%s: Status=%d, want no 5xx; body %.300s", where, w.Code, w.Body.String())
			case id.apiRole == "":
				if w.Code != http.StatusUnauthorized {
					t.Errorf("%s: Status=%d, want 401; body %.300s", where, w.Code, w.Body.String())
				}
			case write && id.apiRole != pilots.RoleAdmin:
				if w.Code != http.StatusForbidden {
					t.Errorf("%s: Status=%d, want 403; body %.300s", where, w.Code, w.Body.String())
				}
			case w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden:
				t.Errorf("%s: Status=%d, want access; body %.300s", where, w.Code, w.Body.String())
			case !write && tg.pilot == nil && w.Code != http.StatusNotFound:
				t.Errorf("%s: Status=%d, want 404 for no such pilot; body %.300s", where, w.Code, w.Body.String())
			}
		}
	}
}

// matrixAdmin: without a session every protected page sends to the login
// (or refuses), a viewer's session is refused every change, and the public
// pages (login, style sheet) never fail.
func (e *secEnv) matrixAdmin(t *testing.T, ck *secCheck, rt gin.RouteInfo, ids []secIdentity, targets map[string]secTarget) {
	t.Helper()
	public := rt.Path == "/admin/admin.css" || rt.Path == "/admin/" || rt.Path == "/admin/login"
	logout := rt.Path == "/admin/logout"
	write := rt.Method != http.MethodGet
	// The confirm and decide pages are forms for changes: a viewer is
	// refused them as it is the change itself.
	actionPage := strings.Contains(rt.Path, "/confirm/") || strings.HasSuffix(rt.Path, "/decide")
	for _, id := range ids {
		names := []string{"A", "A by name", "B", "bogus", "hostile"}
		if write && id.uiRole == pilots.RoleAdmin {
			names = []string{"C", "bogus", "hostile"}
		}
		if !strings.Contains(rt.Path, ":") {
			names = names[:1]
		}
		for _, name := range names {
			tg := targets[name]
			path := fill(rt.Path, tg.values())
			r := id.req(rt.Method, path)
			if logout && id.fresh != nil {
				r.cookies = []*http.Cookie{id.fresh()}
			}
			w := e.serve(t, r)
			ck.n++
			where := fmt.Sprintf("%s %s (%s) as %s", rt.Method, path, name, id.name)
			switch {
			case w.Code >= 500:
				t.Errorf("%s: Status=%d, want no 5xx; body %.300s", where, w.Code, w.Body.String())
			case public:
			case id.uiRole == "":
				toLogin := w.Code == http.StatusSeeOther && w.Header().Get("Location") == "/admin/login"
				if !toLogin && w.Code != http.StatusUnauthorized && w.Code != http.StatusForbidden {
					t.Errorf("%s: Status=%d Location=%q, want a redirect to the login or 401/403; body %.300s", where, w.Code, w.Header().Get("Location"), w.Body.String())
				}
				if strings.Contains(w.Body.String(), secMarkA) || strings.Contains(w.Body.String(), secMarkB) {
					t.Errorf("%s: the refusal shows a pilot's data", where)
				}
			case (write && !logout || actionPage) && id.uiRole != pilots.RoleAdmin:
				if w.Code != http.StatusForbidden && !(actionPage && w.Code == http.StatusNotFound) {
					t.Errorf("%s: Status=%d, want 403; body %.300s", where, w.Code, w.Body.String())
				}
			case w.Code == http.StatusUnauthorized || w.Code == http.StatusForbidden:
				t.Errorf("%s: Status=%d, want access; body %.300s", where, w.Code, w.Body.String())
			case !write && tg.pilot == nil && w.Code != http.StatusNotFound && strings.Contains(rt.Path, ":id"):
				t.Errorf("%s: Status=%d, want 404 for no such pilot; body %.300s", where, w.Code, w.Body.String())
			}
		}
	}
}

// matrixParticipant: a participant page answers only for the invitation in
// its path, only with that invitation's pilot, whatever else the request
// carries; a survey of another pilot is 404.
func (e *secEnv) matrixParticipant(t *testing.T, ck *secCheck, rt gin.RouteInfo, ids []secIdentity) {
	t.Helper()
	for _, id := range ids {
		bogus := "pbp_" + strings.Repeat("0", 20) + fmt.Sprint(len(id.name))
		for _, tok := range []struct {
			name, secret string
			own          *secPilot
		}{{"A's", id.tokA, &e.A}, {"B's", id.tokB, &e.B}, {"a bogus", bogus, nil}} {
			surveys := []string{e.A.survey, e.B.survey, "nosuch"}
			if !strings.Contains(rt.Path, ":survey") {
				surveys = surveys[:1]
			}
			for _, survey := range surveys {
				path := fill(rt.Path, map[string]string{"token": tok.secret, "survey": survey})
				w := e.serve(t, id.req(rt.Method, path))
				ck.n++
				where := fmt.Sprintf("%s %s with %s invitation, survey %s, as %s", rt.Method, rt.Path, tok.name, survey, id.name)
				body := w.Body.String()
				foreign := strings.Contains(rt.Path, ":survey") && (tok.own == nil || survey != tok.own.survey)
				switch {
				case w.Code >= 500:
					t.Errorf("%s: Status=%d, want no 5xx; body %.300s", where, w.Code, body)
				case tok.own == nil || foreign:
					if w.Code != http.StatusNotFound {
						t.Errorf("%s: Status=%d, want 404; body %.300s", where, w.Code, body)
					}
				case rt.Method == http.MethodGet && rt.Path == "/p/:token/s/:survey":
					if w.Code != http.StatusOK {
						t.Errorf("%s: Status=%d, want 200; body %.300s", where, w.Code, body)
					}
				}
				if tok.own != &e.A && strings.Contains(body, secMarkA) {
					t.Errorf("%s: the page shows pilot A's text", where)
				}
				if tok.own != &e.B && strings.Contains(body, secMarkB) {
					t.Errorf("%s: the page shows pilot B's text", where)
				}
			}
		}
	}
}

// matrixGateway: only a participant session of the pilot in the path is
// proxied, and only to its own cohort's candidate; everything else gets a
// page of pilotbed's and never reaches a candidate.
func (e *secEnv) matrixGateway(t *testing.T, ck *secCheck, rt gin.RouteInfo, ids []secIdentity) {
	t.Helper()
	for _, id := range ids {
		for _, pl := range []struct {
			name string
			p    *secPilot
		}{{e.A.p.Name, &e.A}, {e.A.p.ID, &e.A}, {e.B.p.Name, &e.B}, {"nosuch", nil}, {secScript, nil}} {
			path := fill(rt.Path, map[string]string{"pilot": pl.name, "path": "/some/page"})
			before := e.hits()
			w := e.serve(t, id.req(rt.Method, path))
			after := e.hits()
			ck.n++
			where := fmt.Sprintf("%s %s as %s", rt.Method, path, id.name)
			proxied := false
			for k, n := range after {
				if n != before[k] {
					proxied = true
					want := pl.p != nil && id.part == pl.p && k == pl.p.p.Name+"/"+id.cand && strings.Contains(rt.Path, "*path")
					if !want {
						t.Errorf("%s: reached candidate %s; Status=%d", where, k, w.Code)
					}
				}
			}
			own := pl.p != nil && id.part == pl.p && strings.Contains(rt.Path, "*path")
			switch {
			case w.Code >= 500:
				t.Errorf("%s: Status=%d, want no 5xx; body %.300s", where, w.Code, w.Body.String())
			case own && !proxied && rt.Method != http.MethodConnect:
				t.Errorf("%s: Status=%d, want the request proxied to %s; body %.300s", where, w.Code, id.cand, w.Body.String())
			case !own && id.part != nil && pl.p != nil && strings.Contains(rt.Path, "*path") && w.Code != http.StatusNotFound:
				t.Errorf("%s: Status=%d, want 404 for another pilot's gateway; body %.300s", where, w.Code, w.Body.String())
			}
			if !own && (strings.Contains(w.Body.String(), "candidate pilot") || strings.Contains(w.Body.String(), secMarkA)) {
				t.Errorf("%s: the answer shows a candidate or pilot A: %.300s", where, w.Body.String())
			}
		}
	}
}

// hits counts the requests each candidate has received, by
// "pilot/candidate".
func (e *secEnv) hits() map[string]int64 {
	m := map[string]int64{}
	for _, sp := range []*secPilot{&e.A, &e.B, &e.C} {
		for name, b := range sp.backends {
			m[sp.p.Name+"/"+name] = b.hits.Load()
		}
	}
	return m
}
