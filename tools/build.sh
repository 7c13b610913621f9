#!/usr/bin/env bash
# Builds the tools of this module (tools/go.mod, kept apart from cartable's own go.mod)
# into a bin directory (default tools/bin): the servers the tests start and the
# checkers CI runs.
#
#   hydra      OpenID Connect provider (issue 11); the sqlite tag (cgo) gives it the
#              in-memory database the tests use (DSN=memory)
#   mailpit    SMTP server with an HTTP API (issue 13)
#   versitygw  S3 gateway over a directory (issue 15)
#   helm       chart lint and template (issue 16)
#
# Usage: tools/build.sh [BIN_DIR]. The Go build cache makes a second run cheap (it
# relinks nothing when nothing changed).
set -euo pipefail
cd "$(dirname "$0")"
bin=${1:-$PWD/bin}
mkdir -p "$bin"
CGO_ENABLED=1 go build -tags sqlite,sqlite_omit_load_extension -o "$bin/" tool
