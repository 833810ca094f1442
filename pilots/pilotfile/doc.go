// Package pilotfile reads pilot files: HCL in, pilots.Spec and
// hcl.Diagnostics out. It decodes in phases — variables first, then an
// evaluation context holding var.* and the pure cty standard functions, then
// the pilot blocks — and validates everything it can in one pass, so a pilot
// owner sees every mistake at once, each with the source range it came from.
//
// It also formats pilot files into canonical form (Format) and renders
// diagnostics at the edge, as text with source snippets (WriteDiagnostics)
// or as domain values for the JSON API (Domain).
//
// The language itself is documented in docs/pilot-language.md.
package pilotfile
