// Command pilotbed runs and drives pilots of digital services: it validates
// and formats pilot files, plans and runs candidate testbeds, and talks to a
// pilotbed server.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// run is the whole program; tests call it with their own arguments,
// environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	c := &cli{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	root := newRootCmd(c)
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}

// cli carries what every command may need from its surroundings, so no
// command reaches for os.* itself.
type cli struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and found a problem (invalid file, unformatted file, failed request)
	exitUsage   = 2 // the command line itself was wrong
)

// exitError ends the program with a code. A nil err means the command has
// already told the user what went wrong.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageErrorf reports a mistake in the command line (exit 2).
func usageErrorf(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// silentExit ends with code after the command printed its own output.
func silentExit(code int) error { return &exitError{code: code} }

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "pilotbed:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "pilotbed:", err)
	return exitFailure
}
