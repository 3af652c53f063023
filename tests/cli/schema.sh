#!/usr/bin/env bash
# schema.sh: validates every policy YAML shipped in the repository against
# schemas/policy.schema.json, and checks that the schema catches mistakes.
#
# Validated: rules/*.yaml, rules/examples/**/*.yaml, docs/**/policy*.yaml
# and the starter policy of `incentive init` (not tests/policies/, which
# are broken on purpose); test case files (any tests/*.yaml of those
# policies) against schemas/policy-test.schema.json instead.  Each rules/*.yaml must
# also start with the yaml-language-server modeline pointing at the schema.
# Then copies of rules/2026-01.yaml with one mistake each (a misspelt rule
# key, a misspelt top-level key, a misspelt kind, a malformed percentage)
# must FAIL validation, so this test can fail.
#
# Run by meson with SRCDIR=<repo root>; needs python3 with the yaml and
# jsonschema modules (Debian: python3-yaml python3-jsonschema).
# Exit 0: pass; non-zero: fail, with what failed on stderr.
set -euo pipefail

SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
export SRCDIR

if ! python3 -c 'import yaml, jsonschema' 2>/dev/null; then
	echo "schema.sh: python3 with the yaml and jsonschema modules is required" \
		"(apt-get install python3-yaml python3-jsonschema)" >&2
	exit 1
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export SCHEMA_TMP=$TMP

python3 - <<'PYEOF'
import copy
import datetime
import glob
import json
import os
import re
import sys

import yaml
from jsonschema import Draft202012Validator

src = os.environ["SRCDIR"]
tmp = os.environ["SCHEMA_TMP"]
schema_path = os.path.join(src, "schemas", "policy.schema.json")
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL: " + msg, file=sys.stderr)


class Loader(yaml.SafeLoader):
    """YAML as the engine reads it: only true/false are booleans (PyYAML's
    YAML 1.1 default would turn the key `on:` into True), and a key given
    twice in one map is an error instead of silently keeping the last."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = key_node.value
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    "duplicate key %r (first at line %d)" % (key, seen[key] + 1),
                    key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


Loader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))
Loader.add_constructor("tag:yaml.org,2002:map", Loader.construct_mapping)


def to_json(v):
    """YAML dates load as datetime.date; JSON Schema sees ISO strings, as
    an editor's YAML 1.2 parser does."""
    if isinstance(v, dict):
        return {str(k): to_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_json(x) for x in v]
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    return v


def marks(node, path=(), out=None):
    """Maps each path in the document to the (line, column) of its node."""
    if out is None:
        out = {}
    out[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            marks(v, path + (str(k.value),), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            marks(v, path + (i,), out)
    return out


def explain(err):
    """For a failed oneOf/anyOf, the error that says best what is wrong:
    branches for another rule kind or field type (their `kind`/`type` const
    fails) are ignored, then the deepest error wins.  None when every branch
    is for another kind: the enum on `kind` reports that one."""
    if not err.context:
        return err
    branches = {}
    for e in err.context:
        branches.setdefault(e.relative_schema_path[0], []).append(e)
    live = [errs for errs in branches.values()
            if not any(e.validator == "const" and list(e.relative_path) in (["kind"], ["type"])
                       for e in errs)]
    if not live:
        return None if isinstance(err.instance, dict) and "kind" in err.instance else err
    cands = [explain(e) or e for errs in live for e in errs]
    return max(cands, key=lambda e: len(e.absolute_path))


def errors_of(validator, path):
    """Returns a list of "file:line:col: where: message" strings (empty
    when the file is valid)."""
    rel = os.path.relpath(path, src)
    try:
        text = open(path, encoding="utf-8").read()
        node = yaml.compose(text, Loader=Loader)
        data = to_json(yaml.load(text, Loader=Loader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        return ["%s: cannot read: %s" % (rel, e)]
    where = marks(node) if node is not None else {}
    out = []
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        best = explain(err)
        if best is None:
            continue
        p = tuple(best.absolute_path)
        q = p
        if best.validator == "additionalProperties" and isinstance(best.instance, dict):
            # point at the first unexpected key rather than its map
            extra = [k for k in best.instance if k not in best.schema.get("properties", {})]
            if extra and p + (extra[0],) in where:
                q = p + (extra[0],)
        while q not in where and q:
            q = q[:-1]
        line, col = where.get(q, (1, 1))
        dotted = "".join("[%d]" % x if isinstance(x, int) else "." + x for x in p).lstrip(".") or "(top)"
        out.append("%s:%d:%d: %s: %s" % (rel, line, col, dotted, best.message))
    return out


# 1. The schema itself is a valid draft 2020-12 schema.
try:
    schema = json.load(open(schema_path, encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
except Exception as e:  # any problem with the schema file is a failure
    print("FAIL: %s: %s" % (schema_path, e), file=sys.stderr)
    sys.exit(1)
validator = Draft202012Validator(schema)

# 2. Every shipped policy version validates.
files = sorted(set(
    glob.glob(os.path.join(src, "rules", "*.yaml"))
    + glob.glob(os.path.join(src, "rules", "*.yml"))
    + glob.glob(os.path.join(src, "rules", "examples", "**", "*.yaml"), recursive=True)
    + glob.glob(os.path.join(src, "rules", "examples", "**", "*.yml"), recursive=True)
    + glob.glob(os.path.join(src, "docs", "**", "policy*.yaml"), recursive=True)
    + glob.glob(os.path.join(src, "docs", "**", "policy*.yml"), recursive=True)
    + glob.glob(os.path.join(src, "src", "cli", "starter", "*.yaml"))))
# test case files are not policy versions: they have their own schema
def is_test_file(f):
    return "tests" in os.path.relpath(f, src).split(os.sep)[1:-1]
test_files = [f for f in files if is_test_file(f)] + sorted(
    glob.glob(os.path.join(src, "rules", "tests", "*.yaml"))
    + glob.glob(os.path.join(src, "src", "cli", "starter", "tests", "*.yaml")))
files = [f for f in files if not is_test_file(f)]
# a simulation profile (`incentive simulate`) is not a policy version
def is_profile(f):
    try:
        head = yaml.load(open(f, encoding="utf-8"), Loader=Loader)
    except Exception:
        return False
    return isinstance(head, dict) and "profile" in head and "policy" not in head
for f in [f for f in files if is_profile(f)]:
    print("skip: %s (a simulation profile, not a policy)" % os.path.relpath(f, src))
files = [f for f in files if not is_profile(f)]
rules_files = [f for f in files if os.path.dirname(f) == os.path.join(src, "rules")]
if not rules_files:
    fail("no policy versions found in rules/")
for f in files:
    errs = errors_of(validator, f)
    for e in errs:
        fail(e)
    if not errs:
        print("ok: %s" % os.path.relpath(f, src))

# 2b. Every shipped test file validates against the test-file schema.
test_schema_path = os.path.join(src, "schemas", "policy-test.schema.json")
try:
    test_schema = json.load(open(test_schema_path, encoding="utf-8"))
    Draft202012Validator.check_schema(test_schema)
    test_validator = Draft202012Validator(test_schema)
except Exception as e:
    fail("%s: %s" % (test_schema_path, e))
    test_validator = None
if test_validator:
    if not test_files:
        fail("no test files found in rules/tests/")
    for f in sorted(set(test_files)):
        errs = errors_of(test_validator, f)
        for e in errs:
            fail(e)
        if not errs:
            print("ok: %s (test file)" % os.path.relpath(f, src))
    # and a misspelt key in a test file is caught
    bad = os.path.join(tmp, "broken-test.yaml")
    with open(bad, "w", encoding="utf-8") as fh:
        fh.write("cases:\n  - name: x\n    expct: []\n")
    if errors_of(test_validator, bad):
        print("ok: broken test file (misspelt key) rejected")
    else:
        fail("a test file with a misspelt key passed validation")

# 3. rules/*.yaml carry the modeline that points editors at the schema.
for f in rules_files:
    first = open(f, encoding="utf-8").readline().rstrip("\n")
    m = re.match(r"^# yaml-language-server: \$schema=(\S+)$", first)
    if not m:
        fail("%s:1: first line is not '# yaml-language-server: $schema=...'" % os.path.relpath(f, src))
    elif os.path.realpath(os.path.join(os.path.dirname(f), m.group(1))) != os.path.realpath(schema_path):
        fail("%s:1: modeline does not point at schemas/policy.schema.json" % os.path.relpath(f, src))

# 4. Broken copies of rules/2026-01.yaml must fail validation.
base = os.path.join(src, "rules", "2026-01.yaml")
mutations = [
    ("misspelt rule key", "    window_days: 90\n", "    window_day: 90\n"),
    ("misspelt top-level key", "\neffective: 2026-01-01\n", "\neffectve: 2026-01-01\n"),
    ("misspelt kind", "    kind: commission\n", "    kind: comission\n"),
    ("malformed percentage", "threshold: 25%", "threshold: 25 %"),
    ("misspelt event field type", "      score: integer\n", "      score: interger\n"),
]
if os.path.exists(base):
    text = open(base, encoding="utf-8").read()
    for name, old, new in mutations:
        if text.count(old) != 1:
            fail("broken copy (%s): %r not found exactly once in rules/2026-01.yaml" % (name, old))
            continue
        bad = os.path.join(tmp, "broken-" + re.sub(r"\W+", "-", name) + ".yaml")
        with open(bad, "w", encoding="utf-8") as fh:
            fh.write(text.replace(old, new))
        errs = errors_of(validator, bad)
        if errs:
            print("ok: broken copy (%s) rejected: %s" % (name, errs[0].split(": ", 1)[1]))
        else:
            fail("broken copy (%s) of rules/2026-01.yaml passed validation" % name)
else:
    fail("rules/2026-01.yaml is missing")

if failures:
    print("schema.sh: %d failure(s)" % len(failures), file=sys.stderr)
    sys.exit(1)
print("schema.sh: all policy files valid")
PYEOF
