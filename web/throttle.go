package web

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// loginThrottle limits login attempts per client address with a token
// bucket, on top of the store's per-account lockout: lockout stops guessing
// one account's password, this stops one client spraying many accounts and
// keeps argon2's memory-hard checks from being used to exhaust the server.
type loginThrottle struct {
	burst  float64       // attempts a client may make at once
	refill time.Duration // time to earn one more attempt
	now    func() time.Time

	mu      sync.Mutex
	clients map[string]*bucket
	slots   chan struct{} // password checks running at once
}

type bucket struct {
	tokens float64
	seen   time.Time
}

// maxClients bounds the table; idle buckets are full again and are dropped.
const maxClients = 10000

func newLoginThrottle(burst int, refill time.Duration, concurrent int) *loginThrottle {
	return &loginThrottle{burst: float64(burst), refill: refill, now: time.Now,
		clients: map[string]*bucket{}, slots: make(chan struct{}, concurrent)}
}

// allow takes one attempt from the client's bucket. When none is left it
// returns false and how long until the next one.
func (t *loginThrottle) allow(client string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	b, ok := t.clients[client]
	if !ok {
		if len(t.clients) >= maxClients {
			t.evictIdle(now)
		}
		b = &bucket{tokens: t.burst, seen: now}
		t.clients[client] = b
	}
	b.tokens = min(t.burst, b.tokens+float64(now.Sub(b.seen))/float64(t.refill))
	b.seen = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) * float64(t.refill))
	}
	b.tokens--
	return true, 0
}

// evictIdle drops buckets that have refilled completely, or all of them if
// none has (a flood of new addresses), which only forgives attempts.
func (t *loginThrottle) evictIdle(now time.Time) {
	full := time.Duration(t.burst * float64(t.refill))
	for k, b := range t.clients {
		if now.Sub(b.seen) >= full {
			delete(t.clients, k)
		}
	}
	if len(t.clients) >= maxClients {
		clear(t.clients)
	}
}

// acquire waits for a free password-check slot or for the request to end.
func (t *loginThrottle) acquire(r *http.Request) bool {
	select {
	case t.slots <- struct{}{}:
		return true
	case <-r.Context().Done():
		return false
	}
}

func (t *loginThrottle) release() { <-t.slots }

// clientAddr is the address a request came from. Behind a reverse proxy
// this is the proxy's; per-client throttling then needs the proxy to limit.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
