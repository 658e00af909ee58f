package web

import (
	"strings"
	"testing"
	"time"
)

func TestLoginThrottleBucket(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	th := newLoginThrottle(3, 10*time.Second, 1)
	th.now = func() time.Time { return now }
	for i := range 3 {
		if ok, _ := th.allow("192.0.2.1"); !ok {
			t.Fatalf("attempt %d refused within the burst", i+1)
		}
	}
	ok, wait := th.allow("192.0.2.1")
	if ok || wait <= 0 || wait > 10*time.Second {
		t.Fatalf("4th attempt: ok=%v wait=%v, want refused with a wait up to 10s", ok, wait)
	}
	if ok, _ := th.allow("198.51.100.7"); !ok {
		t.Fatal("another client was refused")
	}
	now = now.Add(10 * time.Second)
	if ok, _ := th.allow("192.0.2.1"); !ok {
		t.Fatal("no attempt earned back after the refill time")
	}
	if ok, _ := th.allow("192.0.2.1"); ok {
		t.Fatal("more than one attempt earned back in one refill time")
	}
}

func TestLoginThrottleEviction(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	th := newLoginThrottle(1, time.Second, 1)
	th.now = func() time.Time { return now }
	th.allow("203.0.113.9")
	for i := range maxClients + 5 {
		th.allow("2001:db8::" + strings.Repeat("1", 1+i%3) + ":" + itoa4(i))
	}
	if len(th.clients) > maxClients {
		t.Fatalf("%d clients kept, bound is %d", len(th.clients), maxClients)
	}
}

func itoa4(i int) string {
	const hexd = "0123456789abcdef"
	return string([]byte{hexd[i>>12&15], hexd[i>>8&15], hexd[i>>4&15], hexd[i&15]})
}
