package account

import (
	"context"
	"time"

	"github.com/cartable/cartable/internal/apperr"
)

// hasher bounds the number of argon2id computations running at once. Each one takes
// ~19 MiB and tens of milliseconds of a core, so running more than there are cores only
// makes every login slower; a request that cannot get a slot within the queue wait is
// answered 503 with Retry-After instead of queueing for seconds.
type hasher struct {
	slots chan struct{}
	wait  time.Duration
}

func newHasher(n int, wait time.Duration) *hasher {
	if wait <= 0 {
		wait = 500 * time.Millisecond
	}
	return &hasher{slots: make(chan struct{}, n), wait: wait}
}

// errOverloaded is returned when no hashing slot frees up in time.
var errOverloaded = apperr.Unavailable("overloaded", time.Second, "the service is busy; please retry in a moment")

// do runs fn in a hashing slot.
func (h *hasher) do(ctx context.Context, fn func()) error {
	select {
	case h.slots <- struct{}{}:
	default:
		t := time.NewTimer(h.wait)
		defer t.Stop()
		select {
		case h.slots <- struct{}{}:
		case <-t.C:
			return errOverloaded
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	defer func() { <-h.slots }()
	fn()
	return nil
}
