package main

import (
	"github.com/spf13/cobra"
)

func newRootCmd(c *cli) *cobra.Command {
	root := &cobra.Command{
		Use:   "pilotbed",
		Short: "Run small-scale pilots of digital services and decide what to scale up",
		Long: `pilotbed runs pilots of digital services: each candidate tool in its own
isolated, hardened container environment, participant feedback through
accessible web forms, and a scale-up report with a verdict per candidate.

A pilot is declared in an HCL file. Check it with 'pilotbed validate', see
what would run with 'pilotbed plan', and submit it to a server started with
'pilotbed serve'.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(c.stdin)
	root.SetOut(c.stdout)
	root.SetErr(c.stderr)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageErrorf("%v\nRun '%s --help' for usage.", err, cmd.CommandPath())
	})
	root.AddCommand(
		newVersionCmd(c),
	)
	for _, add := range extraCommands {
		root.AddCommand(add(c))
	}
	return root
}

// extraCommands are registered by the files that define them, so each
// command lives in its own file without editing this one.
var extraCommands []func(*cli) *cobra.Command

// exactArgs is cobra.ExactArgs with a usage exit code.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErrorf("%s takes %d argument(s), got %d\nRun '%s --help' for usage.", cmd.Name(), n, len(args), cmd.CommandPath())
		}
		return nil
	}
}

// minArgs is cobra.MinimumNArgs with a usage exit code.
func minArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return usageErrorf("%s needs at least %d argument(s)\nRun '%s --help' for usage.", cmd.Name(), n, cmd.CommandPath())
		}
		return nil
	}
}

// checkOutput refuses an --output value not in allowed.
func checkOutput(v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return usageErrorf("--output must be one of %v, not %q", allowed, v)
}
