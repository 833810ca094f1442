package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/pilotbed/pilotbed/pilots"
	"github.com/pilotbed/pilotbed/pilots/sqlstore"
)

func init() { extraCommands = append(extraCommands, newTokensCmd) }

func newTokensCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tokens",
		Short: "Manage API tokens in a server's data directory",
		Long: `tokens manages the bearer tokens of the API. It works on the data directory
of a server directly (run it on the server host); the server need not be
stopped. A token is shown once when created; only its hash is stored.`,
	}
	var (
		name, role, dataDir string
	)
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token and print it once",
		Example: `  pilotbed tokens create --name testledare --role admin
  pilotbed tokens create --name dashboard --role viewer --data-dir /var/lib/pilotbed`,
		Args: exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			r := pilots.Role(role)
			if r != pilots.RoleAdmin && r != pilots.RoleViewer {
				return usageErrorf("--role must be admin or viewer, not %q", role)
			}
			if name == "" {
				return usageErrorf("--name is required: say who or what the token is for")
			}
			store, err := sqlstore.Open(cmd.Context(), filepath.Join(dataDir, "pilotbed.db"))
			if err != nil {
				return fmt.Errorf("open store in %s: %w", dataDir, err)
			}
			defer store.Close()
			secret := pilots.NewSecret(pilots.TokenPrefix)
			if err := createToken(cmd.Context(), store, name, r, secret); err != nil {
				return err
			}
			fmt.Fprintf(c.stdout, "%s\n", secret)
			fmt.Fprintf(c.stderr, "Created %s token %q. It is shown only this once.\n", r, name)
			return nil
		},
	}
	create.Flags().StringVar(&name, "name", "", "who or what the token is for (unique)")
	create.Flags().StringVar(&role, "role", "viewer", "admin (may change pilots) or viewer (read only)")
	create.Flags().StringVar(&dataDir, "data-dir", envOr(c.getenv, "PILOTBED_DATA_DIR", "data"), "the server's data directory (env PILOTBED_DATA_DIR)")
	cmd.AddCommand(create)
	return cmd
}
