package main

import (
	"bytes"
	"debug/elf"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// TestImageBuildFlags builds cartable the way the Dockerfile's build stage does — from
// what its COPY lines copy (less .dockerignore's test files), with the environment and
// flags of its `go build` line — and checks what the image promises: a static binary (no
// ELF interpreter, no shared library), built with -trimpath (no path of the build
// machine inside, `go version -m` says so) and CGO_ENABLED=0, its version stamped by
// -ldflags and printed by `cartable version`.
func TestImageBuildFlags(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the image is linux")
	}
	b, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(b)

	// The build stage: what it copies and its go build line.
	var copies []string
	var build string
	for _, l := range strings.Split(df, "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) >= 3 && f[0] == "COPY" && !strings.HasPrefix(f[1], "--from"):
			copies = append(copies, f[1:len(f)-1]...)
		case len(f) > 1 && f[0] == "RUN" && strings.Contains(l, " go build "):
			build = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "RUN"))
		}
	}
	if build == "" || len(copies) == 0 {
		t.Fatalf("no go build line or no COPY in the Dockerfile")
	}
	const version = "v9.8.7-test"
	words := shellWords(strings.ReplaceAll(build, "${VERSION}", version))
	var env []string
	for len(words) > 0 && strings.Contains(words[0], "=") {
		env = append(env, words[0])
		words = words[1:]
	}
	if len(words) < 2 || words[0] != "go" || words[1] != "build" {
		t.Fatalf("the build line %q is not `[VAR=…] go build …`", build)
	}
	for _, want := range []string{"-trimpath", "-ldflags"} {
		if !strings.Contains(build, want) {
			t.Errorf("the build line lacks %s", want)
		}
	}
	if !strings.Contains(strings.Join(env, " "), "CGO_ENABLED=0") {
		t.Errorf("the build line does not set CGO_ENABLED=0: %v", env)
	}

	// The build context: the copied paths, without the test files (.dockerignore).
	ctx := t.TempDir()
	for _, c := range copies {
		src := filepath.Join("../..", c)
		err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel("../..", p)
			if d.IsDir() {
				return os.MkdirAll(filepath.Join(ctx, rel), 0o755)
			}
			if strings.HasSuffix(p, "_test.go") {
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(ctx, rel), data, 0o644)
		})
		if err != nil {
			t.Fatalf("COPY %s: %v", c, err)
		}
	}
	bin := filepath.Join(t.TempDir(), "cartable")
	for i, w := range words {
		if w == "-o" && i+1 < len(words) {
			words[i+1] = bin
		}
	}
	cmd := exec.Command("go", words[1:]...)
	cmd.Dir = ctx
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(words[1:], " "), err, out)
	}

	// Static: no interpreter, no shared library.
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary has a %s program header: it is not static", p.Type)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary needs %v", libs)
	}

	// -trimpath: the build settings say so, and no path of this machine is inside.
	out, err := exec.Command("go", "version", "-m", bin).CombinedOutput()
	if err != nil {
		t.Fatalf("go version -m: %v\n%s", err, out)
	}
	// (Go leaves -ldflags out of the build settings under -trimpath, go.dev/issue/52372:
	// the version is checked by running the binary below.)
	for _, want := range []string{"build\t-trimpath=true", "build\tCGO_ENABLED=0"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("go version -m lacks %q:\n%s", want, out)
		}
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(ctx)) {
		t.Errorf("the binary holds the build directory %s: not built with -trimpath", ctx)
	}

	// The version is stamped.
	out, err = exec.Command(bin, "version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "cartable "+version {
		t.Errorf("cartable version: %q, %v", out, err)
	}

	// The images run as a non-root user, from a multi-stage build.
	if n := len(regexp.MustCompile(`(?m)^FROM `).FindAllString(df, -1)); n < 3 {
		t.Errorf("%d FROM lines: the build is not multi-stage", n)
	}
	users := regexp.MustCompile(`(?m)^USER (\S+)`).FindAllStringSubmatch(df, -1)
	if len(users) == 0 {
		t.Errorf("the Dockerfile sets no USER")
	}
	for _, u := range users {
		if u[1] == "root" || u[1] == "0" || strings.HasPrefix(u[1], "0:") {
			t.Errorf("USER %s", u[1])
		}
	}
}

// shellWords splits a command line as sh does for words and double quotes.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	in, any := false, false
	for _, r := range s {
		switch {
		case r == '"':
			in, any = !in, true
		case (r == ' ' || r == '\t') && !in:
			if any {
				words = append(words, cur.String())
				cur.Reset()
				any = false
			}
		default:
			cur.WriteRune(r)
			any = true
		}
	}
	if any {
		words = append(words, cur.String())
	}
	return words
}
