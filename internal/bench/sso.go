package bench

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/cartable/cartable/internal/account"
	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/cas"
	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/establishment"
	"github.com/cartable/cartable/internal/sso"
)

// SSOOptions are the runs of the single sign-on callback benchmark.
type SSOOptions struct {
	Clients  []int         // closed-loop runs, by number of concurrent clients
	Duration time.Duration // of each run
	Users    int           // linked accounts (each login opens one more session)
	// CPUProfile, when set, receives a CPU profile of the runs.
	CPUProfile io.Writer
}

// SSOReport is the output of the single sign-on callback benchmark.
type SSOReport struct {
	Engine string `json:"engine"`
	CPUs   int    `json:"cpus"`
	// Exchange is what the ticket validation alone costs against the in-process CAS
	// stub (client, loopback HTTP, XML reading), measured on its own: it is inside
	// every callback's time, and can be taken off it.
	Exchange Measure       `json:"exchange"`
	Runs     []LoginResult `json:"runs"`
}

// SSO measures the callback of a CAS login (GET /sso/{provider}/callback?ticket=…
// with the flow cookie): the flow taken, the ticket validated, the link and the
// establishment's rules checked, a session opened and kept for single logout, audited,
// cookies set. The CAS server is an in-process stub answering at once (a real one's
// own time is not cartable's); how long the validation round trip to the stub takes is
// measured apart (Exchange). The flows are begun outside the timed request, as a
// browser begins them on an earlier page. Accounts are parents (SSO alone, the
// default policy): a login is complete at the callback.
func SSO(ctx context.Context, cfg config.Config, open Open, o SSOOptions, progress io.Writer) (SSOReport, error) {
	var rep SSOReport
	app, ln, engine, cleanup, err := throwAway(ctx, cfg, open)
	if err != nil {
		return rep, err
	}
	defer cleanup()
	rep.Engine, rep.CPUs = string(engine), runtime.NumCPU()

	// The CAS stub: a service ticket "ST-<user>-<n>" is user's.
	stub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := strings.TrimPrefix(r.URL.Query().Get("ticket"), "ST-")
		user, _, _ := strings.Cut(t, "-")
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		fmt.Fprintf(w, `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>%s</cas:user>`+
			`<cas:attributes><cas:mail>%s@ac-bench.fr</cas:mail></cas:attributes></cas:authenticationSuccess></cas:serviceResponse>`,
			html.EscapeString(user), html.EscapeString(user))
	}))
	defer stub.Close()

	op := authz.OperatorPrincipal()
	name := "Lycée du banc d'essai"
	est, err := app.Establishments.Create(ctx, authz.Operator, establishment.Input{UAI: "0691234S", Name: &name})
	if err != nil {
		return rep, err
	}
	if _, err := app.SSO.CreateProvider(ctx, op, sso.ProviderInput{Name: "academie", Kind: sso.KindCAS, CASURL: stub.URL}); err != nil {
		return rep, err
	}
	if err := app.SSO.AllowProvider(ctx, op, est.ID, "academie", true); err != nil {
		return rep, err
	}
	n := o.Users
	if n <= 0 {
		n = 200
	}
	fmt.Fprintf(progress, "creating %d linked accounts on %s…\n", n, engine)
	users := make([]string, n)
	for i := range n {
		login := fmt.Sprintf("parent%05d", i)
		acc, _, err := app.Accounts.Create(ctx, op, account.CreateInput{Login: login,
			Roles: []authz.Membership{{Role: authz.RoleParent, EstablishmentID: est.ID}}})
		if err != nil {
			return rep, err
		}
		users[i] = "ent" + strconv.Itoa(i)
		if _, err := app.SSO.Link(ctx, op, acc.ID, "academie", users[i]); err != nil {
			return rep, err
		}
	}

	// The exchange alone, against the stub.
	c, err := cas.New(stub.URL, 3, &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		return rep, err
	}
	var ex []time.Duration
	for i := range 500 {
		t0 := time.Now()
		if _, err := c.Validate(ctx, app.SSO.CallbackURL("academie"), "ST-"+users[i%n]+"-x"+strconv.Itoa(i)); err != nil {
			return rep, fmt.Errorf("validation against the stub: %w", err)
		}
		ex = append(ex, time.Since(t0))
	}
	rep.Exchange = measure("exchange", ex)

	sctx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- app.Serve(sctx, ln) }()
	defer func() { stop(); <-done }()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	callback := app.SSO.CallbackURL("academie")
	if o.CPUProfile != nil {
		if err := pprof.StartCPUProfile(o.CPUProfile); err != nil {
			return rep, err
		}
		defer pprof.StopCPUProfile()
	}
	var next atomic.Uint64
	var failure atomic.Value
	login := func() (int, time.Duration) {
		i := next.Add(1)
		user := users[i%uint64(n)]
		st, err := app.SSO.BeginLogin(ctx, "academie", "/")
		if err != nil {
			failure.Store(err)
			return 0, 0
		}
		req, _ := http.NewRequest(http.MethodGet, callback+"?"+url.Values{"ticket": {"ST-" + user + "-" + strconv.FormatUint(i, 10)}}.Encode(), nil)
		req.AddCookie(&http.Cookie{Name: "cartable_sso_flow", Value: st.FlowToken})
		t0 := time.Now()
		resp, err := client.Do(req)
		d := time.Since(t0)
		if err != nil {
			failure.Store(err)
			return 0, d
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		// A login complete at the callback redirects (303) with a session cookie.
		if resp.StatusCode == http.StatusSeeOther && hasSession(resp) {
			return http.StatusCreated, d
		}
		return resp.StatusCode, d
	}
	for _, cl := range o.Clients {
		res := runLoad(ctx, o.Duration, login, cl, 0)
		res.Engine, res.Clients = string(engine), cl
		rep.Runs = append(rep.Runs, res)
		if res.Failed > 0 {
			if err, _ := failure.Load().(error); err != nil {
				return rep, fmt.Errorf("%d failed callbacks: %w", res.Failed, err)
			}
			return rep, fmt.Errorf("%d failed callbacks", res.Failed)
		}
	}
	return rep, nil
}

func hasSession(resp *http.Response) bool {
	for _, c := range resp.Cookies() {
		if c.Name == "cartable_session" && c.Value != "" {
			return true
		}
	}
	return false
}

// Print writes the report as a table.
func (rep SSOReport) Print(w io.Writer) error {
	fmt.Fprintf(w, "engine %s, %d CPU; ticket validation against the in-process stub alone: p50 %.2f ms, p95 %.2f ms\n",
		rep.Engine, rep.CPUs, rep.Exchange.P50, rep.Exchange.P95)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "clients\trequests\tok\tfailed\tlogins/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\t")
	for _, x := range rep.Runs {
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t\n", x.Clients, x.Requests, x.OK, x.Failed,
			x.PerSecond, x.P50ms, x.P95ms, x.P99ms, x.Maxms)
	}
	return tw.Flush()
}
