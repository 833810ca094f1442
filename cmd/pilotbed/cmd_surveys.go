package main

import (
	"fmt"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/pilotbed/pilotbed/api"
)

func newSurveysCmd(c *cli) *cobra.Command {
	var f clientFlags
	cmd := &cobra.Command{
		Use:   "surveys",
		Short: "Open or close a pilot's survey by hand",
		Long: `surveys opens or closes a survey early or late, overriding the window
declared in the pilot file until the next override. Each change is
recorded in the pilot's events with who made it. Needs an admin token.`,
		Example: `  pilotbed surveys open nattillsyn baseline
  pilotbed surveys close nattillsyn final`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown command %q for %q; use open or close\nRun '%s --help' for usage.", args[0], cmd.CommandPath(), cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	f.register(c, cmd)
	for _, a := range []struct{ verb, short, example string }{
		{"open", "Open a survey now, whatever its declared window", "  pilotbed surveys open nattillsyn baseline"},
		{"close", "Close a survey now, whatever its declared window", "  pilotbed surveys close nattillsyn final"},
	} {
		cmd.AddCommand(&cobra.Command{
			Use:   a.verb + " PILOT SURVEY",
			Short: a.short,
			Long: a.short + `. PILOT is the pilot's id or name, SURVEY the
name of a survey declared in its pilot file. The override holds until the
next one; a closing or closed pilot's surveys are frozen.`,
			Example: a.example,
			Args:    exactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				client, err := f.client(c)
				if err != nil {
					return err
				}
				var res api.SurveyStateResult
				data, err := client.postJSON(cmd.Context(), pilotPath(args[0], "surveys", url.PathEscape(args[1]), a.verb), nil, &res)
				if err != nil {
					return err
				}
				if f.output == "json" {
					return writeRawJSON(c.stdout, data)
				}
				fmt.Fprintf(c.stdout, "Survey %s is %s.\n", safeText(res.Survey), safeText(res.State))
				return nil
			},
		})
	}
	return cmd
}
