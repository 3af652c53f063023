#!/usr/bin/env python3
"""audit_chain.py: recomputes the hash chains of an incentive audit database
from the format documented in docs/audit.md ("Hash chains"), independently
of the C code: Python's sqlite3 and hashlib only.

usage: audit_chain.py DB            prints "head <hex>" and "ok", or the
                                    first row whose hash does not match
       audit_chain.py DB --row TABLE SEQ
                                    prints the canonical text of one row
                                    (for sha256sum)
"""
import hashlib
import sqlite3
import sys

COLS = {
    "runs": ["seq", "run", "status", "started", "engine", "command", "options",
             "policy", "policy_name", "policy_root", "period", "approval",
             "locked_by", "lines_read", "events", "events_new", "events_known",
             "rejected", "people", "quotas", "decisions", "adjustments",
             "inputs_sha256", "members_sha256", "people_sha256", "events_count",
             "events_head", "rejects_count", "rejects_head", "decisions_count",
             "decisions_head"],
    "approvals": ["seq", "approval", "policy", "policy_name", "approved_by",
                  "note", "approved_at"],
    "events": ["seq", "id", "date", "type", "person", "data", "run", "input", "line"],
    "rejects": ["seq", "run", "file", "line", "severity", "message", "hint"],
    "decisions": ["seq", "run", "id", "period", "person", "kind", "amount",
                  "currency", "rule", "events", "reason", "version", "detail"],
    "run_inputs": ["run", "n", "role", "path", "size", "sha256", "stored"],
    "run_people": ["run", "n", "person", "name", "level", "team", "manager",
                   "hired", "left_on", "currency"],
    "run_events": ["run", "n", "first_seq", "last_seq"],
    # schema version 2: simulations are ledger entries too
    "simulations": ["seq", "simulation", "started", "engine", "command",
                    "made_by", "note", "options", "policy_a", "policy_a_name",
                    "policy_a_root", "policy_b", "policy_b_name",
                    "policy_b_root", "label_a", "label_b", "scenario",
                    "scenario_name", "seed", "trials", "events", "events_used",
                    "people", "inputs_sha256", "totals_sha256", "people_sha256"],
    "simulation_inputs": ["simulation", "n", "role", "path", "size", "sha256",
                          "stored"],
    "simulation_totals": ["simulation", "n", "side", "currency", "credited",
                          "cost", "mc_mean", "mc_p10", "mc_p50", "mc_p90",
                          "mc_min", "mc_max"],
    "simulation_people": ["simulation", "n", "side", "person", "name", "team",
                          "level", "currency", "credited", "attainment", "pay"],
}
ZERO = "0" * 64


def value_bytes(v):
    if isinstance(v, bytes):
        return v
    if isinstance(v, int):
        return str(v).encode()
    return str(v).encode("utf-8")


def canonical(table, prev_hex, row):
    out = b"incentive-audit-v1 " + table.encode() + b"\n" + prev_hex.encode() + b"\n"
    for name, v in zip(COLS[table], row):
        if v is None:
            out += name.encode() + b"=NULL\n"
        else:
            b = value_bytes(v)
            out += name.encode() + b"=" + str(len(b)).encode() + b":" + b + b"\n"
    return out


def string_tokens(b, i):
    """the JSON string tokens of a JSON array's text b from index i, raw
    bytes each (escapes kept), up to the closing bracket"""
    out = []
    while b[i:i + 1] == b",":
        j = i + 2  # past ',"'
        assert b[i + 1:i + 2] == b'"'
        while b[j:j + 1] != b'"':
            j += 2 if b[j:j + 1] == b"\\" else 1
        out.append(b[i + 1:j + 1])
        i = j + 1
    assert b[i:] == b"]", b[i:]
    return out


def expand_detail(shapes, d):
    """schema version 3: a stored detail "[shape,values...]" stands for the
    object of the shape's keys (detail_keys) zipped with the values; the
    chain is over that object, byte for byte (docs/audit.md)"""
    if d is None or not d.startswith(b"["):
        return d
    n = 1
    while d[n:n + 1].isdigit():
        n += 1
    keys = string_tokens(b"," + shapes[int(d[1:n])][1:], 0)
    values = string_tokens(d, n)
    assert len(keys) == len(values)
    return b"{" + b",".join(k + b":" + v for k, v in zip(keys, values)) + b"}"


def chain(db, table, rows):
    """rows: list of (table, row values, stored hash); returns (head, bad)"""
    prev = ZERO
    for i, (t, row, stored) in enumerate(rows):
        h = hashlib.sha256(canonical(t, prev, row)).hexdigest()
        if stored is None or h != stored.hex():
            return prev, (table, i + 1)
        prev = h
    return prev, None


def select(db, table, where="", args=()):
    cols = ", ".join(COLS[table])
    rows = db.execute(f"SELECT {cols}, hash FROM {table} {where} ORDER BY seq", args).fetchall()
    if table != "decisions" or db.execute("PRAGMA user_version").fetchone()[0] < 3:
        return rows
    shapes = dict(db.execute("SELECT shape, keys FROM detail_keys").fetchall())
    d = COLS[table].index("detail")
    return [r[:d] + (expand_detail(shapes, r[d]),) + r[d + 1:] for r in rows]


def main():
    db = sqlite3.connect(sys.argv[1])
    db.text_factory = bytes
    if len(sys.argv) == 5 and sys.argv[2] == "--row":
        table, seq = sys.argv[3], int(sys.argv[4])
        rows = select(db, table, "WHERE seq <= ?", (seq,))
        prev = ZERO
        for r in rows[:-1]:
            prev = r[-1].hex()
        sys.stdout.buffer.write(canonical(table, prev, rows[-1][:-1]))
        return 0
    ledger = [("runs", r[:-1], r[-1]) for r in select(db, "runs")]
    ledger += [("approvals", r[:-1], r[-1]) for r in select(db, "approvals")]
    has_sims = db.execute("PRAGMA user_version").fetchone()[0] >= 2
    if has_sims:
        ledger += [("simulations", r[:-1], r[-1]) for r in select(db, "simulations")]
    ledger.sort(key=lambda x: x[1][0])
    head, bad = chain(db, "ledger", ledger)
    if bad:
        print("bad %s seq %d" % bad)
        return 1
    for table in ("events", "rejects", "decisions"):
        rows = [(table, r[:-1], r[-1]) for r in select(db, table)]
        h, bad = chain(db, table, rows)
        if bad:
            print("bad %s seq %d" % bad)
            return 1
        # the last run records this chain's length and head
        last = db.execute(f"SELECT {table}_count, {table}_head FROM runs ORDER BY seq DESC LIMIT 1").fetchone()
        if last and (last[0] != len(rows) or last[1].decode() != h):
            print("bad %s head" % table)
            return 1
    # side tables: a chain from zero per run (per simulation), recorded in
    # the run's (simulation's) ledger row
    sides = [("run", "runs", ("run_inputs", "run_events", "run_people"),
              "inputs_sha256, members_sha256, people_sha256")]
    if has_sims:
        sides.append(("simulation", "simulations",
                      ("simulation_inputs", "simulation_totals", "simulation_people"),
                      "inputs_sha256, totals_sha256, people_sha256"))
    for key, ledger, tables, digests in sides:
        for row in db.execute(f"SELECT {key}, {digests} FROM {ledger}").fetchall():
            for table, want in zip(tables, row[1:]):
                cols = ", ".join(COLS[table])
                prev = ZERO
                for r in db.execute(f"SELECT {cols} FROM {table} WHERE {key} = ? ORDER BY n", (row[0],)):
                    prev = hashlib.sha256(canonical(table, prev, r)).hexdigest()
                if prev != want.decode():
                    print("bad %s %s %d" % (table, key, row[0]))
                    return 1
    print("head " + head)
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
