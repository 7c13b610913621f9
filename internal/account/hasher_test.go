package account

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/apperr"
)

// TestHasherSheds: with every slot busy, a request waits at most the queue wait, then
// gets 503 overloaded with a Retry-After instead of queueing for seconds.
func TestHasherSheds(t *testing.T) {
	h := newHasher(2, 50*time.Millisecond)
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = h.do(context.Background(), func() { <-release })
		}()
	}
	for len(h.slots) < 2 {
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	err := h.do(context.Background(), func() { t.Error("ran without a slot") })
	if waited := time.Since(start); waited > time.Second {
		t.Fatalf("waited %v", waited)
	}
	ae := apperr.As(err)
	if ae.Kind != apperr.KindUnavailable || ae.RetryAfter <= 0 {
		t.Fatalf("want 503 with Retry-After, got %v", err)
	}
	close(release)
	wg.Wait()
	ran := false
	if err := h.do(context.Background(), func() { ran = true }); err != nil || !ran {
		t.Fatalf("after the load: %v", err)
	}
}
