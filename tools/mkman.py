#!/usr/bin/env python3
"""mkman.py: builds the manual page incentive.1 from its source
docs/incentive.1.in and the program's own help: `incentive --help` lists
the verbs, and each `incentive VERB --help` becomes that verb's section.
The page cannot then differ from what the program says.

usage: mkman.py INCENTIVE TEMPLATE OUTPUT
"""
import re
import subprocess
import sys


def roff(text):
    """Escapes text for roff: backslashes, minus signs, leading dots."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    if text.startswith(".") or text.startswith("'"):
        text = "\\&" + text
    return text


def section(verb, help_text):
    lines = help_text.rstrip("\n").split("\n")
    out = ['.SS "incentive %s"' % verb]
    i = 0
    # the usage lines (up to the first blank line) as a synopsis
    out.append(".nf")
    while i < len(lines) and lines[i].strip():
        # "usage: " goes, and so does the indent that aligned the
        # following lines under it
        line = re.sub(r"^usage: ", "", lines[i]) if i == 0 else \
            re.sub(r"^ {7}", "", lines[i])
        out.append(roff(line))
        i += 1
    out.append(".fi")
    block = []   # indented lines, kept as they are

    def flush():
        if block:
            out.extend([".RS 2", ".nf"] + [roff(l) for l in block] + [".fi", ".RE"])
            del block[:]
    for line in lines[i:]:
        if not line.strip():
            flush()
            out.append(".PP")
        elif line.startswith(" "):
            block.append(line)
        else:
            flush()
            out.append(roff(line))
    flush()
    return "\n".join(out)


def main():
    exe, template, output = sys.argv[1:4]
    top = subprocess.run([exe, "--help"], capture_output=True, text=True, check=True).stdout
    version = subprocess.run([exe, "--version"], capture_output=True, text=True,
                             check=True).stdout.split()[-1]
    verbs = re.findall(r"^  ([a-z]+) ", top, re.M)
    if not verbs:
        sys.exit("mkman.py: no verbs in `incentive --help`")
    parts = []
    for v in verbs:
        # what the verb says, as it says it (tests/cli/docs.sh checks that
        # every verb answers --help with a usage line and exit status 0)
        r = subprocess.run([exe, v, "--help"], capture_output=True, text=True)
        parts.append(section(v, r.stdout or r.stderr or "usage: incentive %s\n" % v))
    lines = open(template, encoding="utf-8").read().split("\n")
    # The verbs go where a line holds the placeholder alone, exactly once;
    # a placeholder anywhere else (inside a comment, say) is a mistake of
    # the template, not a place to put the verbs (they were once listed
    # twice that way: the first line swallowed by a comment, the rest not).
    at = [i for i, l in enumerate(lines) if l.strip() == "@VERBS@"]
    if len(at) != 1:
        sys.exit("mkman.py: %s must have exactly one line '@VERBS@' (found %d)"
                 % (template, len(at)))
    out = []
    for i, l in enumerate(lines):
        if i == at[0]:
            out.append("\n".join(parts))
        elif l.startswith(('.\\"', "'\\\"")):
            out.append(l)   # comments are copied as they are
        else:
            out.append(l.replace("@VERSION@", version))
    text = "\n".join(out)
    left = sorted(set(re.findall(r"@[A-Z_]+@", "\n".join(
        l for l in text.split("\n") if not l.startswith('.\\"')))))
    if left:
        sys.exit("mkman.py: placeholders left in %s: %s" % (output, ", ".join(left)))
    with open(output, "w", encoding="utf-8") as fh:
        fh.write(text)


if __name__ == "__main__":
    main()
