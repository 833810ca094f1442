package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/pilots"
)

func init() {
	extraCommands = append(extraCommands, newPilotsCmd, newTestbedsCmd, newEventsCmd)
}

func newPilotsCmd(c *cli) *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "pilots",
		Short: "Submit, list and move pilots through their lifecycle on a server",
		Long: `pilots talks to a pilotbed server. The server's URL comes from --server or
PILOTBED_SERVER (default ` + defaultServer + `); the API token from
PILOTBED_TOKEN only, so it stays out of shell history and process lists.

A submitted pilot is a draft. An admin approves it (it then starts at its
start date) or starts it by hand; it closes at its end date or by hand. A
draft or scheduled pilot can be withdrawn. A closed pilot is promoted to
procurement with one of its candidates, or rejected.`,
		Example: `  export PILOTBED_TOKEN=pbt_...
  pilotbed pilots submit nattillsyn.hcl
  pilotbed pilots list --status running,scheduled
  pilotbed pilots approve nattillsyn --reason "Styrgruppen 2027-01-05"
  pilotbed pilots promote nattillsyn --candidate leverantor-a --justification "Styrgruppen 2027-04-12"`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown command %q for %q\nRun '%s --help' for usage.", args[0], cmd.CommandPath(), cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	f.register(c, cmd)
	cmd.AddCommand(
		newPilotsSubmitCmd(c, &f),
		newPilotsListCmd(c, &f),
		newPilotsShowCmd(c, &f),
		newPilotsTransitionCmd(c, &f, "approve", "Approve a draft pilot: it starts at its start date",
			"a draft becomes scheduled; it starts by itself at its start date, or at once if that has passed"),
		newPilotsTransitionCmd(c, &f, "start", "Start a draft or scheduled pilot now",
			"the pilot's testbeds are created in the background; the pilot is provisioning, then running"),
		newPilotsTransitionCmd(c, &f, "close", "Close a running pilot now",
			"surveys freeze, the last measurements are taken and the testbeds are removed; the pilot is closing, then closed"),
		newPilotsTransitionCmd(c, &f, "withdraw", "Withdraw a draft or scheduled pilot",
			"the pilot will never run; its name becomes free for a new submission"),
		newPilotsPromoteCmd(c, &f), // in cmd_report.go, beside the report and dossier
		newPilotsRejectCmd(c, &f),
	)
	return cmd
}

func newPilotsSubmitCmd(c *cli, f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "submit FILE",
		Short: "Submit a pilot file; it is stored as a draft",
		Long: `submit sends one pilot file (one pilot block) to the server, which checks it
and stores it as a draft. It prints the pilot's id, name and status.

When the file is not valid, the problems are printed to stderr as
file:line,col: summary lines and the exit status is 1. Give - as FILE to
read the file from standard input.`,
		Example: `  pilotbed pilots submit nattillsyn.hcl
  pilotbed pilots submit --output json nattillsyn.hcl
  cat nattillsyn.hcl | pilotbed pilots submit -`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := f.client(c)
			if err != nil {
				return err
			}
			name := args[0]
			var src []byte
			if name == "-" {
				src, err = io.ReadAll(c.stdin)
				name = "stdin.hcl"
			} else {
				src, err = os.ReadFile(name)
			}
			if err != nil {
				return fmt.Errorf("read pilot file: %w", err)
			}
			q := url.Values{"filename": {filepath.Base(name)}}
			data, err := client.do(cmd.Context(), http.MethodPost, "/api/v1/pilots", q, src, "text/plain; charset=utf-8")
			var de *diagnosticsError
			if errors.As(err, &de) {
				if f.output == "json" {
					if err := writeRawJSON(c.stdout, de.Raw); err != nil {
						return err
					}
				}
				writeDiagnosticLines(c.stderr, filepath.Base(name), de.Diagnostics)
				return silentExit(exitFailure)
			}
			if err != nil {
				return err
			}
			if f.output == "json" {
				return writeRawJSON(c.stdout, data)
			}
			var res api.SubmitResult
			if _, err := client.decode("/api/v1/pilots", data, nil, &res); err != nil {
				return err
			}
			tw := newTable(c.stdout)
			fmt.Fprintln(tw, "ID\tNAME\tSTATUS")
			fmt.Fprintf(tw, "%s\t%s\t%s\n", tableCell(res.ID), tableCell(res.Name), tableCell(string(res.Status)))
			return tw.Flush()
		},
	}
}

// writeDiagnosticLines prints diagnostics as file:line,col: summary lines,
// the form editors and CI logs recognise.
func writeDiagnosticLines(w io.Writer, fallbackFile string, diags []pilots.Diagnostic) {
	for _, d := range diags {
		where := fallbackFile
		if d.Range != nil {
			file := d.Range.Filename
			if file == "" {
				file = fallbackFile
			}
			where = fmt.Sprintf("%s:%d,%d", safeText(file), d.Range.Start.Line, d.Range.Start.Column)
		}
		msg := safeText(d.Summary)
		if d.Detail != "" {
			msg += ": " + safeText(d.Detail)
		}
		if d.Severity == "warning" {
			msg = "warning: " + msg
		}
		fmt.Fprintf(w, "%s: %s\n", where, msg)
	}
}

func newPilotsListCmd(c *cli, f *clientFlags) *cobra.Command {
	var status string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List pilots, newest first",
		Example: `  pilotbed pilots list
  pilotbed pilots list --status running,scheduled
  pilotbed pilots list --output json`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := f.client(c)
			if err != nil {
				return err
			}
			q := url.Values{}
			if s := strings.TrimSpace(status); s != "" {
				q.Set("status", s)
			}
			var list api.PilotList
			data, err := client.getJSON(cmd.Context(), "/api/v1/pilots", q, &list)
			if err != nil {
				return err
			}
			if f.output == "json" {
				return writeRawJSON(c.stdout, data)
			}
			tw := newTable(c.stdout)
			fmt.Fprintln(tw, "ID\tNAME\tSTATUS\tSTART\tEND\tTITLE")
			for _, p := range list.Pilots {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", tableCell(p.ID), tableCell(p.Name), tableCell(string(p.Status)),
					dateCell(p.Start), endDateCell(p.End), tableCell(p.Title))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only pilots in these `statuses`, comma-separated: "+statusNames())
	return cmd
}

func statusNames() string {
	names := make([]string, len(pilots.Statuses))
	for i, s := range pilots.Statuses {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

func newPilotsShowCmd(c *cli, f *clientFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "show PILOT",
		Short: "Show a pilot: its status, period, candidates, cohorts and surveys",
		Long:  `show prints one pilot. PILOT is the pilot's id or its name.`,
		Example: `  pilotbed pilots show nattillsyn
  pilotbed pilots show p_01JH3Q4Z --output json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := f.client(c)
			if err != nil {
				return err
			}
			var p api.PilotView
			data, err := client.getJSON(cmd.Context(), pilotPath(args[0]), nil, &p)
			if err != nil {
				return err
			}
			if f.output == "json" {
				return writeRawJSON(c.stdout, data)
			}
			return writePilot(c.stdout, p)
		},
	}
}

// writePilot prints a pilot for people: fields first, then one table per
// kind of block.
func writePilot(w io.Writer, p api.PilotView) error {
	tw := newTable(w)
	field := func(k, v string) { fmt.Fprintf(tw, "%s:\t%s\n", k, tableCell(v)) }
	field("ID", p.ID)
	field("Name", p.Name)
	field("Title", p.Title)
	field("Status", string(p.Status))
	if p.Reason != "" {
		field("Reason", p.Reason)
	}
	field("Owner", p.Owner)
	field("Period", dateCell(p.Start)+" to "+endDateCell(p.End))
	field("Submitted", timeCell(p.CreatedAt)+" by "+tableCell(p.CreatedBy))
	field("Updated", timeCell(p.UpdatedAt))
	field("Source SHA-256", p.SourceHash)
	if err := tw.Flush(); err != nil {
		return err
	}

	if len(p.Candidates) > 0 {
		fmt.Fprintln(w)
		tw = newTable(w)
		fmt.Fprintln(tw, "CANDIDATE\tVENDOR\tSERVICE\tIMAGE\tPORT\tMEMORY\tCPUS\tPIDS")
		for _, cand := range p.Candidates {
			for _, s := range cand.Services {
				name := s.Name
				if s.Name == cand.Entry {
					name += " (entry)"
				}
				port := "-"
				if s.Port > 0 {
					port = strconv.Itoa(s.Port)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\n", tableCell(cand.Name), tableCell(cand.Vendor), tableCell(name),
					tableCell(s.Image), port, memoryCell(s.MemoryBytes), strconv.FormatFloat(s.CPUs, 'f', -1, 64), s.PIDs)
			}
			if len(cand.Services) == 0 {
				fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t-\t-\n", tableCell(cand.Name), tableCell(cand.Vendor))
			}
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(p.Cohorts) > 0 {
		fmt.Fprintln(w)
		tw = newTable(w)
		fmt.Fprintln(tw, "COHORT\tCANDIDATE\tPARTICIPANTS")
		for _, co := range p.Cohorts {
			fmt.Fprintf(tw, "%s\t%s\t%d\n", tableCell(co.Name), tableCell(co.Candidate), co.Participants)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(p.Surveys) > 0 {
		fmt.Fprintln(w)
		tw = newTable(w)
		fmt.Fprintln(tw, "SURVEY\tOPENS\tCLOSES\tQUESTIONS\tANONYMOUS")
		for _, s := range p.Surveys {
			anon := "no"
			if s.Anonymous {
				anon = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", tableCell(s.Name), timeCell(s.Opens), timeCell(s.Closes), s.Questions, anon)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// memoryCell prints a memory limit in the units the pilot language uses.
func memoryCell(n int64) string {
	switch {
	case n <= 0:
		return "-"
	case n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return strconv.FormatInt(n, 10)
}

func newPilotsTransitionCmd(c *cli, f *clientFlags, action, short, what string) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   action + " PILOT",
		Short: short,
		Long: action + ` moves a pilot on in its lifecycle: ` + what + `.
PILOT is the pilot's id or its name. The reason is recorded in the pilot's
audit trail together with your token's name. Needs an admin token.`,
		Example: fmt.Sprintf(`  pilotbed pilots %[1]s nattillsyn
  pilotbed pilots %[1]s nattillsyn --reason "Decided by the steering group 2027-01-05"`, action),
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := f.client(c)
			if err != nil {
				return err
			}
			var body any
			if reason != "" {
				body = api.TransitionRequest{Reason: reason}
			}
			var p api.PilotView
			data, err := client.postJSON(cmd.Context(), pilotPath(args[0], action), body, &p)
			if err != nil {
				return err
			}
			return f.writeMoved(c, data, p, "")
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the audit trail")
	return cmd
}

// writeMoved prints the answer to a lifecycle change: the raw answer with
// --output json, otherwise the pilot's new status and then more.
func (f *clientFlags) writeMoved(c *cli, data []byte, p api.PilotView, more string) error {
	if f.output == "json" {
		return writeRawJSON(c.stdout, data)
	}
	_, err := fmt.Fprintf(c.stdout, "pilot %s (%s) is %s%s\n", tableCell(p.Name), tableCell(p.ID), tableCell(string(p.Status)), more)
	return err
}

// newTable returns a tabwriter for aligned columns of plain text.
func newTable(w io.Writer) *tabwriter.Writer {
	return tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
}
