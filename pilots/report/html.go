package report

import (
	"bytes"
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

//go:embed templates/report.html
var templateFS embed.FS

// pages holds the report template per language, parsed once: the
// functions close over the language's words.
var pages = map[string]*template.Template{
	english.Lang: parsePage(english),
	swedish.Lang: parsePage(swedish),
}

func parsePage(t *words) *template.Template {
	funcs := template.FuncMap{
		"num":        t.num,
		"numPtr":     t.numPtr,
		"pct":        t.pct,
		"pctPrecise": t.pctPrecise,
		"date":       t.date,
		"lastDay":    t.lastDay,
		"status":     t.status,
		"ts": func(v any) string {
			switch tv := v.(type) {
			case time.Time:
				return t.timestamp(tv)
			case *time.Time:
				if tv != nil {
					return t.timestamp(*tv)
				}
			}
			return "–"
		},
		"threshold":     t.threshold,
		"level":         t.level,
		"nstr":          t.nStr,
		"lower":         strings.ToLower,
		"join":          func(s []string) string { return strings.Join(s, ", ") },
		"verdictName":   func(v Verdict) string { return t.VerdictNames[v] },
		"outcomeName":   func(o string) string { return t.OutcomeNames[o] },
		"accept":        func(a string) string { return t.Accept[a] },
		"commentsShown": func(shown, total int) string { return fmt.Sprintf(t.CommentsShown, shown, total) },
		"scoreLine":     t.scoreLine,
		"items": func(id string, items []ItemDistribution) template.HTML {
			rows := make([]likertRow, len(items))
			for i, it := range items {
				rows[i] = likertRow{label: fmt.Sprintf("%d. %s", it.Item, it.Text), counts: it.Counts}
			}
			return likertChart(t, id, rows, 1, nil)
		},
		"question": func(id string, q QuestionResult) template.HTML {
			return likertChart(t, id, []likertRow{{label: q.Name, counts: q.Counts}}, q.Low, q.Labels)
		},
		"uptime": func(id string, c Candidate) template.HTML { return template.HTML("") },
	}
	return template.Must(template.New("report.html").Funcs(funcs).ParseFS(templateFS, "templates/report.html"))
}

// htmlView is what the template renders.
type htmlView struct {
	R        *Report
	T        *words
	Title    string
	Ignored  string
	Method   []string
	SUSChart template.HTML
	NPSChart template.HTML
}

// WriteHTML writes the report as one self-contained HTML page: inline CSS
// with a print stylesheet and inline SVG charts, no external resources.
// All text from the pilot and its participants is escaped by html/template;
// the page is rendered into a buffer first, so a template error never
// sends half a page.
func (r *Report) WriteHTML(w io.Writer) error {
	t := wordsFor(r.Language)
	page, err := pages[t.Lang].Clone()
	if err != nil {
		return fmt.Errorf("render HTML report: %w", err)
	}
	// The uptime chart needs the report's period.
	end := r.Pilot.End
	if r.Preliminary && !r.GeneratedAt.IsZero() && r.GeneratedAt.Before(end) {
		end = r.GeneratedAt
	}
	page.Funcs(template.FuncMap{
		"uptime": func(id string, c Candidate) template.HTML { return uptimeChart(t, id, c, r.Pilot.Start, end) },
	})
	view := htmlView{
		R: r, T: t, Title: cmp.Or(r.Pilot.Title, r.Pilot.Name), Method: t.methodNotes(),
		SUSChart: susChart(t, r.Candidates),
		NPSChart: npsChart(t, r.Candidates),
	}
	if r.Ignored > 0 {
		view.Ignored = fmt.Sprintf(t.Ignored, r.Ignored)
	}
	var buf bytes.Buffer
	buf.Grow(64 << 10)
	if err := page.Execute(&buf, view); err != nil {
		return fmt.Errorf("render HTML report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write HTML report: %w", err)
	}
	return nil
}
