package api

import (
	"testing"
	"time"

	"github.com/pilotbed/pilotbed/pilots"
)

func TestAdminSessionsExpire(t *testing.T) {
	limits := sessionLimits{Idle: 8 * time.Hour, Absolute: 24 * time.Hour, MaxSessions: 10}
	start := time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)
	tok := pilots.Token{Name: "alice", Role: pilots.RoleAdmin, Hash: "h"}
	tests := []struct {
		name   string
		visits []time.Duration // uses after sign-in, each must find the session
		at     time.Duration
		want   bool
	}{
		{"fresh", nil, time.Minute, true},
		{"idle just under 8h", nil, 8*time.Hour - time.Second, true},
		{"idle over 8h", nil, 8*time.Hour + time.Second, false},
		{"kept alive, under 24h", []time.Duration{7 * time.Hour, 14 * time.Hour, 21 * time.Hour}, 23 * time.Hour, true},
		{"kept alive, over 24h", []time.Duration{7 * time.Hour, 14 * time.Hour, 21 * time.Hour}, 24*time.Hour + time.Second, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newAdminSessions(limits)
			id := s.create(tok, start)
			for _, v := range tt.visits {
				if _, ok := s.get(id, start.Add(v)); !ok {
					t.Fatalf("session gone at +%v", v)
				}
			}
			_, got := s.get(id, start.Add(tt.at))
			if got != tt.want {
				t.Errorf("live at +%v = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestAdminSessionsBounded(t *testing.T) {
	s := newAdminSessions(sessionLimits{Idle: time.Hour, Absolute: 2 * time.Hour, MaxSessions: 3})
	now := time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC)
	tok := pilots.Token{Name: "alice", Role: pilots.RoleAdmin, Hash: "h"}
	var ids []string
	for i := range 5 {
		ids = append(ids, s.create(tok, now.Add(time.Duration(i)*time.Minute)))
	}
	if got, want := s.len(), 3; got != want {
		t.Fatalf("len=%d, want %d", got, want)
	}
	// The two oldest went first.
	for i, id := range ids {
		_, ok := s.get(id, now.Add(10*time.Minute))
		if want := i >= 2; ok != want {
			t.Errorf("session %d live=%v, want %v", i, ok, want)
		}
	}
}

func TestAdminSessionsStoreOnlyHashes(t *testing.T) {
	s := newAdminSessions(adminSessionLimits)
	id := s.create(pilots.Token{Name: "alice", Hash: "h"}, time.Now())
	for k := range s.byHash {
		if k == id {
			t.Errorf("the session id itself is a key")
		}
		if k != sessionHash(id) {
			t.Errorf("key %q is not the hash of the id", k)
		}
	}
	s.delete(id)
	if _, ok := s.get(id, time.Now()); ok {
		t.Errorf("session live after delete")
	}
}
