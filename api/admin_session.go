package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pilotbed/pilotbed/pilots"
)

// adminCookie carries the admin session id. It is HttpOnly (no script reads
// it), SameSite=Strict (no request from another site carries it) and
// limited to /admin.
const adminCookie = "pilotbed_admin"

// adminSessionLimits bound the session store: a session ends after 8 hours
// without use or 24 hours after sign-in, whichever comes first, and the
// store holds at most MaxSessions (the idlest goes first when full).
var adminSessionLimits = sessionLimits{Idle: 8 * time.Hour, Absolute: 24 * time.Hour, MaxSessions: 1000}

type sessionLimits struct {
	Idle        time.Duration
	Absolute    time.Duration
	MaxSessions int
}

// adminSession is a signed-in person. It holds the hash of the token they
// signed in with, not the token, so every request can check that the
// token has not been revoked since.
type adminSession struct {
	key       string // the hash of the session id; the map key
	TokenHash string
	TokenName string
	Role      pilots.Role
	Created   time.Time
	LastSeen  time.Time
	flash     string // a one-shot message for the next page (post/redirect/get)
}

// adminSessions keeps sessions in memory, by the SHA-256 of their id, so
// even a dump of the process memory holds no usable cookie. They are lost
// on restart, which only means signing in again.
type adminSessions struct {
	mu     sync.Mutex
	limits sessionLimits
	byHash map[string]*adminSession
}

func newAdminSessions(l sessionLimits) *adminSessions {
	return &adminSessions{limits: l, byHash: map[string]*adminSession{}}
}

func sessionHash(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// create starts a session for a token and returns its id: 256 random bits.
func (s *adminSessions) create(tok pilots.Token, now time.Time) string {
	b := make([]byte, 32)
	rand.Read(b) // never returns an error; see crypto/rand
	id := base64.RawURLEncoding.EncodeToString(b)
	key := sessionHash(id)

	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.byHash) >= s.limits.MaxSessions {
		s.sweep(now)
	}
	for len(s.byHash) >= max(s.limits.MaxSessions, 1) {
		s.evictIdlest()
	}
	s.byHash[key] = &adminSession{key: key, TokenHash: tok.Hash, TokenName: tok.Name, Role: tok.Role, Created: now, LastSeen: now}
	return id
}

// get returns a copy of the live session with the given id and marks it
// used; an expired one is removed.
func (s *adminSessions) get(id string, now time.Time) (adminSession, bool) {
	if id == "" {
		return adminSession{}, false
	}
	key := sessionHash(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byHash[key]
	if !ok {
		return adminSession{}, false
	}
	if s.expired(sess, now) {
		delete(s.byHash, key)
		return adminSession{}, false
	}
	sess.LastSeen = now
	return *sess, true
}

// delete ends the session with the given id, if any.
func (s *adminSessions) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byHash, sessionHash(id))
}

// deleteKey ends the session with the given key (the hash of its id).
func (s *adminSessions) deleteKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byHash, key)
}

// setFlash leaves a message for the session's next page.
func (s *adminSessions) setFlash(key, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess, ok := s.byHash[key]; ok {
		sess.flash = msg
	}
}

// takeFlash returns the session's message and forgets it.
func (s *adminSessions) takeFlash(key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byHash[key]
	if !ok {
		return ""
	}
	msg := sess.flash
	sess.flash = ""
	return msg
}

// len returns the number of sessions held, live or not yet swept.
func (s *adminSessions) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byHash)
}

func (s *adminSessions) expired(sess *adminSession, now time.Time) bool {
	return now.Sub(sess.LastSeen) > s.limits.Idle || now.Sub(sess.Created) > s.limits.Absolute
}

// sweep removes expired sessions; the caller holds mu.
func (s *adminSessions) sweep(now time.Time) {
	for k, sess := range s.byHash {
		if s.expired(sess, now) {
			delete(s.byHash, k)
		}
	}
}

// evictIdlest removes the least recently used session; the caller holds mu.
func (s *adminSessions) evictIdlest() {
	var oldest *adminSession
	for _, sess := range s.byHash {
		if oldest == nil || sess.LastSeen.Before(oldest.LastSeen) {
			oldest = sess
		}
	}
	if oldest != nil {
		delete(s.byHash, oldest.key)
	}
}

// adminSessionKey is where requireSession leaves the session.
const adminSessionKey = "pilotbed.admin.session"

// adminSessionOf returns the request's session, if requireSession found one.
func adminSessionOf(c *gin.Context) (adminSession, bool) {
	v, ok := c.Get(adminSessionKey)
	if !ok {
		return adminSession{}, false
	}
	sess, ok := v.(adminSession)
	return sess, ok
}
