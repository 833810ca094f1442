package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
)

// maxErrorAnswer bounds what is read of an error answer to an export.
const maxErrorAnswer = 64 << 10

func newResponsesCmd(c *cli) *cobra.Command {
	return newDocumentCmd(c, documentCmd{
		use:   "responses PILOT",
		short: "Export a pilot's survey responses as CSV or JSON",
		long: `responses downloads every response of a pilot, streamed row by row, so
exports of any size use little memory. PILOT is the pilot's id or name.

--format csv (the default) writes one row per response with a column per
question of every survey, named survey.question; cells that a spreadsheet
would read as a formula start with an apostrophe. --format json writes one
JSON array, ndjson one JSON object per line. Responses to anonymous surveys
come last, without response id or participant.

Without --output-file the export goes to standard output. With it, the file
appears only once the whole export has arrived (it is written beside it and
renamed), and it is readable by you alone: responses are personal data.`,
		example: `  pilotbed responses nattillsyn > nattillsyn-responses.csv
  pilotbed responses nattillsyn -o nattillsyn-responses.csv
  pilotbed responses nattillsyn --format ndjson | jq .answers`,
		resource:   "responses",
		formats:    []string{"csv", "json", "ndjson"},
		formatList: "csv, json or ndjson",
		noun:       "export",
	})
}

// stream GETs path and copies a successful answer's body to w as it
// arrives. Unlike do it neither buffers the body nor limits the time of the
// whole transfer: only ctx ends it. A transfer the server breaks off (an
// export failing half-way) is an error, never a short success.
func (a *apiClient) stream(ctx context.Context, path string, query url.Values, w io.Writer) (int64, error) {
	req, err := a.newRequest(ctx, http.MethodGet, path, query, nil)
	if err != nil {
		return 0, err
	}
	hc := &http.Client{Transport: a.http.Transport, CheckRedirect: a.http.CheckRedirect}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, a.transportError(ctx, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorAnswer))
		return 0, answerError(resp.StatusCode, data)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return n, ctxErr
		}
		return n, fmt.Errorf("the export from %s broke off after %d bytes: %w", a.base, n, err)
	}
	return n, nil
}

// writeFileAtomic writes a file through fill so that it appears complete or
// not at all: into a temporary file beside it, synced, then renamed over
// the target with mode perm.
func writeFileAtomic(name string, perm os.FileMode, fill func(io.Writer) error) (err error) {
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	if err := fill(tmp); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
