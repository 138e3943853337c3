#!/usr/bin/env bash
# Backup and restore drill for OneRoof on PostgreSQL (docs/reliability.md).
#
#   scripts/backupDrill.sh [SOURCE_DATABASE_URL]     (default: $DATABASE_URL)
#
# 1. pg_dump (custom format) of the source database into a temporary folder;
# 2. restores it with pg_restore into a fresh database next to the source (oneroof_restore_<time>);
# 3. verifies: the row count of every key table equals the source's, the audit chain's last row
#    (seq and hash) is the same, and `audit:verify` passes against the restored database;
# 4. drops the restored database (KEEP_RESTORE=1 keeps it) and prints one line per check.
# Exit code 0 when the backup restores and verifies, 1 otherwise. Needs pg_dump, pg_restore and
# psql of the server's major version, and a role that may create databases.
set -euo pipefail

source_url="${1:-${DATABASE_URL:-}}"
if [[ -z "$source_url" ]]; then
  echo "usage: scripts/backupDrill.sh postgres://user@host:5432/database (or set DATABASE_URL)" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/drillCounts.sh
source scripts/lib/drillCounts.sh
node_bin="node_modules/.bin/node"
[[ -x "$node_bin" ]] || node_bin="node"

restore_name="oneroof_restore_$(date -u +%Y%m%d%H%M%S)_$$"
# The restored database's URL: the source's with the database name replaced (query string kept).
restore_url="$(SOURCE_URL="$source_url" RESTORE_NAME="$restore_name" "$node_bin" -e '
  const url = new URL(process.env.SOURCE_URL); url.pathname = "/" + process.env.RESTORE_NAME; console.log(url.toString());')"
admin_url="$(SOURCE_URL="$source_url" "$node_bin" -e '
  const url = new URL(process.env.SOURCE_URL); url.pathname = "/postgres"; console.log(url.toString());')"
work="$(mktemp -d)"
cleanup() {
  rm -rf "$work"
  if [[ "${KEEP_RESTORE:-0}" != "1" ]]; then
    psql "$admin_url" -qAtc "drop database if exists $restore_name with (force)" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

started=$(date +%s)
pg_dump --format=custom --no-owner --file="$work/oneroof.dump" "$source_url"
dump_bytes=$(stat -c %s "$work/oneroof.dump")
echo "dump: $dump_bytes bytes in $(( $(date +%s) - started ))s"

psql "$admin_url" -qAtc "create database $restore_name" >/dev/null
restore_started=$(date +%s)
pg_restore --no-owner --exit-on-error --dbname="$restore_url" "$work/oneroof.dump"
echo "restore: into $restore_name in $(( $(date +%s) - restore_started ))s"

table_counts "$source_url" >"$work/source.txt"
table_counts "$restore_url" >"$work/restored.txt"
failed=0
compare_counts "$work/source.txt" "$work/restored.txt" "source"

if verify="$(DATABASE_URL="$restore_url" NODE_ENV="${NODE_ENV:-development}" BASE_URL="${BASE_URL:-http://127.0.0.1}" "$node_bin" cli/oneroof.ts audit:verify 2>&1)"; then
  echo "ok   audit:verify $verify"
else
  echo "FAIL audit:verify $verify"
  failed=1
fi

if [[ "$failed" == "0" ]]; then
  echo "backup drill passed in $(( $(date +%s) - started ))s"
else
  echo "backup drill FAILED" >&2
fi
exit "$failed"
