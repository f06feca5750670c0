#!/bin/sh
# measure-hostile.sh RESULTS_JSON - re-runs every command line of a tck results.json (e.g. of
# `tck run --group hostile --driver swiftvm --driver qemu`) under GNU time and prints a table:
# result key, exit status, wall seconds, peak RSS of the VMM. Console output is discarded. QEMU has
# no watchdog of its own: every command runs under timeout(1) with the recorded duration + 1 s
# (a VMM killed there shows status 137). Needs python3 and Debian's `time` package (/usr/bin/time).
set -eu
results=${1:?usage: $0 results.json}
stats=$(mktemp)
trap 'rm -f "$stats"' EXIT
python3 - "$results" <<'PY' | while IFS='	' read -r key limit cmd; do
import json, math, shlex, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f'{r["driver"]}/{r["test"]}\t{math.ceil(r["durationSeconds"]) + 1}\t{shlex.join(r["commandLine"])}')
PY
	eval "/usr/bin/time -o '$stats' -f '%x %e %M' timeout --foreground -s KILL $limit $cmd" >/dev/null 2>&1 </dev/null || true
	set -- $(tail -n 1 "$stats")
	printf '%-32s status %-4s %6ss %7d KiB\n' "$key" "$1" "$2" "$3"
done
