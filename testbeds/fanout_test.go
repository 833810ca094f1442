package testbeds

import (
	"context"
	"testing"
)

func TestFanout(t *testing.T) {
	var f Fanout
	ctx, cancel := context.WithCancel(t.Context())
	a := f.Subscribe(ctx, 1)
	b := f.Subscribe(t.Context(), 2)
	f.Publish(Event{Service: "one"})
	f.Publish(Event{Service: "two"}) // a is full: it misses this one, b does not

	if got, want := (<-a).Service, "one"; got != want {
		t.Fatalf("a got %q, want %q", got, want)
	}
	if got, want := (<-b).Service+","+(<-b).Service, "one,two"; got != want {
		t.Fatalf("b got %q, want %q", got, want)
	}
	cancel()
	if _, ok := <-a; ok {
		t.Fatal("a still open after its context ended")
	}
	f.Close()
	if _, ok := <-b; ok {
		t.Fatal("b still open after Close")
	}
	if _, ok := <-f.Subscribe(t.Context(), 1); ok {
		t.Fatal("a subscription after Close is open")
	}
}
