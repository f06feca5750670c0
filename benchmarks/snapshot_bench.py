#!/usr/bin/env python3
"""Save/restore timings for scripts/bench.sh (SECTIONS=snapshot): swiftvm and QEMU on
TestGuests/tests/bench_snapshot.c, interleaved. Standard library only.

    snapshot_bench.py --swiftvm SV --kernel K [--qemu QEMU --pvh-kernel PK] --runs R --warmup W
                      --gap-ms G --dir WORKDIR --out FILE.json --configs "64M:1M 1G:1M 4G:64M ..."
                      --fresh-memory 64M

A round runs every job once, in a freshly shuffled order (fixed seed), so load drift on a shared host
hits every job alike (as scripts/bench_time.py does for single commands). Jobs:
  swiftvm MEM TOUCH  `swiftvm run --memory MEM --snapshot F` of bench_snapshot touch=TOUCH until it exits
                     122, then `swiftvm run --restore F -v` until the guest exits 0
  qemu MEM TOUCH     QEMU -M microvm (PVH image) until its console says "tck-migrate: save 1", QMP stop +
                     migrate "exec:cat > F" until query-migrate says completed, kill; then the same
                     command line + -incoming "exec:cat F", cont once the state is in, 'R' on the guest's
                     serial input, until the guest exits (debug-exit status 1)
  fresh swiftvm/qemu bench_snapshot touch=0 save=0 (no save request) at --fresh-memory, process start to exit
Every time is host CLOCK_MONOTONIC (time.monotonic) taken by this process:
  save_request_s   the console line the guest prints right before its request ("bench-snapshot: request")
                   read from the VMM's stdout -> the file is complete: swiftvm's "saved to" line on stderr
                   (after its fdatasync and rename), QEMU's query-migrate "completed"
  save_exit_s      (swiftvm) the same line -> the process exits 122; save_killed_s (QEMU) -> the killed
                   QEMU is reaped
  save_vmm_ms      swiftvm's own figure from "swiftvm: saved to F (N bytes, T ms)"
  restore_running_s  spawn of the restoring process -> its first console line: the guest's migrate.save.1
                   result, its first output after resuming (QEMU: after cont and the 'R')
  restore_resumed_s  (QEMU) spawn -> query-status says running after cont, before the 'R' is written
  restore_exit_s   spawn of the restoring process -> its exit (includes the guest's check of every touched
                   page and its result lines)
  boot_exit_s      (fresh) spawn -> exit; boot_running_s: spawn -> the guest's first console line
A run whose guest did not report "CASE PASS snapshot.touched_memory" or exited otherwise than expected
is recorded with its error (bench_report.py lists it as a problem); the run goes on.
"""
import argparse
import json
import os
import random
import re
import socket
import subprocess
import sys
import time

REQUEST = b"bench-snapshot: request"
QEMU_SAVE_LINE = re.compile(rb"^tck-migrate: save (\d+)\r?$")
SAVED = re.compile(r"swiftvm: saved to .* \((\d+) bytes, (\d+) ms\)")
RESTORED = re.compile(r"swiftvm: restored from .*, set-up ([\d.]+) ms, run ([\d.]+) ms")
CHECK_PASS = b"TCK:1 CASE PASS snapshot.touched_memory"
CHECK_MS = re.compile(rb"^TCK:1 DATA snapshot.check_ms (\d+)")


def guest_check_ms(lines):
    """The guest's own figure for its page check (TSC), from its DATA line; None without one."""
    for line in lines:
        if (m := CHECK_MS.match(line)):
            return int(m.group(1))
    return None
TIMEOUT_S = 300


class QMP:
    """One QMP connection: greeting, qmp_capabilities, then commands answered in order (events skipped)."""

    def __init__(self, path, deadline):
        while True:
            self.sock = socket.socket(socket.AF_UNIX)
            try:
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise RuntimeError(f"QMP socket {path}: no QEMU listening")
                time.sleep(0.002)
        self.file = self.sock.makefile("rb")
        self.read()
        self.cmd("qmp_capabilities")

    def read(self):
        line = self.file.readline()
        if not line:
            raise RuntimeError("QMP connection closed")
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            m = self.read()
            if "event" in m:
                continue
            if "error" in m:
                raise RuntimeError(f"QMP {name}: {m['error'].get('desc', m['error'])}")
            return m["return"]

    def close(self):
        self.file.close()
        self.sock.close()


def read_until(proc, want, deadline):
    """Reads proc's stdout line by line until a line matching want (bytes prefix or regex); returns the
    time it arrived and the lines read, or (None, lines) at EOF."""
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            return None, lines
        t = time.monotonic()
        lines.append(line)
        if (want.match(line) if hasattr(want, "match") else line.startswith(want)):
            return t, lines
    return None, lines


def finish(proc, deadline):
    """Reads the rest of proc's stdout and waits for it: (exit time, status, lines)."""
    lines = []
    for line in proc.stdout:
        lines.append(line)
    try:
        proc.wait(timeout=max(1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return time.monotonic(), None, lines
    return time.monotonic(), proc.returncode, lines


def swiftvm_job(a, mem, touch, snap):
    r = {}
    deadline = time.monotonic() + TIMEOUT_S
    if os.path.exists(snap):
        os.unlink(snap)
    t0 = time.monotonic()
    p = subprocess.Popen([a.swiftvm, "run", "--testdev", "--serial", "stdout", "--memory", mem, "--kernel", a.kernel,
                          "--cmdline", f"touch={touch}", "--snapshot", snap],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    t_req, _ = read_until(p, REQUEST, deadline)
    # swiftvm prints "saved to" once the file is complete (fdatasync, rename), then tears the VM down and
    # exits; the guest prints nothing after its request, so stdout stays quiet while stderr is read.
    err, t_saved, m = "", None, None
    if t_req is not None:
        for line in p.stderr:
            err += line.decode(errors="replace")
            if (m := SAVED.search(err)):
                t_saved = time.monotonic()
                break
    t_exit, status, _ = finish(p, deadline)
    err += p.stderr.read().decode(errors="replace")
    p.stderr.close()
    if status != 122 or t_req is None or not m:
        return {"error": f"save: exit status {status}, request line {'seen' if t_req else 'not seen'}: {err.strip()[-300:]}"}
    r.update(save_request_s=t_saved - t_req, save_exit_s=t_exit - t_req, save_process_s=t_exit - t0,
             save_vmm_ms=int(m.group(2)), file_bytes=os.path.getsize(snap))
    t0 = time.monotonic()
    p = subprocess.Popen([a.swiftvm, "run", "--serial", "stdout", "--restore", snap, "-v"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = p.stdout.readline()
    t_first = time.monotonic()
    t_exit, status, lines = finish(p, deadline)
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    m = RESTORED.search(err)
    if status != 0 or not any(l.startswith(CHECK_PASS) for l in lines):
        return dict(r, error=f"restore: exit status {status}, check {'passed' if status == 0 else 'not passed'}: {err.strip()[-300:]}")
    r.update(restore_running_s=t_first - t0 if first else None, restore_exit_s=t_exit - t0,
             restore_setup_ms=float(m.group(1)) if m else None, guest_check_ms=guest_check_ms(lines))
    return r


def qemu_base(a, mem, touch, qmp_path, save=1):
    return [a.qemu, "-accel", "kvm", "-M", "microvm", "-nodefaults", "-no-user-config", "-nographic",
            "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-no-reboot", "-m", mem,
            "-kernel", a.pvh_kernel, "-append", f"touch={touch} save={save}",
            "-qmp", f"unix:{qmp_path},server=on,wait=off"]


def qemu_job(a, mem, touch, snap, qmp_path):
    r = {}
    deadline = time.monotonic() + TIMEOUT_S
    for f in (snap, qmp_path):
        if os.path.exists(f):
            os.unlink(f)
    base = qemu_base(a, mem, touch, qmp_path)
    p = subprocess.Popen(base, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    t_req, _ = read_until(p, QEMU_SAVE_LINE, deadline)
    if t_req is None:
        p.kill()
        p.wait()
        return {"error": f"save: QEMU ended (status {p.returncode}) without the save line"}
    try:
        qmp = QMP(qmp_path, deadline)
        if a.qemu_max_bandwidth:
            qmp.cmd("migrate-set-parameters", **{"max-bandwidth": a.qemu_max_bandwidth})
        qmp.cmd("stop")
        qmp.cmd("migrate", uri=f"exec:cat > {snap}")
        while (st := qmp.cmd("query-migrate").get("status")) not in ("completed", "failed", "cancelled"):
            time.sleep(0.001)
        t_done = time.monotonic()
        qmp.close()
    except RuntimeError as e:
        p.kill()
        p.wait()
        return {"error": f"save: {e}"}
    p.kill()
    p.wait()
    t_killed = time.monotonic()
    if st != "completed":
        return {"error": f"save: migrate ended {st}"}
    r.update(save_request_s=t_done - t_req, save_killed_s=t_killed - t_req, file_bytes=os.path.getsize(snap))
    os.unlink(qmp_path)
    t0 = time.monotonic()
    p = subprocess.Popen(base + ["-incoming", f"exec:cat {snap}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    try:
        qmp = QMP(qmp_path, deadline)
        while (status := qmp.cmd("query-status")["status"]) == "inmigrate" and time.monotonic() < deadline:
            time.sleep(0.001)
        if status != "running":
            qmp.cmd("cont")
        t_resumed = time.monotonic()
        p.stdin.write(b"R")
        p.stdin.flush()
        qmp.close()
    except (RuntimeError, OSError) as e:
        p.kill()
        p.wait()
        return dict(r, error=f"restore: {e}")
    first = p.stdout.readline()
    t_first = time.monotonic()
    t_exit, status, lines = finish(p, deadline)
    lines.insert(0, first)
    if status != 1 or not any(l.startswith(CHECK_PASS) for l in lines):
        return dict(r, error=f"restore: QEMU exit status {status} (want 1: guest exit 0), check "
                             f"{'passed' if any(l.startswith(CHECK_PASS) for l in lines) else 'not passed'}")
    r.update(restore_resumed_s=t_resumed - t0, restore_running_s=t_first - t0 if first else None,
             restore_exit_s=t_exit - t0, guest_check_ms=guest_check_ms(lines))
    return r


def fresh_job(a, vmm, mem, qmp_path):
    deadline = time.monotonic() + TIMEOUT_S
    if vmm == "swiftvm":
        argv, want = [a.swiftvm, "run", "--testdev", "--serial", "stdout", "--memory", mem, "--kernel", a.kernel,
                      "--cmdline", "touch=0 save=0"], 0
    else:
        if os.path.exists(qmp_path):
            os.unlink(qmp_path)
        argv, want = qemu_base(a, mem, 0, qmp_path, save=0), 1
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    first = p.stdout.readline()
    t_first = time.monotonic()
    t_exit, status, lines = finish(p, deadline)
    if status != want or not any(l.startswith(CHECK_PASS) for l in lines):
        return {"error": f"fresh boot: exit status {status}, want {want}"}
    return {"boot_exit_s": t_exit - t0, "boot_running_s": t_first - t0 if first else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--swiftvm", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--qemu", default="")
    ap.add_argument("--pvh-kernel", default="")
    ap.add_argument("--qemu-max-bandwidth", type=int, default=0,
                    help="bytes/s for QMP migrate-set-parameters max-bandwidth (0: QEMU's default)")
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--gap-ms", type=float, default=0)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--configs", required=True, help="MEM:TOUCH pairs, space-separated")
    ap.add_argument("--fresh-memory", default="64M")
    a = ap.parse_args()
    a.kernel, a.pvh_kernel = os.path.abspath(a.kernel), a.pvh_kernel and os.path.abspath(a.pvh_kernel)
    os.makedirs(a.dir, exist_ok=True)
    configs = [tuple(c.split(":")) for c in a.configs.split()]
    vmms = ["swiftvm"] + (["qemu"] if a.qemu else [])
    jobs = [(v, m, t) for v in vmms for m, t in configs] + [(f"fresh {v}", a.fresh_memory, "0") for v in vmms]
    samples = {j: [] for j in jobs}
    rng = random.Random(20261201)
    order = list(range(len(jobs)))
    qmp_path = os.path.join(a.dir, "qmp.sock")
    for rnd in range(a.warmup + a.runs):
        rng.shuffle(order)
        print(f"snapshot: round {rnd + 1}/{a.warmup + a.runs}{' (warm-up)' if rnd < a.warmup else ''}", file=sys.stderr)
        for i in order:
            vmm, mem, touch = jobs[i]
            snap = os.path.join(a.dir, f"{vmm}-{mem}-{touch}.snap")
            if a.gap_ms > 0:
                time.sleep(a.gap_ms / 1000)
            if vmm == "swiftvm":
                r = swiftvm_job(a, mem, touch, snap)
            elif vmm == "qemu":
                r = qemu_job(a, mem, touch, snap, qmp_path)
            else:
                r = fresh_job(a, vmm.split()[1], mem, qmp_path)
            if "error" in r:
                print(f"snapshot: {vmm} {mem} touch={touch}: {r['error']}", file=sys.stderr)
            if rnd >= a.warmup:
                samples[jobs[i]].append(r)
            if os.path.exists(snap):
                os.unlink(snap)
    with open(a.out, "w") as f:
        json.dump({"settings": {"runs": a.runs, "warmup": a.warmup, "gap_ms": a.gap_ms, "configs": a.configs,
                                "fresh_memory": a.fresh_memory, "qemu_max_bandwidth": a.qemu_max_bandwidth,
                                "snapshot_dir": os.path.abspath(a.dir)},
                   "jobs": [{"vmm": v, "memory": m, "touch": t, "runs": samples[(v, m, t)]} for v, m, t in jobs]}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
