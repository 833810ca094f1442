package report

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteMarkdown writes the report as CommonMark with GitHub tables. Every
// text that comes from the pilot or its participants is escaped (see
// mdText), so a comment cannot add links, images, HTML or structure.
func (r *Report) WriteMarkdown(w io.Writer) error {
	t := wordsFor(r.Language)
	var b bytes.Buffer
	md := &mdWriter{b: &b, t: t}
	md.report(r)
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write Markdown report: %w", err)
	}
	return nil
}

type mdWriter struct {
	b *bytes.Buffer
	t *words
}

func (m *mdWriter) f(format string, args ...any) { fmt.Fprintf(m.b, format, args...) }

// row writes one table row; cells are written as given (escape first).
func (m *mdWriter) row(cells ...string) {
	m.b.WriteString("|")
	for _, c := range cells {
		m.b.WriteString(" ")
		m.b.WriteString(c)
		m.b.WriteString(" |")
	}
	m.b.WriteString("\n")
}

func (m *mdWriter) header(cells ...string) {
	m.row(cells...)
	seps := make([]string, len(cells))
	for i := range seps {
		seps[i] = "---"
	}
	m.row(seps...)
}

func (m *mdWriter) report(r *Report) {
	t := m.t
	title := cmp.Or(r.Pilot.Title, r.Pilot.Name)
	m.f("# %s: %s\n\n", t.Title, mdText(title))
	if r.Preliminary {
		m.f("> **%s.** %s\n\n", t.Preliminary, t.PreliminaryNote)
	}
	if r.Pilot.Description != "" {
		m.f("%s\n\n", mdText(r.Pilot.Description))
	}

	m.f("## 1. %s\n\n", t.Summary)
	m.f("- %s: %s (`%s`)\n", t.Pilot, mdText(title), mdCode(r.Pilot.Name))
	m.f("- %s: %s – %s\n", t.Period, t.date(r.Pilot.Start), t.lastDay(r.Pilot.End))
	if r.Pilot.Owner != "" {
		m.f("- %s: %s\n", t.Owner, mdText(r.Pilot.Owner))
	}
	if r.Pilot.Contact != "" {
		m.f("- %s: %s\n", t.Contact, mdText(r.Pilot.Contact))
	}
	if r.Pilot.Status != "" {
		m.f("- %s: %s\n", t.Status, mdText(t.status(r.Pilot.Status)))
	}
	m.f("- %s: %d\n", t.Candidates, len(r.Candidates))
	m.f("- %s: %d %s\n", t.Participants, r.Pilot.Invited, strings.ToLower(t.Invited))
	m.f("- %s: %s (%s)\n\n", t.Generated, t.timestamp(r.GeneratedAt), map[bool]string{true: t.Preliminary, false: t.Final}[r.Preliminary])
	if r.Ignored > 0 {
		m.f("%s\n\n", fmt.Sprintf(t.Ignored, r.Ignored))
	}
	m.header(t.Candidate, t.Vendor, t.Verdict)
	for _, c := range r.Candidates {
		m.row(mdCell(c.Name), mdCell(c.Vendor), fmt.Sprintf("**%s** (`%s`)", t.VerdictNames[c.Verdict], c.Verdict))
	}
	m.f("\n")
	for _, c := range r.Candidates {
		m.f("**%s** – %s:\n\n", mdText(c.Name), t.VerdictNames[c.Verdict])
		for _, reason := range c.Reasons {
			m.f("- %s\n", mdText(reason))
		}
		m.f("\n")
	}

	m.f("## 2. %s\n\n", t.Criteria)
	for _, c := range r.Candidates {
		m.f("### %s\n\n", mdText(c.Name))
		if len(c.Criteria) == 0 {
			m.f("–\n\n")
			continue
		}
		m.header(t.Criterion, t.Measure, t.Value, t.Threshold, t.Level, t.N, t.Outcome)
		for _, cr := range c.Criteria {
			outcome := t.OutcomeNames[cr.Outcome]
			if cr.Error != "" {
				outcome += ": " + mdCell(cr.Error)
			}
			m.row(mdCell(cr.Name), "`"+mdCode(cr.Measure)+"`", t.numPtr(cr.Value), t.threshold(cr.AtLeast, cr.AtMost), t.level(cr.Must), t.nStr(cr.N), outcome)
		}
		m.f("\n")
	}

	m.f("## 3. %s\n\n", t.Benefits)
	for _, c := range r.Candidates {
		m.f("### %s\n\n", mdText(c.Name))
		if len(c.Benefits) == 0 {
			m.f("–\n\n")
			continue
		}
		m.header(t.Benefit, t.Baseline, t.Measured, t.Target, t.Unit, t.Share, t.N, t.BenefitOwner)
		for _, b := range c.Benefits {
			name := mdCell(b.Name)
			if b.Description != "" {
				name += ": " + mdCell(b.Description)
			}
			share := t.pct(b.Share)
			if !b.Sufficient {
				share += " (" + t.OutcomeNames[Insufficient] + ")"
			}
			m.row(name, t.numPtr(b.Baseline), t.numPtr(b.Measured), t.numPtr(b.Target), mdCell(b.Unit), share, t.nStr(b.N), mdCell(b.Owner))
		}
		for _, b := range c.Benefits {
			if b.Error != "" {
				m.f("\n%s: %s\n", mdText(b.Name), mdText(b.Error))
			}
		}
		m.f("\n")
	}

	m.f("## 4. %s\n\n", t.Instruments)
	for _, c := range r.Candidates {
		m.f("### %s\n\n", mdText(c.Name))
		for _, s := range c.Surveys {
			m.survey(s)
		}
	}

	m.f("## 5. %s\n\n", t.Participation)
	m.header(t.Cohort, t.Candidate, t.Planned, t.Invited, t.Revoked, t.Answered, t.ResponseRate, t.ActiveUse)
	for _, p := range r.Participation {
		m.row(mdCell(p.Cohort), mdCell(p.Candidate), strconv.Itoa(p.Planned), strconv.Itoa(p.Invited), strconv.Itoa(p.Revoked),
			strconv.Itoa(p.Answered), t.pct(p.ResponseRate), fmt.Sprintf("%d (%s)", p.ActiveUsers, t.pct(p.ActiveShare)))
	}
	m.f("\n")

	m.f("## 6. %s\n\n", t.Operations)
	cl := r.Pilot.Classification
	m.f("- %s: %s %d, %s %d, %s %d\n", t.Classification, t.Confidentiality, cl.Confidentiality, t.Integrity, cl.Integrity, t.Availability, cl.Availability)
	m.f("- %s: %d %s", t.Keep, r.Pilot.Retention.KeepDays, t.Days)
	if r.Pilot.Retention.Decision != "" {
		m.f(" (%s: %s)", t.Decision, mdText(r.Pilot.Retention.Decision))
	}
	m.f("\n")
	if len(r.Pilot.Retention.Export) > 0 {
		m.f("- %s: %s\n", t.Exported, mdText(strings.Join(r.Pilot.Retention.Export, ", ")))
	}
	m.f("\n")
	for _, c := range r.Candidates {
		o := c.Operations
		m.f("### %s\n\n", mdText(c.Name))
		m.f("- %s: %s\n", t.Uptime, t.pctPrecise(o.Uptime))
		m.f("- %s: %d\n", t.Restarts, o.Restarts)
		m.f("- %s: %s\n", t.Limits, mdText(o.Limits))
		if o.DataAtClose != "" {
			m.f("- %s: %s\n", t.DataAtClose, mdText(o.DataAtClose))
		}
		m.f("\n")
		if len(o.Incidents) == 0 {
			m.f("%s\n\n", t.NoIncidents)
			continue
		}
		m.header(t.Service, t.Start, t.End, t.Duration, t.Reason)
		for _, inc := range o.Incidents {
			end := t.Ongoing
			if inc.End != nil {
				end = t.timestamp(*inc.End)
			}
			m.row(mdCell(inc.Service), t.timestamp(inc.Start), end, t.num(inc.Minutes), mdCell(inc.Reason))
		}
		m.f("\n")
	}

	m.f("## 7. %s\n\n", t.Method)
	for _, n := range t.methodNotes() {
		m.f("- %s\n", n) // fixed text of ours, written as Markdown
	}
}

func (m *mdWriter) survey(s SurveyResult) {
	t := m.t
	m.f("#### %s: %s (%d %s)\n\n", t.Survey, mdText(cmp.Or(s.Title, s.Name)), s.Responses, strings.ToLower(t.Responses))
	if s.SUS != nil {
		m.f("**SUS**: %s\n\n", t.scoreLine(s.SUS.Score))
		if s.SUS.Score.N > 0 {
			m.f("%s: %s, %s: %s\n\n", t.Grade, s.SUS.Grade, t.Acceptability, t.Accept[s.SUS.Acceptability])
		}
		m.items(s.SUS.Items, 5)
	}
	if s.UMUXLite != nil {
		m.f("**UMUX-Lite**: %s", t.scoreLine(s.UMUXLite.Score))
		if s.UMUXLite.SUSEquivalent != nil {
			m.f("; %s %s", t.SUSEquivalent, t.num(*s.UMUXLite.SUSEquivalent))
		}
		m.f("\n\n")
		m.items(s.UMUXLite.Items, 7)
	}
	for _, q := range s.Questions {
		m.f("**%s** (`%s`, %s, n = %d)\n\n", mdText(q.Text), mdCode(q.Name), q.Type, q.Answers)
		if q.NPS != nil {
			score := "–"
			if q.NPS.Score != nil {
				score = t.num(*q.NPS.Score)
			}
			m.f("%s: %s; %s %d, %s %d, %s %d\n\n", t.NPS, score, t.Promoters, q.NPS.Promoters, t.Passives, q.NPS.Passives, t.Detractors, q.NPS.Detractors)
		}
		if q.Stats != nil && q.Stats.N > 0 {
			m.f("%s\n\n", t.scoreLine(*q.Stats))
		}
		if len(q.Counts) > 0 {
			var head, cells []string
			for i, c := range q.Counts {
				label := strconv.Itoa(q.Low + i)
				if i < len(q.Labels) && q.Labels[i] != "" {
					label += " " + mdCell(q.Labels[i])
				}
				head = append(head, label)
				cells = append(cells, strconv.Itoa(c))
			}
			m.header(head...)
			m.row(cells...)
			m.f("\n")
		}
		if len(q.Options) > 0 {
			m.header(t.Option, t.Count)
			for _, o := range q.Options {
				m.row(mdCell(o.Text), strconv.Itoa(o.Count))
			}
			m.f("\n")
		}
		if q.Type == "text" {
			if q.CommentsTotal == 0 {
				m.f("%s\n\n", t.NoAnswers)
				continue
			}
			if len(q.Comments) < q.CommentsTotal {
				m.f("%s\n\n", fmt.Sprintf(t.CommentsShown, len(q.Comments), q.CommentsTotal))
			}
			for _, c := range q.Comments {
				m.f("- %s\n", mdMultiline(c))
			}
			m.f("\n")
		}
	}
}

// scoreLine is "mean 72.5 (95% CI 65.1–79.9), median 72.5, SD 8.1, n = 12".
// It is plain text, shared by the Markdown and the HTML report.
func (w *words) scoreLine(s Summary) string {
	if s.N == 0 {
		return w.NoAnswers
	}
	out := strings.ToLower(w.Mean) + " " + w.numPtr(s.Mean)
	if s.CI95Low != nil {
		out += fmt.Sprintf(" (%s %s–%s)", w.CI, w.numPtr(s.CI95Low), w.numPtr(s.CI95High))
	}
	out += fmt.Sprintf(", %s %s, %s %s, n = %d", strings.ToLower(w.Median), w.numPtr(s.Median), w.SD, w.numPtr(s.SD), s.N)
	return out
}

func (m *mdWriter) items(items []ItemDistribution, scale int) {
	head := []string{m.t.Item}
	for v := range scale {
		head = append(head, strconv.Itoa(v+1))
	}
	m.header(head...)
	for _, it := range items {
		cells := []string{strconv.Itoa(it.Item) + ". " + mdCell(it.Text)}
		for _, c := range it.Counts {
			cells = append(cells, strconv.Itoa(c))
		}
		m.row(cells...)
	}
	m.f("\n")
}

// pctPrecise formats an uptime share with one decimal: 99.4%.
func (w *words) pctPrecise(v *float64) string {
	if v == nil {
		return "–"
	}
	return w.percent(strconv.FormatFloat(*v*100, 'f', 1, 64))
}

// mdText escapes text for a Markdown paragraph, list item or table cell:
// every character that could start emphasis, a link or image ("[" and
// "]"; without them "(...)" is plain text), code, HTML, an entity, a
// heading or a table cell is backslash-escaped or written as an entity,
// and a line is kept from starting a quote or list. Line breaks become
// spaces.
func mdText(s string) string {
	return mdEscapeLine(strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " "))
}

// mdCell escapes text for a table cell (the same as mdText: it has no
// line breaks and escapes "|").
func mdCell(s string) string { return mdText(s) }

// mdMultiline escapes a comment for a list item, keeping its line breaks
// as hard breaks inside the item.
func mdMultiline(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, mdEscapeLine(l))
		}
	}
	return strings.Join(lines, "\\\n  ")
}

// mdCode makes text safe inside a `code span`: backticks cannot end it
// and line breaks are spaces. Names shown this way are identifiers from
// the spec.
func mdCode(s string) string {
	return strings.NewReplacer("`", "'", "\n", " ", "|", "\\|").Replace(s)
}

func mdEscapeLine(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	// A line that starts with digits and "." or ")" would be an ordered
	// list; with "-", "+" or "=" a list or a heading underline.
	lead := 0
	for lead < len(s) && s[lead] >= '0' && s[lead] <= '9' {
		lead++
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '`', '*', '_', '[', ']', '#', '|', '~':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '.', ')':
			if i == lead && lead > 0 {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		case '-', '+', '=':
			if i == 0 {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
