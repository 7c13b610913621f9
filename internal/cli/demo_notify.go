package cli

import (
	"context"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/student"
)

// demoNotify gives the demo student of Canuts a confirmed e-mail address and notices on
// his "Mon compte" page (a welcome, his credentials' expiry), and points the visitor to
// the privacy notice.
func demoNotify(ctx context.Context, app *App, ids map[string]int64) ([]demoLink, error) {
	page, err := app.Students.List(ctx, authz.OperatorPrincipal(), "0691234S", student.Filter{Status: student.StatusActive, Limit: 1})
	if err != nil || len(page.Students) == 0 {
		return nil, err
	}
	st := page.Students[0]
	if err := app.Notify.SetAddress(ctx, st.AccountID, st.Login+"@eleves.example.org"); err != nil {
		return nil, err
	}
	if err := app.Notify.Notify(ctx, st.AccountID, "notify.welcome", map[string]string{"privacy": app.PrivacyURL}); err != nil {
		return nil, err
	}
	if err := app.Notify.Notify(ctx, st.AccountID, "notify.email_confirmed", map[string]string{"email": st.Login + "@eleves.example.org"}); err != nil {
		return nil, err
	}
	return []demoLink{{login: "-", what: "privacy notice (GDPR articles 13-14); " + st.Login + " has notices and an e-mail address", url: app.PrivacyURL}}, nil
}
