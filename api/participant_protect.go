package api

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/pilotbed/pilotbed/pilots"
)

// maxFormBytes bounds a survey form's body: two thousand characters of
// free text per question leave plenty of room below it for any real survey.
const maxFormBytes = 64 << 10

// limitSettings are the token buckets of the participant routes.
type limitSettings struct {
	TokenRate    rate.Limit // per invitation secret
	TokenBurst   int
	ClientRate   rate.Limit // per client address
	ClientBurst  int
	GatewayRate  rate.Limit // per client address through the gateway, which loads assets
	GatewayBurst int
	MaxKeys      int           // buckets kept per kind; the idlest go first
	Idle         time.Duration // a bucket unused this long is forgotten
}

// participantLimits are generous for a person and tight for a script: one
// page a second per invitation with room for a quick burst, and more per
// address since a whole care unit may share one.
var participantLimits = limitSettings{
	TokenRate:    1,
	TokenBurst:   30,
	ClientRate:   10,
	ClientBurst:  200,
	GatewayRate:  100,
	GatewayBurst: 1000,
	MaxKeys:      10000,
	Idle:         10 * time.Minute,
}

// limiters holds the buckets of the participant routes.
type limiters struct {
	token, client, gateway *bucketSet
}

func newLimiters(s limitSettings) *limiters {
	return &limiters{
		token:   newBucketSet(s.TokenRate, s.TokenBurst, s.MaxKeys, s.Idle),
		client:  newBucketSet(s.ClientRate, s.ClientBurst, s.MaxKeys, s.Idle),
		gateway: newBucketSet(s.GatewayRate, s.GatewayBurst, s.MaxKeys, s.Idle),
	}
}

// bucketSet is a bounded map of token buckets by key. Idle buckets expire;
// when the map is full even so, the least recently used bucket is dropped,
// which at worst gives that key a fresh burst.
type bucketSet struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	max     int
	idle    time.Duration
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newBucketSet(limit rate.Limit, burst, maxKeys int, idle time.Duration) *bucketSet {
	return &bucketSet{limit: limit, burst: burst, max: max(maxKeys, 1), idle: idle, buckets: map[string]*bucket{}}
}

// take spends one token of key's bucket; when there is none it returns
// false and how long until there is.
func (b *bucketSet) take(key string, now time.Time) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	bk, ok := b.buckets[key]
	if !ok {
		b.makeRoom(now)
		bk = &bucket{lim: rate.NewLimiter(b.limit, b.burst)}
		b.buckets[key] = bk
	}
	bk.seen = now
	r := bk.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Minute
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// makeRoom forgets idle buckets, at most once a second unless the map is
// full, and the least recently used one when it is still full.
func (b *bucketSet) makeRoom(now time.Time) {
	if len(b.buckets) < b.max && now.Sub(b.swept) < time.Second {
		return
	}
	b.swept = now
	for k, bk := range b.buckets {
		if now.Sub(bk.seen) > b.idle {
			delete(b.buckets, k)
		}
	}
	if len(b.buckets) < b.max {
		return
	}
	var oldest string
	var at time.Time
	for k, bk := range b.buckets {
		if oldest == "" || bk.seen.Before(at) {
			oldest, at = k, bk.seen
		}
	}
	delete(b.buckets, oldest)
}

// clientKey is the address the request came from: the peer address, or the
// client named in X-Forwarded-For by a proxy listed in
// Config.TrustedProxies. An untrusted X-Forwarded-For is ignored, since a
// client could set it to dodge its limit.
func clientKey(c *gin.Context) string { return c.ClientIP() }

// limitParticipant refuses a participant who asks too often, by invitation
// and by client address, with 429 and Retry-After.
func (pp *participantPages) limitParticipant() gin.HandlerFunc {
	return func(c *gin.Context) {
		now := time.Now()
		ok, wait := pp.limits.client.take(clientKey(c), now)
		if ok {
			// The secret is kept only as its hash, even in memory.
			ok, wait = pp.limits.token.take(pilots.HashSecret(c.Param("token")), now)
		}
		if !ok {
			retryAfter(c, wait)
			pp.message(c, http.StatusTooManyRequests, requestLang(c, ""), "toomany", "", "", true)
			return
		}
		c.Next()
	}
}

// limitGateway refuses a client that asks too often through the gateway.
func (pp *participantPages) limitGateway() gin.HandlerFunc {
	return func(c *gin.Context) {
		if ok, wait := pp.limits.gateway.take(clientKey(c), time.Now()); !ok {
			retryAfter(c, wait)
			pp.message(c, http.StatusTooManyRequests, requestLang(c, ""), "toomany", "", "", true)
			return
		}
		c.Next()
	}
}

// crossOrigin refuses unsafe requests that a browser says came from
// another site (Sec-Fetch-Site, or Origin against Host).
func (pp *participantPages) crossOrigin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := pp.cop.Check(c.Request); err != nil {
			pp.message(c, http.StatusForbidden, requestLang(c, ""), "forbidden", "", "", true)
			return
		}
		c.Next()
	}
}

// parseForm reads a form body of at most maxFormBytes. On failure it has
// answered: 413 for a body too large, 400 for one that cannot be read.
func (pp *participantPages) parseForm(c *gin.Context, lang string) bool {
	if c.Request.ContentLength > maxFormBytes {
		pp.message(c, http.StatusRequestEntityTooLarge, lang, "toolarge", "", "", false)
		return false
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBytes)
	if err := c.Request.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			pp.message(c, http.StatusRequestEntityTooLarge, lang, "toolarge", "", "", false)
			return false
		}
		pp.message(c, http.StatusBadRequest, lang, "badform", "", "", false)
		return false
	}
	return true
}
