package childproc

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestStartStopKill: a child started here runs until stopped (SIGTERM) or killed
// (SIGKILL), in its own process group, and Done, Exited and Err follow it.
func TestStartStopKill(t *testing.T) {
	p, err := Start(exec.Command("sleep", "30"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Exited() || p.Err() != nil {
		t.Fatal("exited at once")
	}
	if pgid, err := syscall.Getpgid(p.Cmd.Process.Pid); err != nil || pgid != p.Cmd.Process.Pid {
		t.Fatalf("process group %d (%v), want its own %d", pgid, err, p.Cmd.Process.Pid)
	}
	p.Stop(5 * time.Second)
	if !p.Exited() || p.Err() == nil {
		t.Fatalf("after Stop: exited %v, err %v", p.Exited(), p.Err())
	}

	// A child that ignores SIGTERM is killed after the grace period.
	p, err = Start(exec.Command("sh", "-c", "trap '' TERM; sleep 30"))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // let the shell set its trap
	start := time.Now()
	p.Stop(300 * time.Millisecond)
	if d := time.Since(start); d < 300*time.Millisecond || !p.Exited() {
		t.Fatalf("stopped after %v, exited %v", d, p.Exited())
	}

	if _, err := Start(exec.Command("/nonexistent/program")); err == nil {
		t.Fatal("a missing program started")
	}
}
