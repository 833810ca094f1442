// Command demo-image builds the demo candidate image on the local Docker
// host, without a registry: `go run ./internal/testenv/cmd/demo-image -tag
// pilotbed-demo:latest` (what `make demo-image` runs).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/docker/docker/client"

	"github.com/pilotbed/pilotbed/internal/testenv"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo-image:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("demo-image", flag.ContinueOnError)
	tag := fs.String("tag", testenv.DemoTag, "image tag to build")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return fmt.Errorf("create Docker client: %w", err)
	}
	defer cli.Close()
	if _, err := cli.Ping(ctx); err != nil {
		return fmt.Errorf("the Docker daemon at %s does not answer (is it running, and may this user use it?): %w", cli.DaemonHost(), err)
	}
	if err := testenv.BuildDemoImage(ctx, cli, *tag); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "built %s\n", *tag)
	return nil
}
