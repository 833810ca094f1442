package pilotfile

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/pilotbed/pilotbed/pilots"
)

var fileSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "pilot", LabelNames: []string{"name"}},
	},
}

var pilotSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "title", Required: true},
		{Name: "description"},
		{Name: "owner"},
		{Name: "contact"},
		{Name: "start", Required: true},
		{Name: "end", Required: true},
		{Name: "priority"},
		{Name: "budget_sek"},
		{Name: "language"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "classification"},
		{Type: "retention"},
		{Type: "privacy"},
		{Type: "candidate", LabelNames: []string{"name"}},
		{Type: "cohort", LabelNames: []string{"name"}},
		{Type: "survey", LabelNames: []string{"name"}},
		{Type: "benefit", LabelNames: []string{"name"}},
		{Type: "criterion", LabelNames: []string{"name"}},
	},
}

// decodedPilot is a spec with the range of the block it came from, for
// reporting duplicates across files.
type decodedPilot struct {
	spec pilots.Spec
	rng  hcl.Range
}

// decodeFile runs the phases over a file's body: variables, the evaluation
// context, then every pilot block.
func (d *decoder) decodeFile(body hcl.Body) []decodedPilot {
	content, diags := body.Content(fileSchema)
	d.diags = append(d.diags, diags...)

	d.decodeVariables(content.Blocks.OfType("variable"))
	d.ctx = &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": d.varObject()},
		Functions: functions(),
	}

	pilotBlocks := content.Blocks.OfType("pilot")
	if len(pilotBlocks) == 0 && !diags.HasErrors() {
		d.errorf(body.MissingItemRange().Ptr(), "No pilot block", "A pilot file declares at least one pilot \"name\" { ... } block.")
	}
	var out []decodedPilot
	seen := map[string]hcl.Range{}
	for _, b := range pilotBlocks {
		name := b.Labels[0]
		if prev, ok := seen[name]; ok {
			d.diags = append(d.diags, duplicate("pilot", name, b.DefRange, prev))
			continue
		}
		seen[name] = b.DefRange
		spec := d.decodePilot(b)
		out = append(out, decodedPilot{spec: spec, rng: b.DefRange})
	}
	return out
}

// single returns the only block of a type, reporting any further ones.
func (d *decoder) single(blocks hcl.Blocks, typ string) *hcl.Block {
	list := blocks.OfType(typ)
	if len(list) == 0 {
		return nil
	}
	for _, b := range list[1:] {
		d.errorf(b.DefRange.Ptr(), fmt.Sprintf("Duplicate %s block", typ),
			"Only one %s block is allowed here; previous definition at %s.", typ, posString(list[0].DefRange))
	}
	return list[0]
}

// named walks the blocks of a type that carry a name label, checking each
// name with valid and reporting duplicates, and calls fn for each good one.
func (d *decoder) named(blocks hcl.Blocks, typ string, valid func(string) bool, rule string, fn func(name string, b *hcl.Block)) {
	seen := map[string]hcl.Range{}
	for _, b := range blocks.OfType(typ) {
		name := b.Labels[0]
		if !valid(name) {
			d.errorf(b.LabelRanges[0].Ptr(), fmt.Sprintf("Invalid %s name", typ), "%q is not a valid %s name: %s.", name, typ, rule)
		}
		if prev, ok := seen[name]; ok {
			d.diags = append(d.diags, duplicate(typ, name, b.DefRange, prev))
			continue
		}
		seen[name] = b.DefRange
		fn(name, b)
	}
}

const (
	slugRule = "use lowercase letters, digits and dashes, starting with a letter, at most 63 characters (it becomes part of container and network names)"
	nameRule = "use lowercase letters, digits, underscores and dashes, starting with a letter, at most 63 characters"
)

func (d *decoder) decodePilot(b *hcl.Block) pilots.Spec {
	spec := pilots.Spec{Name: b.Labels[0], Language: pilots.LangSwedish}
	if !validSlug(spec.Name) {
		d.errorf(b.LabelRanges[0].Ptr(), "Invalid pilot name", "%q is not a valid pilot name: %s.", spec.Name, slugRule)
	}
	content, diags := b.Body.Content(pilotSchema)
	d.diags = append(d.diags, diags...)
	attrs := content.Attributes

	if a, ok := d.str(attrs, "language", &spec.Language); ok && spec.Language != pilots.LangSwedish && spec.Language != pilots.LangEnglish {
		d.errorf(a.Expr.Range().Ptr(), "Unsupported language", "The language must be \"sv\" or \"en\", not %q.", spec.Language)
		spec.Language = pilots.LangSwedish
	}
	d.lang = spec.Language

	if a, ok := d.str(attrs, "title", &spec.Title); ok && strings.TrimSpace(spec.Title) == "" {
		d.errorf(a.Expr.Range().Ptr(), "Empty title", "A pilot needs a title that participants and the steering group recognise.")
	}
	d.str(attrs, "description", &spec.Description)
	d.str(attrs, "owner", &spec.Owner)
	d.str(attrs, "contact", &spec.Contact)
	d.intAttr(attrs, "priority", 0, 1_000_000, &spec.Priority)
	d.integer(attrs, "budget_sek", 0, 1_000_000_000_000, &spec.BudgetSEK)

	var startOK, endOK bool
	var s string
	if a, ok := d.str(attrs, "start", &s); ok {
		t, err := parseDate(s, false)
		if err != nil {
			d.errorf(a.Expr.Range().Ptr(), "Invalid date", "The start: %v.", err)
		} else {
			spec.Start, startOK = t, true
		}
	}
	if a, ok := d.str(attrs, "end", &s); ok {
		t, err := parseDate(s, true)
		if err != nil {
			d.errorf(a.Expr.Range().Ptr(), "Invalid date", "The end: %v.", err)
		} else {
			spec.End, endOK = t, true
		}
		if startOK && endOK && !spec.End.After(spec.Start) {
			d.errorf(a.Expr.Range().Ptr(), "End before start", "The pilot ends %s, before it starts %s.", fmtEnd(spec.End), fmtStart(spec.Start))
			endOK = false
		}
	}

	var classAttrs hcl.Attributes
	if cb := d.single(content.Blocks, "classification"); cb != nil {
		spec.Classification, classAttrs = d.decodeClassification(cb)
	}
	if rb := d.single(content.Blocks, "retention"); rb != nil {
		spec.Retention = d.decodeRetention(rb)
	}
	if pb := d.single(content.Blocks, "privacy"); pb != nil {
		spec.Privacy = d.decodePrivacy(pb)
	}
	if spec.Privacy.Controller == "" {
		spec.Privacy.Controller = spec.Owner
	}
	if spec.Privacy.Contact == "" {
		spec.Privacy.Contact = spec.Contact
	}

	d.named(content.Blocks, "candidate", validSlug, slugRule, func(name string, cb *hcl.Block) {
		c := d.decodeCandidate(name, cb, spec.Classification, classAttrs)
		spec.Candidates = append(spec.Candidates, c)
	})
	if len(content.Blocks.OfType("candidate")) == 0 && !diags.HasErrors() {
		d.errorf(b.DefRange.Ptr(), "No candidate", "A pilot compares at least one candidate: add a candidate \"name\" { ... } block.")
	}

	d.named(content.Blocks, "cohort", validName, nameRule, func(name string, cb *hcl.Block) {
		spec.Cohorts = append(spec.Cohorts, d.decodeCohort(name, cb, &spec))
	})

	window := startOK && endOK
	d.named(content.Blocks, "survey", validName, nameRule, func(name string, sb *hcl.Block) {
		spec.Surveys = append(spec.Surveys, d.decodeSurvey(name, sb, spec.Start, spec.End, window))
	})

	m := newMeasureScope(&spec)
	d.named(content.Blocks, "benefit", validName, nameRule, func(name string, bb *hcl.Block) {
		spec.Benefits = append(spec.Benefits, d.decodeBenefit(name, bb, m))
	})
	d.named(content.Blocks, "criterion", validName, nameRule, func(name string, cb *hcl.Block) {
		spec.Criteria = append(spec.Criteria, d.decodeCriterion(name, cb, m))
	})
	return spec
}

// fmtStart renders an instant that starts something: "on 2027-01-11" for
// midnight, the full time otherwise.
func fmtStart(t time.Time) string {
	if isMidnight(t) {
		return "on " + t.Format(time.DateOnly)
	}
	return "at " + t.Format(time.RFC3339)
}

// fmtEnd renders an instant that ends something: midnight is the end of the
// day before, the way an end date was written.
func fmtEnd(t time.Time) string {
	if isMidnight(t) {
		return "at the end of " + pilots.LastDayOf(t)
	}
	return "at " + t.Format(time.RFC3339)
}

func isMidnight(t time.Time) bool {
	return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0
}

var classificationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "confidentiality", Required: true},
		{Name: "integrity", Required: true},
		{Name: "availability", Required: true},
	},
}

func (d *decoder) decodeClassification(b *hcl.Block) (pilots.Classification, hcl.Attributes) {
	var c pilots.Classification
	content, diags := b.Body.Content(classificationSchema)
	d.diags = append(d.diags, diags...)
	d.intAttr(content.Attributes, "confidentiality", 0, 4, &c.Confidentiality)
	d.intAttr(content.Attributes, "integrity", 0, 4, &c.Integrity)
	d.intAttr(content.Attributes, "availability", 0, 4, &c.Availability)
	return c, content.Attributes
}

var retentionSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "keep"},
		{Name: "decision"},
		{Name: "export"},
	},
}

// Exports a retention block may ask for.
var exportKinds = []string{"responses", "report"}

func (d *decoder) decodeRetention(b *hcl.Block) pilots.Retention {
	var r pilots.Retention
	content, diags := b.Body.Content(retentionSchema)
	d.diags = append(d.diags, diags...)
	var s string
	if a, ok := d.str(content.Attributes, "keep", &s); ok {
		keep, err := parseDuration(s)
		if err != nil {
			d.errorf(a.Expr.Range().Ptr(), "Invalid duration", "The keep attribute: %v.", err)
		}
		r.Keep = keep
	}
	d.str(content.Attributes, "decision", &r.Decision)
	if a, ok := d.strings(content.Attributes, "export", &r.Export); ok {
		seen := map[string]bool{}
		for _, e := range r.Export {
			if !slices.Contains(exportKinds, e) {
				d.errorf(a.Expr.Range().Ptr(), "Unknown export", "%q cannot be exported; choose from %s.", e, quoteList(exportKinds))
			}
			if seen[e] {
				d.errorf(a.Expr.Range().Ptr(), "Duplicate export", "%q is listed twice.", e)
			}
			seen[e] = true
		}
	}
	return r
}

var privacySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "controller"},
		{Name: "legal_basis"},
		{Name: "contact"},
	},
}

func (d *decoder) decodePrivacy(b *hcl.Block) pilots.Privacy {
	var p pilots.Privacy
	content, diags := b.Body.Content(privacySchema)
	d.diags = append(d.diags, diags...)
	d.str(content.Attributes, "controller", &p.Controller)
	d.str(content.Attributes, "legal_basis", &p.LegalBasis)
	d.str(content.Attributes, "contact", &p.Contact)
	return p
}

var cohortSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "candidate"},
		{Name: "participants"},
	},
}

func (d *decoder) decodeCohort(name string, b *hcl.Block, spec *pilots.Spec) pilots.Cohort {
	c := pilots.Cohort{Name: name}
	content, diags := b.Body.Content(cohortSchema)
	d.diags = append(d.diags, diags...)
	d.intAttr(content.Attributes, "participants", 0, 100_000, &c.Participants)
	a, ok := d.str(content.Attributes, "candidate", &c.Candidate)
	switch {
	case a == nil && len(spec.Candidates) == 1:
		// With a single candidate there is nothing to choose.
		c.Candidate = spec.Candidates[0].Name
	case a == nil:
		if !diags.HasErrors() {
			d.errorf(b.Body.MissingItemRange().Ptr(), "Missing required argument", "The cohort %q must name its candidate: candidate = \"...\".", name)
		}
	case ok:
		if _, found := spec.Candidate(c.Candidate); !found {
			d.errorf(a.Expr.Range().Ptr(), "Unknown candidate", "The cohort %q names the candidate %q, which this pilot does not declare.%s", name, c.Candidate, didYouMean(c.Candidate, candidateNames(spec)))
		}
	}
	return c
}

func candidateNames(spec *pilots.Spec) []string {
	names := make([]string, len(spec.Candidates))
	for i, c := range spec.Candidates {
		names[i] = c.Name
	}
	return names
}

// didYouMean suggests the closest of the known names, or lists them when
// none is close.
func didYouMean(got string, known []string) string {
	if len(known) == 0 {
		return ""
	}
	if s := closest(got, known); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return " Declared: " + quoteList(known) + "."
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// suggest names the closest known name when there is one, and says nothing
// otherwise (for when the known names are already listed).
func suggest(got string, known []string) string {
	if s := closest(got, known); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}

// closest returns the known name nearest to got when it is near enough to
// be a likely typo, or "".
func closest(got string, known []string) string {
	best, bestDist := "", 3
	for _, k := range known {
		if d := editDistance(got, k); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
