package main

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/pilotbed/pilotbed/api"
)

func newTestbedsCmd(c *cli) *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "testbeds PILOT",
		Short: "Show the state and health of a pilot's testbeds",
		Long: `testbeds prints one line per service of every candidate of a pilot: its
container state, its health (starting, healthy, unhealthy or unknown), how
often it was restarted, and the candidate's uptime so far (the share of
probe time its entry service was healthy). PILOT is the pilot's id or name.`,
		Example: `  pilotbed testbeds nattillsyn
  pilotbed testbeds nattillsyn --output json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := f.client(c)
			if err != nil {
				return err
			}
			var list api.TestbedList
			data, err := client.getJSON(cmd.Context(), pilotPath(args[0], "testbeds"), nil, &list)
			if err != nil {
				return err
			}
			if f.output == "json" {
				return writeRawJSON(c.stdout, data)
			}
			if len(list.Testbeds) == 0 {
				fmt.Fprintf(c.stdout, "pilot %s has no testbeds; they exist while it is provisioning, running or failed\n", tableCell(args[0]))
				return nil
			}
			tw := newTable(c.stdout)
			fmt.Fprintln(tw, "CANDIDATE\tSERVICE\tSTATE\tHEALTH\tRESTARTS\tUPTIME")
			for _, tb := range list.Testbeds {
				uptime := "-"
				if tb.Uptime != nil {
					uptime = strconv.FormatFloat(*tb.Uptime*100, 'f', 1, 64) + "%"
				}
				for _, s := range tb.Services {
					name := s.Name
					if s.Entry {
						name += " (entry)"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", tableCell(tb.Candidate), tableCell(name),
						tableCell(s.State), tableCell(s.Health), s.Restarts, uptime)
				}
				if len(tb.Services) == 0 {
					fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t%s\n", tableCell(tb.Candidate), uptime)
				}
			}
			return tw.Flush()
		},
	}
	f.register(c, cmd)
	return cmd
}
