package pilotfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/hashicorp/hcl/v2/json"

	"github.com/pilotbed/pilotbed/pilots"
)

// Options supply values for the variables a pilot file declares.
type Options struct {
	// Vars are values given on the command line (--var name=value). A raw
	// string is converted to the variable's declared type; for lists, maps,
	// numbers and bools it is read as an HCL literal such as ["a", "b"].
	Vars map[string]string
	// VarFiles are HCL (or, when the name ends in .json, JSON) files of
	// `name = value` lines; a later file wins over an earlier one.
	VarFiles []string
	// Getenv looks up PILOTBED_VAR_<name>; nil means no environment.
	Getenv func(string) string
}

// EnvPrefix starts the environment variables that set pilot file variables.
const EnvPrefix = "PILOTBED_VAR_"

// Parse decodes one file — native HCL syntax, or JSON syntax when filename
// ends in .json — into zero or more specs. When the diagnostics hold an error
// the specs are nil: a spec is only ever returned whole and valid.
func Parse(filename string, src []byte, opts Options) ([]pilots.Spec, hcl.Diagnostics) {
	parser := hclparse.NewParser()
	in, diags := readVarInputs(parser, opts)
	decoded, declared, more := parseOne(parser, filename, src, in)
	diags = append(diags, more...)
	diags = append(diags, in.checkDeclared(declared)...)
	sortDiags(diags)
	if diags.HasErrors() {
		return nil, diags
	}
	specs := make([]pilots.Spec, len(decoded))
	for i, d := range decoded {
		specs[i] = d.spec
	}
	return specs, diags
}

// Result is what Load read.
type Result struct {
	Specs []pilots.Spec
	// Files holds every parsed file, pilot files and variable files alike,
	// by name, for WriteDiagnostics to show source snippets.
	Files map[string]*hcl.File
}

// Load reads the named files and directories — every *.hcl and *.hcl.json
// file directly inside a directory — and parses them all. Variables are
// declared per file; a --var must be declared in at least one of them.
// Pilot names must be unique across all files. When the diagnostics hold an
// error, Result.Specs is nil but Result.Files is still filled.
func Load(paths []string, opts Options) (*Result, hcl.Diagnostics) {
	parser := hclparse.NewParser()
	in, diags := readVarInputs(parser, opts)
	res := &Result{}

	files, more := expandPaths(paths)
	diags = append(diags, more...)

	declared := map[string]bool{}
	seen := map[string]hcl.Range{}
	var decoded []decodedPilot
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot read pilot file",
				Detail:   fmt.Sprintf("Reading %s: %v.", name, err),
			})
			continue
		}
		ds, decl, more := parseOne(parser, name, src, in)
		diags = append(diags, more...)
		for n := range decl {
			declared[n] = true
		}
		for _, d := range ds {
			if prev, ok := seen[d.spec.Name]; ok {
				diags = append(diags, duplicate("pilot", d.spec.Name, d.rng, prev))
				continue
			}
			seen[d.spec.Name] = d.rng
			decoded = append(decoded, d)
		}
	}
	diags = append(diags, in.checkDeclared(declared)...)
	sortDiags(diags)
	res.Files = parser.Files()
	if diags.HasErrors() {
		return res, diags
	}
	for _, d := range decoded {
		res.Specs = append(res.Specs, d.spec)
	}
	return res, diags
}

// expandPaths lists the files named by paths, reading directories one level
// deep, in a stable order.
func expandPaths(paths []string) ([]string, hcl.Diagnostics) {
	var files []string
	var diags hcl.Diagnostics
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			detail := fmt.Sprintf("Reading %s: %v.", p, err)
			if errors.Is(err, fs.ErrNotExist) {
				detail = fmt.Sprintf("There is no file or directory %s.", p)
			}
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read pilot file", Detail: detail})
			continue
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read directory", Detail: fmt.Sprintf("Reading %s: %v.", p, err)})
			continue
		}
		var found []string
		for _, e := range entries {
			if e.IsDir() || !IsPilotFile(e.Name()) {
				continue
			}
			found = append(found, filepath.Join(p, e.Name()))
		}
		if len(found) == 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No pilot files", Detail: fmt.Sprintf("The directory %s holds no *.hcl or *.hcl.json file.", p)})
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, diags
}

// IsPilotFile reports whether a file name is one Load picks up from a
// directory: *.hcl or *.hcl.json.
func IsPilotFile(name string) bool {
	return strings.HasSuffix(name, ".hcl") || strings.HasSuffix(name, ".hcl.json")
}

func isJSON(filename string) bool { return strings.HasSuffix(filename, ".json") }

// parseOne parses and decodes one file, returning the pilots it declares
// (possibly partial when there are errors) and the variables it declares.
func parseOne(parser *hclparse.Parser, filename string, src []byte, in *varInputs) ([]decodedPilot, map[string]bool, hcl.Diagnostics) {
	var file *hcl.File
	var diags hcl.Diagnostics
	if isJSON(filename) {
		file, diags = parser.ParseJSON(src, filename)
	} else {
		file, diags = parser.ParseHCL(src, filename)
	}
	if diags.HasErrors() || file == nil {
		return nil, nil, diags
	}
	d := newDecoder(filename, src, in)
	specs := d.decodeFile(file.Body)
	return specs, d.declared(), append(diags, d.diags...)
}

// Format returns src in canonical form. It returns an error, holding the
// hcl.Diagnostics, only when src does not parse. JSON files are returned as
// they are, once they parse.
func Format(filename string, src []byte) ([]byte, error) {
	if isJSON(filename) {
		if _, diags := json.Parse(src, filename); diags.HasErrors() {
			return nil, fmt.Errorf("parse %s: %w", filename, diags)
		}
		return src, nil
	}
	if _, diags := hclwrite.ParseConfig(src, filename, hcl.InitialPos); diags.HasErrors() {
		return nil, fmt.Errorf("parse %s: %w", filename, diags)
	}
	return hclwrite.Format(src), nil
}

// Domain converts diagnostics into the domain's form, for the JSON API and
// --output json.
func Domain(diags hcl.Diagnostics) []pilots.Diagnostic {
	out := make([]pilots.Diagnostic, 0, len(diags))
	for _, d := range diags {
		pd := pilots.Diagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			pd.Severity = "warning"
		}
		if d.Subject != nil {
			pd.Range = &pilots.Range{
				Filename: d.Subject.Filename,
				Start:    pilots.Pos{Line: d.Subject.Start.Line, Column: d.Subject.Start.Column},
				End:      pilots.Pos{Line: d.Subject.End.Line, Column: d.Subject.End.Column},
			}
		}
		out = append(out, pd)
	}
	return out
}

// WriteDiagnostics prints diags, each headed by file:line,col so editors and
// terminals can jump to it, followed by the source snippet taken from files
// and the detail, wrapped at width columns (0: no wrapping).
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, width uint, color bool) error {
	tw := hcl.NewDiagnosticTextWriter(w, files, width, color)
	for _, d := range diags {
		if d.Subject != nil {
			if _, err := fmt.Fprintf(w, "%s: ", posString(*d.Subject)); err != nil {
				return fmt.Errorf("write diagnostics: %w", err)
			}
		}
		if err := tw.WriteDiagnostic(d); err != nil {
			return fmt.Errorf("write diagnostics: %w", err)
		}
	}
	return nil
}

// sortDiags orders diagnostics the way a reader meets them: those without a
// position (about the command line) first, then by file and place in it.
func sortDiags(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		default:
			return a.Start.Byte < b.Start.Byte
		}
	})
}

// duplicate is the diagnostic for a second block of a name, pointing at the
// second and naming where the first is.
func duplicate(kind, name string, rng, prev hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  fmt.Sprintf("Duplicate %s %q", kind, name),
		Detail:   fmt.Sprintf("A %s named %q is already declared; previous definition at %s. Names must be unique.", kind, name, posString(prev)),
		Subject:  rng.Ptr(),
	}
}

// posString renders a range's start as file:line,col, the way diagnostics
// are printed.
func posString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d,%d", r.Filename, r.Start.Line, r.Start.Column)
}
