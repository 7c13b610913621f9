package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/audit"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
)

// TestListByActionPrefix: "login." selects the actions that start with it, and only
// them; an exact action selects itself. The prefix once matched actions ending in it.
func TestListByActionPrefix(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := audit.New(db, func() time.Time { return time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC) })
		for _, a := range []string{"login.succeeded", "login.failed", "account.created", "sso.login.", "login_x"} {
			if err := log.Record(ctx, audit.Event{Action: a, ActorLogin: "t"}); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			action string
			want   []string
		}{
			{"login.", []string{"login.failed", "login.succeeded"}},
			{"account.created", []string{"account.created"}},
			{"login_", nil}, // "_" is a letter here, not a wildcard
		} {
			got, err := log.List(ctx, audit.Filter{Action: c.action})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range got {
				names = append(names, e.Action)
			}
			if len(names) != len(c.want) {
				t.Errorf("action %q: got %v, want %v", c.action, names, c.want)
				continue
			}
			for i := range names {
				if names[i] != c.want[i] {
					t.Errorf("action %q: got %v, want %v", c.action, names, c.want)
					break
				}
			}
		}
	})
}
