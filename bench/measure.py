#!/usr/bin/env python3
"""Runs a command once and prints wall seconds, CPU seconds (user + system,
every thread) and peak RSS (MiB) of the child as JSON:
{"wall": s, "cpu": s, "rss_mib": m, "status": n}.  CPU next to wall shows
how much a second thread overlapped, and how loaded the machine was."""
import json
import resource
import subprocess
import sys
import time

t0 = time.monotonic()
p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": round(wall, 3), "cpu": round(ru.ru_utime + ru.ru_stime, 3),
                  "rss_mib": round(ru.ru_maxrss / 1024, 1), "status": p.returncode}))
