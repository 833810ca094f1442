package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/pilotbed/pilotbed/orchestrator"
	"github.com/pilotbed/pilotbed/pilots/pilotfile"
	"github.com/pilotbed/pilotbed/testbeds"
)

func init() { extraCommands = append(extraCommands, newPlanCmd) }

func newPlanCmd(c *cli) *cobra.Command {
	var (
		output string
		vars   varFlags
	)
	cmd := &cobra.Command{
		Use:   "plan PATH...",
		Short: "Show the testbeds a pilot file would create",
		Long: `plan validates pilot files and prints, for each pilot and candidate, the
testbed the runtime would be asked to create: its network and whether it is
internal, each service's image, limits, health check, volumes and hardening.

The plan is produced by the same translation the server uses when it starts
a pilot, so what you see here is what will run. Pilot ids are assigned at
submit; plan shows the pilot's name in their place.`,
		Example: `  pilotbed plan examples/nattillsyn.hcl
  pilotbed plan --output json examples/ | jq '.[0].services'`,
		Args: minArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkOutput(output, "text", "json"); err != nil {
				return err
			}
			opts, err := vars.options(c)
			if err != nil {
				return err
			}
			res, diags := pilotfile.Load(args, opts)
			if diags.HasErrors() {
				var files map[string]*hcl.File
				if res != nil {
					files = res.Files
				}
				_ = pilotfile.WriteDiagnostics(c.stderr, files, diags, 100, false)
				return silentExit(exitFailure)
			}
			var plans []testbeds.Plan
			for _, spec := range res.Specs {
				plans = append(plans, orchestrator.PlanTestbeds(spec.Name, spec, "local")...)
			}
			if output == "json" {
				enc := json.NewEncoder(c.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(plans)
			}
			for i, p := range plans {
				if i > 0 {
					fmt.Fprintln(c.stdout)
				}
				writePlan(c.stdout, p)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "text", "output format: text or json")
	vars.register(cmd)
	return cmd
}

func writePlan(w io.Writer, p testbeds.Plan) {
	egress := "internal: no route out of the testbed"
	if !p.Network.Internal {
		egress = "egress allowed"
	}
	fmt.Fprintf(w, "testbed %s\n", p.ID)
	fmt.Fprintf(w, "  network  %s (%s)\n", p.Network.Name, egress)
	fmt.Fprintf(w, "  entry    %s\n", p.Entry)
	for _, v := range p.Volumes {
		keep := "removed at close"
		if v.Keep {
			keep = "kept at close"
		}
		fmt.Fprintf(w, "  volume   %s (%s)\n", v.Name, keep)
	}
	for _, s := range p.Services {
		fmt.Fprintf(w, "  service %s\n", s.Name)
		tw := newTable(w)
		fmt.Fprintf(tw, "    image\t%s\n", s.Image)
		if s.Port > 0 {
			fmt.Fprintf(tw, "    port\t%d (inside the testbed; not published on the host)\n", s.Port)
		}
		fmt.Fprintf(tw, "    limits\tmemory %s (no swap), cpus %.2f, pids %d\n", bytesIEC(s.Limits.MemoryBytes), float64(s.Limits.NanoCPUs)/1e9, s.Limits.PIDs)
		if s.Health.HTTPPath != "" {
			fmt.Fprintf(tw, "    health\tHTTP GET %s on port %d every %s, unhealthy after %d failures\n", s.Health.HTTPPath, s.Health.Port, s.Health.Interval, s.Health.Retries)
		} else if s.Health.Port > 0 {
			fmt.Fprintf(tw, "    health\tTCP connect to port %d every %s, unhealthy after %d failures\n", s.Health.Port, s.Health.Interval, s.Health.Retries)
		} else {
			fmt.Fprintf(tw, "    health\tcontainer running (no port to probe)\n")
		}
		for _, m := range s.Mounts {
			fmt.Fprintf(tw, "    mount\tvolume %s at %s\n", m.Volume, m.Path)
		}
		if len(s.Env) > 0 {
			keys := make([]string, 0, len(s.Env))
			for k := range s.Env {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			fmt.Fprintf(tw, "    env\t%s\n", strings.Join(keys, ", "))
		}
		h := s.Hardening
		caps := "drop " + strings.Join(h.CapDrop, ",")
		if len(h.CapAdd) > 0 {
			caps += ", add " + strings.Join(h.CapAdd, ",")
		}
		fmt.Fprintf(tw, "    capabilities\t%s\n", caps)
		var flags []string
		if h.NoNewPrivileges {
			flags = append(flags, "no-new-privileges")
		}
		if h.ReadOnlyRootfs {
			flags = append(flags, "read-only root filesystem (tmpfs "+strings.Join(h.Tmpfs, ",")+")")
		}
		flags = append(flags, "not privileged", "no host network/PID/IPC", "no host mounts", "no published ports")
		fmt.Fprintf(tw, "    hardening\t%s\n", strings.Join(flags, ", "))
		fmt.Fprintf(tw, "    logs\trotated at %s, %d files\n", h.LogMaxSize, h.LogMaxFiles)
		fmt.Fprintf(tw, "    spec hash\t%s\n", short(s.Hash))
		tw.Flush()
	}
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func bytesIEC(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}
