# Shared pieces of the audit-trail CLI tests (sourced after lib.sh).
# The golden case tests/golden/basic is used throughout: its decisions are
# worked out by hand in tests/golden/basic/README.md.
G=tests/golden/basic
AUDIT_CHAIN="python3 $SRCDIR/tests/cli/audit_chain.py"

# golden_run DB [extra run args...]: the golden case, recorded in DB
golden_run() {
  local db=$1; shift
  "$INCENTIVE" run --policy $G/policy.yaml --people $G/people.csv --quotas $G/quotas.csv \
    --events $G/events.csv --format csv --audit "$db" "$@"
}

# q DB SQL: one value (or rows) from the sqlite3 shell
q() { sqlite3 -batch -noheader "$1" "$2"; }

# drop_guards DB: removes the append-only triggers, as a tamperer would
drop_guards() {
  local t
  for t in $(q "$1" "SELECT name FROM sqlite_master WHERE type = 'trigger'"); do
    q "$1" "DROP TRIGGER $t" || return 1
  done
}

# canon_hex DB TABLE SEQ COLS...: the canonical serialisation of one row,
# built with the sqlite3 shell alone from docs/audit.md, as hex
canon_hex() {
  local db=$1 table=$2 seq=$3; shift 3
  local expr="'incentive-audit-v1 $table' || char(10) || coalesce((SELECT lower(hex(hash)) FROM $table WHERE seq = $seq - 1), '$(printf '0%.0s' {1..64})') || char(10)"
  local c
  for c in "$@"; do
    expr="$expr || CASE WHEN $c IS NULL THEN '$c=NULL' ELSE '$c=' || length(CAST($c AS BLOB)) || ':' || CAST($c AS BLOB) END || char(10)"
  done
  q "$db" "SELECT hex($expr) FROM $table WHERE seq = $seq"
}

unhex() { python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))'; }
