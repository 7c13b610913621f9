// Package childproc starts the programs tests run beside cartable — a CAS server, an
// OpenID provider, an SMTP server, an S3 server, a second `cartable serve` — as child
// processes that die with the test binary, even when it is killed.
//
// Linux delivers the parent-death signal (Pdeathsig) when the *thread* that started the
// child ends, not the process: the Go runtime may end an idle thread at any time, which
// would kill the child in the middle of a test. Start therefore starts it from a
// goroutine locked to its thread and kept until the child exits.
package childproc

import (
	"os/exec"
	"runtime"
	"syscall"
	"time"
)

// Process is a started child.
type Process struct {
	Cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Start starts cmd in a process group of its own (Stop ends the group: a server's own
// children too), to get SIGKILL when the test binary dies.
func Start(cmd *exec.Cmd) (*Process, error) {
	p := &Process{Cmd: cmd, done: make(chan struct{})}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := cmd.Start(); err != nil {
			started <- err
			close(p.done)
			return
		}
		started <- nil
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Err is how the process ended (nil while it runs, or when it exited 0).
func (p *Process) Err() error {
	if !p.Exited() {
		return nil
	}
	return p.err
}

// Stop ends the process group: SIGTERM, then SIGKILL after grace, and waits.
func (p *Process) Stop(grace time.Duration) {
	_ = syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		p.Kill()
	}
}

// Kill sends SIGKILL to the process group at once and waits for the process.
func (p *Process) Kill() {
	_ = syscall.Kill(-p.Cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}
