#!/usr/bin/env bash
# Point-in-time recovery drill for OneRoof on PostgreSQL (docs/reliability.md).
#
#   scripts/pitrDrill.sh
#
# Leaves the machine's own PostgreSQL cluster alone: everything happens in a throwaway cluster of
# the installed major version, in a temporary folder, on free ports (as the `postgres` OS user
# when run as root).
# 1. starts a source cluster with WAL archiving (archive_command copies into a temporary archive),
#    creates a database and runs `create-admin` (which migrates) against it;
# 2. takes a base backup with `pg_basebackup -X none` (the WAL comes from the archive only);
# 3. a "good" change (a second administrator), then the target time, then a "bad" change (a third
#    administrator and a mistaken bulk rename of every user), and waits until the WAL is archived;
# 4. restores the base backup into a new data folder with restore_command, recovery_target_time
#    and recovery.signal, starts it and waits until it is promoted;
# 5. verifies: the good change is there, the bad one is not, the key tables' counts and the audit
#    chain's last row are what they were at the target, and `audit:verify` passes.
# The operator commands get their own DATA_DIR (generated secrets) in the temporary folder.
# Exit code 0 when every check passes, 1 otherwise. Stops both clusters and removes the temporary
# folder on exit (KEEP_PITR=1 keeps the folder). PITR_TARGET='<timestamp>' replaces the target
# time, e.g. to see the drill fail with a target from before the base backup.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/drillCounts.sh
source scripts/lib/drillCounts.sh
node_bin="node_modules/.bin/node"
[[ -x "$node_bin" ]] || node_bin="node"

# The installed server's major version (its cluster configuration), else the newest binaries.
major="$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1 || true)"
if [[ -z "$major" ]]; then
  major="$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1 || true)"
fi
bin="/usr/lib/postgresql/${major}/bin"
if [[ -z "$major" || ! -x "$bin/initdb" || ! -x "$bin/pg_basebackup" ]]; then
  echo "pitr drill: the PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are not installed under /usr/lib/postgresql/<major>/bin" >&2
  exit 2
fi

work="$(mktemp -d /tmp/oneroof-pitr-XXXXXX)"
source_dir="$work/source"
restore_dir="$work/restore"
archive_dir="$work/archive"
base_dir="$work/base"
socket_dir="$work/sock"
mkdir -p "$archive_dir" "$socket_dir"
chmod 755 "$work"
if [[ "$(id -u)" == "0" ]]; then
  chown -R postgres:postgres "$work"
fi

# Server-side commands run as the cluster's owner; as root that must be `postgres`.
as_owner() {
  if [[ "$(id -u)" == "0" ]]; then
    (cd "$work" && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

reported=0
cleanup() {
  local status=$? dir
  if [[ "$status" != "0" && "$reported" == "0" ]]; then
    echo "pitr drill FAILED (a step above exited with $status; logs in $work, kept when KEEP_PITR=1)" >&2
  fi
  for dir in "$restore_dir" "$source_dir"; do
    if [[ -f "$dir/postmaster.pid" ]]; then
      as_owner "$bin/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null 2>&1 || true
    fi
  done
  if [[ "${KEEP_PITR:-0}" == "1" ]]; then
    echo "kept: $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
free_port() {
  local port tries
  for tries in $(seq 1 50); do
    port=$(( 55432 + RANDOM % 5000 ))
    if port_free "$port"; then echo "$port"; return 0; fi
  done
  echo "pitr drill: no free port found" >&2
  return 1
}
now_ms() { date +%s%3N; }
seconds_since() { awk -v s="$1" -v e="$(now_ms)" 'BEGIN { printf "%.1f", (e - s) / 1000 }'; }

source_port="$(free_port)"
source_url="postgres://postgres@127.0.0.1:$source_port/oneroof"
sql() { "$bin/psql" "$1" -X -v ON_ERROR_STOP=1 -qAtc "$2"; }
oneroof() {
  DATABASE_URL="$1" DATA_DIR="$work/app" NODE_ENV="${NODE_ENV:-development}" BASE_URL="${BASE_URL:-http://127.0.0.1}" "$node_bin" cli/oneroof.ts "${@:2}"
}

started="$(now_ms)"
as_owner "$bin/initdb" -D "$source_dir" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$work/initdb.log" 2>&1 || {
  cat "$work/initdb.log" >&2; exit 1; }
cat >>"$source_dir/postgresql.conf" <<EOF
# pitr drill
listen_addresses = '127.0.0.1'
port = $source_port
unix_socket_directories = '$socket_dir'
wal_level = replica
archive_mode = on
archive_command = 'test ! -f $archive_dir/%f && cp %p $archive_dir/%f'
EOF
as_owner "$bin/pg_ctl" -D "$source_dir" -l "$work/source.log" -w -t 60 start >/dev/null
sql "postgres://postgres@127.0.0.1:$source_port/postgres" "create database oneroof"
oneroof "$source_url" create-admin --email drill@example.org --name 'Drill Admin' --organisation 'Drill Council' >/dev/null
echo "source: PostgreSQL $major on port $source_port, migrated, one administrator"

backup_started="$(now_ms)"
as_owner "$bin/pg_basebackup" -h 127.0.0.1 -p "$source_port" -U postgres -D "$base_dir" -Fp -X none -c fast >"$work/basebackup.log" 2>&1 || {
  cat "$work/basebackup.log" >&2; exit 1; }
echo "base backup: $(du -sm "$base_dir" | cut -f1) MB in $(seconds_since "$backup_started")s"
backup_done="$(sql "$source_url" "select clock_timestamp()::text")"

# The good change, after the backup: only WAL replay can bring it back.
oneroof "$source_url" create-admin --email good@example.org --name 'Good Admin' --organisation 'Drill Council' >/dev/null
table_counts "$source_url" "$bin/psql" >"$work/at-target.txt"
sql "$source_url" "select pg_switch_wal()" >/dev/null
target="$(sql "$source_url" "select clock_timestamp()::text")"
target="${PITR_TARGET:-$target}"
echo "target: $target"
sleep 1

# The bad change: what the restore is meant to undo.
oneroof "$source_url" create-admin --email after-target@example.org --name 'After Target' --organisation 'After Target Council' >/dev/null
sql "$source_url" "update users set name = 'after-target'"
last_wal="$(sql "$source_url" "select pg_walfile_name(pg_switch_wal())")"
deadline=$(( $(date +%s) + 60 ))
until [[ -f "$archive_dir/$last_wal" ]]; do
  if (( $(date +%s) > deadline )); then
    echo "FAIL WAL segment $last_wal was not archived within 60s"
    echo "pitr drill FAILED" >&2
    reported=1
    exit 1
  fi
  sleep 0.2
done
segments="$(ls "$archive_dir" | grep -cE '^[0-9A-F]{24}$' || true)"
archive_failures="$(sql "$source_url" "select failed_count from pg_stat_archiver")"
echo "wal: $segments segments archived (last $last_wal), $archive_failures archive failures"
as_owner "$bin/pg_ctl" -D "$source_dir" -m fast -w stop >/dev/null

restore_port="$(free_port)"
restore_url="postgres://postgres@127.0.0.1:$restore_port/oneroof"
as_owner cp -a "$base_dir" "$restore_dir"
as_owner chmod 700 "$restore_dir"
# postgresql.auto.conf is read last, so these win over the copied postgresql.conf.
as_owner tee -a "$restore_dir/postgresql.auto.conf" >/dev/null <<EOF
port = $restore_port
archive_mode = off
restore_command = 'cp $archive_dir/%f %p'
recovery_target_time = '$target'
recovery_target_action = 'promote'
EOF
as_owner touch "$restore_dir/recovery.signal"

failed=0
restore_started="$(now_ms)"
recovered=0
if as_owner "$bin/pg_ctl" -D "$restore_dir" -l "$work/restore.log" -w -t 120 start >/dev/null 2>&1; then
  deadline=$(( $(date +%s) + 120 ))
  until [[ "$(sql "postgres://postgres@127.0.0.1:$restore_port/postgres" "select pg_is_in_recovery()" 2>/dev/null || true)" == "f" ]]; do
    if (( $(date +%s) > deadline )); then break; fi
    sleep 0.2
  done
  [[ "$(sql "postgres://postgres@127.0.0.1:$restore_port/postgres" "select pg_is_in_recovery()" 2>/dev/null || true)" == "f" ]] && recovered=1
fi
if [[ "$recovered" == "1" ]]; then
  stop_line="$(grep -m1 'recovery stopping' "$work/restore.log" | sed 's/^.*LOG: *//' || true)"
  echo "ok   recovery promoted in $(seconds_since "$restore_started")s (${stop_line:-no stop line in the log})"
else
  echo "FAIL recovery did not reach the target and open for writes:"
  grep -E 'FATAL|PANIC|ERROR' "$work/restore.log" | sed 's/^/     /' | tail -5 || true
  echo "pitr drill FAILED" >&2
  reported=1
  exit 1
fi

check() {
  local name="$1" expected="$2" actual="$3"
  if [[ "$expected" == "$actual" ]]; then
    echo "ok   $name"
  else
    echo "FAIL $name: expected $expected, got $actual"
    failed=1
  fi
}
# A target from before the backup's end cannot be reached: PostgreSQL replays to the first
# commit after the consistency point instead, silently.
check "target after the base backup ended ($backup_done)" t "$(sql "$restore_url" "select '$target'::timestamptz > '$backup_done'::timestamptz")"
check "good change present (good@example.org)" 1 "$(sql "$restore_url" "select count(*) from users where email = 'good@example.org'")"
check "bad change absent (after-target@example.org)" 0 "$(sql "$restore_url" "select count(*) from users where email = 'after-target@example.org'")"
check "bad change absent (users renamed after-target)" 0 "$(sql "$restore_url" "select count(*) from users where name = 'after-target'")"

table_counts "$restore_url" "$bin/psql" >"$work/restored.txt"
compare_counts "$work/at-target.txt" "$work/restored.txt" "at target"

if verify="$(oneroof "$restore_url" audit:verify 2>&1)"; then
  echo "ok   audit:verify $verify"
else
  echo "FAIL audit:verify $verify"
  failed=1
fi

reported=1
if [[ "$failed" == "0" ]]; then
  echo "pitr drill passed in $(seconds_since "$started")s"
else
  echo "pitr drill FAILED" >&2
fi
exit "$failed"
