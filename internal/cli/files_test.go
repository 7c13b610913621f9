package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cartable/cartable/internal/blob"
	"github.com/cartable/cartable/internal/s3test"
)

func TestMain(m *testing.M) {
	code := s3test.Main(m)
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// TestFilesMigrateToS3: the local files go to a real S3 server (versitygw), the secret
// key read from a file as Kubernetes mounts it; a second run copies nothing; an
// application configured with --files s3 reads them.
func TestFilesMigrateToS3(t *testing.T) {
	srv := s3test.Start(t)
	bucket := srv.Bucket(t)
	dir := t.TempDir()
	local, err := blob.NewLocal(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var sums []string
	for _, s := range []string{"%PDF-1.4 rapport", "%PDF-1.4 annexe", "PK\x05\x06" + strings.Repeat("\x00", 18)} {
		sum, _, err := local.Put(ctx, strings.NewReader(s), 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, sum)
	}
	secretFile := filepath.Join(t.TempDir(), "s3-secret")
	if err := os.WriteFile(secretFile, []byte(srv.SecretKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CARTABLE_S3_SECRET_KEY_FILE": secretFile}
	s3flags := []string{"--s3-endpoint", srv.Endpoint, "--s3-bucket", bucket, "--s3-region", srv.Region,
		"--s3-access-key", srv.AccessKey, "--s3-tls=false"}
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(Env{Args: append([]string{"--data", dir, "--log-level", "warn"}, args...),
			Getenv: func(k string) string { return env[k] }, Stdout: &out, Stderr: &errb})
		return code, out.String(), errb.String()
	}
	if code, out, stderr := run(append([]string{"files", "migrate", "--to", "s3"}, s3flags...)...); code != 0 || out != "copied 3, already there 0, failed 0\n" {
		t.Fatalf("first run: %d %q %s", code, out, stderr)
	}
	if code, out, stderr := run(append([]string{"files", "migrate", "--to", "s3"}, s3flags...)...); code != 0 || out != "copied 0, already there 3, failed 0\n" {
		t.Fatalf("second run: %d %q %s", code, out, stderr)
	}
	// A damaged local file is reported, not copied, and fails the command.
	bad, _, err := local.Put(ctx, strings.NewReader("%PDF-1.4 abîmé"), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "blobs", bad[:2], bad[2:4], bad), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := run(append([]string{"files", "migrate", "--to", "s3"}, s3flags...)...); code != 1 || out != "copied 0, already there 3, failed 1\n" || !strings.Contains(stderr, bad) {
		t.Fatalf("run with a damaged file: %d %q %s", code, out, stderr)
	}
	// Wrong usage and a wrong secret are refused.
	if code, _, stderr := run("files", "migrate", "--to", "gcs"); code != 2 {
		t.Fatalf("--to gcs: %d %s", code, stderr)
	}
	if code, _, stderr := run("files", "migrate", "--to", "s3", "--s3-endpoint", srv.Endpoint); code != 2 || !strings.Contains(stderr, "CARTABLE_S3_SECRET_KEY") {
		t.Fatalf("missing settings: %d %s", code, stderr)
	}
	env["CARTABLE_S3_SECRET_KEY"] = "wrong"
	if code, _, stderr := run(append([]string{"files", "migrate", "--to", "s3"}, s3flags...)...); code != 2 || !strings.Contains(stderr, "both set") {
		t.Fatalf("variable and file: %d %s", code, stderr)
	}
	delete(env, "CARTABLE_S3_SECRET_KEY_FILE")
	if code, _, stderr := run(append([]string{"files", "migrate", "--to", "s3"}, s3flags...)...); code != 1 || strings.Contains(stderr, "wrong") {
		t.Fatalf("wrong secret: %d %s", code, stderr)
	}

	// The application selected by --files s3 reads the migrated files.
	app := openTestAppEnv(t, append([]string{"--data", t.TempDir(), "--migrate", "--files", "s3"}, s3flags...), map[string]string{"CARTABLE_S3_SECRET_KEY": srv.SecretKey})
	defer app.Close()
	if _, ok := app.Blobs.(*blob.S3); !ok {
		t.Fatalf("--files s3 gave a %T", app.Blobs)
	}
	rc, err := app.Blobs.Open(ctx, sums[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, err := io.ReadAll(rc); err != nil || string(b) != "%PDF-1.4 rapport" {
		t.Fatalf("read %q, %v", b, err)
	}
	if err := app.checkFiles(ctx); err != nil {
		t.Fatal(err)
	}
	// serve stops at start when the credentials are wrong or the bucket is missing.
	serve := append(append([]string{"--migrate", "--files", "s3", "--addr", "127.0.0.1:0"}, s3flags...), "serve")
	if code, _, stderr := run(serve...); code != 1 || !strings.Contains(stderr, "Access Denied") {
		t.Fatalf("serve with a wrong secret: %d %s", code, stderr)
	}
	env["CARTABLE_S3_SECRET_KEY"] = srv.SecretKey
	code, _, stderr := run(append(append([]string{"--migrate", "--files", "s3", "--addr", "127.0.0.1:0"}, s3flags...), "--s3-bucket", "absent", "serve")...)
	if code != 1 || !strings.Contains(stderr, `bucket "absent" does not exist`) {
		t.Fatalf("serve with a missing bucket: %d %s", code, stderr)
	}
}

// TestKeysFromFile: CARTABLE_KEYS_FILE gives the keys as CARTABLE_KEYS does (a
// Kubernetes secret mounted as a file): no key file is created in the data directory,
// secrets are encrypted with them, and the key commands say where the keys come from.
func TestKeysFromFile(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(t.TempDir(), "cartable-keys")
	if err := os.WriteFile(keyFile, []byte("k1:AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CARTABLE_KEYS_FILE": keyFile}
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := Main(Env{Args: append([]string{"--data", dir, "--log-level", "warn"}, args...),
			Getenv: func(k string) string { return env[k] }, Stdout: &out, Stderr: &errb})
		return code, out.String(), errb.String()
	}
	for _, args := range [][]string{{"migrate"}, {"account", "create", "--login", "admin", "--role", "platform-admin", "--json"}} {
		if code, _, stderr := run(args...); code != 0 {
			t.Fatalf("%v: %d %s", args, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "keys.json")); err == nil {
		t.Fatal("a key file was created although the keys came from CARTABLE_KEYS_FILE")
	}
	if code, _, stderr := run("keys", "rotate"); code != 1 || !strings.Contains(stderr, "come from CARTABLE_KEYS") {
		t.Fatalf("keys rotate: %d %s", code, stderr)
	}
}
