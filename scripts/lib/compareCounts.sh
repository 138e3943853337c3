# Sourced by the backup and point-in-time recovery drills.
#
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
