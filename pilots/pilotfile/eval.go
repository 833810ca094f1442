package pilotfile

import (
	"fmt"
	"math/big"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// functions are the cty standard functions that are pure: no filesystem, no
// network, no clock, so a pilot file means the same wherever it is read.
// Functions whose result can grow far beyond their input (range, setproduct,
// and the padding of format, formatlist and indent) are left out, so a
// submitted file cannot make the server build huge values.
func functions() map[string]function.Function {
	return map[string]function.Function{
		"abs":             stdlib.AbsoluteFunc,
		"ceil":            stdlib.CeilFunc,
		"chomp":           stdlib.ChompFunc,
		"chunklist":       stdlib.ChunklistFunc,
		"coalesce":        stdlib.CoalesceFunc,
		"coalescelist":    stdlib.CoalesceListFunc,
		"compact":         stdlib.CompactFunc,
		"concat":          stdlib.ConcatFunc,
		"contains":        stdlib.ContainsFunc,
		"csvdecode":       stdlib.CSVDecodeFunc,
		"distinct":        stdlib.DistinctFunc,
		"element":         stdlib.ElementFunc,
		"flatten":         stdlib.FlattenFunc,
		"floor":           stdlib.FloorFunc,
		"formatdate":      stdlib.FormatDateFunc,
		"index":           stdlib.IndexFunc,
		"join":            stdlib.JoinFunc,
		"jsondecode":      stdlib.JSONDecodeFunc,
		"jsonencode":      stdlib.JSONEncodeFunc,
		"keys":            stdlib.KeysFunc,
		"length":          stdlib.LengthFunc,
		"log":             stdlib.LogFunc,
		"lookup":          stdlib.LookupFunc,
		"lower":           stdlib.LowerFunc,
		"max":             stdlib.MaxFunc,
		"merge":           stdlib.MergeFunc,
		"min":             stdlib.MinFunc,
		"parseint":        stdlib.ParseIntFunc,
		"pow":             stdlib.PowFunc,
		"regex":           stdlib.RegexFunc,
		"regexall":        stdlib.RegexAllFunc,
		"regex_replace":   stdlib.RegexReplaceFunc,
		"replace":         stdlib.ReplaceFunc,
		"reverse":         stdlib.ReverseListFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setsubtract":     stdlib.SetSubtractFunc,
		"setunion":        stdlib.SetUnionFunc,
		"signum":          stdlib.SignumFunc,
		"slice":           stdlib.SliceFunc,
		"sort":            stdlib.SortFunc,
		"split":           stdlib.SplitFunc,
		"strlen":          stdlib.StrlenFunc,
		"strrev":          stdlib.ReverseFunc,
		"substr":          stdlib.SubstrFunc,
		"timeadd":         stdlib.TimeAddFunc,
		"title":           stdlib.TitleFunc,
		"tobool":          stdlib.MakeToFunc(cty.Bool),
		"tolist":          stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":           stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"tonumber":        stdlib.MakeToFunc(cty.Number),
		"toset":           stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tostring":        stdlib.MakeToFunc(cty.String),
		"trim":            stdlib.TrimFunc,
		"trimprefix":      stdlib.TrimPrefixFunc,
		"trimspace":       stdlib.TrimSpaceFunc,
		"trimsuffix":      stdlib.TrimSuffixFunc,
		"upper":           stdlib.UpperFunc,
		"values":          stdlib.ValuesFunc,
		"zipmap":          stdlib.ZipmapFunc,
	}
}

// decoder holds the state of decoding one file: its source, the variables it
// declares, the evaluation context and the diagnostics found so far.
type decoder struct {
	filename string
	src      []byte
	in       *varInputs
	vars     map[string]*variable
	ctx      *hcl.EvalContext
	diags    hcl.Diagnostics
	lang     string // the language of the pilot being decoded
}

func newDecoder(filename string, src []byte, in *varInputs) *decoder {
	return &decoder{filename: filename, src: src, in: in, vars: map[string]*variable{}, lang: "sv"}
}

func (d *decoder) declared() map[string]bool {
	m := make(map[string]bool, len(d.vars))
	for n := range d.vars {
		m[n] = true
	}
	return m
}

// errorf adds an error diagnostic.
func (d *decoder) errorf(subject *hcl.Range, summary, detail string, args ...any) {
	d.diags = append(d.diags, &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(detail, args...),
		Subject:  subject,
	})
}

// eval evaluates an attribute's expression. It returns false when the value
// is absent (null), unknown (it rests on a variable without a value, already
// reported) or wrong (reported here).
func (d *decoder) eval(a *hcl.Attribute) (cty.Value, bool) {
	ok := true
	for _, tr := range a.Expr.Variables() {
		if tr.RootName() != "var" {
			continue
		}
		if len(tr) < 2 {
			d.errorf(tr.SourceRange().Ptr(), "Invalid variable reference", "Refer to a variable as var.NAME.")
			ok = false
			continue
		}
		step, isAttr := tr[1].(hcl.TraverseAttr)
		if !isAttr {
			d.errorf(tr.SourceRange().Ptr(), "Invalid variable reference", "Refer to a variable as var.NAME.")
			ok = false
			continue
		}
		if _, declared := d.vars[step.Name]; !declared {
			d.errorf(tr.SourceRange().Ptr(), "Undeclared variable", "No variable named %q is declared in this file. Declare it with a variable %q { } block.", step.Name, step.Name)
			ok = false
		}
	}
	if bdiags := checkBounded(a.Expr); bdiags.HasErrors() {
		d.diags = append(d.diags, bdiags...)
		return cty.NilVal, false
	}
	if !ok {
		return cty.NilVal, false
	}
	v, diags := a.Expr.Value(d.ctx)
	d.diags = append(d.diags, diags...)
	if diags.HasErrors() || !v.IsWhollyKnown() || v.IsNull() {
		return cty.NilVal, false
	}
	v, _ = v.Unmark()
	return v, true
}

func (d *decoder) typeError(a *hcl.Attribute, want string) {
	d.errorf(a.Expr.Range().Ptr(), "Incorrect attribute value type", "The %s attribute must be %s.", a.Name, want)
}

// decodeAttr evaluates the attribute name when it is present and stores
// what conv makes of its value in *dst. conv reports its own diagnostic
// when the value does not fit. The attribute is returned when present, so
// callers can point later diagnostics at it.
func decodeAttr[T any](d *decoder, attrs hcl.Attributes, name string, dst *T, conv func(a *hcl.Attribute, v cty.Value) (T, bool)) (*hcl.Attribute, bool) {
	a, ok := attrs[name]
	if !ok {
		return nil, false
	}
	v, ok := d.eval(a)
	if !ok {
		return a, false
	}
	t, ok := conv(a, v)
	if !ok {
		return a, false
	}
	*dst = t
	return a, true
}

// convertTo converts v to ty, or reports that the attribute must be want.
func (d *decoder) convertTo(a *hcl.Attribute, v cty.Value, ty cty.Type, want string) (cty.Value, bool) {
	c, err := convert.Convert(v, ty)
	if err != nil || c.IsNull() {
		d.typeError(a, want)
		return cty.NilVal, false
	}
	return c, true
}

// str decodes a string attribute into *dst.
func (d *decoder) str(attrs hcl.Attributes, name string, dst *string) (*hcl.Attribute, bool) {
	return decodeAttr(d, attrs, name, dst, func(a *hcl.Attribute, v cty.Value) (string, bool) {
		s, ok := d.convertTo(a, v, cty.String, "a string")
		if !ok {
			return "", false
		}
		return s.AsString(), true
	})
}

// boolean decodes a bool attribute into *dst.
func (d *decoder) boolean(attrs hcl.Attributes, name string, dst *bool) (*hcl.Attribute, bool) {
	return decodeAttr(d, attrs, name, dst, func(a *hcl.Attribute, v cty.Value) (bool, bool) {
		b, ok := d.convertTo(a, v, cty.Bool, "true or false")
		return ok && b.True(), ok
	})
}

// number decodes a number attribute into *dst.
func (d *decoder) number(attrs hcl.Attributes, name string, dst *float64) (*hcl.Attribute, bool) {
	return decodeAttr(d, attrs, name, dst, func(a *hcl.Attribute, v cty.Value) (float64, bool) {
		n, ok := d.convertTo(a, v, cty.Number, "a number")
		if !ok {
			return 0, false
		}
		f, _ := n.AsBigFloat().Float64()
		return f, true
	})
}

// integer decodes a whole-number attribute within [lo, hi] into *dst.
func (d *decoder) integer(attrs hcl.Attributes, name string, lo, hi int64, dst *int64) (*hcl.Attribute, bool) {
	return decodeAttr(d, attrs, name, dst, func(a *hcl.Attribute, v cty.Value) (int64, bool) {
		n, ok := d.convertTo(a, v, cty.Number, "a whole number")
		if !ok {
			return 0, false
		}
		bf := n.AsBigFloat()
		if !bf.IsInt() {
			d.typeError(a, "a whole number")
			return 0, false
		}
		i, acc := bf.Int64()
		if acc != big.Exact || i < lo || i > hi {
			d.errorf(a.Expr.Range().Ptr(), fmt.Sprintf("Value out of range for %s", name), "The %s attribute must be between %d and %d, not %s.", name, lo, hi, bf.Text('g', 10))
			return 0, false
		}
		return i, true
	})
}

// intAttr is integer for an int destination.
func (d *decoder) intAttr(attrs hcl.Attributes, name string, lo, hi int64, dst *int) (*hcl.Attribute, bool) {
	var i int64
	a, ok := d.integer(attrs, name, lo, hi, &i)
	if ok {
		*dst = int(i)
	}
	return a, ok
}

// strings decodes a list of strings.
func (d *decoder) strings(attrs hcl.Attributes, name string, dst *[]string) (*hcl.Attribute, bool) {
	return decodeAttr(d, attrs, name, dst, func(a *hcl.Attribute, v cty.Value) ([]string, bool) {
		list, ok := stringList(v)
		if !ok {
			d.typeError(a, "a list of strings")
		}
		return list, ok
	})
}

func stringList(v cty.Value) ([]string, bool) {
	l, err := convert.Convert(v, cty.List(cty.String))
	if err != nil || l.IsNull() || !l.IsWhollyKnown() {
		return nil, false
	}
	out := make([]string, 0, l.LengthInt())
	for it := l.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() {
			return nil, false
		}
		out = append(out, e.AsString())
	}
	return out, true
}

// stringMap decodes a map of strings.
func (d *decoder) stringMap(attrs hcl.Attributes, name string, dst *map[string]string) (*hcl.Attribute, bool) {
	return decodeAttr(d, attrs, name, dst, func(a *hcl.Attribute, v cty.Value) (map[string]string, bool) {
		m, ok := d.convertTo(a, v, cty.Map(cty.String), "a map of strings, such as { MODE = \"pilot\" }")
		if !ok {
			return nil, false
		}
		out := make(map[string]string, m.LengthInt())
		for it := m.ElementIterator(); it.Next(); {
			k, e := it.Element()
			if e.IsNull() {
				d.typeError(a, "a map of strings without null values")
				return nil, false
			}
			out[k.AsString()] = e.AsString()
		}
		return out, true
	})
}

// checkBounded refuses for expressions and template for directives. A pilot
// file is a declaration and needs neither, and nested loops are the one way
// an expression could make evaluation take time out of all proportion to
// the size of the file.
func checkBounded(expr hcl.Expression) hcl.Diagnostics {
	syn, ok := expr.(hclsyntax.Expression)
	if !ok {
		return nil
	}
	var diags hcl.Diagnostics
	hclsyntax.VisitAll(syn, func(n hclsyntax.Node) hcl.Diagnostics {
		switch n := n.(type) {
		case *hclsyntax.ForExpr:
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "For expression not supported",
				Detail:   "Pilot files declare values directly; for expressions are not supported.",
				Subject:  n.Range().Ptr(),
			})
		case *hclsyntax.TemplateJoinExpr:
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Template for directive not supported",
				Detail:   "Pilot files declare values directly; %{ for } directives are not supported.",
				Subject:  n.Range().Ptr(),
			})
		}
		return nil
	})
	return diags
}
