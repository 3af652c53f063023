#!/usr/bin/env bash
# `incentive simulate --audit`: a simulation is recorded in the audit
# database as a simulation (a ledger entry of its own kind), never as a
# run; it is listed and shown; verify covers it (and finds an edit to it);
# a final run afterwards is exactly what it would have been without it; a
# database of schema version 1 is upgraded by its first simulation.
#
# The figures are the golden case tests/golden/sim, worked out by hand in
# tests/golden/sim/README.md:
#   policy.yaml   p1 800.00, p2 2,400.00: total 3,200.00 USD on credited 20,000.00
#   policy-b.yaml p1 800.00, p2 2,600.00: total 3,400.00 (p2: 10,000 x 10%
#                 + 2,000 x 30% + bonus 1,000.00), change +200.00
#   Monte Carlo, normal, mean 1.1, spread 0: every trial is the deals x 1.10:
#                 3,520.00 (p1 880.00, p2 2,640.00)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/audit_lib.sh"
S=tests/golden/sim
DB=$TMP/pay.db
IN=(--people $S/people.csv --quotas $S/quotas.csv --events $S/events.csv --no-curves)

# approve policy A (ledger seq 1), then simulate A against B (seq 2)
expect_status "approve" 0 "$INCENTIVE" approve --audit "$DB" --policy $S/policy.yaml --by "Finance Director"
expect_status "simulate A vs B, recorded" 0 "$INCENTIVE" simulate --policy $S/policy.yaml \
  --vs $S/policy-b.yaml "${IN[@]}" --audit "$DB" --by "F. Analyst" --note "plan B for Q1" \
  --format csv --table cost
expect_grep "recorded as a simulation" "simulation 1 recorded (a simulation, not a run" "$TMP/err"
# the tables printed are those of a simulation without --audit
expect_eq "printed cost" "currency,credited revenue A,cost A,cost % of revenue A,credited revenue B,cost B,cost % of revenue B,change,change %
USD,20000.00,3200.00,16.00,20000.00,3400.00,17.00,200.00,6.25" "$(cat "$TMP/out")"

# what is stored: a ledger entry, no run, no event, no decision
expect_eq "no run" "0" "$(q "$DB" "SELECT count(*) FROM runs")"
expect_eq "no event" "0" "$(q "$DB" "SELECT count(*) FROM events")"
expect_eq "no decision" "0" "$(q "$DB" "SELECT count(*) FROM decisions")"
expect_eq "ledger seq" "2|1|F. Analyst|plan B for Q1" \
  "$(q "$DB" "SELECT seq, simulation, made_by, note FROM simulations")"
expect_eq "policies A and B stored" "2" "$(q "$DB" \
  "SELECT count(*) FROM policies WHERE hash IN (SELECT policy_a FROM simulations UNION SELECT policy_b FROM simulations)")"
expect_eq "labels" "A|B" "$(q "$DB" "SELECT label_a, label_b FROM simulations")"
expect_eq "policy A is the approved one" "$(q "$DB" "SELECT policy FROM approvals")" \
  "$(q "$DB" "SELECT policy_a FROM simulations")"
expect_eq "totals" "A|USD|20000.00|3200.00
B|USD|20000.00|3400.00" "$(q "$DB" "SELECT side, currency, credited, cost FROM simulation_totals ORDER BY n")"
expect_eq "no Monte Carlo figures" "1" "$(q "$DB" "SELECT count(*) = 2 FROM simulation_totals WHERE mc_mean IS NULL")"
expect_eq "people" "A|p1|800.00|80.00
A|p2|2400.00|120.00
B|p1|800.00|80.00
B|p2|2600.00|120.00" "$(q "$DB" "SELECT side, person, pay, attainment FROM simulation_people ORDER BY n")"
# the input files: hashes as sha256sum prints them; people and quotas stored whole
expect_eq "events hash" "$(sha256sum < $S/events.csv | cut -d' ' -f1)|0" \
  "$(q "$DB" "SELECT sha256, stored FROM simulation_inputs WHERE role = 'events'")"
expect_eq "people stored" "$(cat $S/people.csv)" \
  "$(q "$DB" "SELECT CAST(bytes AS TEXT) FROM blobs WHERE sha256 = (SELECT sha256 FROM simulation_inputs WHERE role = 'people')")"

# list and show
expect_status "list" 0 "$INCENTIVE" simulate --audit "$DB" --list --format csv
expect_eq "list csv" "simulation,started,by,policy A,policy B,scenario,seed,trials,events,cost A,cost B,note" \
  "$(head -1 "$TMP/out")"
expect_grep "list row" ",F. Analyst,sim-golden $(q "$DB" "SELECT substr(policy_a, 1, 12) FROM simulations")," "$TMP/out"
expect_grep "list costs" ",1,0,4,USD 3200.00,USD 3400.00,plan B for Q1" "$TMP/out"
expect_status "show people" 0 "$INCENTIVE" simulate --audit "$DB" --show 1 --format csv --table people
expect_eq "show people" "person,name,team,level,currency,credited A,attainment A,pay A,pay B,change
p1,Pat One,Alpha,L1,USD,8000.00,80.00,800.00,800.00,0.00
p2,Sam Two,Beta,L1,USD,12000.00,120.00,2400.00,2600.00,200.00" "$(cat "$TMP/out")"
expect_status "show latest" 0 "$INCENTIVE" simulate --audit "$DB" --show latest
expect_grep "show policy B" "policy B" "$TMP/out"
expect_grep "show change" "200.00" "$TMP/out"
expect_grep "show command" "--note 'plan B for Q1'" "$TMP/out"

# a scenario with Monte Carlo trials and a seed, one column
cat >"$TMP/mc.yaml" <<'EOF'
scenario: sales up 10%
monte_carlo: {trials: 50, distribution: normal, mean: 1.1, spread: 0}
EOF
expect_status "simulate Monte Carlo, recorded" 0 "$INCENTIVE" simulate --policy $S/policy.yaml \
  "${IN[@]}" --scenario "$TMP/mc.yaml" --seed 7 --audit "$DB" --quiet
expect_eq "seed, trials, scenario" "7|50|sales up 10%|$(sha256sum < "$TMP/mc.yaml" | cut -d' ' -f1)" \
  "$(q "$DB" "SELECT seed, trials, scenario_name, scenario FROM simulations WHERE simulation = 2")"
expect_eq "scenario bytes" "$(cat "$TMP/mc.yaml")" \
  "$(q "$DB" "SELECT CAST(bytes AS TEXT) FROM blobs WHERE sha256 = (SELECT scenario FROM simulations WHERE simulation = 2)")"
expect_eq "one column" "|" "$(q "$DB" "SELECT label_a, label_b FROM simulations WHERE simulation = 2")"
expect_eq "MC totals" "A|USD|3200.00|3520.00|3520.00|3520.00|3520.00|3520.00|3520.00" \
  "$(q "$DB" "SELECT side, currency, cost, mc_mean, mc_p10, mc_p50, mc_p90, mc_min, mc_max FROM simulation_totals WHERE simulation = 2")"
expect_status "list two" 0 "$INCENTIVE" simulate --audit "$DB" --list --format csv
expect_grep "list MC" "sales up 10% $(sha256sum < "$TMP/mc.yaml" | cut -c1-12),7,50,4,USD 3200.00,," "$TMP/out"

# a failing simulation records nothing
printf 'steps:\n  - {scale: {field: amount, by: 1.1}, whne: {type: x}}\n' >"$TMP/bad.yaml"
expect_status "bad scenario" 1 "$INCENTIVE" simulate --policy $S/policy.yaml "${IN[@]}" \
  --scenario "$TMP/bad.yaml" --audit "$DB"
expect_eq "still two" "2" "$(q "$DB" "SELECT count(*) FROM simulations")"

# verify covers the simulations; the independent recomputation agrees
expect_status "verify" 0 "$INCENTIVE" verify --audit "$DB"
expect_grep "verify counts" "0 runs, 1 approval, 0 events, 0 rejected lines, 0 decisions" "$TMP/out"
expect_grep "verify simulations" "2 simulations" "$TMP/out"
head=$(sed -n 's/^head //p' "$TMP/out")
expect_eq "head is simulation 2's" "$(q "$DB" "SELECT lower(hex(hash)) FROM simulations WHERE simulation = 2")" "$head"
$AUDIT_CHAIN "$DB" >"$TMP/chain"
expect_eq "independent head" "head $head" "$(head -1 "$TMP/chain")"
expect_eq "independent check" "ok" "$(tail -1 "$TMP/chain")"
# the simulation row's hash by hand, from docs/audit.md
scols=(seq simulation started engine command made_by note options policy_a policy_a_name policy_a_root
  policy_b policy_b_name policy_b_root label_a label_b scenario scenario_name seed trials events
  events_used people inputs_sha256 totals_sha256 people_sha256)
prev=$(q "$DB" "SELECT lower(hex(hash)) FROM approvals WHERE seq = 1")
mine=$( (printf 'incentive-audit-v1 simulations\n%s\n' "$prev"; canon_hex "$DB" simulations 2 "${scols[@]}" | unhex | tail -n +3) | sha256sum | cut -d' ' -f1)
expect_eq "simulation 1 by hand" "$(q "$DB" "SELECT lower(hex(hash)) FROM simulations WHERE seq = 2")" "$mine"

# the guards refuse edits
if sqlite3 "$DB" "UPDATE simulation_totals SET cost = '1.00'" 2>"$TMP/err"; then
  fail "an UPDATE of simulation_totals went through"
else pass; fi
expect_grep "append-only" "simulation_totals is append-only" "$TMP/err"
if sqlite3 "$DB" "DELETE FROM simulations" 2>"$TMP/err"; then fail "a DELETE of simulations went through"; else pass; fi

tamper sim_cost "UPDATE simulation_totals SET cost = '3000.00' WHERE simulation = 1 AND side = 'B'"
expect_grep "totals edit found" "changed: simulation_totals: the rows of simulation 1 (2 now) do not match the digest" "$TMP/sim_cost.out"
tamper sim_pay "UPDATE simulation_people SET pay = '2500.00' WHERE simulation = 1 AND person = 'p2' AND side = 'B'"
expect_grep "people edit found" "simulation_people: the rows of simulation 1" "$TMP/sim_pay.out"
tamper sim_row "UPDATE simulations SET note = 'plan C' WHERE simulation = 1"
expect_grep "row edit found" "changed: ledger: seq 2 (simulation 1 of" "$TMP/sim_row.out"
tamper sim_seed "UPDATE simulations SET seed = 8 WHERE simulation = 2"
expect_grep "seed edit found" "ledger: seq 3 (simulation 2" "$TMP/sim_seed.out"
tamper sim_gone "DELETE FROM simulations WHERE simulation = 1"
expect_grep "deleted found" "deleted: ledger (runs, approvals and simulations): seq 2..2 are missing" "$TMP/sim_gone.out"
tamper sim_input "UPDATE simulation_inputs SET sha256 = '$(printf '0%.0s' {1..64})' WHERE simulation = 1 AND role = 'events'"
expect_grep "input edit found" "simulation_inputs: the rows of simulation 1" "$TMP/sim_input.out"
$AUDIT_CHAIN "$TMP/sim_cost.db" >"$TMP/chain_bad"
expect_eq "independent check finds it too" "bad simulation_totals simulation 1" "$(cat "$TMP/chain_bad")"

# a final run afterwards: the simulations locked nothing and paid nothing.
# It is run 1, pays policy A's 3,200.00, has no adjustment line, and
# replays identical.
expect_status "final run" 0 "$INCENTIVE" run --policy $S/policy.yaml --people $S/people.csv \
  --quotas $S/quotas.csv --events $S/events.csv --period 2026-Q1 --final --audit "$DB" --format csv
expect_grep "run 1, final, nothing locked before" "run 1 recorded (final, approval 1, locks 2026-Q1)" "$TMP/err"
expect_grep "pays A" "total payout USD 3200.00" "$TMP/err"
expect_eq "run row" "1|4|final||0" "$(q "$DB" "SELECT run, seq, status, locked_by, adjustments FROM runs")"
expect_eq "no adjustment" "0" "$(q "$DB" "SELECT count(*) FROM decisions WHERE kind = 'adjustment'")"
expect_status "replay" 0 "$INCENTIVE" replay --audit "$DB" 1
expect_grep "identical" "identical: every decision matches the record" "$TMP/out"
# the same run into a database without the simulations records the same decisions
expect_status "approve (clean)" 0 "$INCENTIVE" approve --audit "$TMP/clean.db" --policy $S/policy.yaml --by "Finance Director"
expect_status "final run (clean)" 0 "$INCENTIVE" run --policy $S/policy.yaml --people $S/people.csv \
  --quotas $S/quotas.csv --events $S/events.csv --period 2026-Q1 --final --audit "$TMP/clean.db" --format csv
dq="SELECT id, period, person, kind, amount, currency, rule, events, reason, version, detail FROM decisions ORDER BY seq"
expect_eq "same decisions as without simulations" "$(q "$TMP/clean.db" "$dq")" "$(q "$DB" "$dq")"
# a simulation after the final run is still only a simulation
expect_status "simulate after" 0 "$INCENTIVE" simulate --policy $S/policy.yaml --vs $S/policy-b.yaml \
  "${IN[@]}" --audit "$DB" --quiet
expect_eq "ledger order" "approval 1|simulation 1|simulation 2|run 1|simulation 3" "$(q "$DB" "SELECT group_concat(x, '|') FROM (
  SELECT 'approval ' || approval AS x, seq FROM approvals UNION ALL SELECT 'run ' || run, seq FROM runs
  UNION ALL SELECT 'simulation ' || simulation, seq FROM simulations ORDER BY seq)")"
expect_eq "one run" "1" "$(q "$DB" "SELECT count(*) FROM runs")"
expect_status "verify after" 0 "$INCENTIVE" verify --audit "$DB" --expect-head "$head"
expect_grep "old head still there" "is in the ledger" "$TMP/out"
expect_grep "verify after counts" "1 run, 1 approval, 4 events, 0 rejected lines" "$TMP/out"
expect_grep "verify after sims" "3 simulations" "$TMP/out"
expect_eq "independent after" "ok" "$($AUDIT_CHAIN "$DB" | tail -1)"
# a later draft run of the locked quarter finds it paid by run 1 only: no adjustment
expect_status "draft run" 0 "$INCENTIVE" run --policy $S/policy.yaml --people $S/people.csv \
  --quotas $S/quotas.csv --events $S/events.csv --period 2026-Q1 --audit "$DB" --format csv
expect_eq "draft: locked by run 1, no adjustment" "2|1|0" "$(q "$DB" "SELECT run, locked_by, adjustments FROM runs WHERE run = 2")"

# ---- a database of schema version 1 (before simulations) -------------------
# made from the version 1 part of the schema, as an earlier incentive did
V1=$TMP/v1.db
sed '/^-- ---- Simulations (schema version 2)/,$d' schemas/audit.sql >"$TMP/v1.sql"
sqlite3 "$V1" "PRAGMA journal_mode = WAL" >/dev/null
sqlite3 "$V1" <"$TMP/v1.sql"
sqlite3 "$V1" "INSERT INTO meta VALUES ('schema', '1'), ('created_by', 'incentive 0.1.0');
  PRAGMA application_id = 1768842081; PRAGMA user_version = 1;"
expect_status "v1: run" 0 "$INCENTIVE" run --policy $S/policy.yaml --people $S/people.csv \
  --quotas $S/quotas.csv --events $S/events.csv --audit "$V1" --format csv
expect_status "v1: verify" 0 "$INCENTIVE" verify --audit "$V1"
expect_eq "v1: still version 1" "1" "$(q "$V1" "PRAGMA user_version")"
expect_status "v1: list (none)" 0 "$INCENTIVE" simulate --audit "$V1" --list --format csv
expect_eq "v1: empty list" "1" "$(wc -l <"$TMP/out" | tr -d ' ')"
expect_status "v1: show (none)" 1 "$INCENTIVE" simulate --audit "$V1" --show latest
expect_grep "v1: none recorded" "no simulation is recorded yet" "$TMP/err"
expect_status "v1: simulate upgrades" 0 "$INCENTIVE" simulate --policy $S/policy.yaml "${IN[@]}" --audit "$V1" --quiet
expect_eq "v1: now version 2" "2" "$(q "$V1" "PRAGMA user_version")"
expect_eq "v1: simulation after the run" "2|1" "$(q "$V1" "SELECT seq, simulation FROM simulations")"
expect_status "v1: verify upgraded" 0 "$INCENTIVE" verify --audit "$V1"
expect_grep "v1: 1 simulation" "1 simulation" "$TMP/out"
expect_eq "v1: independent" "ok" "$($AUDIT_CHAIN "$V1" | tail -1)"
expect_status "v1: replay" 0 "$INCENTIVE" replay --audit "$V1" 1

# ---- usage -------------------------------------------------------------------
expect_status "list needs --audit" 2 "$INCENTIVE" simulate --list
expect_status "list takes no inputs" 2 "$INCENTIVE" simulate --audit "$DB" --list --policy $S/policy.yaml
expect_status "bad show" 2 "$INCENTIVE" simulate --audit "$DB" --show x
expect_status "no such simulation" 1 "$INCENTIVE" simulate --audit "$DB" --show 99
expect_grep "no such" "no simulation 99" "$TMP/err"
expect_status "unknown table" 2 "$INCENTIVE" simulate --audit "$DB" --show 1 --table nope
expect_status "missing database" 1 "$INCENTIVE" simulate --audit "$TMP/none.db" --list

done_testing
