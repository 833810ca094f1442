package pilotfile

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/typeexpr"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// varInputs are the values offered for variables from outside the file, in
// rising precedence: environment, variable files, --var.
type varInputs struct {
	getenv   func(string) string
	fileVals map[string]fileVar
	cli      map[string]string
}

// fileVar is a value read from a variable file, with where it was written.
type fileVar struct {
	val cty.Value
	rng hcl.Range
}

// readVarInputs reads the variable files of opts. Their values are evaluated
// now, without knowing the types they will be converted to.
func readVarInputs(parser *hclparse.Parser, opts Options) (*varInputs, hcl.Diagnostics) {
	in := &varInputs{getenv: opts.Getenv, cli: opts.Vars, fileVals: map[string]fileVar{}}
	var diags hcl.Diagnostics
	for _, name := range opts.VarFiles {
		src, err := os.ReadFile(name)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Cannot read variable file",
				Detail:   fmt.Sprintf("Reading %s: %v.", name, err),
			})
			continue
		}
		var f *hcl.File
		var more hcl.Diagnostics
		if isJSON(name) {
			f, more = parser.ParseJSON(src, name)
		} else {
			f, more = parser.ParseHCL(src, name)
		}
		diags = append(diags, more...)
		if more.HasErrors() || f == nil {
			continue
		}
		attrs, more := f.Body.JustAttributes()
		diags = append(diags, more...)
		ctx := &hcl.EvalContext{Functions: functions()}
		for _, a := range sortedAttrs(attrs) {
			if more := checkBounded(a.Expr); more.HasErrors() {
				diags = append(diags, more...)
				continue
			}
			v, more := a.Expr.Value(ctx)
			diags = append(diags, more...)
			if more.HasErrors() {
				continue
			}
			in.fileVals[a.Name] = fileVar{val: v, rng: a.Expr.Range()}
		}
	}
	return in, diags
}

// checkDeclared reports values offered for variables no file declares: an
// error for --var, which is surely a typo, and a warning for a variable
// file, which may be shared between pilot files.
func (in *varInputs) checkDeclared(declared map[string]bool) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, name := range sortedKeys(in.cli) {
		if !declared[name] {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  fmt.Sprintf("Undeclared variable %q", name),
				Detail:   fmt.Sprintf("A value was given with --var for %q, but no variable block declares it.", name),
			})
		}
	}
	names := make([]string, 0, len(in.fileVals))
	for n := range in.fileVals {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		if !declared[name] {
			diags = append(diags, &hcl.Diagnostic{
				Severity: hcl.DiagWarning,
				Summary:  fmt.Sprintf("Value for undeclared variable %q", name),
				Detail:   fmt.Sprintf("The variable file sets %q, but no variable block declares it; the value is ignored.", name),
				Subject:  in.fileVals[name].rng.Ptr(),
			})
		}
	}
	return diags
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "default"},
		{Name: "type"},
		{Name: "description"},
		{Name: "sensitive"},
	},
}

// variable is a declared variable and the value it ends up with.
type variable struct {
	name      string
	rng       hcl.Range
	ty        cty.Type
	sensitive bool
	value     cty.Value
}

// decodeVariables runs the first phase: it reads the variable blocks and
// settles each variable's value from its default and the inputs.
func (d *decoder) decodeVariables(blocks hcl.Blocks) {
	seen := map[string]hcl.Range{}
	for _, b := range blocks {
		name := b.Labels[0]
		if !hclsyntax.ValidIdentifier(name) {
			d.errorf(b.LabelRanges[0].Ptr(), "Invalid variable name", "%q is not a valid variable name: use letters, digits, underscores and dashes, starting with a letter.", name)
			continue
		}
		if prev, ok := seen[name]; ok {
			d.diags = append(d.diags, duplicate("variable", name, b.DefRange, prev))
			continue
		}
		seen[name] = b.DefRange
		v := d.decodeVariable(name, b)
		d.vars[name] = v
	}
}

func (d *decoder) decodeVariable(name string, b *hcl.Block) *variable {
	// Until its value is settled a variable is unknown, so expressions using
	// it are skipped instead of reporting follow-on errors.
	v := &variable{name: name, rng: b.DefRange, ty: cty.DynamicPseudoType, value: cty.DynamicVal}
	content, diags := b.Body.Content(variableSchema)
	d.diags = append(d.diags, diags...)

	for _, a := range sortedAttrs(content.Attributes) {
		if diags := checkBounded(a.Expr); diags.HasErrors() {
			d.diags = append(d.diags, diags...)
			return v
		}
	}
	noCtx := &hcl.EvalContext{Functions: functions()}
	if a, ok := content.Attributes["type"]; ok {
		ty, diags := typeexpr.TypeConstraint(a.Expr)
		d.diags = append(d.diags, diags...)
		if diags.HasErrors() {
			return v
		}
		v.ty = ty
	}
	if a, ok := content.Attributes["sensitive"]; ok {
		val, diags := a.Expr.Value(noCtx)
		d.diags = append(d.diags, diags...)
		if b, err := convert.Convert(val, cty.Bool); err == nil && b.IsKnown() && !b.IsNull() {
			v.sensitive = b.True()
		} else if !diags.HasErrors() {
			d.errorf(a.Expr.Range().Ptr(), "Incorrect attribute value type", "The sensitive attribute must be true or false.")
		}
	}
	if a, ok := content.Attributes["description"]; ok {
		val, diags := a.Expr.Value(noCtx)
		d.diags = append(d.diags, diags...)
		if _, err := convert.Convert(val, cty.String); err != nil && !diags.HasErrors() {
			d.errorf(a.Expr.Range().Ptr(), "Incorrect attribute value type", "The description must be a string.")
		}
	}

	var value cty.Value
	have := false
	var valueRange *hcl.Range
	source := "default"
	if a, ok := content.Attributes["default"]; ok {
		val, diags := a.Expr.Value(noCtx)
		d.diags = append(d.diags, diags...)
		if diags.HasErrors() {
			return v
		}
		if v.ty == cty.DynamicPseudoType && !val.IsNull() {
			// An untyped variable takes the type of its default, so a
			// --var for it is read the same way as the default was written.
			v.ty = val.Type()
		}
		value, have, valueRange = val, true, a.Expr.Range().Ptr()
	}
	if d.in.getenv != nil {
		if raw := d.in.getenv(EnvPrefix + name); raw != "" {
			val, err := rawValue(raw, v.ty)
			if err != nil {
				d.errorf(nil, fmt.Sprintf("Invalid value for variable %q", name), "The environment variable %s%s: %v.", EnvPrefix, name, err)
				return v
			}
			value, have, valueRange, source = val, true, nil, "environment variable "+EnvPrefix+name
		}
	}
	if fv, ok := d.in.fileVals[name]; ok {
		value, have, valueRange, source = fv.val, true, fv.rng.Ptr(), "variable file"
	}
	if raw, ok := d.in.cli[name]; ok {
		val, err := rawValue(raw, v.ty)
		if err != nil {
			d.errorf(nil, fmt.Sprintf("Invalid value for variable %q", name), "The value given with --var %s=...: %v.", name, err)
			return v
		}
		value, have, valueRange, source = val, true, nil, "--var"
	}
	if !have {
		d.errorf(b.DefRange.Ptr(), fmt.Sprintf("No value for variable %q", name),
			"The variable has no default and no value was given. Set it with --var %s=VALUE, a --var-file, or the environment variable %s%s.", name, EnvPrefix, name)
		return v
	}
	converted, err := convert.Convert(value, v.ty)
	if err != nil {
		subject := valueRange
		if subject == nil {
			subject = b.DefRange.Ptr()
		}
		d.errorf(subject, fmt.Sprintf("Invalid value for variable %q", name), "The value from the %s does not fit type %s: %v.", source, typeexpr.TypeString(v.ty), err)
		return v
	}
	v.value = converted
	return v
}

// rawValue reads a value given as a raw string (--var or the environment)
// for a variable of type ty: strings are taken as they are, anything else is
// read as an HCL literal such as 3, true or ["a", "b"].
func rawValue(raw string, ty cty.Type) (cty.Value, error) {
	if ty == cty.String || ty == cty.DynamicPseudoType {
		return cty.StringVal(raw), nil
	}
	expr, diags := hclsyntax.ParseExpression([]byte(raw), "<value>", hcl.InitialPos)
	if diags.HasErrors() || checkBounded(expr).HasErrors() {
		return cty.NilVal, fmt.Errorf("cannot read %s as a value of type %s", quoteShort(raw), typeexpr.TypeString(ty))
	}
	val, diags := expr.Value(&hcl.EvalContext{Functions: functions()})
	if diags.HasErrors() {
		return cty.NilVal, fmt.Errorf("cannot read %s as a value of type %s", quoteShort(raw), typeexpr.TypeString(ty))
	}
	conv, err := convert.Convert(val, ty)
	if err != nil {
		return cty.NilVal, fmt.Errorf("does not fit type %s: %v", typeexpr.TypeString(ty), err)
	}
	return conv, nil
}

// quoteShort quotes a value for a message, cut short so a long value cannot
// swamp the output.
func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// varObject is the `var` object of the evaluation context.
func (d *decoder) varObject() cty.Value {
	vals := make(map[string]cty.Value, len(d.vars))
	for name, v := range d.vars {
		vals[name] = v.value
	}
	return cty.ObjectVal(vals)
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// sortedAttrs returns attributes in source order, so diagnostics come out in
// the order a reader meets them.
func sortedAttrs(attrs hcl.Attributes) []*hcl.Attribute {
	list := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		list = append(list, a)
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Range.Start.Byte < list[j].Range.Start.Byte })
	return list
}
