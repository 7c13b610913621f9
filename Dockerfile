# syntax=docker/dockerfile:1
# cartable's images (issue 16), from one multi-stage build:
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t cartable:VERSION .
#       the server (`serve`), the jobs and every command: deploy/helm/cartable runs it
#   docker build --target function --build-arg VERSION=… -t cartable-fn:VERSION .
#       the same binary behind OpenFaaS's of-watchdog: deploy/openfaas/stack.yml
#
# The binary is static (CGO_ENABLED=0: the SQLite driver is pure Go), built with
# -trimpath and its version stamped with -ldflags; internal/cli TestImageBuildFlags
# builds it with the flags of the RUN line below and checks all three. The images run as
# a non-root user and need no writable root filesystem: the data directory is a volume
# (or PostgreSQL and object storage), temporary files go to /tmp (an emptyDir).

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY cmd cmd
COPY internal internal
COPY docs docs
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/cartable/cartable/internal/cli.Version=${VERSION}" -o /out/cartable ./cmd/cartable
RUN /out/cartable version

# distroless/static: CA certificates, /etc/passwd with the nonroot user (65532), no shell.
FROM gcr.io/distroless/static-debian12:nonroot AS server
COPY --from=build /out/cartable /usr/local/bin/cartable
USER 65532:65532
ENV CARTABLE_DATA=/data CARTABLE_ADDR=:8080
VOLUME ["/data", "/tmp"]
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/cartable"]
CMD ["serve"]

# The OpenFaaS functions: of-watchdog in "http" mode runs fprocess (`cartable fn NAME
# --port 8082`, set per function in stack.yml) and forwards each invocation to it; the
# jobs are functions too (`cartable fn job-transfer`, `cartable fn job-purge`).
FROM ghcr.io/openfaas/of-watchdog:0.11.5 AS watchdog

FROM server AS function
COPY --from=watchdog /fwatchdog /usr/local/bin/fwatchdog
ENV mode=http upstream_url=http://127.0.0.1:8082 port=8080 \
    read_timeout=10s write_timeout=10s exec_timeout=10s healthcheck_interval=5s prefix_logs=false
ENTRYPOINT ["/usr/local/bin/fwatchdog"]
CMD []
