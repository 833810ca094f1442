package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/spf13/cobra"

	"github.com/pilotbed/pilotbed/pilots/pilotfile"
)

func newFmtCmd(c *cli) *cobra.Command {
	var vf varFlags
	var check, diff bool
	cmd := &cobra.Command{
		Use:   "fmt [--check] [--diff] PATH...",
		Short: "Rewrite pilot files in canonical form",
		Long: `fmt rewrites pilot files in canonical form: the named files, and every
*.hcl file directly inside a named directory. It prints the name of each file
it changed.

With --check nothing is written: fmt names the files that would change and
exits 1 if there are any. With --diff it prints what would change as a
unified diff instead of writing. --var and --var-file are accepted so fmt
takes the same command line as validate; formatting does not use them.`,
		Example: `  pilotbed fmt examples/
  pilotbed fmt --check pilot.hcl
  pilotbed fmt --diff examples/`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := vf.options(c); err != nil {
				return err
			}
			files, err := fmtFiles(args)
			if err != nil {
				return err
			}
			changed, failed := 0, false
			for _, name := range files {
				src, err := os.ReadFile(name)
				if err != nil {
					fmt.Fprintf(c.stderr, "pilotbed: read %s: %v\n", name, err)
					failed = true
					continue
				}
				out, err := pilotfile.Format(name, src)
				if err != nil {
					var diags hcl.Diagnostics
					if errors.As(err, &diags) {
						// Parse once more only to show the snippets.
						p := hclparse.NewParser()
						parse := p.ParseHCL
						if strings.HasSuffix(name, ".json") {
							parse = p.ParseJSON
						}
						f, _ := parse(src, name)
						_ = pilotfile.WriteDiagnostics(c.stderr, map[string]*hcl.File{name: f}, diags, 0, false)
					} else {
						fmt.Fprintf(c.stderr, "pilotbed: %v\n", err)
					}
					failed = true
					continue
				}
				if string(out) == string(src) {
					continue
				}
				changed++
				switch {
				case diff:
					writeUnifiedDiff(c.stdout, name, string(src), string(out))
				case check:
					fmt.Fprintln(c.stdout, name)
				default:
					if err := writeFileKeepMode(name, out); err != nil {
						fmt.Fprintf(c.stderr, "pilotbed: %v\n", err)
						failed = true
						continue
					}
					fmt.Fprintln(c.stdout, name)
				}
			}
			if failed || (check && changed > 0) {
				return silentExit(exitFailure)
			}
			return nil
		},
	}
	vf.register(cmd)
	cmd.Flags().BoolVar(&check, "check", false, "write nothing; name the files that would change and exit 1 if any")
	cmd.Flags().BoolVar(&diff, "diff", false, "print a unified diff of the changes instead of writing them")
	return cmd
}

// fmtFiles lists the files named by args, reading directories one level
// deep for pilot files.
func fmtFiles(args []string) ([]string, error) {
	var files []string
	for _, p := range args {
		info, err := os.Stat(p)
		if err != nil {
			return nil, &exitError{code: exitFailure, err: fmt.Errorf("read %s: %w", p, err)}
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, &exitError{code: exitFailure, err: fmt.Errorf("read directory %s: %w", p, err)}
		}
		var found []string
		for _, e := range entries {
			if !e.IsDir() && pilotfile.IsPilotFile(e.Name()) {
				found = append(found, filepath.Join(p, e.Name()))
			}
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	return files, nil
}

// writeFileKeepMode replaces a file's content atomically and keeps its mode.
func writeFileKeepMode(name string, data []byte) error {
	info, err := os.Stat(name)
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return writeFileAtomic(name, info.Mode().Perm(), func(w io.Writer) error {
		if _, err := w.Write(data); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
		return nil
	})
}

// diffContext is the number of unchanged lines shown around a change.
const diffContext = 3

// writeUnifiedDiff prints the difference between two texts as a unified
// diff of lines, with the file's name on both sides.
func writeUnifiedDiff(w io.Writer, name, a, b string) {
	al, bl := splitLines(a), splitLines(b)
	ops := diffLines(al, bl)
	fmt.Fprintf(w, "--- %s\n+++ %s\n", name, name)
	// Group the edit script into hunks: runs of changes with up to
	// diffContext equal lines around them, merged when they touch.
	i := 0
	for i < len(ops) {
		for i < len(ops) && ops[i].kind == ' ' {
			i++
		}
		if i == len(ops) {
			break
		}
		start := max(i-diffContext, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*diffContext {
				end = min(end+diffContext, len(ops))
				break
			}
			end = run
		}
		hunk := ops[start:end]
		aStart, bStart := hunk[0].a+1, hunk[0].b+1
		aLen, bLen := 0, 0
		for _, op := range hunk {
			if op.kind != '+' {
				aLen++
			}
			if op.kind != '-' {
				bLen++
			}
		}
		if aLen == 0 {
			aStart--
		}
		if bLen == 0 {
			bStart--
		}
		fmt.Fprintf(w, "@@ -%d,%d +%d,%d @@\n", aStart, aLen, bStart, bLen)
		for _, op := range hunk {
			fmt.Fprintf(w, "%c%s\n", op.kind, op.text)
		}
		i = end
	}
}

// diffOp is one line of an edit script: ' ' kept, '-' removed, '+' added,
// with the line's index in each text at that point.
type diffOp struct {
	kind byte
	text string
	a, b int
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// maxDiffCells bounds the table of the longest common subsequence; larger
// inputs are shown as one replacement, which is correct if not minimal.
const maxDiffCells = 4 << 20

// diffLines computes an edit script from a to b through the longest common
// subsequence of lines. Pilot files are small, so the quadratic table is
// fine; the common prefix and suffix are trimmed first.
func diffLines(a, b []string) []diffOp {
	var ops []diffOp
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		ops = append(ops, diffOp{' ', a[pre], pre, pre})
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	am, bm := a[pre:len(a)-suf], b[pre:len(b)-suf]
	if len(am)*len(bm) > maxDiffCells {
		for i, l := range am {
			ops = append(ops, diffOp{'-', l, pre + i, pre})
		}
		for j, l := range bm {
			ops = append(ops, diffOp{'+', l, pre + len(am), pre + j})
		}
	} else {
		// lcs[i][j] is the LCS length of am[i:] and bm[j:].
		lcs := make([][]int, len(am)+1)
		for i := range lcs {
			lcs[i] = make([]int, len(bm)+1)
		}
		for i := len(am) - 1; i >= 0; i-- {
			for j := len(bm) - 1; j >= 0; j-- {
				if am[i] == bm[j] {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(am) || j < len(bm) {
			switch {
			case i < len(am) && j < len(bm) && am[i] == bm[j]:
				ops = append(ops, diffOp{' ', am[i], pre + i, pre + j})
				i++
				j++
			case j < len(bm) && (i == len(am) || lcs[i][j+1] > lcs[i+1][j]):
				ops = append(ops, diffOp{'+', bm[j], pre + i, pre + j})
				j++
			default:
				ops = append(ops, diffOp{'-', am[i], pre + i, pre + j})
				i++
			}
		}
	}
	for k := range suf {
		ia, ib := len(a)-suf+k, len(b)-suf+k
		ops = append(ops, diffOp{' ', a[ia], ia, ib})
	}
	return ops
}
