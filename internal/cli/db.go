package cli

import (
	"context"

	"github.com/cartable/cartable/internal/store"
)

func openDB(ctx context.Context, r *runner) (*store.DB, error) {
	return store.Open(ctx, r.cfg.DB, store.Options{})
}
