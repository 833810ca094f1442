package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/pilots"
)

// defaultServer is where the client looks for a server when neither
// --server nor PILOTBED_SERVER says otherwise: the address 'pilotbed serve'
// listens on by default.
const defaultServer = "http://127.0.0.1:8080"

// maxResponse bounds what the client reads of one answer.
const maxResponse = 64 << 20

// clientFlags are the flags of every command that talks to a server. The
// token is deliberately not a flag: it comes from PILOTBED_TOKEN only, so
// it never lands in shell history or process listings.
type clientFlags struct {
	server string
	output string
}

// register adds --server and --output as persistent flags of cmd, so its
// subcommands share them.
func (f *clientFlags) register(c *cli, cmd *cobra.Command) {
	serverFlag(c, cmd.PersistentFlags(), &f.server)
	cmd.PersistentFlags().StringVarP(&f.output, "output", "o", "table", "output format: table or json")
}

// serverFlag adds --server to a command's flag set, defaulting to
// PILOTBED_SERVER.
func serverFlag(c *cli, fs interface {
	StringVar(p *string, name, value, usage string)
}, server *string) {
	def := strings.TrimSpace(c.getenv("PILOTBED_SERVER"))
	if def == "" {
		def = defaultServer
	}
	fs.StringVar(server, "server", def, "`URL` of the pilotbed server; PILOTBED_SERVER sets the default (the token comes from PILOTBED_TOKEN)")
}

// client checks --output against formats (table and json by default) and
// returns a client for the server the flags and the environment name.
func (f *clientFlags) client(c *cli, formats ...string) (*apiClient, error) {
	if len(formats) == 0 {
		formats = []string{"table", "json"}
	}
	if err := checkOutput(f.output, formats...); err != nil {
		return nil, err
	}
	return newAPIClient(c, f.server)
}

// newAPIClient returns a client for server, with the token from
// PILOTBED_TOKEN.
func newAPIClient(c *cli, server string) (*apiClient, error) {
	base, err := serverURL(server)
	if err != nil {
		return nil, err
	}
	token := strings.TrimSpace(c.getenv("PILOTBED_TOKEN"))
	if token == "" {
		return nil, usageErrorf("PILOTBED_TOKEN is not set: export an API token (the first 'pilotbed serve' prints an admin token)")
	}
	return &apiClient{
		base:  base,
		token: token,
		http:  &http.Client{Timeout: 60 * time.Second},
	}, nil
}

// serverURL turns --server into a base URL; a bare host:port means http.
func serverURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", usageErrorf("--server is empty; give the server's URL, e.g. %s", defaultServer)
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", usageErrorf("--server %q is not an http(s) URL such as %s", s, defaultServer)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// apiClient talks to the JSON API of one server.
type apiClient struct {
	base  string // without a trailing slash
	token string
	http  *http.Client
}

// apiError is an error answer of the server. Its message is the server's,
// written for people; the CLI prints it as is.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Message }

// diagnosticsError is a 422 answer: the submitted file is not valid.
type diagnosticsError struct {
	Diagnostics []pilots.Diagnostic
	Raw         []byte
}

func (e *diagnosticsError) Error() string {
	return fmt.Sprintf("the pilot file is not valid (%d problems)", len(e.Diagnostics))
}

// pilotPath is the API path of a pilot, or of something below it.
func pilotPath(idOrName string, rest ...string) string {
	p := "/api/v1/pilots/" + url.PathEscape(idOrName)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// do sends one request and returns the body of a successful answer. Error
// answers become *apiError or *diagnosticsError.
func (a *apiClient) do(ctx context.Context, method, path string, query url.Values, body []byte, contentType string) ([]byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := a.newRequest(ctx, method, path, query, r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, a.transportError(ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("read the answer of %s: %w", a.base, err)
	}
	if resp.StatusCode < 300 {
		return data, nil
	}
	return nil, answerError(resp.StatusCode, data)
}

// newRequest builds an authenticated request for path below the server.
func (a *apiClient) newRequest(ctx context.Context, method, path string, query url.Values, body io.Reader) (*http.Request, error) {
	target := a.base + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, fmt.Errorf("build request to %s: %w", a.base, err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("User-Agent", "pilotbed/"+version)
	return req, nil
}

// transportError explains a request that got no answer.
func (a *apiClient) transportError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("cannot reach the pilotbed server at %s: connection refused\nStart one with 'pilotbed serve', or point --server (or PILOTBED_SERVER) at a running server", a.base)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("cannot reach the pilotbed server at %s: unknown host %q; check --server (or PILOTBED_SERVER)", a.base, dnsErr.Name)
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return fmt.Errorf("the pilotbed server at %s did not answer in time", a.base)
	}
	return fmt.Errorf("cannot reach the pilotbed server at %s: %w", a.base, err)
}

// answerError decodes an error answer. Something that is not pilotbed's
// JSON (a proxy's error page, say) is summarised by its status.
func answerError(status int, data []byte) error {
	if status == http.StatusUnprocessableEntity {
		var d api.DiagnosticsBody
		if json.Unmarshal(data, &d) == nil && d.Diagnostics != nil {
			return &diagnosticsError{Diagnostics: d.Diagnostics, Raw: data}
		}
	}
	var e api.ErrorBody
	if json.Unmarshal(data, &e) == nil && e.Error.Message != "" {
		return &apiError{Status: status, Code: e.Error.Code, Message: e.Error.Message}
	}
	msg := fmt.Sprintf("the server answered %d %s", status, http.StatusText(status))
	if line, _, _ := strings.Cut(strings.TrimSpace(string(data)), "\n"); line != "" {
		msg += ": " + safeText(clipText(line, 200))
	}
	return &apiError{Status: status, Message: msg}
}

// getJSON fetches path and decodes it into out; it returns the raw answer
// for --output json.
func (a *apiClient) getJSON(ctx context.Context, path string, query url.Values, out any) ([]byte, error) {
	data, err := a.do(ctx, http.MethodGet, path, query, nil, "")
	return a.decode(path, data, err, out)
}

// postJSON sends in as JSON (nil: no body) and decodes the answer into out.
func (a *apiClient) postJSON(ctx context.Context, path string, in, out any) ([]byte, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
	}
	data, err := a.do(ctx, http.MethodPost, path, nil, body, "application/json")
	return a.decode(path, data, err, out)
}

// decode decodes the answer data of path into out unless the request
// failed with err.
func (a *apiClient) decode(path string, data []byte, err error, out any) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, out); err != nil {
		return nil, fmt.Errorf("decode the answer of %s%s: %w", a.base, path, err)
	}
	return data, nil
}

// writeRawJSON prints an answer as indented JSON with a final newline.
func writeRawJSON(w io.Writer, data []byte) error {
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		buf.Reset()
		buf.Write(data)
	}
	buf.WriteByte('\n')
	_, err := w.Write(buf.Bytes())
	return err
}

// safeText makes text from the server safe for a terminal and a table
// cell: control characters (escape sequences, tabs, newlines) become spaces.
func safeText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}

// tableCell is safeText with "-" for an empty value, so table columns stay
// aligned and readable.
func tableCell(s string) string {
	if s = strings.TrimSpace(safeText(s)); s == "" {
		return "-"
	}
	return s
}

func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// dateCell formats a date of a pilot, "-" when unset.
func dateCell(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return pilots.DayOf(t)
}

// endDateCell formats the end of a period as its last day: an end given as
// a date is stored as the midnight after it, so that day is shown.
func endDateCell(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return pilots.LastDayOf(t)
}

// timeCell formats a point in time, "-" when unset.
func timeCell(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.RFC3339)
}
