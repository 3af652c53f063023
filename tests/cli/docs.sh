# The documentation cannot drift from the code: every YAML example in
# docs/policy-guide.md and docs/lua-api.md is part of a policy that
# `incentive check` must accept, and the results the guide states are test
# cases that `incentive test` must pass.  Each snippet of docs/cookbook.md
# must be found, word for word, in the example policy it names.  Every
# verb `incentive --help` lists answers --help, and the man page has it.
#
# Markers (HTML comments, invisible when the Markdown is rendered) say what
# the next fenced block is:
#   <!-- doc-test: NAME -->             part of policy NAME: a block that
#                                       starts with `- ` is a rule (or
#                                       rules), anything else top-level keys
#   <!-- doc-test: NAME base=OTHER -->  the same, and NAME starts from
#                                       OTHER's top-level keys
#   <!-- doc-test: NAME file PATH -->   a file of policy NAME (a script, or
#                                       a whole version file PATH.yaml)
#   <!-- doc-test: NAME tests -->       a test file of policy NAME
#   <!-- doc-test: NAME check-output --> lines `incentive check` must print
#                                       (NAME must then fail its check)
#   <!-- doc-test: from PATH -->        (cookbook) found verbatim in PATH
#   <!-- doc-test: skip -->             not checked (say why next to it)
# A ```yaml block in the guide or the Lua page without a marker fails.
source "$(dirname "$0")/lib.sh"
export INCENTIVE TMP
python3 - docs/policy-guide.md docs/lua-api.md docs/cookbook.md <<'PY' || fail "documentation examples"
import os, re, subprocess, sys, textwrap

inc, tmp = os.environ["INCENTIVE"], os.environ["TMP"]
failures = 0
def bad(msg):
    global failures
    failures += 1
    print("FAIL: " + msg, file=sys.stderr)

marker = re.compile(r"<!--\s*doc-test:\s*(.*?)\s*-->")
fence = re.compile(r"^(\s*)```(\w*)")
def contains_block(text, snippet):
    """True when the snippet's lines are consecutive lines of text, all
    indented alike (the snippet may leave out a common indentation)."""
    want = snippet.strip("\n").split("\n")
    have = text.split("\n")
    for i in range(len(have) - len(want) + 1):
        ind = len(have[i]) - len(have[i].lstrip(" "))
        if all((w == "" and h.strip() == "") or h == " " * ind + w
               for w, h in zip(want, have[i:i + len(want)])):
            return True
    return False

policies = {}   # name -> dict(top=[], rules=[], files={}, tests=[], base=None, output=[])
def pol(name):
    return policies.setdefault(name, {"top": [], "rules": [], "files": {}, "tests": [],
                                      "base": None, "output": [], "where": None})

for doc in sys.argv[1:]:
    if not os.path.exists(doc):
        bad("%s is missing" % doc)
        continue
    lines = open(doc, encoding="utf-8").read().split("\n")
    pending = None
    i = 0
    while i < len(lines):
        m = marker.search(lines[i])
        if m:
            pending = (m.group(1), i + 1)
            i += 1
            continue
        f = fence.match(lines[i])
        if not f:
            i += 1
            continue
        indent, lang = f.group(1), f.group(2)
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith("```"):
            j += 1
        body = textwrap.dedent("\n".join(l[len(indent):] if l.startswith(indent) else l
                                         for l in lines[i + 1:j])) + "\n"
        where = "%s:%d" % (doc, i + 1)
        if pending is None:
            if lang == "yaml" and not doc.endswith("cookbook.md"):
                bad("%s: a yaml example without a doc-test marker" % where)
        else:
            words = pending[0].split()
            if words[0] == "skip":
                pass
            elif words[0] == "from":
                path = words[1]
                if not os.path.exists(path):
                    bad("%s: %s does not exist" % (where, path))
                elif not contains_block(open(path, encoding="utf-8").read(), body):
                    bad("%s: this snippet is not in %s (word for word)" % (where, path))
            else:
                p = pol(words[0])
                p["where"] = p["where"] or where
                rest = words[1:]
                for w in rest:
                    if w.startswith("base="):
                        p["base"] = w[5:]
                if rest and rest[0] == "file":
                    p["files"][rest[1]] = body
                elif rest and rest[0] == "tests":
                    p["tests"].append(body)
                elif rest and rest[0] == "check-output":
                    p["output"] += [l for l in body.split("\n") if l.strip()]
                elif body.lstrip().startswith("- "):
                    p["rules"].append(body)
                else:
                    p["top"].append(body)
        pending = None
        i = j + 1

def top_of(name, seen=()):
    p = policies.get(name)
    if p is None:
        return None
    if p["base"]:
        if p["base"] in seen or p["base"] not in policies:
            return None
        base = top_of(p["base"], seen + (name,))
        return None if base is None else base + p["top"]
    return p["top"]

checked = 0
bases = {p["base"] for p in policies.values() if p["base"]}
for name, p in sorted(policies.items()):
    if name in bases and not p["rules"] and not p["files"] and not p["tests"]:
        continue  # only the common part of others: checked through them
    d = os.path.join(tmp, "doc-" + name)
    os.makedirs(os.path.join(d, "tests"), exist_ok=True)
    top = top_of(name)
    if top is None:
        bad("%s (%s): base policy '%s' is not defined" % (name, p["where"], p["base"]))
        continue
    versions = [f for f in p["files"] if f.endswith(".yaml")]
    if top or p["rules"]:
        text = "".join(t if t.endswith("\n") else t + "\n" for t in top)
        if p["rules"]:
            text += "rules:\n" + "".join(p["rules"])
        with open(os.path.join(d, "policy.yaml"), "w", encoding="utf-8") as fh:
            fh.write(text)
    elif not versions:
        bad("%s (%s): no policy text" % (name, p["where"]))
        continue
    for path, body in p["files"].items():
        full = os.path.join(d, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as fh:
            fh.write(body)
    for k, body in enumerate(p["tests"]):
        with open(os.path.join(d, "tests", "doc%02d.yaml" % (k + 1)), "w", encoding="utf-8") as fh:
            fh.write(body)
    r = subprocess.run([inc, "check", d], capture_output=True, text=True)
    checked += 1
    if p["output"]:
        if r.returncode != 1:
            bad("%s (%s): check should fail, exit status %d" % (name, p["where"], r.returncode))
        for line in p["output"]:
            if line.strip() not in r.stderr.replace(d + "/", ""):
                bad("%s (%s): check did not print [%s]; it printed:\n%s" % (name, p["where"], line.strip(), r.stderr))
        continue
    if r.returncode != 0:
        bad("%s (%s): incentive check failed:\n%s" % (name, p["where"], r.stderr))
        continue
    if p["tests"]:
        r = subprocess.run([inc, "test", d], capture_output=True, text=True)
        if r.returncode != 0:
            bad("%s (%s): incentive test failed:\n%s%s" % (name, p["where"], r.stdout, r.stderr))
        else:
            print("ok: %s: %s" % (name, r.stdout.strip().split("\n")[-1]))
    else:
        print("ok: %s checks clean" % name)
if checked < 10:
    bad("only %d documented policies found" % checked)
print("%d documented policies checked" % checked)
sys.exit(1 if failures else 0)
PY
pass
# --help on every verb that `incentive --help` lists: a usage line, exit 0
expect_status "verbs" 0 "$INCENTIVE" --help
verbs=$(sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' "$TMP/out")
[ -n "$verbs" ] && pass || fail "no verbs in incentive --help"
for v in $verbs; do
  expect_status "$v --help" 0 "$INCENTIVE" "$v" --help
  expect_eq "$v --help starts with its usage" "usage: incentive $v" "$(head -c $((17 + ${#v})) "$TMP/out")"
done
# the man page, built from docs/incentive.1.in and that --help text
# (tools/mkman.py), has a section for every verb and renders cleanly
MAN=$(dirname "$INCENTIVE")/incentive.1
if [ -s "$MAN" ]; then pass; else fail "no man page at $MAN"; fi
for v in $verbs; do
  # once each: the verbs were once listed twice (a placeholder in a comment
  # of the template took the first copy)
  expect_eq "man page: $v once" "1" "$(grep -c "^\.SS \"incentive $v\"$" "$MAN")"
done
expect_eq "man page: as many sections as verbs" "$(echo $verbs | wc -w)" "$(grep -c '^\.SS ' "$MAN")"
expect_eq "man page: no placeholder left" "" "$(grep -n '@[A-Z_]*@' "$MAN")"
expect_eq "man page: comments are comments" "" "$(grep -n '^\.\\".*\.SS' "$MAN")"
expect_grep "man page: exit status" ".SH EXIT STATUS" "$MAN"
expect_status "man page renders" 0 groff -man -Tutf8 -z -ww "$MAN"
expect_eq "man page renders without warnings" "" "$(cat "$TMP/err")"
# as man(1) shows it: the verbs in order under VERBS, each once
if command -v man >/dev/null; then
  MANWIDTH=100 man --warnings -l "$MAN" >"$TMP/man.txt" 2>"$TMP/man.err"
  expect_eq "man -l: no warnings" "" "$(cat "$TMP/man.err")"
  expect_eq "man -l: the verbs" "$(echo $verbs)" \
    "$(sed -n 's/^   incentive \([a-z]*\)$/\1/p' "$TMP/man.txt" | tr '\n' ' ' | sed 's/ $//')"
  expect_no_grep "man -l: no placeholder" "@VERBS@" "$TMP/man.txt"
fi
done_testing
