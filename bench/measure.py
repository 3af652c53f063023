#!/usr/bin/env python3
"""Runs a command once and prints wall seconds and peak RSS (MiB) of the
child as JSON: {"wall": s, "rss_mib": m, "status": n}."""
import json
import resource
import subprocess
import sys
import time

t0 = time.monotonic()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.monotonic() - t0
rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": round(wall, 3), "rss_mib": round(rss_kib / 1024, 1),
                  "status": p.returncode}))
