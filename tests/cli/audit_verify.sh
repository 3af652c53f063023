# verify: recomputes the chains and reports the first row where the record
# was changed, deleted, inserted or reordered.  Each edit is made with the
# sqlite3 shell after dropping the append-only triggers, as a tamperer
# would; the hashes are also recomputed independently (sqlite3 shell +
# sha256sum, and tests/cli/audit_chain.py) from docs/audit.md.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit_lib.sh"
DB=$TMP/audit.db

expect_status "run 1" 0 golden_run "$DB" --quiet
expect_status "approve" 0 "$INCENTIVE" approve --audit "$DB" --policy $G/policy.yaml --by "A. Auditor"
expect_status "run 2" 0 golden_run "$DB" --quiet --final --period 2026-Q1
expect_status "verify" 0 "$INCENTIVE" verify --audit "$DB"
expect_grep "verified" "verified: every chain, file and snapshot matches its hash" "$TMP/out"
expect_grep "counts" "2 runs, 1 approval, 9 events, 0 rejected lines, 38 decisions" "$TMP/out"
head=$(sed -n 's/^head //p' "$TMP/out")
# the head is the last ledger entry's hash: run 2's, as the database holds it
expect_eq "head is run 2's hash" "$(q "$DB" "SELECT lower(hex(hash)) FROM runs WHERE run = 2")" "$head"
# and an independent recomputation of every chain reaches the same head
$AUDIT_CHAIN "$DB" > "$TMP/chain"
expect_eq "independent head" "head $head" "$(head -1 "$TMP/chain")"
expect_eq "independent check" "ok" "$(tail -1 "$TMP/chain")"

# one decision's hash by hand: canonical text from the sqlite3 shell,
# hashed by sha256sum (docs/audit.md, "Recomputing a hash by hand")
dcols=(seq run id period person kind amount currency rule events reason version "detail=$DETAIL_OBJECT")
mine=$(canon_hex "$DB" decisions 2 "${dcols[@]}" | unhex | sha256sum | cut -d' ' -f1)
expect_eq "decision 2 by hand" "$(q "$DB" "SELECT lower(hex(hash)) FROM decisions WHERE seq = 2")" "$mine"
# the canonical text starts as documented
canon_hex "$DB" decisions 1 "${dcols[@]}" | unhex > "$TMP/canon1"
expect_eq "canonical line 1" "incentive-audit-v1 decisions" "$(sed -n 1p "$TMP/canon1")"
expect_eq "canonical line 2" "0000000000000000000000000000000000000000000000000000000000000000" "$(sed -n 2p "$TMP/canon1")"
expect_eq "canonical line 3" "seq=1:1" "$(sed -n 3p "$TMP/canon1")"
expect_eq "canonical amount" "amount=6:600.00" "$(sed -n 9p "$TMP/canon1")"
ecols=(seq id date type person data run input line)
mine=$(canon_hex "$DB" events 5 "${ecols[@]}" | unhex | sha256sum | cut -d' ' -f1)
expect_eq "event 5 by hand" "$(q "$DB" "SELECT lower(hex(hash)) FROM events WHERE seq = 5")" "$mine"

# a head written down earlier is still in the ledger after more runs
run1=$(q "$DB" "SELECT lower(hex(hash)) FROM runs WHERE run = 1")
expect_status "expect old head" 0 "$INCENTIVE" verify --audit "$DB" --expect-head "$run1" --quiet
expect_grep "old head found" "is in the ledger" "$TMP/out"
expect_status "unknown head" 1 "$INCENTIVE" verify --audit "$DB" --expect-head "$(printf 'ab%.0s' {1..32})"
expect_grep "unknown head reported" "is not in the ledger" "$TMP/out"

tamper changed "UPDATE decisions SET amount = '999.00' WHERE seq = 5"
expect_grep "changed: kind" "changed: decisions: seq 5 (run 1 decision D000005" "$TMP/changed.out"
expect_grep "verdict" "NOT VERIFIED" "$TMP/changed.out"

tamper deleted "DELETE FROM decisions WHERE seq = 7"
expect_grep "deleted" "deleted: decisions: rows at seq 7..7 are missing (deleted)" "$TMP/deleted.out"

tamper renumbered "DELETE FROM decisions WHERE seq = 7" \
  "UPDATE decisions SET seq = -(seq - 1) WHERE seq > 7" "UPDATE decisions SET seq = -seq WHERE seq < 0"
expect_grep "deleted and renumbered" "deleted: decisions: 1 row(s) before seq 7 were deleted" "$TMP/renumbered.out"

tamper inserted_end "INSERT INTO decisions SELECT seq + 1, run, 'D000020', period, person, kind, '1000.00', currency, rule, events, reason, version, detail, hash FROM decisions WHERE seq = 38"
expect_grep "inserted at the end" "inserted: decisions: seq 39..39 were inserted: no run recorded them" "$TMP/inserted_end.out"

tamper inserted_mid "UPDATE decisions SET seq = -(seq + 1) WHERE seq >= 10" "UPDATE decisions SET seq = -seq WHERE seq < 0" \
  "INSERT INTO decisions SELECT 10, run, 'D000010', period, person, kind, '1000.00', currency, rule, events, reason, version, detail, hash FROM decisions WHERE seq = 9"
expect_grep "inserted in the middle" "inserted: decisions: seq 10 (run 1 decision D000010" "$TMP/inserted_mid.out"

tamper reordered "UPDATE decisions SET seq = -1 WHERE seq = 12" "UPDATE decisions SET seq = 12 WHERE seq = 13" \
  "UPDATE decisions SET seq = 13 WHERE seq = -1"
expect_grep "reordered" "reordered: decisions: rows were reordered: seq 12 holds run 1 decision D000013" "$TMP/reordered.out"

tamper run_changed "UPDATE runs SET status = 'final' WHERE run = 1"
expect_grep "run row changed" "changed: ledger: seq 1 (run 1 (final)) was changed" "$TMP/run_changed.out"

tamper approval_deleted "DELETE FROM approvals"
expect_grep "approval deleted" "deleted: ledger (runs, approvals and simulations): seq 2..2 are missing" "$TMP/approval_deleted.out"

tamper event_changed "UPDATE events SET data = replace(data, '6000.00', '6500.00') WHERE id = 'e1'"
expect_grep "event changed" "changed: events: seq 1 (event e1" "$TMP/event_changed.out"

tamper rewritten "UPDATE decisions SET amount = '1.00', hash = randomblob(32) WHERE seq = 3"
expect_grep "hash rewritten" "decisions: seq 3" "$TMP/rewritten.out"

# schema version 3: a detail is stored as [shape,values...] and hashed as the
# object it stands for; an edit of a value, or of a shape's keys, changes it
tamper detail_value "UPDATE decisions SET detail = json_set(detail, '\$[1]', '1.00') WHERE seq = 5"
expect_grep "detail value changed" "changed: decisions: seq 5 (run 1 decision D000005" "$TMP/detail_value.out"
tamper detail_keys "UPDATE detail_keys SET keys = replace(keys, '\"exact\"', '\"precise\"') WHERE shape = 1"
expect_grep "detail keys changed" "changed: decisions: seq 1 (run 1 decision D000001" "$TMP/detail_keys.out"
tamper detail_shape_gone "DELETE FROM detail_keys WHERE shape = 1"
expect_grep "detail shape deleted" "detail_keys: shape 2 out of sequence (expected 1): the table was altered" "$TMP/detail_shape_gone.out"
expect_grep "its decisions changed" "changed: decisions: seq 1 (run 1 decision D000001" "$TMP/detail_shape_gone.out"

tamper blob_changed "UPDATE blobs SET bytes = CAST(replace(CAST(bytes AS TEXT), '10%', '12%') AS BLOB) WHERE sha256 = (SELECT sha256 FROM policy_files)"
expect_grep "blob changed" "changed: blobs: the file stored as" "$TMP/blob_changed.out"

tamper snapshot_changed "DELETE FROM policy_files"
expect_grep "snapshot changed" "changed: policies: the snapshot of policy" "$TMP/snapshot_changed.out"

tamper people_changed "UPDATE run_people SET name = 'Someone Else' WHERE run = 1 AND person = 'a'"
expect_grep "roster changed" "changed: run_people: the rows of run 1" "$TMP/people_changed.out"

# dropping a guard alone is reported too
cp "$DB" "$TMP/guard.db"
q "$TMP/guard.db" "DROP TRIGGER decisions_no_update"
expect_status "guard dropped" 1 "$INCENTIVE" verify --audit "$TMP/guard.db"
expect_grep "guard dropped reported" "schema: trigger decisions_no_update is missing (the append-only guard was removed)" "$TMP/out"

# the file itself edited behind SQLite's back: a digit of a stored reason
cp "$DB" "$TMP/bytes.db"
python3 - "$TMP/bytes.db" <<'PY' || fail "test setup: reason text not found in the file"
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
i = b.find(b"5% of 1,500.00")
if i < 0: sys.exit(1)
b[i] = ord("6")
open(p, "wb").write(b)
PY
"$INCENTIVE" verify --audit "$TMP/bytes.db" >"$TMP/bytes.out" 2>&1
[ $? = 1 ] && pass || { fail "edited file verified"; cat "$TMP/bytes.out" >&2; }
expect_grep "edited bytes found" "changed: decisions: seq" "$TMP/bytes.out"
# and damaged: a b-tree page header overwritten (PRAGMA integrity_check)
cp "$DB" "$TMP/damaged.db"
python3 - "$TMP/damaged.db" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
page = int.from_bytes(b[16:18], "big")
page = 65536 if page == 1 else page   # the header says 1 for 65536
for n in range(2, len(b) // page):
    off = n * page
    if b[off] in (0x0d, 0x05):      # a table b-tree page
        b[off + 3:off + 5] = b"\xff\xff" # its cell count
        break
open(p, "wb").write(b)
PY
"$INCENTIVE" verify --audit "$TMP/damaged.db" >"$TMP/damaged.out" 2>&1
[ $? = 1 ] && pass || { fail "damaged file verified"; cat "$TMP/damaged.out" >&2; }
# the original still verifies
expect_status "original intact" 0 "$INCENTIVE" verify --audit "$DB" --quiet
done_testing
