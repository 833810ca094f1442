package api

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

func wantStatus(t testing.TB, what string, got, want int) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: Status=%d, want %d", what, got, want)
	}
}

func wantContains(t testing.TB, what, body string, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(body, s) {
			t.Errorf("%s: body lacks %q", what, s)
		}
	}
}

func TestParticipantHome(t *testing.T) {
	f := newPTFixture(t)
	w := f.do(t, "GET", "/p/"+f.secret, nil)
	wantStatus(t, "home", w.Code, http.StatusOK)
	body := w.Body.String()
	wantContains(t, "home", body,
		`<html lang="sv">`,
		"Digital tillsyn &lt;i&gt;nattetid&lt;/i&gt;", // escaped, never markup
		"Vård- och omsorgsförvaltningen",
		"11 januari 2027 till 31 mars 2027",
		"P-0001",
		"Allmänt intresse",
		"365 dagar", "KS 2026/123",
		"testledare@mittkoping.se",
		`href="/try/tillsyn/"`, "Prova tjänsten",
		`href="/p/`+f.secret+`/s/alla"`,
		"Stängd", "Öppnar 18 mars 2027", "Öppen till och med 31 mars 2027",
	)
	ck := cookieNamed(w.Result().Cookies(), sessionCookie)
	if ck == nil || ck.Value != f.secret || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure {
		t.Fatalf("session cookie=%+v, want the secret, HttpOnly, SameSite=Lax, Path=/, not Secure over plain HTTP", ck)
	}
	if got := w.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control=%q, want no-store", got)
	}

	w = f.do(t, "GET", "/p/"+f.secret, nil, "X-Forwarded-Proto", "https")
	if ck := cookieNamed(w.Result().Cookies(), sessionCookie); ck == nil || !ck.Secure {
		t.Errorf("session cookie behind TLS=%+v, want Secure", ck)
	}

	// ?lang=en switches and is remembered by a cookie.
	w = f.do(t, "GET", "/p/"+f.secret+"?lang=en", nil)
	wantStatus(t, "home en", w.Code, http.StatusOK)
	wantContains(t, "home en", w.Body.String(), `<html lang="en">`, "Try the service", "How we handle your data", "365 days", `lang="sv" hreflang="sv">Svenska`)
	lc := cookieNamed(w.Result().Cookies(), langCookie)
	if lc == nil || lc.Value != "en" {
		t.Fatalf("language cookie=%+v, want en", lc)
	}
	w = f.do(t, "GET", "/p/"+f.secret, nil, "Cookie", langCookie+"=en")
	wantContains(t, "home by cookie", w.Body.String(), `<html lang="en">`)
}

func cookieNamed(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestParticipantNotFound(t *testing.T) {
	f := newPTFixture(t)
	for _, path := range []string{"/p/nosuchsecret", "/p/nosuchsecret/s/alla", "/p/nosuchsecret/s/alla/kvitto"} {
		w := f.do(t, "GET", path, nil)
		wantStatus(t, path, w.Code, http.StatusNotFound)
		wantContains(t, path, w.Body.String(), "Länken fungerar inte", `lang="en"`, "The link does not work")
		if cookieNamed(w.Result().Cookies(), sessionCookie) != nil {
			t.Errorf("%s set a session cookie", path)
		}
	}
	w := f.do(t, "POST", "/p/nosuchsecret/s/alla", validAlla())
	wantStatus(t, "post unknown", w.Code, http.StatusNotFound)

	// A revoked invitation is as unknown.
	if err := f.o.RevokeParticipant(t.Context(), "alice", f.pilot.ID, "P-0002"); err != nil {
		t.Fatal(err)
	}
	w = f.do(t, "GET", "/p/"+f.secret2, nil)
	wantStatus(t, "revoked", w.Code, http.StatusNotFound)

	w = f.do(t, "GET", "/p/"+f.secret+"/s/nosuchsurvey", nil)
	wantStatus(t, "unknown survey", w.Code, http.StatusNotFound)
	wantContains(t, "unknown survey", w.Body.String(), "Enkäten finns inte")
}

func TestSurveyFormErrors(t *testing.T) {
	f := newPTFixture(t)
	form := validAlla()
	form.Del("trivsel")
	form.Del("kanaler")
	form.Set("minuter", "tolv")
	form.Set("bogus", "ignored")
	w := f.do(t, "POST", "/p/"+f.secret+"/s/alla", form)
	wantStatus(t, "errors", w.Code, http.StatusUnprocessableEntity)
	body := w.Body.String()
	wantContains(t, "errors", body,
		"<title>Fel: Alla frågetyper",
		`class="error-summary" role="alert" tabindex="-1" autofocus`,
		`<a href="#q-trivsel-1">Välj hur mycket du instämmer</a>`,
		`<a href="#q-minuter">`,
		`<a href="#q-kanaler-1">Välj minst ett alternativ</a>`,
		`id="q-minuter-error"`, `aria-describedby="q-minuter-hint q-minuter-error"`, `aria-invalid="true"`,
		`aria-describedby="q-trivsel-anchors q-trivsel-error"`,
		// Every answer given is kept.
		`name="minuter" value="tolv"`,
		`id="q-betyg-5" name="betyg" value="5" checked`,
		`id="q-rekommendera-9" name="rekommendera" value="9" checked`,
		`id="q-verktyg-2" name="verktyg" value="webb" checked`,
		"Bra &lt;b&gt;tjänst&lt;/b&gt; &amp; &#34;fint&#34;\nrad två</textarea>",
	)
	if strings.Contains(body, "bogus") {
		t.Errorf("unknown field was reported or echoed; want it ignored")
	}

	// English messages when the participant reads English.
	w = f.do(t, "POST", "/p/"+f.secret+"/s/alla?lang=en", url.Values{})
	wantStatus(t, "errors en", w.Code, http.StatusUnprocessableEntity)
	wantContains(t, "errors en", w.Body.String(), "<title>Error: Every question type", "There is a problem", "Select how much you agree")
}

var receiptPattern = regexp.MustCompile(`id="receipt">([0-9A-Z]{4}-[0-9A-Z]{4})<`)

func TestSurveyCheckConfirmReceipt(t *testing.T) {
	f := newPTFixture(t)
	path := "/p/" + f.secret + "/s/alla"
	w := f.do(t, "POST", path, validAlla())
	wantStatus(t, "check", w.Code, http.StatusOK)
	wantContains(t, "check", w.Body.String(), "Kontrollera dina svar", "12,5 min", `name="_step" value="confirm"`, "Ändra",
		`<input type="hidden" name="kommentar" value="Bra &lt;b&gt;tjänst&lt;/b&gt; &amp; &#34;fint&#34;`+"\nrad två\">")

	// Change goes back to the form with every answer.
	edit := validAlla()
	edit.Set("_step", "edit")
	w = f.do(t, "POST", path, edit)
	wantStatus(t, "edit", w.Code, http.StatusOK)
	wantContains(t, "edit", w.Body.String(), `name="minuter" value="12,5"`, `value="sms" checked`)

	confirm := validAlla()
	confirm.Set("_step", "confirm")
	w = f.do(t, "POST", path, confirm)
	wantStatus(t, "confirm", w.Code, http.StatusSeeOther)
	if got, want := w.Header().Get("Location"), path+"/kvitto"; got != want {
		t.Fatalf("Location=%q, want %q", got, want)
	}
	w = f.do(t, "GET", path+"/kvitto", nil)
	wantStatus(t, "receipt", w.Code, http.StatusOK)
	m := receiptPattern.FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("receipt page has no receipt code:\n%s", w.Body.String())
	}
	wantContains(t, "receipt", w.Body.String(), "Tack!")

	// A second submit leads to the same receipt; the store holds one response.
	w = f.do(t, "POST", path, confirm)
	wantStatus(t, "repeat", w.Code, http.StatusSeeOther)
	w = f.do(t, "GET", path+"/kvitto", nil)
	if m2 := receiptPattern.FindStringSubmatch(w.Body.String()); m2 == nil || m2[1] != m[1] {
		t.Fatalf("repeat receipt=%v, want %s", m2, m[1])
	}
	w = f.do(t, "GET", path, nil)
	wantStatus(t, "form after answer", w.Code, http.StatusSeeOther)
	n := 0
	f.store.ForEachResponse(t.Context(), f.pilot.ID, func(r pilots.Response) error {
		n++
		if got := r.Answers["kommentar"].Text; got != "Bra <b>tjänst</b> & \"fint\"\nrad två" {
			t.Errorf("stored text=%q", got)
		}
		return nil
	})
	if n != 1 {
		t.Fatalf("stored responses=%d, want 1", n)
	}
	w = f.do(t, "GET", "/p/"+f.secret, nil)
	wantContains(t, "home after", w.Body.String(), "Besvarad", m[1])

	// The receipt of an unanswered survey sends the participant to the form.
	w = f.do(t, "GET", "/p/"+f.secret+"/s/final/kvitto", nil)
	wantStatus(t, "unanswered receipt", w.Code, http.StatusSeeOther)
}

func TestSurveyClosedAndUpcoming(t *testing.T) {
	f := newPTFixture(t)
	tests := []struct {
		survey, want string
	}{
		{"tidig", "Enkäten är stängd"},
		{"senare", "Enkäten har inte öppnat än"},
	}
	for _, tt := range tests {
		t.Run(tt.survey, func(t *testing.T) {
			path := "/p/" + f.secret + "/s/" + tt.survey
			w := f.do(t, "GET", path, nil)
			wantStatus(t, "GET", w.Code, http.StatusConflict)
			wantContains(t, "GET", w.Body.String(), tt.want)
			w = f.do(t, "POST", path, url.Values{"minuter": {"3"}, "_step": {"confirm"}})
			wantStatus(t, "POST", w.Code, http.StatusConflict)
		})
	}

	// Closing the survey between the check step and the confirmation.
	if err := f.o.SetSurveyState(t.Context(), "alice", f.pilot.ID, "alla", pilots.SurveyClosed); err != nil {
		t.Fatal(err)
	}
	confirm := validAlla()
	confirm.Set("_step", "confirm")
	w := f.do(t, "POST", "/p/"+f.secret+"/s/alla", confirm)
	wantStatus(t, "closed by hand", w.Code, http.StatusConflict)
}

func TestSurveyBadRequests(t *testing.T) {
	f := newPTFixture(t)
	path := "/p/" + f.secret + "/s/alla"

	big := validAlla()
	big.Set("kommentar", strings.Repeat("x", maxFormBytes+1))
	w := f.do(t, "POST", path, big)
	wantStatus(t, "oversized", w.Code, http.StatusRequestEntityTooLarge)
	wantContains(t, "oversized", w.Body.String(), "Formuläret är för stort")

	w = f.do(t, "POST", path, validAlla(), "Sec-Fetch-Site", "cross-site")
	wantStatus(t, "cross-site", w.Code, http.StatusForbidden)
	w = f.do(t, "POST", path, validAlla(), "Origin", "https://evil.example")
	wantStatus(t, "cross origin", w.Code, http.StatusForbidden)
	w = f.do(t, "POST", path, validAlla(), "Sec-Fetch-Site", "same-origin")
	wantStatus(t, "same-origin", w.Code, http.StatusOK)

	w = f.do(t, "POST", path, nil, "Content-Type", "application/x-www-form-urlencoded")
	wantStatus(t, "empty", w.Code, http.StatusUnprocessableEntity)
	w = f.do(t, "POST", path+"?%zz", validAlla())
	if w.Code >= 500 {
		t.Errorf("bad query: Status=%d, want no 5xx", w.Code)
	}
}

func TestParticipantRateLimit(t *testing.T) {
	saved := participantLimits
	t.Cleanup(func() { participantLimits = saved })
	participantLimits.TokenRate, participantLimits.TokenBurst = 0.5, 3
	f := newPTFixture(t)

	for i := range 3 {
		w := f.do(t, "GET", "/p/"+f.secret, nil)
		wantStatus(t, "request "+strconv.Itoa(i), w.Code, http.StatusOK)
	}
	w := f.do(t, "GET", "/p/"+f.secret, nil)
	wantStatus(t, "over the limit", w.Code, http.StatusTooManyRequests)
	ra, err := strconv.Atoi(w.Header().Get("Retry-After"))
	if err != nil || ra < 1 || ra > 3 {
		t.Fatalf("Retry-After=%q, want 1..3 seconds", w.Header().Get("Retry-After"))
	}
	// Another invitation from the same client is not held back.
	w = f.do(t, "GET", "/p/"+f.secret2, nil)
	wantStatus(t, "other token", w.Code, http.StatusOK)
}

func TestBucketSetBounded(t *testing.T) {
	b := newBucketSet(1, 1, 3, time.Minute)
	now := time.Unix(1000, 0)
	for i := range 10 {
		if ok, _ := b.take(strconv.Itoa(i), now.Add(time.Duration(i)*time.Millisecond)); !ok {
			t.Fatalf("first take of key %d refused", i)
		}
	}
	if got := len(b.buckets); got > 3 {
		t.Fatalf("buckets=%d, want at most 3", got)
	}
	if ok, wait := b.take("9", now.Add(10*time.Millisecond)); ok || wait <= 0 {
		t.Fatalf("second take=%v, %v; want refused with a wait", ok, wait)
	}
}

func TestParticipantUnavailable(t *testing.T) {
	h := NewServer(Config{})
	for _, path := range []string{"/p/x", "/p/x/s/y", "/try/x/"} {
		req, _ := http.NewRequest("GET", path, nil)
		w := newRecorder()
		h.ServeHTTP(w, req)
		wantStatus(t, path, w.Code, http.StatusServiceUnavailable)
	}
}

func TestCatalogsComplete(t *testing.T) {
	for key := range catalogs[pilots.LangSwedish] {
		if catalogs[pilots.LangEnglish][key] == "" {
			t.Errorf("English lacks %q", key)
		}
	}
	for key := range catalogs[pilots.LangEnglish] {
		if catalogs[pilots.LangSwedish][key] == "" {
			t.Errorf("Swedish lacks %q", key)
		}
	}
}

// FuzzParticipantForm posts arbitrary bodies to the survey form: whatever
// arrives, the answer is never a 5xx and never a panic.
func FuzzParticipantForm(f *testing.F) {
	saved := participantLimits
	participantLimits.TokenBurst, participantLimits.ClientBurst = 1<<30, 1<<30
	fx := newPTFixture(f)
	participantLimits = saved
	for _, seed := range []string{
		validAlla().Encode(),
		validFinal().Encode(),
		"_step=confirm&" + validAlla().Encode(),
		"_step=edit&minuter=%ZZ",
		"trivsel=9&trivsel=1&betyg=-1&rekommendera=11&minuter=1e308&verktyg=x&kanaler=telefon&kanaler=telefon",
		"minuter=NaN&kommentar=%00%01%ff",
		"a=b;c=d&&&==",
		strings.Repeat("x", 70000),
	} {
		f.Add("alla", seed, "application/x-www-form-urlencoded")
	}
	f.Add("final", "sus_1=1", "multipart/form-data; boundary=x")
	f.Add("../..", "", "text/plain")
	f.Fuzz(func(t *testing.T, survey, body, contentType string) {
		req, err := http.NewRequest("POST", "/p/"+fx.secret+"/s/"+url.PathEscape(survey), strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", contentType)
		w := newRecorder()
		fx.h.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("POST %q with %q: Status=%d\n%s", survey, body, w.Code, w.Body.String())
		}
	})
}
