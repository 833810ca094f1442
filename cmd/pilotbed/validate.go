package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/pilots/pilotfile"
)

func init() { extraCommands = append(extraCommands, newValidateCmd, newFmtCmd) }

// varFlags are the flags that give values to a pilot file's variables.
type varFlags struct {
	vars     []string
	varFiles []string
}

func (v *varFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&v.vars, "var", nil, "set a variable: `name=value` (repeatable; lists, maps, numbers and bools as HCL literals)")
	cmd.Flags().StringArrayVar(&v.varFiles, "var-file", nil, "read variables from an HCL `file` of name = value lines (repeatable)")
}

// options turns the flags into pilotfile options; a --var without "=" is a
// usage error.
func (v *varFlags) options(c *cli) (pilotfile.Options, error) {
	opts := pilotfile.Options{VarFiles: v.varFiles, Getenv: c.getenv, Vars: map[string]string{}}
	for _, kv := range v.vars {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(name) == "" {
			return opts, usageErrorf("--var takes name=value, not %q", kv)
		}
		opts.Vars[strings.TrimSpace(name)] = value
	}
	return opts, nil
}

func newValidateCmd(c *cli) *cobra.Command {
	var vf varFlags
	var output string
	cmd := &cobra.Command{
		Use:   "validate [flags] PATH...",
		Short: "Check pilot files and report every problem with its position",
		Long: `validate parses and checks pilot files: every *.hcl and *.hcl.json file
directly inside a named directory, or the named files. It reports every
problem it finds, each with its file, line and column and a source snippet.

Variables take their value from, in rising precedence: their default, the
environment variable PILOTBED_VAR_<name>, --var-file files, --var flags.

Exit status: 0 when every file is valid, 1 when a problem was found, 2 when
the command line is wrong.`,
		Example: `  pilotbed validate examples/
  pilotbed validate --var vendor_a_image=vendor-a:1.4 pilot.hcl
  pilotbed validate --var-file prod.vars.hcl --output json pilot.hcl`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "text", "json"); err != nil {
				return err
			}
			opts, err := vf.options(c)
			if err != nil {
				return err
			}
			res, diags := pilotfile.Load(args, opts)
			if output == "json" {
				return writeValidateJSON(c, res, diags)
			}
			if len(diags) > 0 {
				if err := pilotfile.WriteDiagnostics(c.stderr, res.Files, diags, 0, false); err != nil {
					return err
				}
			}
			if diags.HasErrors() {
				errs, warns := countDiags(diags)
				fmt.Fprintf(c.stderr, "%s, %s: not valid\n", plural(errs, "error"), plural(warns, "warning"))
				return silentExit(exitFailure)
			}
			names := make([]string, len(res.Specs))
			for i, s := range res.Specs {
				names[i] = s.Name
			}
			fmt.Fprintf(c.stdout, "valid: %s in %s (%s)\n", plural(len(res.Specs), "pilot"), plural(len(res.Files)-len(opts.VarFiles), "file"), strings.Join(names, ", "))
			return nil
		},
	}
	vf.register(cmd)
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	return cmd
}

// validateReport is the JSON form of validate's result.
type validateReport struct {
	Valid       bool                `json:"valid"`
	Pilots      []pilotSummary      `json:"pilots"`
	Diagnostics []pilots.Diagnostic `json:"diagnostics"`
}

type pilotSummary struct {
	Name       string `json:"name"`
	Title      string `json:"title"`
	Start      string `json:"start"`
	End        string `json:"end"`
	Candidates int    `json:"candidates"`
	Cohorts    int    `json:"cohorts"`
	Surveys    int    `json:"surveys"`
	Questions  int    `json:"questions"`
	Benefits   int    `json:"benefits"`
	Criteria   int    `json:"criteria"`
}

func writeValidateJSON(c *cli, res *pilotfile.Result, diags hcl.Diagnostics) error {
	rep := validateReport{Valid: !diags.HasErrors(), Pilots: []pilotSummary{}, Diagnostics: pilotfile.Domain(diags)}
	for _, s := range res.Specs {
		questions := 0
		for _, sv := range s.Surveys {
			questions += len(sv.Questions)
		}
		rep.Pilots = append(rep.Pilots, pilotSummary{
			Name: s.Name, Title: s.Title,
			Start: s.Start.Format(time.RFC3339), End: s.End.Format(time.RFC3339),
			Candidates: len(s.Candidates), Cohorts: len(s.Cohorts), Surveys: len(s.Surveys),
			Questions: questions, Benefits: len(s.Benefits), Criteria: len(s.Criteria),
		})
	}
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("write validation report: %w", err)
	}
	if !rep.Valid {
		return silentExit(exitFailure)
	}
	return nil
}

func countDiags(diags hcl.Diagnostics) (errs, warns int) {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs++
		} else {
			warns++
		}
	}
	return errs, warns
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
