#!/usr/bin/env python3
"""Interleaved wall-time and peak-RSS measurement for scripts/bench.sh (standard library only).

    bench_time.py --runs R --warmup W [--gap-ms G] --export-json FILE -n LABEL 'COMMAND' [-n LABEL 'COMMAND' ...]

Why not hyperfine: hyperfine runs all of one command's runs, then all of the next. On a shared, nested
host the background load drifts over seconds, so whichever command runs during a busy stretch loses -
and the figures here are ratios of commands. This runs the commands round-robin (W warm-up rounds, then R
timed rounds, each round in a freshly shuffled order with a fixed seed), so drift hits every command alike.

Each run: posix_spawn (no shell) of benchmarks/build/rsswrap LOG COMMAND..., stdin/stdout/stderr on
/dev/null; wall time from just before the spawn to wait4's return, user/system CPU from wait4's rusage,
peak RSS and minor page faults from the line rsswrap appends (the command's own ru_maxrss and
ru_minflt). Why the wrapper: a child that posix_spawn (vfork) starts from Python inherits Python's
~14 MiB as its RSS high-water mark, so ru_maxrss would be Python's; rsswrap is a small C process and
forks, as GNU time does. It costs the same fraction of a millisecond on every command. G ms of idle
time before each run lets a detached VM teardown of the previous run (swiftvm, floor --detach-teardown)
finish instead of overlapping the next boot.
The JSON has hyperfine's export shape (results[]: command, times, mean, stddev, median, min, max, user,
system, exit_codes) plus max_rss_kib and minor_faults per run.
"""
import argparse
import json
import os
import random
import shlex
import statistics
import sys
import time


RSSWRAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "benchmarks", "build", "rsswrap")


def run_once(argv, log):
    devnull = [(os.POSIX_SPAWN_OPEN, fd, "/dev/null", os.O_RDONLY if fd == 0 else os.O_WRONLY, 0) for fd in (0, 1, 2)]
    full = [RSSWRAP, log] + argv
    start = time.perf_counter()
    pid = os.posix_spawn(RSSWRAP, full, os.environ, file_actions=devnull)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    with open(log) as f:
        last = f.read().splitlines()[-1]
    fields = last.split("\t")
    return wall, ru.ru_utime, ru.ru_stime, int(fields[0]), code, int(fields[2])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--gap-ms", type=float, default=0)
    ap.add_argument("--export-json", required=True)
    argv = sys.argv[1:]
    first = argv.index("-n") if "-n" in argv else len(argv)
    args = ap.parse_args(argv[:first])
    cmds, rest = [], argv[first:]
    while rest:
        if len(rest) < 3 or rest[0] != "-n":
            ap.error("expected -n LABEL 'COMMAND' pairs")
        cmds.append((rest[1], rest[2], shlex.split(rest[2])))
        rest = rest[3:]
    log = args.export_json + ".rss.log"
    open(log, "w").close()
    rng = random.Random(20261122)
    samples = {label: [] for label, _, _ in cmds}
    order = list(range(len(cmds)))
    for rnd in range(args.warmup + args.runs):
        rng.shuffle(order)
        for i in order:
            label, _, argv = cmds[i]
            if args.gap_ms > 0:
                time.sleep(args.gap_ms / 1000)
            result = run_once(argv, log)
            if rnd >= args.warmup:
                samples[label].append(result)
    results = []
    for label, text, _ in cmds:
        s = samples[label]
        times = [r[0] for r in s]
        results.append({
            "command": label, "command_line": text, "times": times,
            "mean": statistics.fmean(times), "stddev": statistics.stdev(times) if len(times) > 1 else 0.0,
            "median": statistics.median(times), "min": min(times), "max": max(times),
            "user": statistics.fmean(r[1] for r in s), "system": statistics.fmean(r[2] for r in s),
            "exit_codes": [r[4] for r in s], "max_rss_kib": [r[3] for r in s], "minor_faults": [r[5] for r in s],
        })
    with open(args.export_json, "w") as f:
        json.dump({"tool": "bench_time.py (interleaved rounds)", "runs": args.runs, "warmup": args.warmup,
                   "gap_ms": args.gap_ms, "results": results}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
