package main

import (
	"encoding/csv"
	"fmt"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/pilotbed/pilotbed/api"
)

func init() {
	extraCommands = append(extraCommands, newInviteCmd, newParticipantsCmd, newSurveysCmd, newResponsesCmd)
}

func newInviteCmd(c *cli) *cobra.Command {
	var (
		f      clientFlags
		cohort string
		count  int
	)
	cmd := &cobra.Command{
		Use:   "invite PILOT --cohort COHORT --count N",
		Short: "Create invitation links for participants of a cohort",
		Long: `invite creates N invitations for a cohort of a pilot and prints each new
participant's pseudonymous id, cohort and personal link. PILOT is the
pilot's id or name; the cohort must be declared in the pilot file.

The links are shown once: the server keeps only a hash of each, so save
them now (--output csv writes a file for a mail merge) and hand each link to
one person. A lost link cannot be shown again; revoke the participant with
'pilotbed participants revoke' and invite a new one. At most 1000
invitations are made per call. Needs an admin token.`,
		Example: `  pilotbed invite nattillsyn --cohort vaster --count 12
  pilotbed invite nattillsyn --cohort vaster --count 12 --output csv > vaster-links.csv
  pilotbed invite nattillsyn --cohort oster --count 1 --output json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := f.client(c, "table", "csv", "json")
			if err != nil {
				return err
			}
			if cohort == "" {
				return usageErrorf("--cohort is required: name the cohort to invite participants to")
			}
			if count < 1 || count > 1000 {
				return usageErrorf("--count must be from 1 to 1000, not %d", count)
			}
			var res api.InvitationList
			data, err := client.postJSON(cmd.Context(), pilotPath(args[0], "invitations"), api.InviteRequest{Cohort: cohort, Count: count}, &res)
			if err != nil {
				return err
			}
			// The notice goes to stderr so stdout stays a clean table, CSV
			// or JSON for a file, while a person still sees it.
			if res.Notice != "" {
				fmt.Fprintln(c.stderr, safeText(res.Notice))
			}
			switch f.output {
			case "json":
				return writeRawJSON(c.stdout, data)
			case "csv":
				w := csv.NewWriter(c.stdout)
				w.Write([]string{"participant", "cohort", "url"})
				for _, inv := range res.Invitations {
					w.Write([]string{safeText(inv.Participant), safeText(inv.Cohort), safeText(inv.URL)})
				}
				w.Flush()
				return w.Error()
			}
			tw := newTable(c.stdout)
			fmt.Fprintln(tw, "PARTICIPANT\tCOHORT\tURL")
			for _, inv := range res.Invitations {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", tableCell(inv.Participant), tableCell(inv.Cohort), tableCell(inv.URL))
			}
			return tw.Flush()
		},
	}
	f.register(c, cmd)
	cmd.PersistentFlags().Lookup("output").Usage = "output format: table, csv or json"
	cmd.Flags().StringVar(&cohort, "cohort", "", "the `COHORT` of the pilot to invite participants to (required)")
	cmd.Flags().IntVar(&count, "count", 0, "how many invitations to create, 1 to 1000 (required)")
	return cmd
}

func newParticipantsCmd(c *cli) *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "participants PILOT",
		Short: "List a pilot's participants, or revoke one",
		Long: `participants lists the pseudonymous participants of a pilot: id, cohort,
when they were invited and, if so, when their link was revoked. Their links
cannot be shown again. PILOT is the pilot's id or name.

'participants revoke PILOT PARTICIPANT' makes one participant's link stop
working, for a lost or leaked link; it is recorded in the pilot's events.`,
		Example: `  pilotbed participants nattillsyn
  pilotbed participants nattillsyn --output json
  pilotbed participants revoke nattillsyn P-0007`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := f.client(c)
			if err != nil {
				return err
			}
			var list api.ParticipantList
			data, err := client.getJSON(cmd.Context(), pilotPath(args[0], "participants"), nil, &list)
			if err != nil {
				return err
			}
			if f.output == "json" {
				return writeRawJSON(c.stdout, data)
			}
			tw := newTable(c.stdout)
			fmt.Fprintln(tw, "PARTICIPANT\tCOHORT\tINVITED\tREVOKED")
			for _, p := range list.Participants {
				revoked := "-"
				if p.RevokedAt != nil {
					revoked = timeCell(*p.RevokedAt)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", tableCell(p.ID), tableCell(p.Cohort), timeCell(p.CreatedAt), revoked)
			}
			return tw.Flush()
		},
	}
	f.register(c, cmd)
	cmd.AddCommand(&cobra.Command{
		Use:   "revoke PILOT PARTICIPANT",
		Short: "Make a participant's invitation link stop working",
		Long: `revoke makes one participant's link stop working at once; their answers so
far are kept. Revoking again changes nothing. Needs an admin token.`,
		Example: `  pilotbed participants revoke nattillsyn P-0007`,
		Args:    exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := f.client(c)
			if err != nil {
				return err
			}
			var res api.RevokeResult
			path := pilotPath(args[0], "participants", url.PathEscape(args[1]), "revoke")
			data, err := client.postJSON(cmd.Context(), path, nil, &res)
			if err != nil {
				return err
			}
			if f.output == "json" {
				return writeRawJSON(c.stdout, data)
			}
			fmt.Fprintf(c.stdout, "Revoked %s: their link no longer works.\n", safeText(res.Participant))
			return nil
		},
	})
	return cmd
}
