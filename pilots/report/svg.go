package report

import (
	"fmt"
	"html/template"
	"math"
	"strings"
	"time"
)

// The charts are small inline SVGs built here, not in the template, since
// their coordinates are computed. Every text in them passes through
// template.HTMLEscapeString. Each chart has role="img", a <title> and a
// <desc> that states its figures in words, and prints its values as text
// so no figure depends on colour alone.

const (
	chartWidth = 640
	labelWidth = 170
	plotWidth  = 400
	rowHeight  = 34
)

// Colours with enough contrast on white, after the GOV.UK palette.
const (
	colBlue  = "#1d70b8"
	colRed   = "#d4351c"
	colGrey  = "#b1b4b6"
	colGreen = "#00703c"
	colText  = "#0b0c0c"
	colMuted = "#505a5f"
)

type svg struct {
	b       strings.Builder
	id      string
	caption string
}

func newSVG(id string, height int, title, desc string) *svg {
	s := &svg{id: id, caption: title}
	fmt.Fprintf(&s.b, `<figure class="chart-fig">`)
	fmt.Fprintf(&s.b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 %d %d" width="%d" height="%d" aria-labelledby="%s-t %s-d">`,
		chartWidth, height, chartWidth, height, id, id)
	fmt.Fprintf(&s.b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(title), id, esc(desc))
	return s
}

func (s *svg) rect(x, y, w, h float64, fill string) {
	if w <= 0 || h <= 0 {
		return
	}
	fmt.Fprintf(&s.b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x, y, w, h, fill)
}

func (s *svg) line(x1, y1, x2, y2 float64, stroke string, width float64, dash bool) {
	d := ""
	if dash {
		d = ` stroke-dasharray="4 3"`
	}
	fmt.Fprintf(&s.b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="%.1f"%s/>`, x1, y1, x2, y2, stroke, width, d)
}

func (s *svg) text(x, y float64, anchor, fill, text string, size int) {
	fmt.Fprintf(&s.b, `<text x="%.1f" y="%.1f" text-anchor="%s" fill="%s" font-size="%d">%s</text>`, x, y, anchor, fill, size, esc(text))
}

func (s *svg) html() template.HTML {
	fmt.Fprintf(&s.b, `</svg><figcaption>%s</figcaption></figure>`, esc(s.caption))
	return template.HTML(s.b.String()) // every text inside went through esc
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// truncLabel shortens a label to fit the label column.
func truncLabel(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// susChart draws each candidate's SUS mean as a bar with its 95% CI as a
// whisker, on a 0..100 axis with the reference line at 68.
func susChart(t *words, cands []Candidate) template.HTML {
	type row struct {
		name string
		s    Summary
	}
	var rows []row
	for _, c := range cands {
		if s := lastSUS(c); s != nil && s.Score.N > 0 {
			rows = append(rows, row{c.Name, s.Score})
		}
	}
	if len(rows) == 0 {
		return ""
	}
	top, axis := 10.0, 20.0
	height := int(top) + len(rows)*rowHeight + int(axis) + 16
	var desc []string
	for _, r := range rows {
		d := fmt.Sprintf("%s: %s", r.name, t.numPtr(r.s.Mean))
		if r.s.CI95Low != nil {
			d += fmt.Sprintf(" (%s %s–%s)", t.CI, t.numPtr(r.s.CI95Low), t.numPtr(r.s.CI95High))
		}
		desc = append(desc, d+fmt.Sprintf(", n = %d", r.s.N))
	}
	s := newSVG("sus-chart", height, t.SUSChart, strings.Join(desc, "; "))
	x := func(v float64) float64 { return labelWidth + plotWidth*math.Max(0, math.Min(100, v))/100 }
	bottom := top + float64(len(rows)*rowHeight)
	for _, g := range []float64{0, 25, 50, 75, 100} {
		s.line(x(g), top, x(g), bottom, "#dddddd", 1, false)
		s.text(x(g), bottom+14, "middle", colMuted, t.num(g), 11)
	}
	for i, r := range rows {
		y := top + float64(i*rowHeight)
		s.text(labelWidth-8, y+rowHeight/2+4, "end", colText, truncLabel(r.name, 24), 13)
		s.rect(x(0), y+8, x(*r.s.Mean)-x(0), rowHeight-16, colBlue)
		label := t.numPtr(r.s.Mean)
		right := x(*r.s.Mean)
		if r.s.CI95Low != nil {
			lo, hi := x(*r.s.CI95Low), x(*r.s.CI95High)
			mid := y + rowHeight/2
			s.line(lo, mid, hi, mid, colText, 2, false)
			s.line(lo, mid-7, lo, mid+7, colText, 2, false)
			s.line(hi, mid-7, hi, mid+7, colText, 2, false)
			right = hi
			label += fmt.Sprintf(" (%s–%s)", t.numPtr(r.s.CI95Low), t.numPtr(r.s.CI95High))
		}
		s.text(math.Min(right+6, chartWidth-4), y+rowHeight/2+4, textAnchor(right+6), colText, label, 12)
	}
	s.line(x(68), top-4, x(68), bottom+2, colRed, 2, true)
	s.text(x(68), bottom+28, "middle", colRed, t.Reference68, 11)
	return s.html()
}

// textAnchor keeps a value label inside the chart when the bar is long.
func textAnchor(x float64) string {
	if x > chartWidth-70 {
		return "end"
	}
	return "start"
}

// lastSUS is the SUS result the sus measure rests on: the last survey
// with the instrument.
func lastSUS(c Candidate) *SUSResult {
	var out *SUSResult
	for _, s := range c.Surveys {
		if s.SUS != nil {
			out = s.SUS
		}
	}
	return out
}

// lastNPS is the NPS question the nps measure rests on.
func lastNPS(c Candidate) *NPSResult {
	var out *NPSResult
	for _, s := range c.Surveys {
		for _, q := range s.Questions {
			if q.NPS != nil {
				out = q.NPS
			}
		}
	}
	return out
}

// npsChart draws one 100% stacked bar per candidate: detractors, passives,
// promoters, each labelled with its share.
func npsChart(t *words, cands []Candidate) template.HTML {
	type row struct {
		name string
		n    *NPSResult
	}
	var rows []row
	for _, c := range cands {
		if n := lastNPS(c); n != nil && n.N > 0 {
			rows = append(rows, row{c.Name, n})
		}
	}
	if len(rows) == 0 {
		return ""
	}
	top := 30.0
	height := int(top) + len(rows)*rowHeight + 10
	var desc []string
	for _, r := range rows {
		desc = append(desc, fmt.Sprintf("%s: NPS %s; %s %d, %s %d, %s %d", r.name, t.numPtr(r.n.Score),
			t.Detractors, r.n.Detractors, t.Passives, r.n.Passives, t.Promoters, r.n.Promoters))
	}
	s := newSVG("nps-chart", height, t.NPSChart, strings.Join(desc, "; "))
	legend := []struct{ label, col string }{{t.Detractors, colRed}, {t.Passives, colGrey}, {t.Promoters, colGreen}}
	lx := float64(labelWidth)
	for _, l := range legend {
		s.rect(lx, 8, 12, 12, l.col)
		s.text(lx+16, 18, "start", colText, l.label, 11)
		lx += 140
	}
	for i, r := range rows {
		y := top + float64(i*rowHeight)
		s.text(labelWidth-8, y+rowHeight/2+4, "end", colText, truncLabel(r.name, 24), 13)
		x := float64(labelWidth)
		for _, part := range []struct {
			n   int
			col string
			fg  string
		}{{r.n.Detractors, colRed, "#ffffff"}, {r.n.Passives, colGrey, colText}, {r.n.Promoters, colGreen, "#ffffff"}} {
			w := plotWidth * float64(part.n) / float64(r.n.N)
			s.rect(x, y+6, w, rowHeight-12, part.col)
			if w >= 34 {
				share := float64(part.n) / float64(r.n.N)
				s.text(x+w/2, y+rowHeight/2+4, "middle", part.fg, t.pct(&share), 11)
			}
			x += w
		}
		s.text(labelWidth+plotWidth+8, y+rowHeight/2+4, "start", colText, "NPS "+t.numPtr(r.n.Score), 12)
	}
	return s.html()
}

// scaleColours runs from red (disagree) through grey to green (agree).
func scaleColours(n int) []string {
	switch n {
	case 5:
		return []string{"#d4351c", "#f47738", "#b1b4b6", "#85994b", "#00703c"}
	case 7:
		return []string{"#942514", "#d4351c", "#f47738", "#b1b4b6", "#85994b", "#00703c", "#005a30"}
	}
	out := make([]string, n)
	for i := range out {
		switch {
		case i < n/2:
			out[i] = colRed
		case i == n/2 && n%2 == 1:
			out[i] = colGrey
		default:
			out[i] = colGreen
		}
	}
	return out
}

// likertRow is one bar of a stacked Likert chart.
type likertRow struct {
	label  string
	counts []int
}

// likertChart draws 100% stacked bars of answers per scale point, one bar
// per row, with a legend of the point labels.
func likertChart(t *words, id string, rows []likertRow, low int, labels []string) template.HTML {
	if len(rows) == 0 || len(rows[0].counts) == 0 {
		return ""
	}
	scale := len(rows[0].counts)
	cols := scaleColours(scale)
	const perRow = 5
	legendRows := (scale + perRow - 1) / perRow
	top := float64(legendRows*16 + 8)
	height := int(top) + len(rows)*rowHeight + 6
	var desc []string
	for _, r := range rows {
		parts := make([]string, len(r.counts))
		for i, c := range r.counts {
			parts[i] = fmt.Sprintf("%d: %d", low+i, c)
		}
		desc = append(desc, r.label+": "+strings.Join(parts, ", "))
	}
	s := newSVG(id, height, t.LikertChart, strings.Join(desc, "; "))
	for i := range scale {
		lx := float64(labelWidth) + float64(i%perRow)*92
		ly := float64(i/perRow)*16 + 6
		s.rect(lx, ly, 10, 10, cols[i])
		label := fmt.Sprintf("%d", low+i)
		if i < len(labels) && labels[i] != "" {
			label += " " + truncLabel(labels[i], 14)
		}
		s.text(lx+14, ly+9, "start", colText, label, 10)
	}
	for i, r := range rows {
		y := top + float64(i*rowHeight)
		s.text(labelWidth-8, y+rowHeight/2+4, "end", colText, truncLabel(r.label, 26), 11)
		total := 0
		for _, c := range r.counts {
			total += c
		}
		if total == 0 {
			s.text(labelWidth, y+rowHeight/2+4, "start", colMuted, t.NoAnswers, 11)
			continue
		}
		x := float64(labelWidth)
		for k, c := range r.counts {
			w := plotWidth * float64(c) / float64(total)
			s.rect(x, y+6, w, rowHeight-12, cols[k%len(cols)])
			if w >= 22 {
				fg := "#ffffff"
				if cols[k%len(cols)] == colGrey || cols[k%len(cols)] == "#85994b" {
					fg = colText
				}
				s.text(x+w/2, y+rowHeight/2+4, "middle", fg, fmt.Sprintf("%d", c), 10)
			}
			x += w
		}
		s.text(labelWidth+plotWidth+8, y+rowHeight/2+4, "start", colText, fmt.Sprintf("n = %d", total), 11)
	}
	return s.html()
}

// uptimeChart draws the pilot period as a bar with the incidents marked in
// red, and the uptime share beside it.
func uptimeChart(t *words, id string, c Candidate, start, end time.Time) template.HTML {
	o := c.Operations
	if start.IsZero() || !end.After(start) {
		return ""
	}
	height := 64
	desc := fmt.Sprintf("%s: %s %s; %d %s", c.Name, t.Uptime, t.pctPrecise(o.Uptime), len(o.Incidents), strings.ToLower(t.Incidents))
	s := newSVG(id, height, t.UptimeChart, desc)
	span := end.Sub(start).Seconds()
	x := func(at time.Time) float64 {
		f := at.Sub(start).Seconds() / span
		return labelWidth + plotWidth*math.Max(0, math.Min(1, f))
	}
	s.text(labelWidth-8, 26, "end", colText, truncLabel(c.Name, 24), 13)
	s.rect(labelWidth, 12, plotWidth, 20, colGreen)
	for _, inc := range o.Incidents {
		e := end
		if inc.End != nil {
			e = *inc.End
		}
		w := math.Max(2, x(e)-x(inc.Start)) // a short incident stays visible
		s.rect(x(inc.Start), 12, w, 20, colRed)
	}
	s.text(labelWidth+plotWidth+8, 26, "start", colText, t.pctPrecise(o.Uptime), 12)
	s.text(labelWidth, 48, "start", colMuted, t.date(start), 11)
	s.text(labelWidth+plotWidth, 48, "end", colMuted, t.date(end), 11)
	return s.html()
}
