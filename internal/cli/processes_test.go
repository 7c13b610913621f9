package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cartable/cartable/internal/authz"
	"github.com/cartable/cartable/internal/calendar"
	"github.com/cartable/cartable/internal/childproc"
	"github.com/cartable/cartable/internal/competency"
	"github.com/cartable/cartable/internal/store"
	"github.com/cartable/cartable/internal/store/storetest"
	"github.com/cartable/cartable/internal/student"
)

// built is the binary the tests of this package build, once.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// buildBinary builds cartable (once per test binary) and returns its path.
func buildBinary(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "cartable-bin-")
		if built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "cartable")
		out, err := exec.Command("go", "build", "-o", built.bin, "../../cmd/cartable").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// serveProcess is a `cartable serve` started by a test.
type serveProcess struct {
	url  string
	cmd  *exec.Cmd
	proc *childproc.Process
	done <-chan struct{}
	log  *bytes.Buffer
}

// startServe starts bin serve with args on a free port and waits for /readyz. The
// process dies with the test binary (Pdeathsig) and is killed when the test ends.
func startServe(t *testing.T, bin string, args ...string) *serveProcess {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	p := &serveProcess{url: "http://" + addr, log: &bytes.Buffer{}}
	p.cmd = exec.Command(bin, append([]string{"serve", "--addr", addr}, args...)...)
	p.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	proc, err := childproc.Start(p.cmd)
	if err != nil {
		t.Fatal(err)
	}
	p.proc, p.done = proc, proc.Done()
	t.Cleanup(p.kill)
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("serve exited: %s", p.log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready after 20s: %s", p.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *serveProcess) kill() { p.proc.Kill() }

// TestTwoServeProcessesOnePostgres: two `cartable serve` processes (the real binary) on
// one PostgreSQL take a mixed load — logins, grid saves, SIECLE imports, passport
// downloads — through both; one is killed (SIGKILL) half-way. No request to the
// survivor fails, no import is half-written or counted twice, and the daily job, due
// when both start, runs once.
func TestTwoServeProcessesOnePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts two servers")
	}
	if storetest.PostgresDSN(t) == "" { // fails instead with CARTABLE_TEST_REQUIRE_POSTGRES=1
		t.Skip("no PostgreSQL (set CARTABLE_TEST_POSTGRES)")
	}
	ctx := context.Background()
	dir := t.TempDir()
	bin := buildBinary(t)
	data := filepath.Join(dir, "data")
	dsn := storetest.DSN(t, store.Postgres)
	g := []string{"--data", data, "--db", dsn, "--log-level", "warn"}
	must := func(args ...string) string {
		t.Helper()
		code, out, stderr := runCLI(t, append(append([]string{}, g...), args...)...)
		if code != 0 {
			t.Fatalf("%v: %d %s", args, code, stderr)
		}
		return out
	}
	const uai = "0691234S"
	must("migrate")
	must("establishment", "create", "--uai", uai, "--name", "Lycée des Canuts")
	// Import files: file k holds the first 300+100k students of one roster, so each
	// import adds 100 students and keeps the others.
	const imports = 8
	files := make([][]byte, imports+1)
	for k := range files {
		f := filepath.Join(dir, fmt.Sprintf("siecle-%d.xml", k))
		if code, _, stderr := runCLI(t, "gen", "siecle", "--uai", uai, "--students", fmt.Sprint(300+100*k), "--left", "0", "--out", f); code != 0 {
			t.Fatal(stderr)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		files[k] = b
	}
	must("import", "siecle", "--uai", uai, filepath.Join(dir, "siecle-0.xml"))

	// The application in this process prepares the rest and checks the outcome. Its
	// clock is two days back for the first transfer run: the one the servers find
	// behind schedule when they start.
	back := time.Now().Add(-48 * time.Hour)
	old, err := NewApp(ctx, testConfig(t, g, nil), slog.New(slog.NewTextHandler(io.Discard, nil)), Options{Now: func() time.Time { return back }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Jobs.Run(ctx, "transfer", "operator"); err != nil {
		t.Fatal(err)
	}
	old.Close()
	app := openTestApp(t, g)
	defer app.Close()
	op := authz.OperatorPrincipal()
	users := make([]testUser, 4)
	for i := range users {
		users[i] = enrolTestUser(t, app, fmt.Sprintf("charge.%d", i))
	}
	acc, err := app.Accounts.ByLogin(ctx, op, users[0].login)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := app.Accounts.CreateToken(ctx, op, acc.ID, "load", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ref := competency.Referential{Code: "LOAD-10", Label: "Référentiel de charge", Kind: "bench",
		Scale: []competency.ScaleValue{{Value: "NA", Label: "Non acquis"}, {Value: "A", Label: "Acquis"}}}
	for i := range 10 {
		ref.Competencies = append(ref.Competencies, competency.Competency{Code: fmt.Sprintf("K%d", i+1),
			Label: fmt.Sprintf("Compétence %d", i+1), Block: "B1", BlockLabel: "Bloc 1"})
	}
	if _, err := app.Competencies.Save(ctx, op, ref); err != nil {
		t.Fatal(err)
	}
	page, err := app.Students.List(ctx, op, uai, student.Filter{Limit: 35})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, s := range page.Students {
		ids = append(ids, s.ID)
	}
	ev, err := app.Competencies.Create(ctx, op, uai, competency.Input{Title: "Grille de charge", Date: time.Now().Format("2006-01-02"), Diploma: ref.Code})
	if err != nil {
		t.Fatal(err)
	}

	// Both servers schedule the transfer job at a time of today already passed, with
	// the last run two days back: each finds it due at start.
	sched := time.Now().In(calendar.Paris).Add(-time.Minute).Format("15:04")
	args := append(append([]string{}, g...), "--transfer-schedule", sched, "--purge-schedule", "",
		"--login-rate", "1000000", "--login-burst", "100000")
	servers := []*serveProcess{startServe(t, bin, args...), startServe(t, bin, args...)}

	// The load: four clients, each sequential, sending every other request to each
	// server. Each makes half its requests, then all go on together while B receives
	// an import and is killed (SIGKILL) at a random point of it; from then on every
	// request goes to A.
	var killed atomic.Bool
	var mu sync.Mutex
	var failures []string
	var lost atomic.Int64
	var served [2]atomic.Int64
	client := &http.Client{Timeout: time.Minute}
	send := func(i int, method, path string, body []byte, ctype, bearer string, want int) bool {
		srv := 0
		if i%2 == 1 && !killed.Load() {
			srv = 1
		}
		req, _ := http.NewRequest(method, servers[srv].url+path, bytes.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := client.Do(req)
		var out []byte
		if err == nil {
			out, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		ok := err == nil && resp.StatusCode == want
		switch {
		case ok:
			served[srv].Add(1)
		case srv == 1 && killed.Load():
			lost.Add(1) // B's requests may fail once it is killed
		default:
			status := 0
			if resp != nil {
				status = resp.StatusCode
			}
			mu.Lock()
			failures = append(failures, fmt.Sprintf("%s %s on %c: %d %v %.200s", method, path, 'A'+srv, status, err, out))
			mu.Unlock()
		}
		return ok
	}
	var firstHalf sync.WaitGroup
	secondHalf := make(chan struct{})
	// phase runs n requests: the first half, a wait for every client's first half, the
	// second half.
	phase := func(n int, req func(i int)) {
		for i := range n {
			if i == n/2 {
				firstHalf.Done()
				<-secondHalf
			}
			req(i)
		}
	}
	const logins, grids, passports = 40, 30, 60
	var wg sync.WaitGroup
	firstHalf.Add(4)
	wg.Go(func() { // logins: a recovery code each (TOTP codes are single-use per step)
		phase(logins, func(i int) {
			u := users[i%len(users)]
			body, _ := json.Marshal(map[string]string{"login": u.login, "password": u.password, "recovery_code": u.recovery[i/len(users)]})
			send(i, "POST", "/api/v1/sessions", body, "application/json", "", http.StatusCreated)
		})
	})
	wg.Go(func() { // grid saves: the whole grid, every value changed each time
		phase(grids, func(k int) {
			var cells []competency.Result
			for i, id := range ids {
				for j, c := range ref.Competencies {
					cells = append(cells, competency.Result{StudentID: id, Competency: c.Code, Value: ref.Scale[(i+j+k)%2].Value})
				}
			}
			body, _ := json.Marshal(map[string]any{"results": cells})
			send(k, "PUT", fmt.Sprintf("/api/v1/establishments/%s/evaluations/%d/results", uai, ev.ID), body, "application/json", token, http.StatusOK)
		})
	})
	var lastImport atomic.Int64 // duration of the last import, ns
	importing := make(chan struct{})
	wg.Go(func() { // imports, one after the other: 1 to 4 before the kill, 5 to B when it is killed
		phase(imports, func(i int) {
			k := i + 1
			if k == imports/2+1 {
				close(importing)
			}
			t0 := time.Now()
			if send(k, "POST", fmt.Sprintf("/api/v1/establishments/%s/imports/siecle?name=siecle-%d.xml", uai, k), files[k], "application/xml", token, http.StatusCreated) {
				lastImport.Store(int64(time.Since(t0)))
			}
		})
	})
	wg.Go(func() { // passports of students picked at random
		rng := rand.New(rand.NewPCG(1, 2))
		phase(passports, func(i int) {
			send(i, "GET", fmt.Sprintf("/api/v1/establishments/%s/students/%d/passport", uai, ids[rng.IntN(len(ids))]), nil, "", token, http.StatusOK)
		})
	})
	firstHalf.Wait()
	close(secondHalf)
	<-importing
	time.Sleep(time.Duration(rand.Int64N(max(lastImport.Load(), 1))))
	killed.Store(true)
	servers[1].kill()
	wg.Wait()
	<-servers[1].done
	for _, f := range failures {
		t.Error(f)
	}

	// Imports: each recorded whole, none twice. The students are exactly those of the
	// largest file recorded (every import adds to the roster), each created once.
	hist, err := app.Importer.History(ctx, op, uai, 100)
	if err != nil {
		t.Fatal(err)
	}
	created, inLast := 0, 0
	for _, h := range hist {
		created += h.Created
		inLast = max(inLast, h.Created+h.Updated+h.Unchanged+h.Reactivated)
	}
	all, err := app.Students.List(ctx, op, uai, student.Filter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != created || all.Total != inLast || (all.Total-300)%100 != 0 || len(hist) < imports/2 {
		t.Errorf("%d students, %d created by %d imports, %d in the largest file recorded", all.Total, created, len(hist), inLast)
	}
	// The job due at start ran once, whichever server ran it.
	runs, err := app.Jobs.History(ctx, "transfer", 10)
	if err != nil {
		t.Fatal(err)
	}
	scheduled := 0
	for _, r := range runs {
		if r.StartedBy == "schedule" {
			scheduled++
		}
	}
	if scheduled != 1 {
		t.Errorf("the transfer job ran %d times by schedule, want 1: %+v", scheduled, runs)
	}
	t.Logf("A served %d, B %d before it was killed (%d lost with it); %d imports recorded, %d students; %d transfer runs by schedule",
		served[0].Load(), served[1].Load(), lost.Load(), len(hist), all.Total, scheduled)
	// The survivor still answers.
	if resp, err := http.Get(servers[0].url + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("A after the load: %v", err)
	}
	if t.Failed() {
		t.Logf("A's log:\n%s\nB's log:\n%s", servers[0].log, servers[1].log)
	}
}
