package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/pilotbed/pilotbed/api"
)

// followInterval is how often --follow asks for new events.
var followInterval = 2 * time.Second

// eventPage is how many events one request asks for; the server caps it.
const eventPage = 1000

func newEventsCmd(c *cli) *cobra.Command {
	var (
		f      clientFlags
		kind   string
		follow bool
	)
	cmd := &cobra.Command{
		Use:   "events PILOT",
		Short: "Show a pilot's audit trail",
		Long: `events prints a pilot's audit trail, oldest first: every lifecycle
transition, testbed state change, survey override, invitation and decision,
with who caused it and why. PILOT is the pilot's id or name.

With --follow it keeps watching and prints new events as they happen, until
interrupted. With --output json and --follow each event is one JSON line.`,
		Example: `  pilotbed events nattillsyn
  pilotbed events nattillsyn --kind testbed --follow
  pilotbed events nattillsyn --output json`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			client, err := f.client(c)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			w := &eventWriter{out: c.stdout, json: f.output == "json", stream: follow}
			after, err := w.drain(ctx, client, args[0], kind, 0)
			if err != nil {
				return err
			}
			if !follow {
				return w.finish()
			}
			t := time.NewTicker(followInterval)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return nil
				case <-t.C:
				}
				after, err = w.drain(ctx, client, args[0], kind, after)
				if errors.Is(err, context.Canceled) || ctx.Err() != nil {
					return nil
				}
				if err != nil {
					return err
				}
			}
		},
	}
	f.register(c, cmd)
	cmd.Flags().StringVar(&kind, "kind", "", "only events of this `kind`: transition, testbed, survey, invitation or decision")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new events until interrupted")
	return cmd
}

// eventWriter prints events as a table or JSON. Without streaming it
// collects them and prints once; streaming prints each page as it comes.
type eventWriter struct {
	out     io.Writer
	json    bool
	stream  bool
	header  bool
	pending []api.EventView
}

// drain fetches every event after the given id and prints or keeps them;
// it returns the id of the last event seen.
func (w *eventWriter) drain(ctx context.Context, client *apiClient, pilot, kind string, after int64) (int64, error) {
	for {
		q := url.Values{"after": {strconv.FormatInt(after, 10)}, "limit": {strconv.Itoa(eventPage)}}
		if kind != "" {
			q.Set("kind", kind)
		}
		var list api.EventList
		if _, err := client.getJSON(ctx, pilotPath(pilot, "events"), q, &list); err != nil {
			return after, err
		}
		for _, e := range list.Events {
			after = max(after, e.ID)
		}
		if w.stream {
			if err := w.print(list.Events); err != nil {
				return after, err
			}
		} else {
			w.pending = append(w.pending, list.Events...)
		}
		if len(list.Events) < eventPage {
			return after, nil
		}
	}
}

// finish prints what was collected.
func (w *eventWriter) finish() error {
	if w.json {
		evs := w.pending
		if evs == nil {
			evs = []api.EventView{}
		}
		data, err := json.Marshal(api.EventList{Events: evs})
		if err != nil {
			return fmt.Errorf("encode events: %w", err)
		}
		return writeRawJSON(w.out, data)
	}
	return w.print(w.pending)
}

func (w *eventWriter) print(evs []api.EventView) error {
	if w.json {
		enc := json.NewEncoder(w.out)
		for _, e := range evs {
			if err := enc.Encode(e); err != nil {
				return fmt.Errorf("write event: %w", err)
			}
		}
		return nil
	}
	if len(evs) == 0 && w.header {
		return nil
	}
	tw := newTable(w.out)
	if !w.header {
		fmt.Fprintln(tw, "TIME\tACTOR\tKIND\tFROM\tTO\tCANDIDATE\tSERVICE\tREASON")
		w.header = true
	}
	for _, e := range evs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", timeCell(e.Time), tableCell(e.Actor), tableCell(e.Kind),
			tableCell(e.From), tableCell(e.To), tableCell(e.Candidate), tableCell(e.Service), tableCell(e.Reason))
	}
	return tw.Flush()
}
