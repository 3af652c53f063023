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

# tamper NAME SQL...: a copy of $DB as $TMP/NAME.db, its triggers dropped,
# edited with the SQL statements, the triggers restored (so that only the
# edit remains to find); then verify must exit 1, its output in
# $TMP/NAME.out and .err.
tamper() {
  local name=$1; shift
  cp "$DB" "$TMP/$name.db"
  drop_guards "$TMP/$name.db" || fail "$name: cannot drop the triggers"
  local s
  for s in "$@"; do q "$TMP/$name.db" "$s" || fail "$name: edit failed: $s"; done
  sqlite3 "$TMP/$name.db" "$(grep '^CREATE TRIGGER' schemas/audit.sql)" || fail "$name: cannot restore triggers"
  "$INCENTIVE" verify --audit "$TMP/$name.db" >"$TMP/$name.out" 2>"$TMP/$name.err"
  local st=$?
  [ $st = 1 ] && pass || { fail "$name: verify exit status $st, expected 1"; cat "$TMP/$name.out" >&2; }
}

# canon_hex DB TABLE SEQ COLS...: the canonical serialisation of one row,
# built with the sqlite3 shell alone from docs/audit.md, as hex
canon_hex() {
  local db=$1 table=$2 seq=$3; shift 3
  local expr="'incentive-audit-v1 $table' || char(10) || coalesce((SELECT lower(hex(hash)) FROM $table WHERE seq = $seq - 1), '$(printf '0%.0s' {1..64})') || char(10)"
  local c
  # a column is NAME, or NAME=EXPR for a value computed from the row
  local name v
  for c in "$@"; do
    name=${c%%=*}; v=${c#*=}
    expr="$expr || CASE WHEN $v IS NULL THEN '$name=NULL' ELSE '$name=' || length(CAST($v AS BLOB)) || ':' || CAST($v AS BLOB) END || char(10)"
  done
  q "$db" "SELECT hex($expr) FROM $table WHERE seq = $seq"
}

# The detail object a decision's stored detail stands for (schema version 3:
# "[shape,values...]" and the shape's keys in detail_keys), as in
# docs/audit.md, "Recomputing a hash by hand".
DETAIL_OBJECT="(SELECT '{' || coalesce(group_concat(json_quote(k.value) || ':' || json_quote(v.value), ','), '') || '}' FROM detail_keys s, json_each(s.keys) k, json_each(decisions.detail) v WHERE s.shape = json_extract(decisions.detail, '\$[0]') AND v.key = k.key + 1)"

unhex() { python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read().strip()))'; }
