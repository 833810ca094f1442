package main

import (
	"io"
	"net/url"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/pilotbed/pilotbed/api"
	"github.com/pilotbed/pilotbed/orchestrator"
)

// The orchestrator is what the server's API finds reports and decisions
// on; these fail the build if it stops fitting.
var (
	_ api.ReportAPI       = (*orchestrator.Orchestrator)(nil)
	_ api.DecisionService = (*orchestrator.Orchestrator)(nil)
	_ api.ReportService   = (*orchestrator.Orchestrator)(nil)
)

func init() {
	extraCommands = append(extraCommands, newReportCmd, newDossierCmd)
}

func newReportCmd(c *cli) *cobra.Command {
	return newDocumentCmd(c, documentCmd{
		use:   "report PILOT",
		short: "Download a pilot's scale-up report as HTML, Markdown or JSON",
		long: `report downloads the scale-up report of a pilot. PILOT is the pilot's id or
name. A closed, promoted or stopped pilot has its final report, written at
close; any other pilot gets a preliminary report computed now, marked as
such in the document.

--format html (the default) is one self-contained page that prints well to
PDF; md is Markdown; json is the stable shape scripts can read. Without
--output-file the report goes to standard output; with it, the file appears
only once the whole report has arrived (it is written beside it and
renamed). Any token may read reports.`,
		example: `  pilotbed report nattillsyn -o nattillsyn-report.html
  pilotbed report nattillsyn --format md
  pilotbed report nattillsyn --format json | jq '.candidates[] | {name, verdict}'`,
		resource: "report",
		formats:  []string{"html", "md", "json"},
	})
}

func newDossierCmd(c *cli) *cobra.Command {
	return newDocumentCmd(c, documentCmd{
		use:   "dossier PILOT",
		short: "Download the procurement dossier of a promoted pilot as HTML or JSON",
		long: `dossier downloads the procurement dossier written when a pilot was promoted:
the chosen candidate's results, the requirements derived from the pilot's
criteria and its information classification, and the benefit realisation
plan with follow-up dates. PILOT is the pilot's id or name. A pilot that has
not been promoted has no dossier (exit status 1).

Without --output-file the dossier goes to standard output; with it, the file
appears only once the whole dossier has arrived.`,
		example: `  pilotbed dossier nattillsyn -o nattillsyn-dossier.html
  pilotbed dossier nattillsyn --format json`,
		resource: "dossier",
		formats:  []string{"html", "json"},
	})
}

// documentCmd describes a command that downloads one document of a pilot
// (report, dossier, responses): streamed to stdout or, with --output-file,
// to a file that appears only once complete.
type documentCmd struct {
	use, short, long, example string
	resource                  string   // the API path below the pilot
	formats                   []string // the first is the default
	formatList                string   // formats as help and errors name them; default: comma-separated
	noun                      string   // what the flags call the download; default: document
}

func newDocumentCmd(c *cli, d documentCmd) *cobra.Command {
	if d.formatList == "" {
		d.formatList = strings.Join(d.formats, ", ")
	}
	if d.noun == "" {
		d.noun = "document"
	}
	var server, format, file string
	cmd := &cobra.Command{
		Use:     d.use,
		Short:   d.short,
		Long:    d.long,
		Example: d.example,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(d.formats, format) {
				return usageErrorf("--format must be %s, not %q", d.formatList, format)
			}
			client, err := newAPIClient(c, server)
			if err != nil {
				return err
			}
			q := url.Values{"format": {format}}
			path := pilotPath(args[0], d.resource)
			if file == "" {
				_, err := client.stream(cmd.Context(), path, q, c.stdout)
				return err
			}
			return writeFileAtomic(file, 0o600, func(w io.Writer) error {
				_, err := client.stream(cmd.Context(), path, q, w)
				return err
			})
		},
	}
	// --output names a format in the other client commands; here the
	// format is --format and the file is --output-file, so a habitual
	// '--output json' fails loudly instead of writing a file named json.
	serverFlag(c, cmd.Flags(), &server)
	cmd.Flags().StringVar(&format, "format", d.formats[0], d.noun+" format: "+d.formatList)
	cmd.Flags().StringVarP(&file, "output-file", "o", "", "write the "+d.noun+" to `FILE` instead of standard output")
	return cmd
}

func newPilotsPromoteCmd(c *cli, f *clientFlags) *cobra.Command {
	var req api.PromoteRequest
	cmd := &cobra.Command{
		Use:   "promote PILOT --candidate C --justification TEXT [--override]",
		Short: "Promote a closed pilot to procurement with one of its candidates",
		Long: `promote takes a closed pilot to procurement with the candidate you name and
writes the procurement dossier (see 'pilotbed dossier'). PILOT is the
pilot's id or name. The justification is required and recorded in the
pilot's audit trail with your token's name.

A candidate whose verdict in the final report is not scale_up is refused
unless you add --override; the override is recorded with the
justification. Needs an admin token.`,
		Example: `  pilotbed pilots promote nattillsyn --candidate leverantor-a \
    --justification "Meets every criterion; decided by the steering group 2027-04-12"
  pilotbed pilots promote nattillsyn --candidate leverantor-b --override \
    --justification "Only candidate that integrates with the care record system"`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(req.Candidate) == "" {
				return usageErrorf("--candidate is required: name the candidate to promote")
			}
			if strings.TrimSpace(req.Justification) == "" {
				return usageErrorf("--justification is required: say why this candidate goes to procurement")
			}
			client, err := f.client(c)
			if err != nil {
				return err
			}
			var p api.PilotView
			data, err := client.postJSON(cmd.Context(), pilotPath(args[0], "promote"), req, &p)
			if err != nil {
				return err
			}
			return f.writeMoved(c, data, p, " with candidate "+tableCell(req.Candidate))
		},
	}
	cmd.Flags().StringVar(&req.Candidate, "candidate", "", "the `candidate` to promote")
	cmd.Flags().StringVar(&req.Justification, "justification", "", "why this candidate goes to procurement, for the audit trail and the dossier")
	cmd.Flags().BoolVar(&req.Override, "override", false, "promote a candidate whose verdict is not scale_up")
	return cmd
}

func newPilotsRejectCmd(c *cli, f *clientFlags) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "reject PILOT --reason TEXT",
		Short: "Stop a closed pilot: no candidate goes to procurement",
		Long: `reject stops a closed pilot. PILOT is the pilot's id or name. The reason is
required and recorded in the pilot's audit trail with your token's name.
The pilot's final report stays readable. Needs an admin token.`,
		Example: `  pilotbed pilots reject nattillsyn --reason "No candidate met the usability criterion"`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return usageErrorf("--reason is required: say why the pilot is stopped")
			}
			client, err := f.client(c)
			if err != nil {
				return err
			}
			var p api.PilotView
			data, err := client.postJSON(cmd.Context(), pilotPath(args[0], "reject"), api.RejectRequest{Reason: reason}, &p)
			if err != nil {
				return err
			}
			return f.writeMoved(c, data, p, "")
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the pilot is stopped, for the audit trail")
	return cmd
}
