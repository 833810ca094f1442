package orchestrator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/pilots/report"
)

// Formats of reports and dossiers.
const (
	FormatHTML     = "html"
	FormatMarkdown = "md"
	FormatJSON     = "json"
)

// reportFormats are the formats the final report is written in at close;
// dossierFormats those of the procurement dossier.
var (
	reportFormats  = []string{FormatHTML, FormatMarkdown, FormatJSON}
	dossierFormats = []string{FormatHTML, FormatJSON}
)

// ReportPath is where the final report of a pilot is written in a format:
// DataDir/pilots/<id>/report.<format>.
func ReportPath(dataDir, pilotID, format string) string {
	return filepath.Join(dataDir, "pilots", pilotID, "report."+format)
}

// DossierPath is where the procurement dossier of a pilot is written:
// DataDir/pilots/<id>/dossier.<format>.
func DossierPath(dataDir, pilotID, format string) string {
	return filepath.Join(dataDir, "pilots", pilotID, "dossier."+format)
}

// hasFinalReport reports whether a pilot in status s has been through the
// close step that writes its final report.
func hasFinalReport(s pilots.Status) bool {
	return s == pilots.StatusClosed || s == pilots.StatusPromoted || s == pilots.StatusStopped
}

// Report returns the scale-up report of a pilot. A closed, promoted or
// stopped pilot has its final report, the one written at close; any other
// pilot gets a preliminary report computed now from what has been measured
// so far. Returns ENOTFOUND for an unknown pilot.
func (o *Orchestrator) Report(ctx context.Context, idOrName string) (*report.Report, error) {
	p, err := o.store.Pilot(ctx, idOrName)
	if err != nil {
		return nil, err
	}
	if hasFinalReport(p.Status) {
		return o.finalReport(ctx, p)
	}
	return o.buildReport(ctx, p, nil, o.now())
}

// RenderReport writes the report of a pilot in format (html, md or json)
// to w and says whether it is the final one. The final report is served
// exactly as stored at close. Returns EINVALID for an unknown format,
// ENOTFOUND for an unknown pilot.
func (o *Orchestrator) RenderReport(ctx context.Context, idOrName, format string, w io.Writer) (final bool, err error) {
	if !validFormat(format, reportFormats) {
		return false, pilots.Errorf(pilots.EINVALID, "format must be html, md or json, not %q", format)
	}
	p, err := o.store.Pilot(ctx, idOrName)
	if err != nil {
		return false, err
	}
	if hasFinalReport(p.Status) {
		if body, ok := o.storedDoc(ctx, p.ID, pilots.DocReport, format); ok {
			_, err := w.Write(body)
			return true, err
		}
		r, err := o.finalReport(ctx, p)
		if err != nil {
			return false, err
		}
		return true, renderReport(r, format, w)
	}
	r, err := o.buildReport(ctx, p, nil, o.now())
	if err != nil {
		return false, err
	}
	return false, renderReport(r, format, w)
}

// ReportHTML writes the report of a pilot as a self-contained HTML
// document, for the admin UI. Returns ENOTFOUND for an unknown pilot.
func (o *Orchestrator) ReportHTML(ctx context.Context, idOrName string, w io.Writer) error {
	var buf bytes.Buffer
	if _, err := o.RenderReport(ctx, idOrName, FormatHTML, &buf); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func validFormat(format string, allowed []string) bool {
	for _, f := range allowed {
		if f == format {
			return true
		}
	}
	return false
}

func renderReport(r *report.Report, format string, w io.Writer) error {
	switch format {
	case FormatHTML:
		return r.WriteHTML(w)
	case FormatMarkdown:
		return r.WriteMarkdown(w)
	default:
		return r.WriteJSON(w)
	}
}

// storedDoc reads a document from the report store, then from the data
// directory. A document found nowhere is not an error: the caller builds
// it again.
func (o *Orchestrator) storedDoc(ctx context.Context, pilotID, kind, format string) ([]byte, bool) {
	if o.reports != nil {
		body, _, err := o.reports.Report(ctx, pilotID, kind, format)
		if err == nil {
			return body, true
		}
		if pilots.ErrorCode(err) != pilots.ENOTFOUND {
			o.log.Warn("read stored document", zap.String("pilot", pilotID), zap.String("kind", kind),
				zap.String("format", format), zap.Error(err))
		}
	}
	if o.dataDir != "" {
		path := ReportPath(o.dataDir, pilotID, format)
		if kind == pilots.DocDossier {
			path = DossierPath(o.dataDir, pilotID, format)
		}
		if body, err := os.ReadFile(path); err == nil {
			return body, true
		}
	}
	return nil, false
}

// finalReport returns the final report of a pilot that has closed: the one
// stored at close, or, when none was stored (no report store and no data
// directory), the same report built again. It is the same because every
// figure in it is computed up to the time of the close's last
// measurements, from events and responses that no longer change.
func (o *Orchestrator) finalReport(ctx context.Context, p pilots.Pilot) (*report.Report, error) {
	if body, ok := o.storedDoc(ctx, p.ID, pilots.DocReport, FormatJSON); ok {
		var r report.Report
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, fmt.Errorf("decode the stored report of %q: %w", p.Name, err)
		}
		return &r, nil
	}
	mark, err := o.closeMarkOf(ctx, p)
	if err != nil {
		return nil, err
	}
	return o.buildReport(ctx, p, &mark, mark.at)
}

// closeMark is where a pilot's final figures end: the time of the close's
// last measurements and the id of the event that recorded them. Testbed
// events recorded after that event (the removal of the testbeds, say) are
// left out even when they carry the same time, so the final report built
// again later is the one written at close.
type closeMark struct {
	at      time.Time
	eventID int64 // 0: no limit
}

// closeMarkOf finds the close mark of a pilot; for a pilot closed without
// the measured step, its last update.
func (o *Orchestrator) closeMarkOf(ctx context.Context, p pilots.Pilot) (closeMark, error) {
	evs, err := o.store.Events(ctx, p.ID, pilots.EventFilter{Kind: pilots.EventClose})
	if err != nil {
		return closeMark{}, fmt.Errorf("read close steps of %q: %w", p.Name, err)
	}
	for _, ev := range evs {
		if ev.To == StepMeasured {
			return closeMark{at: ev.Time, eventID: ev.ID}, nil
		}
	}
	return closeMark{at: p.UpdatedAt}, nil
}

// buildReport computes the report of a pilot from the store: participants,
// responses (streamed), use, and the operations of every candidate from the
// recorded testbed events up to at. A final report describes the pilot as
// closed. final is nil for a preliminary report.
func (o *Orchestrator) buildReport(ctx context.Context, p pilots.Pilot, final *closeMark, at time.Time) (*report.Report, error) {
	ops, err := o.operations(ctx, p, at, final)
	if err != nil {
		return nil, err
	}
	if final != nil && !hasFinalReport(p.Status) {
		p.Status = pilots.StatusClosed
	}
	in := report.Input{Pilot: p, Final: final != nil, GeneratedAt: at, Operations: ops}
	if o.feedback != nil {
		if in.Participants, err = o.feedback.Participants(ctx, p.ID); err != nil {
			return nil, fmt.Errorf("read participants of %q: %w", p.Name, err)
		}
		if in.Usage, err = o.feedback.UsageDays(ctx, p.ID); err != nil {
			return nil, fmt.Errorf("read use of %q: %w", p.Name, err)
		}
		in.Responses = func(fn func(pilots.Response) error) error {
			return o.feedback.ForEachResponse(ctx, p.ID, fn)
		}
	}
	return report.Build(ctx, in)
}

// operations computes how every candidate's testbed ran up to until: the
// uptime of its entry service, the incidents of all its services and the
// restarts the runtime made. Limits are left to the report, which derives
// them from the spec.
func (o *Orchestrator) operations(ctx context.Context, p pilots.Pilot, until time.Time, final *closeMark) (map[string]report.Operations, error) {
	evs, err := o.store.Events(ctx, p.ID, pilots.EventFilter{Kind: pilots.EventTestbed})
	if err != nil {
		return nil, fmt.Errorf("read testbed events of %q: %w", p.Name, err)
	}
	if final != nil && final.eventID > 0 {
		kept := evs[:0]
		for _, ev := range evs {
			if ev.ID < final.eventID {
				kept = append(kept, ev)
			}
		}
		evs = kept
	}
	out := make(map[string]report.Operations, len(p.Spec.Candidates))
	for _, c := range p.Spec.Candidates {
		cevs := candidateEvents(evs, c.Name)
		up, incidents := measure(cevs, c, until)
		ops := report.Operations{Uptime: up}
		for _, inc := range incidents {
			ops.Incidents = append(ops.Incidents, report.Incident{Service: inc.Service, Start: inc.Start, End: inc.End, Reason: inc.Reason})
		}
		for _, ev := range cevs {
			if ev.Service != "" && !ev.Time.After(until) && strings.HasPrefix(ev.Reason, "restarted") {
				ops.Restarts++
			}
		}
		if final != nil {
			ops.DataAtClose = dataAtClose(p.Spec, c)
		}
		out[c.Name] = ops
	}
	return out, nil
}

// dataAtClose says, in the pilot's language, what close does with a
// candidate's data: the testbed goes, kept volumes stay, responses follow
// the retention rule.
func dataAtClose(spec pilots.Spec, c pilots.Candidate) string {
	var kept []string
	for _, s := range c.Services {
		for _, v := range s.Volumes {
			if v.Keep {
				kept = append(kept, s.Name+"/"+v.Name)
			}
		}
	}
	r := spec.Retention
	days := int(r.Keep / (24 * time.Hour))
	var b strings.Builder
	if spec.Language == pilots.LangEnglish {
		b.WriteString("Testbed removed at close")
		if len(kept) > 0 {
			b.WriteString("; volumes kept: " + strings.Join(kept, ", "))
		} else {
			b.WriteString(" with its volumes")
		}
		if r.Keep <= 0 {
			b.WriteString(". Responses are deleted at close")
		} else {
			fmt.Fprintf(&b, ". Responses are kept %d days after close", days)
		}
		if r.Decision != "" {
			fmt.Fprintf(&b, " (archive decision %s)", r.Decision)
		}
	} else {
		b.WriteString("Testmiljön togs bort vid avslut")
		if len(kept) > 0 {
			b.WriteString("; sparade volymer: " + strings.Join(kept, ", "))
		} else {
			b.WriteString(" med sina volymer")
		}
		if r.Keep <= 0 {
			b.WriteString(". Svaren raderas vid avslut")
		} else {
			fmt.Fprintf(&b, ". Svaren sparas %d dagar efter avslut", days)
		}
		if r.Decision != "" {
			fmt.Fprintf(&b, " (gallringsbeslut %s)", r.Decision)
		}
	}
	b.WriteString(".")
	return b.String()
}

// writeFinalReport builds the final report of a closing pilot, as of the
// close's last measurements (mark), and keeps it in every format in the
// report store and the data directory. It returns where it went, for the
// close step's reason. Writing again replaces the same documents, so a
// resumed close may repeat it.
func (o *Orchestrator) writeFinalReport(ctx context.Context, p pilots.Pilot, mark closeMark) (string, error) {
	r, err := o.buildReport(ctx, p, &mark, mark.at)
	if err != nil {
		return "", fmt.Errorf("build final report: %w", err)
	}
	docs := make(map[string][]byte, len(reportFormats))
	for _, f := range reportFormats {
		var buf bytes.Buffer
		if err := renderReport(r, f, &buf); err != nil {
			return "", fmt.Errorf("render final report: %w", err)
		}
		docs[f] = buf.Bytes()
	}
	return o.keepDocs(ctx, p, pilots.DocReport, reportFormats, docs, mark.at)
}

// keepDocs saves documents in the report store and the data directory and
// describes where they went.
func (o *Orchestrator) keepDocs(ctx context.Context, p pilots.Pilot, kind string, formats []string, docs map[string][]byte, at time.Time) (string, error) {
	var where []string
	if o.reports != nil {
		for _, f := range formats {
			if err := o.reports.SaveReport(ctx, p.ID, kind, f, docs[f], at); err != nil {
				return "", fmt.Errorf("store %s: %w", kind, err)
			}
		}
		where = append(where, "the store")
	}
	if o.dataDir != "" {
		for _, f := range formats {
			path := ReportPath(o.dataDir, p.ID, f)
			if kind == pilots.DocDossier {
				path = DossierPath(o.dataDir, p.ID, f)
			}
			if err := writeFileAtomic(path, docs[f]); err != nil {
				return "", fmt.Errorf("write %s: %w", kind, err)
			}
		}
		where = append(where, "the data directory (pilots/"+p.ID+")")
	}
	if len(where) == 0 {
		return kind + " not kept: no report store and no data directory configured; it is built again when asked for", nil
	}
	return kind + " (" + strings.Join(formats, ", ") + ") written to " + strings.Join(where, " and "), nil
}

// writeFileAtomic writes data to path so that a crash leaves the old file
// or the new one, never half of either.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("create directory for %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("rename to %s: %w", path, err)
	}
	return nil
}
