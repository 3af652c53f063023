# Faults around the audit database: a full disk, a read-only database, a
# second writer holding the lock, damaged files.  Each ends with a clear
# message, nothing written (--out untouched, no partial run recorded), a
# database that `verify` still accepts (or that is refused as not an
# audit database), and the same command run again afterwards records the
# run once, whole.  SIGKILL at many points of a run: tests/cli/audit_kill.sh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit_lib.sh"
DB=$TMP/audit.db
expect_status "first run" 0 golden_run "$DB" --quiet --format none
head1=$(q "$DB" "SELECT lower(hex(hash)) FROM runs WHERE run = 1")

# a run big enough to need room in the database
python3 fixtures/gen_events.py --seed 9 --count 20000 --people 50 --out "$TMP/gen" >/dev/null
big=(run --policy rules --people "$TMP/gen/people.csv" --quotas "$TMP/gen/quotas.csv"
     --events "$TMP/gen/events.csv" --format csv --quiet)
expect_status "reference run" 0 "$INCENTIVE" "${big[@]}" --out "$TMP/ref.csv"

# intact DB WHAT RUNS: DB holds RUNS whole runs, run 1 unchanged, verifies
intact() {
  expect_eq "$1: runs" "$2" "$(q "$DB" 'SELECT count(*) FROM runs')"
  expect_eq "$1: run 1 unchanged" "$head1" "$(q "$DB" "SELECT lower(hex(hash)) FROM runs WHERE run = 1")"
  expect_eq "$1: no partial decisions" "0" \
    "$(q "$DB" "SELECT count(*) FROM runs r WHERE r.decisions <> (SELECT count(*) FROM decisions d WHERE d.run = r.run)")"
  expect_eq "$1: no stray decisions" "0" "$(q "$DB" "SELECT count(*) FROM decisions WHERE run NOT IN (SELECT run FROM runs)")"
  "$INCENTIVE" verify --audit "$DB" --quiet >"$TMP/v.out" 2>&1 && pass || { fail "$1: verify"; cat "$TMP/v.out" >&2; }
}
# rerun WHAT: the big run again, recorded once and whole
rerun() {
  local before
  before=$(q "$DB" 'SELECT count(*) FROM runs')
  expect_status "$1: run again" 0 "$INCENTIVE" "${big[@]}" --audit "$DB" --out "$TMP/again.csv"
  cmp -s "$TMP/again.csv" "$TMP/ref.csv" && pass || fail "$1: the decisions differ from the reference"
  intact "$1: after the rerun" "$((before + 1))"
  expect_eq "$1: its decisions once" "$(($(wc -l < "$TMP/ref.csv") - 1))" \
    "$(q "$DB" "SELECT count(*) FROM decisions WHERE run = (SELECT max(run) FROM runs)")"
}

# --- disk full: the database on a tmpfs with 512 KiB to spare (mounted
# in a private mount namespace) when this machine allows it, else a file
# size limit with SIGXFSZ ignored (writes fail with EFBIG, as when full)
mkdir -p "$TMP/small"
can_mount=0
unshare -m sh -c 'mount -t tmpfs -o size=64k tmpfs "$1"' sh "$TMP/small" 2>/dev/null && can_mount=1
small_disk() { # command...: runs it with --audit on the small disk
  if [ $can_mount = 1 ]; then
    unshare -m sh -c 'm=$1; db=$2; shift 2
      mount -t tmpfs -o size=$(( $(stat -c %s "$db") / 1024 + 512 ))k tmpfs "$m" || exit 98
      cp "$db" "$m/audit.db" || exit 99
      "$@" --audit "$m/audit.db"; st=$?
      for f in "$m"/audit.db*; do cp "$f" "$db${f#"$m/audit.db"}"; done
      exit $st' sh "$TMP/small" "$DB" "$@"
  else
    local kb=$(( $(stat -c %s "$DB") / 1024 + 256 ))
    ( trap '' XFSZ; ulimit -f "$kb"; exec "$@" --audit "$DB" )
  fi
}
# (--format none: only the database needs room)
expect_status "disk full" 1 small_disk "$INCENTIVE" "${big[@]}" --format none
grep -qE "audit.db: .*(database or disk is full|disk I/O error)" "$TMP/err" && pass ||
  { fail "disk full: no clear message"; cat "$TMP/err" >&2; }
expect_grep "disk full: nothing written" "nothing was written" "$TMP/err"
intact "disk full" 1
rerun "disk full"
# the decisions file on a full disk (a file size limit: writes fail with
# EFBIG): the message names the file and the reason, nothing is written
expect_status "output disk full" 1 bash -c 'trap "" XFSZ; ulimit -f 64; exec "$@"' sh \
  "$INCENTIVE" "${big[@]}" --format csv --out "$TMP/full.csv"
expect_grep "output disk full: names the file and why" "cannot write $TMP/full.csv: File too large" "$TMP/err"
expect_grep "output disk full: nothing written" "nothing was written" "$TMP/err"
[ -z "$(ls "$TMP" | grep '^full\.csv')" ] && pass || fail "output disk full: left $(ls "$TMP" | grep '^full')"

# --- a read-only database, and a writable database in a read-only
# directory (run as another user, so that root's rights do not hide it)
as_nobody() {
  if [ "$(id -u)" = 0 ]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi
}
chmod 0755 "$TMP"
runs=$(q "$DB" 'SELECT count(*) FROM runs')
mkdir -p "$TMP/ro" && chmod 0777 "$TMP/ro"
cp "$DB" "$TMP/ro/audit.db" && chmod 0444 "$TMP/ro/audit.db"
sum_before=$(sha256sum < "$TMP/ro/audit.db")
expect_status "read-only" 1 as_nobody "$INCENTIVE" "${big[@]}" --audit "$TMP/ro/audit.db" --out "$TMP/ro/out.csv"
expect_grep "read-only says so" "audit.db: cannot store an event: attempt to write a readonly database" "$TMP/err"
expect_grep "read-only: nothing written" "nothing was written" "$TMP/err"
[ ! -e "$TMP/ro/out.csv" ] && pass || fail "read-only: an output file was written"
expect_eq "read-only: file unchanged" "$sum_before" "$(sha256sum < "$TMP/ro/audit.db")"
mkdir -p "$TMP/rodir" && cp "$DB" "$TMP/rodir/audit.db"
chown 65534 "$TMP/rodir/audit.db" 2>/dev/null; chmod 0555 "$TMP/rodir"
sum_before=$(sha256sum < "$TMP/rodir/audit.db")
expect_status "read-only directory" 1 as_nobody "$INCENTIVE" "${big[@]}" --audit "$TMP/rodir/audit.db" --out "$TMP/ro/out2.csv"
expect_grep "read-only directory: names the database" "rodir/audit.db: " "$TMP/err"
[ ! -e "$TMP/ro/out2.csv" ] && pass || fail "read-only directory: an output file was written"
expect_eq "read-only directory: file unchanged" "$sum_before" "$(sha256sum < "$TMP/rodir/audit.db")"
chmod 0755 "$TMP/rodir"; chmod 0700 "$TMP"
intact "read-only" "$runs"

# --- another writer holds the lock for 3 s: the run waits for it (busy
# timeout), then records the run; killed while it waits, nothing changes
lock_for() { # seconds: holds a write transaction on $DB, flag file when held
  rm -f "$TMP/locked"
  python3 - "$DB" "$1" "$TMP/locked" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute('BEGIN IMMEDIATE')
open(sys.argv[3], 'w').close()
time.sleep(float(sys.argv[2]))
c.execute('ROLLBACK')
PY
  locker=$!
  while [ ! -e "$TMP/locked" ]; do sleep 0.05; done
}
lock_for 3
t0=$(date +%s%N)
expect_status "locked: waits, then runs" 0 "$INCENTIVE" "${big[@]}" --audit "$DB" --out "$TMP/locked.csv"
t1=$(date +%s%N)
wait $locker
[ $(((t1 - t0) / 1000000)) -ge 2500 ] && pass || fail "locked: the run did not wait for the lock ($(((t1 - t0) / 1000000)) ms)"
cmp -s "$TMP/locked.csv" "$TMP/ref.csv" && pass || fail "locked: decisions differ from the reference"
intact "locked" "$((runs + 1))"
lock_for 30
"$INCENTIVE" "${big[@]}" --audit "$DB" --out "$TMP/killed.csv" 2>/dev/null &
victim=$!
sleep 2
kill -9 $victim; wait $victim 2>/dev/null
kill $locker; wait $locker 2>/dev/null
[ ! -e "$TMP/killed.csv" ] && pass || fail "killed while waiting: an output file was written"
intact "killed while waiting for the lock" "$((runs + 1))"
rerun "killed while waiting for the lock"

# --- files that are not (whole) audit databases: refused with a clear
# message, left as they were, nothing written
damaged() { # name: $TMP/bad.db prepared
  local sum
  sum=$(sha256sum < "$TMP/bad.db")
  rm -f "$TMP/bad.csv"
  expect_status "$1: refused" 1 "$INCENTIVE" "${big[@]}" --audit "$TMP/bad.db" --out "$TMP/bad.csv"
  expect_grep "$1: says so" "bad.db: not an incentive audit database" "$TMP/err"
  [ ! -e "$TMP/bad.csv" ] && pass || fail "$1: an output file was written"
  expect_eq "$1: file unchanged" "$sum" "$(sha256sum < "$TMP/bad.db")"
  expect_status "$1: verify refuses it" 1 "$INCENTIVE" verify --audit "$TMP/bad.db"
  expect_grep "$1: verify says so" "bad.db: not an incentive audit database" "$TMP/err"
}
echo "hello, this is not a database" > "$TMP/bad.db"; damaged "a text file"
head -c 8192 /dev/urandom > "$TMP/bad.db"; damaged "random bytes"
head -c 100000 "$DB" > "$TMP/bad.db"; damaged "a truncated database"
rm -f "$TMP/bad.db"; q "$TMP/bad.db" "CREATE TABLE t(x); INSERT INTO t VALUES (1)"; damaged "another program's database"
# a damaged page inside an audit database (the first byte of the
# decisions table's root page, its page type): verify says it is damaged
cp "$DB" "$TMP/page.db"
psize=$(q "$DB" 'PRAGMA page_size'); root=$(q "$DB" "SELECT rootpage FROM sqlite_master WHERE name = 'decisions'")
printf '\x00' | dd of="$TMP/page.db" bs=1 seek=$(( psize * (root - 1) + (root == 1 ? 100 : 0) )) conv=notrunc status=none
expect_status "damaged page: verify" 1 "$INCENTIVE" verify --audit "$TMP/page.db"
grep -qE "page.db: .*(the audit database was altered|database disk image is malformed)" "$TMP/err" && pass ||
  { fail "damaged page: no clear statement"; cat "$TMP/err" >&2; }
expect_grep "damaged page: which check" "integrity_check" "$TMP/out"
# and the original, after all this, is whole
intact "at the end" "$(q "$DB" 'SELECT count(*) FROM runs')"
done_testing
