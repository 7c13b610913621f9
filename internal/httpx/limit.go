package httpx

import (
	"sync"
	"time"
)

// Limiter is a set of token buckets keyed by client address: each key may spend Burst
// requests at once and earns Rate requests per second back. It lives in memory, so with
// several instances each enforces its own limit (the per-account lockout, stored in the
// database, is the limit that holds across instances).
type Limiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	sweep   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter returns a limiter allowing burst requests at once and ratePerSecond after.
func NewLimiter(ratePerSecond float64, burst int, now func() time.Time) *Limiter {
	return &Limiter{rate: ratePerSecond, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// Allow spends a token of key; when none is left it returns false and the wait until
// the next one.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gc(now)
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// gc drops full buckets once a minute so the map does not grow without bound.
func (l *Limiter) gc(now time.Time) {
	if now.Sub(l.sweep) < time.Minute {
		return
	}
	l.sweep = now
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}
