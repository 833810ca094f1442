package testbeds

import (
	"context"
	"sync"
)

// Fanout delivers events to every subscriber without ever blocking the
// sender: a subscriber whose channel is full misses the event. Runtimes use
// it to implement Runtime.Events. The zero value is ready to use.
type Fanout struct {
	mu     sync.Mutex
	subs   map[int]chan Event
	next   int
	closed bool
}

// Subscribe returns a channel of capacity buffer that receives every event
// published from now until ctx ends or Close; then it is closed.
func (f *Fanout) Subscribe(ctx context.Context, buffer int) <-chan Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan Event, buffer)
	if f.closed {
		close(ch)
		return ch
	}
	if f.subs == nil {
		f.subs = map[int]chan Event{}
	}
	n := f.next
	f.next++
	f.subs[n] = ch
	context.AfterFunc(ctx, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if c, ok := f.subs[n]; ok {
			delete(f.subs, n)
			close(c)
		}
	})
	return ch
}

// Publish sends ev to every subscriber that has room for it.
func (f *Fanout) Publish(ev Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.subs {
		select {
		case c <- ev:
		default:
		}
	}
}

// Close ends every subscription; later subscriptions get a closed channel.
func (f *Fanout) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for n, c := range f.subs {
		delete(f.subs, n)
		close(c)
	}
}
