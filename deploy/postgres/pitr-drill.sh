#!/usr/bin/env bash
# A point-in-time recovery drill of docs/backup.md on one machine: a scratch
# PostgreSQL cluster with WAL archiving, a base backup, a day's worth of writes
# (cartable bench load), a destructive mistake, then the recovery to the moment before
# it, timed. Nothing of the machine's own clusters is touched: everything lives under
# $WORK on ports 5433 (primary) and 5434 (recovered).
#
#   deploy/postgres/pitr-drill.sh [ESTABLISHMENTS] [STUDENTS_PER_ESTABLISHMENT]
#
# Needs the PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) and cartable on
# PATH or in $CARTABLE (default: go run ./cmd/cartable). Runs as a non-root user, or as
# root through the "postgres" account (the files are then that account's).
set -euo pipefail
EST=${1:-100}
PER=${2:-1000}
WORK=${WORK:-/tmp/cartable-pitr}
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
CARTABLE=${CARTABLE:-}
if [ -z "$CARTABLE" ]; then
  go build -o "$WORK.cartable" ./cmd/cartable
  CARTABLE="$WORK.cartable"
fi
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

as_pg "$PGBIN/pg_ctl" -D "$WORK/primary" -m immediate stop >/dev/null 2>&1 || true
as_pg "$PGBIN/pg_ctl" -D "$WORK/recovered" -m immediate stop >/dev/null 2>&1 || true
rm -rf "$WORK"; mkdir -p "$WORK/wal"
[ "$(id -u)" = 0 ] && chown -R postgres "$WORK"

as_pg "$PGBIN/initdb" -D "$WORK/primary" -U postgres --auth=trust >/dev/null
cat >> "$WORK/primary/postgresql.conf" <<CONF
port = 5433
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK'
wal_level = replica
archive_mode = on
archive_timeout = 60s
archive_command = 'test ! -f $WORK/wal/%f && cp %p $WORK/wal/%f'
max_wal_size = 4GB
CONF
as_pg "$PGBIN/pg_ctl" -D "$WORK/primary" -l "$WORK/primary.log" -w start >/dev/null
DSN="postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable"
"$CARTABLE" --db "$DSN" migrate >/dev/null

t=$(now)
as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p 5433 -U postgres -D "$WORK/base" -Ft -z -Xs -c fast
echo "base backup (empty schema): $(secs "$t" "$(now)") s, $(du -sh "$WORK/base" | cut -f1)"

t=$(now)
"$CARTABLE" --db "$DSN" bench load --establishments "$EST" --students "$PER" >/dev/null
echo "writes after the base backup: $((EST * PER)) students with their accounts and memberships in $(secs "$t" "$(now)") s"
sleep 2
TARGET=$(psql -h 127.0.0.1 -p 5433 -U postgres -Atc "SELECT now()")
sleep 2
# The mistake: every student deleted (their records follow by cascade).
psql -h 127.0.0.1 -p 5433 -U postgres -qc "DELETE FROM students" >/dev/null
psql -h 127.0.0.1 -p 5433 -U postgres -qAtc "SELECT pg_switch_wal()" >/dev/null
sleep 3
as_pg "$PGBIN/pg_ctl" -D "$WORK/primary" -m fast stop >/dev/null
echo "WAL archived since the base backup: $(ls "$WORK/wal" | wc -l) segments, $(du -sh "$WORK/wal" | cut -f1)"

# The recovery: the base backup unpacked, the WAL replayed up to TARGET.
t=$(now)
as_pg mkdir -p "$WORK/recovered"
as_pg tar -xzf "$WORK/base/base.tar.gz" -C "$WORK/recovered"
as_pg tar -xzf "$WORK/base/pg_wal.tar.gz" -C "$WORK/recovered/pg_wal"
chmod 700 "$WORK/recovered"
cat >> "$WORK/recovered/postgresql.conf" <<CONF
port = 5434
archive_mode = off
restore_command = 'cp $WORK/wal/%f %p'
recovery_target_time = '$TARGET'
recovery_target_action = 'promote'
CONF
as_pg touch "$WORK/recovered/recovery.signal"
t_unpacked=$(now)
as_pg "$PGBIN/pg_ctl" -D "$WORK/recovered" -l "$WORK/recovered.log" -w -t 3600 start >/dev/null
until [ "$(psql -h 127.0.0.1 -p 5434 -U postgres -Atc 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]; do sleep 0.2; done
t_done=$(now)
n=$(psql -h 127.0.0.1 -p 5434 -U postgres -Atc "SELECT COUNT(*) FROM students")
echo "recovery to $TARGET: unpack $(secs "$t" "$t_unpacked") s + replay and promote $(secs "$t_unpacked" "$t_done") s = $(secs "$t" "$t_done") s; students after: $n (of $((EST * PER)))"
"$CARTABLE" --db "postgres://postgres@127.0.0.1:5434/postgres?sslmode=disable" migrate --status
as_pg "$PGBIN/pg_ctl" -D "$WORK/recovered" -m fast stop >/dev/null
[ "$n" = $((EST * PER)) ]
