# Sourced by the backup and point-in-time recovery drills: what they count, and how they compare.

# The tables whose row counts a restore must reproduce.
key_tables=(organisations users people cases case_notes case_attachments incidents referrals alerts sharing_agreements audit_events)

#   table_counts URL [PSQL]
#
# Prints "table count" for each key table and "audit_head seq:hash" (the chain's last row) for
# the database at URL, using PSQL (default: psql on the PATH).
table_counts() {
  local url="$1" psql_bin="${2:-psql}" table
  for table in "${key_tables[@]}"; do
    printf '%s %s\n' "$table" "$("$psql_bin" "$url" -X -v ON_ERROR_STOP=1 -qAtc "select count(*) from $table")"
  done
  printf 'audit_head %s\n' "$("$psql_bin" "$url" -X -v ON_ERROR_STOP=1 -qAtc "select coalesce((select seq::text || ':' || hash from audit_events order by seq desc limit 1), 'none')")"
}

#   compare_counts EXPECTED_FILE RESTORED_FILE LABEL
#
# Both files hold "name value" lines (table_counts' output). Prints `ok   name value` for each
# name whose restored value is the expected one, `FAIL name LABEL expected, restored actual`
# otherwise, and sets failed=1 in the caller when any differs.
compare_counts() {
  local expected_file="$1" restored_file="$2" label="$3" name expected_value restored_value
  while read -r name expected_value; do
    restored_value="$(awk -v n="$name" '$1 == n { print $2 }' "$restored_file")"
    if [[ "$expected_value" == "$restored_value" ]]; then
      echo "ok   $name $expected_value"
    else
      echo "FAIL $name $label $expected_value, restored $restored_value"
      failed=1
    fi
  done <"$expected_file"
}
