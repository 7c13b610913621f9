package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/cartable/cartable/internal/config"
	"github.com/cartable/cartable/internal/student"
)

// SoakOptions shape a soak run.
type SoakOptions struct {
	// Duration of the run, and Window, the interval of each line of figures.
	Duration, Window time.Duration
	// Rate is the arrival rate, requests per second (open loop: a slow server is not
	// given less work); Clients bounds the requests in flight.
	Rate    float64
	Clients int
}

// SoakWindow is one interval of a soak run.
type SoakWindow struct {
	End          float64 `json:"end_s"`
	Requests     int     `json:"requests"`
	ServerErrors int     `json:"server_errors"` // 5xx
	OtherErrors  int     `json:"other_errors"`  // transport errors, unexpected statuses
	Dropped      int     `json:"dropped"`       // arrivals with every client busy
	P50          float64 `json:"p50_ms"`
	P95          float64 `json:"p95_ms"`
	HeapMiB      float64 `json:"heap_mib"` // live heap after a GC
	RSSMiB       float64 `json:"rss_mib"`
}

// SoakResult is the output of bench soak.
type SoakResult struct {
	Database string       `json:"-"`
	Students int64        `json:"students"`
	Rate     float64      `json:"rate"`
	Duration float64      `json:"duration_s"`
	Windows  []SoakWindow `json:"windows"`
}

// Soak runs a mixed load — a student's results, his passport, a grid save of 35 × 40
// cells, in the proportions 4:4:2 — at a fixed arrival rate against a server started
// in-process on cfg's database (fill it first with Load), for o.Duration, and reports
// per window the requests, the errors, the latency and the memory of the process.
func Soak(ctx context.Context, cfg config.Config, open Open, o SoakOptions) (SoakResult, error) {
	res := SoakResult{Rate: o.Rate, Duration: o.Duration.Seconds()}
	if o.Duration <= 0 || o.Window <= 0 || o.Rate <= 0 || o.Clients < 1 {
		return res, fmt.Errorf("bench soak: --duration, --window, --rate and --clients must be positive")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	cfg.Addr = ln.Addr().String()
	cfg.BaseURL = "http://" + cfg.Addr
	app, err := open(ctx, cfg, false)
	if err != nil {
		ln.Close()
		return res, err
	}
	defer app.Close()
	res.Database = app.DB.String()
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- app.Serve(sctx, ln) }()
	defer func() { stop(); <-done }()

	var minID, maxID int64
	if res.Students, minID, maxID, err = student.Span(ctx, app.DB); err != nil {
		return res, err
	}
	if res.Students == 0 {
		return res, fmt.Errorf("no student: fill the database with `cartable bench load` first")
	}
	token, targets, err := tokenAndTargets(ctx, app, minID, maxID, 500)
	if err != nil {
		return res, err
	}
	g, err := newGrid(ctx, app, minID)
	if err != nil {
		return res, err
	}
	base := cfg.BaseURL
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.Clients}}

	var mu sync.Mutex
	var window []soakOutcome
	dropped := 0
	do := func(k int) {
		t := targets[k%len(targets)]
		method, path, ctype := "GET", "", ""
		var body []byte
		switch k % 10 {
		case 0, 1, 2, 3:
			path = fmt.Sprintf("/api/v1/establishments/%s/students/%d/results", t.uai, t.id)
		case 4, 5, 6, 7:
			path = fmt.Sprintf("/api/v1/establishments/%s/students/%d/passport", t.uai, t.id)
		default:
			method, path, ctype, body = "PUT", g.path(), "application/json", g.body(k)
		}
		req, _ := http.NewRequestWithContext(ctx, method, base+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		t0 := time.Now()
		resp, err := client.Do(req)
		oc := soakOutcome{err: err}
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			oc.status = resp.StatusCode
		}
		oc.lat = time.Since(t0)
		mu.Lock()
		window = append(window, oc)
		mu.Unlock()
	}
	slots := make(chan struct{}, o.Clients)
	var wg sync.WaitGroup
	start := time.Now()
	tick := time.NewTicker(max(time.Millisecond, time.Duration(float64(time.Second)/o.Rate)))
	defer tick.Stop()
	nextWindow := start.Add(o.Window)
	k := 0
	flush := func(now time.Time) {
		mu.Lock()
		w := window
		window = nil
		d := dropped
		dropped = 0
		mu.Unlock()
		res.Windows = append(res.Windows, summarise(now.Sub(start), w, d))
	}
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			return res, ctx.Err()
		case now := <-tick.C:
			if now.Sub(start) >= o.Duration {
				wg.Wait()
				flush(time.Now())
				return res, nil
			}
			if !now.Before(nextWindow) {
				flush(now)
				nextWindow = nextWindow.Add(o.Window)
			}
			// Arrivals follow the clock, not the ticks (a busy machine skips ticks):
			// every arrival due by now is sent, or dropped when all clients are busy.
			for due := int(now.Sub(start).Seconds() * o.Rate); k < due; {
				k++
				select {
				case slots <- struct{}{}:
					wg.Add(1)
					go func(k int) {
						defer wg.Done()
						defer func() { <-slots }()
						do(k)
					}(k)
				default:
					mu.Lock()
					dropped++
					mu.Unlock()
				}
			}
		}
	}
}

// soakOutcome is one request of a soak run.
type soakOutcome struct {
	lat    time.Duration
	status int
	err    error
}

// summarise makes the line of a window.
func summarise(end time.Duration, w []soakOutcome, dropped int) SoakWindow {
	x := SoakWindow{End: end.Seconds(), Requests: len(w), Dropped: dropped, HeapMiB: heapMiB(), RSSMiB: rssMiB()}
	lat := make([]time.Duration, 0, len(w))
	for _, o := range w {
		switch {
		case o.err != nil:
			x.OtherErrors++
		case o.status >= 500:
			x.ServerErrors++
		case o.status != http.StatusOK:
			x.OtherErrors++
		}
		lat = append(lat, o.lat)
	}
	if len(lat) > 0 {
		m := measure("", lat)
		x.P50, x.P95 = m.P50, m.P95
	}
	return x
}

// rssMiB reads the resident set of this process (Linux); 0 elsewhere.
func rssMiB() float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return float64(pages*int64(os.Getpagesize())) / (1 << 20)
}

// heapMiB is the live heap after a collection.
func heapMiB() float64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

// Errors counts the failed requests of the run (5xx, transport errors, unexpected
// statuses).
func (res SoakResult) Errors() int {
	n := 0
	for _, w := range res.Windows {
		n += w.ServerErrors + w.OtherErrors
	}
	return n
}

// Print writes the result as a table.
func (res SoakResult) Print(w io.Writer) error {
	fmt.Fprintf(w, "database %s: %d students; %.0f requests/s for %.0fs\n", res.Database, res.Students, res.Rate, res.Duration)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "end s\trequests\t5xx\tother errors\tdropped\tp50 ms\tp95 ms\theap MiB\tRSS MiB\t")
	for _, x := range res.Windows {
		fmt.Fprintf(tw, "%.0f\t%d\t%d\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t\n", x.End, x.Requests, x.ServerErrors, x.OtherErrors, x.Dropped, x.P50, x.P95, x.HeapMiB, x.RSSMiB)
	}
	return tw.Flush()
}
