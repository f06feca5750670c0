#!/usr/bin/env python3
"""Turns one sitting of scripts/bench.sh into a printed table, bench.json and index.html (inline SVG).

    bench_report.py RAW_DIR OUT_DIR

RAW_DIR holds manifest.tsv (group, label, expected status, command), one scripts/bench_time.py export
per group (<group>.json, hyperfine's shape plus max_rss_kib and minor_faults per run), suite-rss-<driver>.tsv (benchmarks/rsswrap), abi.tsv, guest-resident-kib,
scale-floor-resident.tsv, virtio-<vmm>.tsv (benchmarks/vmmprobe: per-phase wall and CPU), virtio-exits.tsv,
exit-instructions.tsv (callgrind totals of the exit runs) and snapshot.json (benchmarks/snapshot_bench.py). Settings come from the environment bench.sh sets. Standard library only.
"""
import datetime
import html
import json
import os
import platform
import statistics
import subprocess
import sys

RAW, OUT = sys.argv[1], sys.argv[2]
ENV = os.environ
MIB = 1 << 20


def env_int(name, default=0):
    try:
        return int(ENV.get(name, default))
    except ValueError:
        return default


# --- inputs ----------------------------------------------------------------------------------------
def read_lines(name):
    path = os.path.join(RAW, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.rstrip("\n") for line in f if line.strip()]


manifest = {}
for line in read_lines("manifest.tsv"):
    group, label, want, cmd = line.split("\t", 3)
    manifest[(group, label)] = {"expected_status": int(want), "command": cmd}

problems = []
groups = {}
for group in sorted({g for g, _ in manifest}):
    path = os.path.join(RAW, f"{group}.json")
    if not os.path.exists(path):
        problems.append(f"{group}: no timing export")
        continue
    with open(path) as f:
        data = json.load(f)
    rows = {}
    for r in data["results"]:
        m = manifest[(group, r["command"])]
        bad = sorted({c for c in r.get("exit_codes", []) if c != m["expected_status"]})
        if bad:
            problems.append(f"{group} / {r['command']}: exit statuses {bad} while timed, expected {m['expected_status']}")
        rows[r["command"]] = {
            "median_ms": statistics.median(r["times"]) * 1e3,
            "mean_ms": r["mean"] * 1e3,
            "stddev_ms": (r.get("stddev") or 0) * 1e3,
            "min_ms": r["min"] * 1e3,
            "max_ms": r["max"] * 1e3,
            "runs": len(r["times"]),
            "times_ms": [t * 1e3 for t in r["times"]],   # in round order: the same index is the same round
            "user_ms": (r.get("user") or 0) * 1e3,
            "system_ms": (r.get("system") or 0) * 1e3,
            "peak_rss_mib": max(r["max_rss_kib"]) / 1024 if r.get("max_rss_kib") else None,
            "page_faults": statistics.median(r["minor_faults"]) if r.get("minor_faults") else None,
            "command": m["command"],
            "unexpected_exit_statuses": bad,
        }
    groups[group] = rows


def med(group, label):
    r = groups.get(group, {}).get(label)
    return r["median_ms"] if r else None


def paired_ratio(a, b):
    """The median of a's time over b's within each round (both ran in it, close in time: drift cancels), and
    how many rounds a was faster in; None without both rows."""
    if not a or not b or len(a["times_ms"]) != len(b["times_ms"]) or not a["times_ms"]:
        return None
    per_round = [x / y for x, y in zip(a["times_ms"], b["times_ms"]) if y > 0]
    return {"median": statistics.median(per_round), "faster": sum(1 for r in per_round if r < 1),
            "rounds": len(per_round)}


def rss(group, label):
    r = groups.get(group, {}).get(label)
    return r["peak_rss_mib"] if r else None


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


# --- machine ---------------------------------------------------------------------------------------
def first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        return (out.stdout or out.stderr).splitlines()[0].strip()
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return None


def cpuinfo(key):
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


flags = set(cpuinfo("flags").split())
try:
    kvm_modules = sorted(m for m in os.listdir("/sys/module") if m.startswith("kvm"))
except OSError:
    kvm_modules = []
hw_virt = bool(flags & {"vmx", "svm"})
machine = {
    "cpu_model": cpuinfo("model name") or "unknown",
    "cpus": os.cpu_count(),
    "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / (1 << 30), 1),
    "kernel": platform.release(),
    "kvm_modules": kvm_modules,
    "cpu_has_vmx_or_svm": hw_virt,
    "running_under_hypervisor": "hypervisor" in flags,
    "kvm_nested_emulating": ("kvm_pvm" in kvm_modules) or ("hypervisor" in flags and not hw_virt),
    "swiftvm": first_line([ENV.get("SWIFTVM", ".build/release/swiftvm"), "--version"]),
    "qemu": first_line([ENV.get("QEMU", "qemu-system-x86_64"), "--version"]),
       "git_commit": first_line(["git", "rev-parse", "--short", "HEAD"]),
}

N = env_int("EXITS_N", 200000)
UART_BYTES = env_int("UART_BYTES", 32768)
TESTDEV_BYTES = env_int("TESTDEV_BYTES", 64 * MIB)
lines = []       # the printed table
results = {}     # bench.json "results"
targets = []     # (name, value text, goal text, met: True/False/None, note)


def out(s=""):
    lines.append(s)


def fmt(v, spec=".1f", none="n/a"):
    return none if v is None else format(v, spec)


def x(v):
    return "n/a" if v is None else f"{v:.2f}x"


# 1. boot ------------------------------------------------------------------------------------------
if "boot" in groups:
    g = groups["boot"]
    runs = next(iter(g.values()))["runs"]
    out(f"1. boot-to-exit, hello  ({runs} interleaved runs after {env_int('WARMUP')} warm-up, {ENV.get('GAP_MS')} ms idle before each; peak RSS = max over the runs)")
    out(f"   {'command':<18} {'median ms':>10} {'mean ± sd ms':>15} {'min ms':>8} {'peak RSS MiB':>13} {'page faults':>12}")
    for label, r in g.items():
        ms = f"{r['mean_ms']:.1f} ± {r['stddev_ms']:.1f}"
        out(f"   {label:<18} {r['median_ms']:>10.1f} {ms:>15} {r['min_ms']:>8.1f} {fmt(r['peak_rss_mib']):>13}"
            f" {fmt(r['page_faults'], '.0f'):>12}")
    out("   (page faults: the VMM process's own minor faults, median; swiftvm's text faults depend on Sources/swiftvm/startup.order,")
    out("    which `make startup-order` writes anew)")
    sv, fl, qm, qp = med("boot", "swiftvm"), med("boot", "floor"), med("boot", "qemu microvm"), med("boot", "qemu pc+qboot")
    r_qm, r_fl, r_qp = ratio(qm, sv), ratio(sv, fl), ratio(qp, sv)
    out(f"   ratios (medians): qemu microvm / swiftvm = {x(r_qm)}; qemu pc / swiftvm = {x(r_qp)}; swiftvm / floor = {x(r_fl)}")
    paired = paired_ratio(g.get("swiftvm"), g.get("floor"))
    if paired:
        out(f"   paired rounds: swiftvm / floor = {x(paired['median'])} (median of each round's ratio; swiftvm faster in"
            f" {paired['faster']} of {paired['rounds']} rounds)")
    guest_kib = next((int(v) for v in read_lines("guest-resident-kib") if v.isdigit()), None)
    sv_rss = rss("boot", "swiftvm")
    vmm_rss = sv_rss - guest_kib / 1024 if sv_rss is not None and guest_kib is not None else None
    out(f"   swiftvm peak RSS {fmt(sv_rss)} MiB - guest memory the run touched {fmt(guest_kib and guest_kib / 1024, '.2f')} MiB"
        f" (floor -v, mincore) = VMM RSS {fmt(vmm_rss)} MiB")
    results["boot"] = {"rows": g, "ratios": {"qemu_microvm_over_swiftvm": r_qm, "qemu_pc_over_swiftvm": r_qp,
                                             "swiftvm_over_floor": r_fl, "swiftvm_over_floor_paired": paired},
                       "guest_resident_kib": guest_kib, "swiftvm_rss_excluding_guest_mib": vmm_rss}
    targets.append(("hello: >= 4x faster than QEMU microvm", x(r_qm), ">= 4x", r_qm is not None and r_qm >= 4, ""))
    targets.append(("hello: <= 1.3x the C floor (same set-up)", x(r_fl), "<= 1.3x", r_fl is not None and r_fl <= 1.3, ""))
    targets.append(("VMM RSS excluding touched guest memory", f"{fmt(vmm_rss)} MiB", "<= 15 MiB",
                    vmm_rss is not None and vmm_rss <= 15, ""))
    out()

def exit_instructions():
    """{(vmm, direction): user instructions per exit} from exit-instructions.tsv: (I(N) - I(0)) / N."""
    totals = {}
    for line in read_lines("exit-instructions.tsv"):
        vmm, d, n, total = line.split("\t")
        totals[(vmm, d, int(n))] = int(total)
    counted = {}
    for (vmm, d, n), total in totals.items():
        base = totals.get((vmm, d, 0))
        if n > 0 and base is not None:
            counted[(vmm, d)] = (total - base) / n
    return counted


# 2. exits -----------------------------------------------------------------------------------------
if "exits" in groups:
    g = groups["exits"]
    out(f"2. userspace-exit round trip, N = {N} port accesses to 0x2F8  (ns/exit = (t(N) - t(0)) / N, medians)")
    out(f"   {'VMM':<8} {'t(0) ms':>9} {'out ns/exit':>12} {'in ns/exit':>11} {'VMM user ns/exit out, in':>25} {'peak RSS MiB':>13}")
    ex = {}
    for vmm in ("swiftvm", "floor", "qemu"):
        t0 = med("exits", f"{vmm} n=0")
        if t0 is None:
            continue
        o, i = med("exits", f"{vmm} out=N"), med("exits", f"{vmm} in=N")
        u0, uo, ui = (g.get(f"{vmm} {t}", {}).get("user_ms") for t in ("n=0", "out=N", "in=N"))
        ex[vmm] = {"t0_ms": t0, "out_ns": (o - t0) * 1e6 / N if o else None, "in_ns": (i - t0) * 1e6 / N if i else None,
                   "user_out_ns": (uo - u0) * 1e6 / N if uo is not None and u0 is not None else None,
                   "user_in_ns": (ui - u0) * 1e6 / N if ui is not None and u0 is not None else None,
                   "peak_rss_mib": max((rss("exits", f"{vmm} {t}") or 0) for t in ("n=0", "out=N", "in=N")) or None}
        e = ex[vmm]
        user = f"{fmt(e['user_out_ns'], '.0f')}, {fmt(e['user_in_ns'], '.0f')}"
        out(f"   {vmm:<8} {t0:>9.1f} {fmt(e['out_ns'], '.0f'):>12} {fmt(e['in_ns'], '.0f'):>11} {user:>25} {fmt(e['peak_rss_mib']):>13}")
    out("   (VMM user ns/exit: the VMM's own user-mode CPU per exit, mean user time over the runs. Kernels with tick-based")
    out("    CPU accounting (CONFIG_TICK_CPU_ACCOUNTING, HZ=250 on the kvm_pvm hosts) sample it: a run of N=20000 exits holds")
    out("    ~1 tick of user time and the column moves by +-100-300 ns; at the default N=200000 a run holds ~5-15 ticks, still +-20% over 5 runs)")
    rt = {}
    for d in ("out", "in"):
        sv, fl, qe = (ex.get(v, {}).get(f"{d}_ns") for v in ("swiftvm", "floor", "qemu"))
        rt[d] = {"swiftvm_over_floor": ratio(sv, fl), "qemu_over_swiftvm": ratio(qe, sv)}
        out(f"   {d:>3}: swiftvm / floor = {x(rt[d]['swiftvm_over_floor'])}; qemu / swiftvm = {x(rt[d]['qemu_over_swiftvm'])}")
        f = rt[d]["swiftvm_over_floor"]
        targets.append((f"exit round trip ({d}): <= 1.2x the C floor", x(f), "<= 1.2x", f is not None and f <= 1.2, ""))
        q = rt[d]["qemu_over_swiftvm"]
        targets.append((f"exit round trip ({d}): faster than QEMU", x(q) + " (qemu / swiftvm)", "> 1x",
                        None if q is None else q > 1, ""))
    counted = exit_instructions()
    if counted:
        out(f"   user-mode instructions per exit, counted by callgrind ((I(N) - I(0)) / N, N = {env_int('CG_EXITS')}):")
        for d in ("out", "in"):
            sv, fl = counted.get(("swiftvm", d)), counted.get(("floor", d))
            r = ratio(sv, fl)
            out(f"   {d:>3}: swiftvm {fmt(sv, '.0f')}, floor {fmt(fl, '.0f')}: swiftvm / floor = {x(r)}")
    results["exits"] = {"n": N, "vmms": ex, "ratios": rt, "rows": g,
                        "instructions_per_exit": {f"{v} {d}": n for (v, d), n in counted.items()},
                        "instructions_n": env_int("CG_EXITS")}
    out()

# 3. stream ----------------------------------------------------------------------------------------
if "stream" in groups:
    g = groups["stream"]
    out(f"3. guest-to-host throughput  (MiB/s = bytes / (t(M) - t(0)); UART M = {UART_BYTES} B, testdev M = {TESTDEV_BYTES >> 20} MiB)")
    out(f"   {'VMM, channel':<17} {'t(0) ms':>9} {'t(M) ms':>9} {'MiB/s':>9} {'us/byte':>8} {'peak RSS MiB':>13}")
    st = {}
    for label, nbytes in (("swiftvm uart", UART_BYTES), ("qemu uart", UART_BYTES), ("floor uart", UART_BYTES),
                          ("swiftvm testdev", TESTDEV_BYTES), ("floor testdev", TESTDEV_BYTES)):
        t0, tm = med("stream", f"{label} 0"), med("stream", f"{label} M")
        if t0 is None or tm is None:
            continue
        dt = (tm - t0) / 1e3
        mibs = nbytes / MIB / dt if dt > 0 else None
        st[label] = {"bytes": nbytes, "t0_ms": t0, "tM_ms": tm, "mib_per_s": mibs,
                     "us_per_byte": dt * 1e6 / nbytes if nbytes else None,
                     "peak_rss_mib": max(rss("stream", f"{label} 0") or 0, rss("stream", f"{label} M") or 0) or None}
        s = st[label]
        out(f"   {label:<17} {t0:>9.1f} {tm:>9.1f} {fmt(mibs, '.3f' if mibs and mibs < 10 else '.0f'):>9} "
            f"{fmt(s['us_per_byte'], '.3f'):>8} {fmt(s['peak_rss_mib']):>13}")
    r_uart = ratio(st.get("swiftvm uart", {}).get("mib_per_s"), st.get("qemu uart", {}).get("mib_per_s"))
    r_td = ratio(st.get("swiftvm testdev", {}).get("mib_per_s"), st.get("swiftvm uart", {}).get("mib_per_s"))
    out(f"   swiftvm uart / qemu uart = {x(r_uart)}; swiftvm testdev / swiftvm uart = {x(r_td)}"
        "  (floor rows: no UART model, no copy - what the exits alone cost)")
    results["stream"] = {"channels": st, "ratios": {"swiftvm_uart_over_qemu_uart": r_uart,
                                                   "swiftvm_testdev_over_swiftvm_uart": r_td}, "rows": g}
    out()

# 4. suite -----------------------------------------------------------------------------------------
suite = {}
for variant, title, short in (("whole", "whole suite", "whole"), ("quick", "without the deliberate-timeout hang/flood tests", "no hang/flood")):
    g = groups.get(f"suite-{variant}")
    if not g:
        continue
    if not suite:
        waiting = " ".join(read_lines("suite-waiting-tests"))
        out(f"4. tck run suite wall time  ({next(iter(g.values()))['runs']} interleaved runs after 1 warm-up; tests that wait on purpose: {waiting})")
    out(f"   {title}")
    out(f"     {'driver':<8} {'jobs':>4} {'median s':>9} {'min s':>7}")
    meds = {}
    for label, r in g.items():
        d, j = label.split(" jobs=")
        meds[(d, j)] = r["median_ms"] / 1e3
        out(f"     {d:<8} {j:>4} {r['median_ms'] / 1e3:>9.3f} {r['min_ms'] / 1e3:>7.3f}")
    rs = {}
    for j in ("1", "2"):
        rs[f"qemu_over_swiftvm_jobs{j}"] = ratio(meds.get(("qemu", j)), meds.get(("swiftvm", j)))
    for d in ("swiftvm", "qemu"):
        rs[f"{d}_jobs1_over_jobs2"] = ratio(meds.get((d, "1")), meds.get((d, "2")))
    out(f"     qemu / swiftvm: --jobs 1 {x(rs['qemu_over_swiftvm_jobs1'])}, --jobs 2 {x(rs['qemu_over_swiftvm_jobs2'])};"
        f" jobs 1 / jobs 2: swiftvm {x(rs['swiftvm_jobs1_over_jobs2'])}, qemu {x(rs['qemu_jobs1_over_jobs2'])}")
    suite[variant] = {"median_s": {f"{d} jobs={j}": v for (d, j), v in meds.items()}, "ratios": rs, "rows": g}
    for j in ("1", "2"):
        r = rs[f"qemu_over_swiftvm_jobs{j}"]
        note = "the deliberate timeouts (200 ms each) are a floor for both drivers" if variant == "whole" else ""
        targets.append((f"suite ({short}), --jobs {j}: >= 10x faster than qemu", x(r), ">= 10x",
                        None if r is None else r >= 10, note))
    r = rs["swiftvm_jobs1_over_jobs2"]
    targets.append((f"suite ({short}): 2 jobs >= 1.7x faster than 1 job (swiftvm)", x(r), ">= 1.7x",
                    None if r is None else r >= 1.7, f"host has {machine['cpus']} CPUs"))
vmm_rss = {}
for d in ("swiftvm", "qemu"):
    vals = []
    for line in read_lines(f"suite-rss-{d}.tsv"):
        kib, status, _, cmd = line.split("\t", 3)
        if "--version" in cmd.split()[1:3]:
            continue
        vals.append(int(kib) / 1024)
    if vals:
        vmm_rss[d] = {"processes": len(vals), "max_mib": max(vals), "median_mib": statistics.median(vals)}
if vmm_rss:
    out("   peak RSS per VMM process over the whole suite (--jobs 2): " + "; ".join(
        f"{d} median {v['median_mib']:.1f} MiB, max {v['max_mib']:.1f} MiB ({v['processes']} processes)"
        for d, v in vmm_rss.items()))
if suite or vmm_rss:
    results["suite"] = dict(suite, vmm_peak_rss=vmm_rss)
    out()

# 5. abi -------------------------------------------------------------------------------------------
abi_lines = dict(line.split("\t", 1) for line in read_lines("abi.tsv"))
if abi_lines:
    if abi_lines.get("status") == "available" and "abi" in groups:
        g = groups["abi"]
        out("5. tck abi dump wall time per machine type")
        for label, r in g.items():
            out(f"   {label:<24} median {r['median_ms']:.1f} ms, peak RSS {fmt(r['peak_rss_mib'])} MiB")
        results["abi_dump"] = {"available": True, "rows": g}
    else:
        out("5. tck abi dump: not available (this tck has no 'abi dump' subcommand yet)")
        results["abi_dump"] = {"available": False, "status": "not available"}
    out()

# 6. scale -----------------------------------------------------------------------------------------
if "scale" in groups:
    g = groups["scale"]
    floor_res = dict(line.split("\t") for line in read_lines("scale-floor-resident.tsv"))
    out("6. swiftvm scaling: hello with --memory, smp with --cpus  (medians)")
    out(f"   {'configuration':<14} {'median ms':>10} {'peak RSS MiB':>13} {'guest resident KiB (floor)':>27}")
    for label, r in g.items():
        res = ""
        if label.startswith("memory "):
            m = label.split()[1]
            mib = int(m[:-1]) * (1024 if m.endswith("G") else 1)
            res = floor_res.get(str(mib), "")
        out(f"   {label:<14} {r['median_ms']:>10.1f} {fmt(r['peak_rss_mib']):>13} {res:>27}")
    t64, t4g = med("scale", "memory 64M"), med("scale", "memory 4G")
    m64, m4g = rss("scale", "memory 64M"), rss("scale", "memory 4G")
    c1, c8 = med("scale", "cpus 1"), med("scale", "cpus 8")
    r1, r8 = rss("scale", "cpus 1"), rss("scale", "cpus 8")
    t_ratio = ratio(t4g, t64)
    rss_growth = (m4g - m64) if m4g is not None and m64 is not None else None
    o1 = t_ratio is not None and t_ratio <= 1.25 and (rss_growth is None or rss_growth <= 2)
    verdict = ("O(1) in guest memory size" if o1 else "NOT O(1) in guest memory size")
    out(f"   64M -> 4G: time {x(t_ratio)}, RSS {'+' if (rss_growth or 0) >= 0 else ''}{fmt(rss_growth)} MiB: {verdict}")
    per_cpu_ms = (c8 - c1) / 7 if c1 is not None and c8 is not None else None
    per_cpu_rss = (r8 - r1) / 7 if r1 is not None and r8 is not None else None
    out(f"   cpus 1 -> 8: time {x(ratio(c8, c1))} (+{fmt(per_cpu_ms)} ms per vCPU), RSS +{fmt(per_cpu_rss, '.2f')} MiB per vCPU")
    results["scale"] = {"rows": g, "memory_time_ratio_4g_over_64m": t_ratio, "memory_rss_growth_mib": rss_growth,
                        "memory_cost_o1": o1, "cpus_time_ratio_8_over_1": ratio(c8, c1),
                        "ms_per_extra_vcpu": per_cpu_ms, "rss_mib_per_extra_vcpu": per_cpu_rss,
                        "floor_guest_resident_kib": floor_res}
    targets.append(("cost O(1) in guest memory size (64M -> 4G)", f"time {x(t_ratio)}, RSS +{fmt(rss_growth)} MiB",
                    "time <= 1.25x, RSS <= +2 MiB", o1, ""))
    out()

# 7. virtio-blk (issue 11) -------------------------------------------------------------------------
VIRTIO_PHASES = (  # (phase, what, unit, bytes per request, requests from the settings)
    ("seqread", "sequential 64 KiB reads, polled", "MiB/s", 64 << 10, env_int("VIRTIO_READ_MIB") * 16),
    ("seqwrite", "sequential 64 KiB writes, polled", "MiB/s", 64 << 10, env_int("VIRTIO_WRITE_MIB") * 16),
    ("randread", "4 KiB random reads, polled", "IOPS", 4096, env_int("VIRTIO_RAND")),
    ("randirq", "4 KiB random reads, MSI-X completion", "IOPS", 4096, env_int("VIRTIO_RAND_IRQ")),
)


def virtio_runs(vmm, keep, log=None):
    """The last `keep` runs of benchmarks/vmmprobe's log for vmm (or the log file `log`): [{phase: record}]
    (earlier blocks are the check run and the warm-up)."""
    runs, cur = [], {}
    for line in read_lines(log or f"virtio-{vmm}.tsv"):
        f = line.split("\t")
        if f[0] == "phase" and len(f) >= 9:
            cur[f[1]] = {"wall_ns": int(f[2]), "cpu_ns": int(f[3]), "vcpu_ns": int(f[4]), "other_ns": int(f[5]),
                         "utime_ticks": int(f[6]), "stime_ticks": int(f[7]), "threads": int(f[8])}
        elif f[0] == "data" and len(f) >= 3:
            cur.setdefault("data", {})[f[1]] = f[2]
        elif f[0] == "run":
            runs.append(cur)
            cur = {}
    return runs[-keep:] if keep else runs


def phase_stats(runs, where):
    """Per phase of VIRTIO_PHASES over `runs` (virtio_runs): rates and per-request costs, medians. Bad requests or
    a missing result line are problems named by `where`."""
    stats = {}
    for phase, what, unit, size, nreq in VIRTIO_PHASES:
        recs = [r[phase] for r in runs if phase in r]
        if not recs or not nreq:
            continue
        data = [r.get("data", {}) for r in runs if phase in r]
        bad = sum(int(d.get(f"bench.{phase}.bad", "0")) for d in data)
        if bad or any(f"bench.{phase}.requests" not in d for d in data):
            problems.append(f"{where} / {phase}: {bad} bad requests, or no result line (see the kernel's output)")
        spins = [int(d[f"bench.{phase}.spins_per_request"]) for d in data if f"bench.{phase}.spins_per_request" in d]
        rates = [(nreq * size / MIB if unit == "MiB/s" else nreq) / (r["wall_ns"] / 1e9) for r in recs]
        stats[phase] = {
            "unit": unit, "requests": nreq, "bytes_per_request": size, "runs": len(recs),
            "rate_median": statistics.median(rates), "rate_min": min(rates), "rate_max": max(rates),
            "us_per_request": statistics.median(r["wall_ns"] for r in recs) / nreq / 1e3,
            "cpu_us_per_request": statistics.median(r["cpu_ns"] for r in recs) / nreq / 1e3,
            "vcpu_us_per_request": statistics.median(r["vcpu_ns"] for r in recs) / nreq / 1e3,
            "other_us_per_request": statistics.median(r["other_ns"] for r in recs) / nreq / 1e3,
            "user_sys_ticks_median": [statistics.median(r["utime_ticks"] for r in recs),
                                      statistics.median(r["stime_ticks"] for r in recs)],
            "guest_spins_per_request": statistics.median(spins) if spins else None,
        }
    return stats


if "virtio" in groups:
    g = groups["virtio"]
    out(f"7. virtio-blk in the guest (bench_virtio, queue depth 1, 64 MiB raw image; phases timed on the host between console"
        f" markers; medians of {next(iter(g.values()))['runs']} interleaved runs)")
    out(f"   {'phase':<40} {'VMM':<8} {'rate':>12} {'us/req':>8} {'VMM CPU us/req':>15} {'non-vCPU us/req':>16}"
        f" {'guest spins/req':>16}")
    vt = {}
    for vmm in ("swiftvm", "qemu"):
        if vmm not in g:
            continue
        vt[vmm] = phase_stats(virtio_runs(vmm, g[vmm]["runs"]), f"virtio / {vmm}")
    for phase, what, unit, size, nreq in VIRTIO_PHASES:
        for vmm in vt:
            v = vt[vmm].get(phase)
            if v:
                rate = f"{v['rate_median']:.0f} {unit}" if unit == "IOPS" else f"{v['rate_median']:.1f} {unit}"
                out(f"   {what:<40} {vmm:<8} {rate:>12} {v['us_per_request']:>8.0f} {v['cpu_us_per_request']:>15.0f}"
                    f" {v['other_us_per_request']:>16.1f} {fmt(v['guest_spins_per_request'], '.0f'):>16}")
    ratios = {}
    for phase, what, unit, size, nreq in VIRTIO_PHASES:
        s_, q_ = (vt.get(v, {}).get(phase, {}).get("rate_median") for v in ("swiftvm", "qemu"))
        ratios[phase] = ratio(s_, q_)
    out("   swiftvm / qemu: " + "; ".join(f"{p} {x(r)}" for p, r in ratios.items()))
    out("   (VMM CPU = user + system of every VMM thread over the phase, /proc/TID/schedstat; non-vCPU = the threads seen blocked"
        " outside KVM_RUN: I/O thread, main loop, workers. On an emulating host the vCPU thread's share is KVM emulating the"
        " guest's poll loop, ~ the wall time. Guest spins/req: iterations of the guest's wait loop per request, counted only"
        " while the vCPU runs: in the polled phases the wait for the used ring, in the MSI-X phase the wait for the interrupt)")
    # exits per request: (e(big) - e(small)) / (requests(big) - requests(small)); see virtio_exits in bench.sh
    ex = {}
    rows_ex = {}
    for line in read_lines("virtio-exits.tsv"):
        f = line.split("\t") + [""] * 8
        rows_ex[(f[0], f[1])] = f

    def nreq(args):
        kv = dict(w.split("=") for w in args.split())
        return int(kv["read"]) * 16 + int(kv["write"]) * 16 + int(kv["rand"]) + int(kv["rand_irq"])

    def delta(sm, bg, i):
        return int(bg[i]) - int(sm[i]) if sm[i].isdigit() and bg[i].isdigit() else None

    for vmm in ("swiftvm", "qemu"):
        sm, bg = rows_ex.get((vmm, "small")), rows_ex.get((vmm, "big"))
        if not sm or not bg:
            continue
        dn = nreq(bg[2]) - nreq(sm[2])
        runs_, eintr, vexits, bar, kicks = (delta(sm, bg, i) for i in (3, 4, 5, 6, 7))
        e = {"requests_delta": dn, "small": sm[3:8], "big": bg[3:8]}
        if runs_ is not None and eintr is not None:
            e["kvm_run_returns_per_request"] = runs_ / dn
            e["eintr_per_request"] = eintr / dn
        if vexits is not None:
            e["swiftvm_v_exits_per_request"] = vexits / dn
            # The request path's own exits: MMIO exits to the virtio BAR (kicks that missed the ioeventfd,
            # ISR reads); the target.
            e["exits_per_request"] = bar / dn
            e["ioeventfd_kicks_per_request"] = kicks / dn
        if not e.keys() & {"kvm_run_returns_per_request", "exits_per_request"}:
            continue
        ex[vmm] = e
        parts_ = []
        if "exits_per_request" in e:
            parts_.append(f"virtio BAR exits {e['exits_per_request']:.3f}/request and kicks through ioeventfd"
                          f" {e['ioeventfd_kicks_per_request']:.3f}/request (swiftvm -v; all exits {e['swiftvm_v_exits_per_request']:.3f}/request)")
        if "kvm_run_returns_per_request" in e:
            parts_.append(f"every KVM_RUN return {e['kvm_run_returns_per_request']:.3f}/request, of which EINTR"
                          f" {e['eintr_per_request']:.3f} (strace -f)")
        out(f"   {vmm} exits over {dn} more requests (all four phases): " + "; ".join(parts_))
    out("   (KVM_RUN returns include what follows run time, not requests: swiftvm's deadlock watchdog pauses the vCPU every"
        " 50 ms, ~20 returns/s; the small and big runs differ in length by ~0.2-0.4 s)")
    results["virtio"] = {"phases": vt, "ratios_swiftvm_over_qemu": ratios, "exits": ex, "rows": g,
                         "settings": {k: ENV.get(k) for k in ("VIRTIO_READ_MIB", "VIRTIO_WRITE_MIB", "VIRTIO_RAND",
                                                              "VIRTIO_RAND_IRQ")}}
    for phase, what, unit, size, nreq in VIRTIO_PHASES:
        r = ratios.get(phase)
        s_ = vt.get("swiftvm", {}).get(phase)
        q_ = vt.get("qemu", {}).get(phase)
        val = (f"{s_['rate_median']:.0f} vs {q_['rate_median']:.0f} {unit} ({x(r)})" if s_ and q_ else "n/a")
        targets.append((f"virtio-blk {what}: swiftvm >= QEMU", val, ">= 1x", None if r is None else r >= 1,
                        "issue 11"))
    e = ex.get("swiftvm", {}).get("exits_per_request")
    targets.append(("virtio-blk: userspace exits per request (ioeventfd)", "n/a" if e is None else f"{e:.3f}", "0",
                    None if e is None else e == 0, "issue 11; swiftvm's exits to the virtio BAR, all four phases"))
    out()

# 8. qcow2 (issue 12) -----------------------------------------------------------------------------------
if "qcow2" in groups:
    g = groups["qcow2"]
    out("8. qcow2 in the guest (bench_virtio as in 7, on qemu-img's qcow2 conversion of the same image, clusters allocated)")
    qt = {}
    for label, log in (("swiftvm raw", "qcow2-swiftvm-raw.tsv"), ("swiftvm qcow2", "qcow2-swiftvm-qcow2.tsv"),
                       ("qemu qcow2", "qcow2-qemu-qcow2.tsv")):
        if label not in g:
            continue
        qt[label] = phase_stats(virtio_runs(None, g[label]["runs"], log), f"qcow2 / {label}")
        for phase, what, unit, size, nreq in VIRTIO_PHASES:
            v = qt[label].get(phase)
            if v:
                rate = f"{v['rate_median']:.0f} {unit}" if unit == "IOPS" else f"{v['rate_median']:.1f} {unit}"
                out(f"   {what:<40} {label:<14} {rate:>12}   non-vCPU CPU {v['other_us_per_request']:.1f} us/request")
    q_ratios = {}
    for phase, what, unit, size, nreq in VIRTIO_PHASES:
        rate = lambda label: qt.get(label, {}).get(phase, {}).get("rate_median")
        q_ratios[phase] = {"qcow2_over_raw": ratio(rate("swiftvm qcow2"), rate("swiftvm raw")),
                           "swiftvm_over_qemu_qcow2": ratio(rate("swiftvm qcow2"), rate("qemu qcow2"))}
        out(f"   {what}: qcow2/raw {x(q_ratios[phase]['qcow2_over_raw'])}, swiftvm/QEMU on qcow2"
            f" {x(q_ratios[phase]['swiftvm_over_qemu_qcow2'])}")
    results["qcow2"] = {"phases": qt, "ratios": q_ratios, "rows": g}
    for phase, what, unit, size, nreq in VIRTIO_PHASES[:3]:
        r = q_ratios[phase]["qcow2_over_raw"]
        targets.append((f"qcow2 {what}: >= 0.9x raw", x(r), ">= 0.9x", None if r is None else r >= 0.9, "issue 12"))
        r = q_ratios[phase]["swiftvm_over_qemu_qcow2"]
        targets.append((f"qcow2 {what}: swiftvm >= QEMU", x(r), ">= 1x", None if r is None else r >= 1, "issue 12"))
    out()

# 9. save/restore (issue 13) ------------------------------------------------------------------------
# benchmarks/snapshot_bench.py's snapshot.json: per job (VMM, guest memory, touched) the runs' figures.
def parse_size(text):
    """'64M' / '4G' / '1M' / '0' as bytes."""
    mult = {"K": 1 << 10, "M": MIB, "G": 1 << 30}.get(text[-1:].upper(), 1)
    return int(text[:-1] if mult > 1 else text) * mult


def slope(points):
    """Least-squares slope of [(x, y)], None with fewer than two distinct x."""
    pts = [(px, py) for px, py in points if py is not None]
    if len({px for px, _ in pts}) < 2:
        return None
    mx = statistics.mean(px for px, _ in pts)
    my = statistics.mean(py for _, py in pts)
    return sum((px - mx) * (py - my) for px, py in pts) / sum((px - mx) ** 2 for px, _ in pts)


SNAP_METRICS = ("save_request_s", "save_exit_s", "save_killed_s", "save_process_s", "save_vmm_ms", "file_bytes",
                "restore_running_s", "restore_resumed_s", "restore_exit_s", "restore_setup_ms", "boot_exit_s",
                "boot_running_s", "guest_check_ms")
snap_path = os.path.join(RAW, "snapshot.json")
if os.path.exists(snap_path):
    with open(snap_path) as f:
        snap_raw = json.load(f)
    sset = snap_raw["settings"]
    cfg = {}        # (vmm, memory, touched) -> {metric: median, "runs": n, "errors": n}
    for j in snap_raw["jobs"]:
        good = [r for r in j["runs"] if "error" not in r]
        for r in j["runs"]:
            if "error" in r:
                problems.append(f"snapshot / {j['vmm']} {j['memory']} touched {j['touch']}: {r['error']}")
        m = {"runs": len(good), "errors": len(j["runs"]) - len(good)}
        for k in SNAP_METRICS:
            vals = [r[k] for r in good if r.get(k) is not None]
            m[k] = statistics.median(vals) if vals else None
        cfg[(j["vmm"], j["memory"], j["touch"])] = m
    ms = lambda v: None if v is None else v * 1e3

    def get(vmm, mem, touch, k):
        return cfg.get((vmm, mem, touch), {}).get(k)

    pairs = [(mem, t) for v, mem, t in cfg if v == "swiftvm"]
    pairs.sort(key=lambda p: (parse_size(p[1]), parse_size(p[0])))
    vmms = [v for v in ("swiftvm", "qemu") if any(k[0] == v for k in cfg)]
    out(f"9. save/restore (bench_snapshot; medians of {sset['runs']} interleaved rounds after {sset['warmup']} warm-up;"
        " host clock; touched = pages the guest wrote, from 16 MiB up)")
    out("   save: the guest's last console line before its request -> swiftvm's 'saved to' line (file complete, fdatasync'd,"
        " renamed) / QEMU's query-migrate 'completed'"
        " (QMP stop + migrate exec:cat > FILE); restore: spawn of `swiftvm run --restore` / QEMU -incoming -> the guest's"
        " exit after checking every touched page (1st line: -> the guest's first console line after resuming; on QEMU after"
        " cont and the 'R')")
    out(f"   {'guest':>5} {'touched':>7} | {'VMM':<7} {'save ms':>8} {'own ms':>7} {'to exit':>7} {'file MiB':>9} {'/touched':>8}"
        f" {'1st line ms':>11} {'restore ms':>10} | {'qemu/swiftvm: save':>18} {'1st line':>8} {'restore':>7}")
    rows_out = []
    for mem, t in pairs:
        touched = parse_size(t)
        for v in vmms:
            fb = get(v, mem, t, "file_bytes")
            per = ratio(fb, touched) if touched else None
            own = get(v, mem, t, "save_vmm_ms")
            rs = ratio(get("qemu", mem, t, "save_request_s"), get("swiftvm", mem, t, "save_request_s"))
            rr = ratio(get("qemu", mem, t, "restore_exit_s"), get("swiftvm", mem, t, "restore_exit_s"))
            r1 = ratio(get("qemu", mem, t, "restore_running_s"), get("swiftvm", mem, t, "restore_running_s"))
            tail = f" | {x(rs):>18} {x(r1):>8} {x(rr):>7}" if v == "swiftvm" and "qemu" in vmms else " |"
            to_exit = get(v, mem, t, "save_exit_s") if v == "swiftvm" else get(v, mem, t, "save_killed_s")
            out(f"   {mem:>5} {t:>7} | {v:<7} {fmt(ms(get(v, mem, t, 'save_request_s'))):>8} {fmt(own, '.0f'):>7} {fmt(ms(to_exit)):>7}"
                f" {fmt(fb and fb / MIB, '.2f'):>9} {fmt(per, '.3f'):>8} {fmt(ms(get(v, mem, t, 'restore_running_s'))):>11}"
                f" {fmt(ms(get(v, mem, t, 'restore_exit_s'))):>10}" + tail)
            rows_out.append({"vmm": v, "memory": mem, "touched": t, "touched_bytes": touched,
                             "file_over_touched": per, **cfg.get((v, mem, t), {})})
    # cost against touched memory (largest guest, every touched amount) and against guest RAM (smallest touched > 0)
    mems = sorted({m for m, _ in pairs}, key=parse_size)
    touches = sorted({t for _, t in pairs if parse_size(t) > 0}, key=parse_size)
    slopes = {}
    for v in vmms:
        big, small_t = mems[-1], touches[0] if touches else None
        s = {}
        for key, k, scale in (("save_ms", "save_request_s", 1e3), ("restore_ms", "restore_exit_s", 1e3),
                              ("restore_1st_line_ms", "restore_running_s", 1e3), ("file_mib", "file_bytes", 1 / MIB)):
            pts_t = [(parse_size(t) / MIB, get(v, big, t, k)) for t in touches]
            pts_m = [(parse_size(m) / (1 << 30), get(v, m, small_t, k)) for m in mems]
            st, sm = slope([(a_, b_ * scale) for a_, b_ in pts_t if b_ is not None]), \
                slope([(a_, b_ * scale) for a_, b_ in pts_m if b_ is not None])
            s[f"{key}_per_touched_mib"] = st
            s[f"{key}_per_guest_gib"] = sm
        s["touched_points"] = f"{big} guest, touched {', '.join(touches)}"
        s["guest_points"] = f"touched {small_t}, guests {', '.join(mems)}"
        slopes[v] = s
        out(f"   {v} slopes: per touched MiB ({s['touched_points']}): save {fmt(s['save_ms_per_touched_mib'], '.2f')} ms,"
            f" restore {fmt(s['restore_ms_per_touched_mib'], '.2f')} ms (to 1st line {fmt(s['restore_1st_line_ms_per_touched_mib'], '.2f')}),"
            f" file {fmt(s['file_mib_per_touched_mib'], '.3f')} MiB; per GiB of guest RAM ({s['guest_points']}): save"
            f" {fmt(s['save_ms_per_guest_gib'], '.2f')} ms, restore {fmt(s['restore_ms_per_guest_gib'], '.2f')} ms (to 1st line"
            f" {fmt(s['restore_1st_line_ms_per_guest_gib'], '.2f')}), file {fmt(s['file_mib_per_guest_gib'], '.3f')} MiB")
    # What the guest's page check after the restore costs (its own TSC figure, the largest configuration).
    check_us = {}
    if pairs:
        bm, bt = max(pairs, key=lambda p: (parse_size(p[1]), parse_size(p[0])))
        for v in vmms:
            c_ = get(v, bm, bt, "guest_check_ms")
            if c_ is not None and parse_size(bt):
                check_us[v] = c_ * 1e3 / (parse_size(bt) // 4096)
        if check_us:
            out(f"   the guest's page check after the restore ({bm}, {bt}; its own TSC figure, part of 'restore ms'): "
                + ", ".join(f"{v} {get(v, bm, bt, 'guest_check_ms'):.0f} ms = {u:.1f} us per touched page"
                            for v, u in check_us.items()))
    fresh = {v: get(f"fresh {v}", sset["fresh_memory"], "0", "boot_exit_s") for v in vmms}
    fresh_first = {v: get(f"fresh {v}", sset["fresh_memory"], "0", "boot_running_s") for v in vmms}
    fm = sset["fresh_memory"]
    base_t = "0" if ("swiftvm", fm, "0") in cfg else (touches[0] if touches else None)
    restore_vs_fresh = {v: {"restore_exit_ms": ms(get(v, fm, base_t, "restore_exit_s")),
                            "restore_running_ms": ms(get(v, fm, base_t, "restore_running_s")),
                            "fresh_boot_exit_ms": ms(fresh[v]), "fresh_boot_running_ms": ms(fresh_first[v]),
                            "touched": base_t} for v in vmms}
    for v, rv in restore_vs_fresh.items():
        out(f"   {v}: restore of the {fm} touched={base_t} save -> guest exit {fmt(rv['restore_exit_ms'])} ms (to its first line"
            f" {fmt(rv['restore_running_ms'])} ms) vs fresh boot -> exit of the same kernel at {fm}, touch=0 save=0:"
            f" {fmt(rv['fresh_boot_exit_ms'])} ms ({x(ratio(rv['restore_exit_ms'], rv['fresh_boot_exit_ms']))}; to its first line"
            f" {fmt(rv['fresh_boot_running_ms'])} ms)")
    if sset.get("qemu_max_bandwidth"):
        out(f"   (QEMU: migrate-set-parameters max-bandwidth {sset['qemu_max_bandwidth']} B/s, its own rate limit lifted;"
            " swiftvm fdatasyncs its file, QEMU's `cat >` does not; files in " + sset.get("snapshot_dir", "?") + ")")
    # targets
    fo = [(r["file_over_touched"], r["memory"], r["touched"]) for r in rows_out
          if r["vmm"] == "swiftvm" and r["file_over_touched"] is not None]
    worst = max(fo) if fo else None
    targets.append(("save O(touched): file size / touched memory <= 1.1 (swiftvm)",
                    "n/a" if worst is None else f"{worst[0]:.3f} ({worst[1]}, {worst[2]})", "<= 1.1",
                    None if worst is None else worst[0] <= 1.1, "issue 13; worst over the configurations with touched > 0"))
    small_m, big_m = (mems[0], mems[-1]) if mems else (None, None)
    for what, k, note in (("save", "save_request_s", "request -> 'saved to' line"),
                          ("restore", "restore_running_s", "spawn -> the guest's first line after resuming")):
        rs_ = [(ratio(get("swiftvm", big_m, t, k), get("swiftvm", small_m, t, k)), t) for t in touches
               if get("swiftvm", big_m, t, k) is not None and get("swiftvm", small_m, t, k) is not None]
        w = max(rs_) if rs_ else None
        extra = ""
        if what == "save":
            own = [(t, ratio(get("swiftvm", big_m, t, "save_vmm_ms"), get("swiftvm", small_m, t, "save_vmm_ms"))) for _, t in rs_]
            extra = "; swiftvm's own figure: " + ", ".join(f"{x(r_)} at {t}" for t, r_ in own)
        else:
            ex_ = [(t, ratio(get("swiftvm", big_m, t, "restore_exit_s"), get("swiftvm", small_m, t, "restore_exit_s")))
                   for _, t in rs_]
            extra = "; to guest exit (incl. its page check): " + ", ".join(f"{x(r_)} at {t}" for t, r_ in ex_)
        targets.append((f"{what} O(touched): {big_m} vs {small_m} guest, same touched, <= 1.5x (swiftvm)",
                        "n/a" if w is None else ", ".join(f"{x(r_)} at {t}" for r_, t in rs_), "<= 1.5x",
                        None if w is None else w[0] <= 1.5, f"issue 13; {note}{extra}"))
    rv = restore_vs_fresh.get("swiftvm", {})
    r_ = ratio(rv.get("restore_exit_ms"), rv.get("fresh_boot_exit_ms"))
    targets.append((f"restore faster than a fresh boot (swiftvm, {fm})",
                    f"{fmt(rv.get('restore_exit_ms'))} vs {fmt(rv.get('fresh_boot_exit_ms'))} ms ({x(r_)})", "< 1x",
                    None if r_ is None else r_ < 1,
                    f"issue 13; spawn -> guest exit: `run --restore` of a touched={base_t} save vs a fresh boot, touch=0 save=0;"
                    f" to the first guest line: {fmt(rv.get('restore_running_ms'))} vs {fmt(rv.get('fresh_boot_running_ms'))} ms"))
    if "qemu" in vmms:
        def vs_qemu(k):
            rs_ = [(ratio(get("qemu", m, t, k), get("swiftvm", m, t, k)), m, t) for m, t in pairs]
            return [r for r in rs_ if r[0] is not None]

        def span(rs_):
            return "n/a" if not rs_ else f"worst {x(min(rs_)[0])} ({min(rs_)[1]}, {min(rs_)[2]}), best {x(max(rs_)[0])}"
        rs_ = vs_qemu("save_request_s")
        targets.append(("save faster than QEMU, every configuration", span(rs_), "> 1x (qemu / swiftvm)",
                        None if not rs_ else min(rs_)[0] > 1,
                        "issue 13; medians per configuration; request -> file complete"))
        # Restore-to-running is the VMM's part; the guest's page check after it costs both VMMs the same
        # per page (it dominates the time to exit with 16 MiB or more touched), so the exit is shown beside.
        rs_, ex_ = vs_qemu("restore_running_s"), vs_qemu("restore_exit_s")
        targets.append(("restore faster than QEMU, every configuration", "to 1st line: " + span(rs_),
                        "> 1x (qemu / swiftvm)", None if not rs_ else min(rs_)[0] > 1,
                        "issue 13; medians per configuration; spawn -> the guest's first line after resuming; to guest"
                        " exit (incl. its page check): " + span(ex_)))
    results["snapshot"] = {"settings": sset, "rows": rows_out, "slopes": slopes, "restore_vs_fresh_boot": restore_vs_fresh,
                           "guest_check_us_per_page_after_restore": check_us,
                           "fresh_boot_exit_ms": {v: ms(t) for v, t in fresh.items()}}
    out()

# issue 14 targets ---------------------------------------------------------------------------------
def issue14_targets():
    """Issue 14: the whole suite on swiftvm under 3 s with --jobs 2 and >= 3x faster than the qemu driver on
    the same selection; hello <= 1.1x the C floor; swiftvm's own user CPU per exit <= 1.5x the floor's."""
    whole = suite.get("whole", {})
    sv2 = whole.get("median_s", {}).get("swiftvm jobs=2")
    q2 = whole.get("median_s", {}).get("qemu jobs=2")
    r = ratio(q2, sv2)
    if sv2 is not None:
        targets.append(("suite (whole), swiftvm --jobs 2: under 3 s", f"{sv2:.2f} s", "< 3 s", sv2 < 3, "issue 14"))
    if sv2 is not None or q2 is not None:
        targets.append(("suite (whole), --jobs 2: >= 3x faster than qemu", x(r) + f" ({fmt(q2, '.2f')} / {fmt(sv2, '.2f')} s)",
                        ">= 3x", None if r is None else r >= 3, "issue 14; same selection, both drivers"))
    r_fl = results.get("boot", {}).get("ratios", {}).get("swiftvm_over_floor")
    if "boot" in results:
        targets.append(("hello: <= 1.1x the C floor", x(r_fl), "<= 1.1x", None if r_fl is None else r_fl <= 1.1, "issue 14"))
    ex = results.get("exits", {}).get("vmms", {})
    for d in ("out", "in"):
        sv, fl = (ex.get(v, {}).get(f"user_{d}_ns") for v in ("swiftvm", "floor"))
        if sv is None:
            continue
        # user time is sampled by the kernel; a floor that rounds to <= 0 ns per exit gives no ratio (n/a).
        r = ratio(sv, fl) if fl is not None and fl > 0 else None
        targets.append((f"VMM user CPU per exit ({d}): <= 1.5x the floor", f"{sv:.0f} ns vs {fmt(fl, '.0f')} ns",
                        "<= 1.5x", None if r is None else r <= 1.5, "issue 14; mean user time, (t(N) - t(0)) / N"))
    counted = results.get("exits", {}).get("instructions_per_exit", {})
    for d in ("out", "in"):
        sv, fl = counted.get(f"swiftvm {d}"), counted.get(f"floor {d}")
        if sv is None:
            continue
        r = ratio(sv, fl)
        targets.append((f"VMM user instructions per exit ({d}): <= 1.5x the floor", f"{sv:.0f} vs {fmt(fl, '.0f')}",
                        "<= 1.5x", None if r is None else r <= 1.5, "issue 14; counted by callgrind, (I(N) - I(0)) / N"))
    cost = timeout_verdict_cost()
    if cost is not None:
        worst = max(cost.values())
        targets.append(("timeout verdict: at most its timeout + 50 ms (swiftvm)", f"+{worst * 1e3:.0f} ms",
                        "<= +50 ms", worst <= 0.05, "issue 14; worst of " + ", ".join(
                            f"{t} +{c * 1e3:.0f}" for t, c in sorted(cost.items())) + " (ms; whole suite, --jobs 1, last run)"))
    results["issue14"] = {"suite_whole_jobs2_s": {"swiftvm": sv2, "qemu": q2, "qemu_over_swiftvm": ratio(q2, sv2)},
                          "timeout_verdict_over_timeout_s": cost}


def timeout_verdict_cost():
    """Per deliberate-timeout test (expect = timeout, not a deadlock verdict) of the last whole-suite run on
    swiftvm with --jobs 1: how long tck measured beyond the test's --timeout. None without that run."""
    path = os.path.join(RAW, "suite", "whole-swiftvm-1", "results.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        found = json.load(f).get("results", [])
    cost = {}
    for r in found:
        cmd = r.get("commandLine", [])
        if r.get("expectation", {}).get("outcome") != "timeout" or r.get("outcome") != "timeout" or "--timeout" not in cmd:
            continue
        if "deadlock" in r.get("reason", ""):
            continue        # hang: found at once, no timeout to wait out
        text = cmd[cmd.index("--timeout") + 1]
        limit = float(text[:-2]) / 1e3 if text.endswith("ms") else float(text.rstrip("s"))
        cost[r["test"]] = r["durationSeconds"] - limit
    return cost or None


issue14_targets()

# targets ------------------------------------------------------------------------------------------
out("Targets (issues 5, 11, 12, 13 and 14)")
for name, value, goal, met, note in targets:
    mark = "n/a " if met is None else ("met " if met else "MISS")
    out(f"   [{mark}] {name:<58} {value:<25} goal {goal}" + (f"  ({note})" if note else ""))
notes = [n for n in ENV.get("NOTES", "").split("\n") if n]
try:
    load = max(float(ENV.get(k, "0").split()[0]) for k in ("LOAD_START", "LOAD_END"))
except (ValueError, IndexError):
    load = 0.0
if load > 1.0:
    notes.append(f"the host was busy (1-minute load average up to {load:.1f} on {machine['cpus']} CPUs, this sitting's own "
                 "load included): absolute times are inflated and noisy; the ratios come from interleaved rounds")
out()
out(f"machine: {machine['cpu_model']}, {machine['cpus']} CPUs, Linux {machine['kernel']}, KVM modules "
    f"{','.join(kvm_modules) or 'none'}, nested/emulating: {'yes' if machine['kvm_nested_emulating'] else 'no'}")
out(f"sitting: {ENV.get('STARTED')} , {ENV.get('ELAPSED')} s; RUNS={ENV.get('RUNS')} WARMUP={ENV.get('WARMUP')} "
    f"BOOT_RUNS={ENV.get('BOOT_RUNS')} SUITE_RUNS={ENV.get('SUITE_RUNS')} GAP_MS={ENV.get('GAP_MS')}; "
    f"load average at start {ENV.get('LOAD_START')}, at end {ENV.get('LOAD_END')}")
for n in notes + problems:
    out("note: " + n)
print("\n".join(lines))

summary = {
    "date": ENV.get("STARTED"),
    "finished": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "elapsed_s": env_int("ELAPSED"),
    "machine": machine,
    "load_average": {"start": ENV.get("LOAD_START"), "end": ENV.get("LOAD_END")},
    "settings": {k: ENV.get(k) for k in ("RUNS", "WARMUP", "BOOT_RUNS", "SUITE_RUNS", "GAP_MS", "EXITS_N",
                                         "UART_BYTES", "TESTDEV_BYTES", "SECTIONS", "SWIFTVM", "TCK", "QEMU",
                                         "SNAPSHOT_RUNS", "SNAPSHOT_CONFIGS", "SNAPSHOT_QEMU_BANDWIDTH")},
    "results": results,
    "targets": [{"target": n, "value": v, "goal": g, "met": m, "note": note} for n, v, g, m, note in targets],
    "notes": notes,
    "problems": problems,
    "table": lines,
}
os.makedirs(OUT, exist_ok=True)
with open(os.path.join(OUT, "bench.json"), "w") as f:
    json.dump(summary, f, indent=2)
    f.write("\n")

# --- HTML ------------------------------------------------------------------------------------------
PALETTE = {"swiftvm": "#2f6fba", "floor": "#7a7a7a", "qemu": "#d0782a"}


def color(label):
    for k, c in PALETTE.items():
        if label.startswith(k):
            return c
    return "#5a9a5a"


def bars(title, items, unit, digits=1, note=""):
    """Horizontal bar chart: items = [(label, value)]; None values are drawn as 'n/a'."""
    items = [(lab, v) for lab, v in items]
    if not items:
        return ""
    w, lw, rh, top = 760, 170, 26, 34
    vmax = max((v for _, v in items if v is not None), default=1) or 1
    bw = w - lw - 90
    h = top + rh * len(items) + 10
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img">',
         f'<text x="0" y="18" class="t">{html.escape(title)}</text>']
    for i, (lab, v) in enumerate(items):
        y = top + i * rh
        s.append(f'<text x="{lw - 8}" y="{y + 16}" text-anchor="end" class="l">{html.escape(lab)}</text>')
        if v is None:
            s.append(f'<text x="{lw + 4}" y="{y + 16}" class="v">n/a</text>')
            continue
        bl = max(1.0, bw * v / vmax)
        s.append(f'<rect x="{lw}" y="{y + 3}" width="{bl:.1f}" height="{rh - 8}" rx="2" fill="{color(lab)}"/>')
        s.append(f'<text x="{lw + bl + 6:.1f}" y="{y + 16}" class="v">{v:.{digits}f} {html.escape(unit)}</text>')
    s.append("</svg>")
    cap = f'<p class="note">{html.escape(note)}</p>' if note else ""
    return "<figure>" + "".join(s) + cap + "</figure>"


def table(head, rows):
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


parts = []
ts = summary["date"] or ""
parts.append(f"<h1>swiftvm bench</h1><p class='meta'>{html.escape(ts)} &middot; {html.escape(machine['cpu_model'])}, "
             f"{machine['cpus']} CPUs, Linux {html.escape(machine['kernel'])}, KVM modules "
             f"{html.escape(','.join(kvm_modules) or 'none')}, nested/emulating: "
             f"{'yes' if machine['kvm_nested_emulating'] else 'no'} &middot; commit {html.escape(machine['git_commit'] or '?')}"
             f" &middot; {html.escape(machine['qemu'] or 'no QEMU')}</p>")
trows = []
for n, v, g, m, note in targets:
    cls = "na" if m is None else ("ok" if m else "miss")
    trows.append(f"<tr class='{cls}'><td>{'n/a' if m is None else ('met' if m else 'missed')}</td><td>{html.escape(n)}</td>"
                 f"<td>{html.escape(v)}</td><td>{html.escape(g)}</td><td>{html.escape(note)}</td></tr>")
parts.append("<h2>Targets</h2><table class='targets'><thead><tr><th></th><th>target</th><th>measured</th><th>goal</th>"
             "<th>note</th></tr></thead><tbody>" + "".join(trows) + "</tbody></table>")

if "boot" in results:
    g = results["boot"]["rows"]
    parts.append("<h2>1. Boot-to-exit, hello</h2>")
    parts.append(bars("median wall time, process start to exit (ms)", [(k, r["median_ms"]) for k, r in g.items()], "ms"))
    parts.append(bars("peak RSS (MiB)", [(k, r["peak_rss_mib"]) for k, r in g.items()], "MiB"))
    parts.append(table(["command", "median ms", "mean ms", "sd ms", "min ms", "peak RSS MiB", "command line"],
                       [[k, f"{r['median_ms']:.1f}", f"{r['mean_ms']:.1f}", f"{r['stddev_ms']:.1f}", f"{r['min_ms']:.1f}",
                         fmt(r["peak_rss_mib"]), r["command"]] for k, r in g.items()]))
if "exits" in results:
    e = results["exits"]["vmms"]
    parts.append(f"<h2>2. Userspace-exit round trip</h2>")
    parts.append(bars(f"port write (out) to 0x2F8, ns per exit (N = {N})", [(k, v["out_ns"]) for k, v in e.items()], "ns", 0))
    parts.append(bars(f"port read (in) from 0x2F8, ns per exit (N = {N})", [(k, v["in_ns"]) for k, v in e.items()], "ns", 0,
                      "(t(N) - t(0)) / N over medians; includes KVM emulating the in/out instruction itself"))
if "stream" in results:
    c = results["stream"]["channels"]
    parts.append("<h2>3. Guest-to-host throughput</h2>")
    parts.append(bars("UART, byte by byte (MiB/s)", [(k, v["mib_per_s"]) for k, v in c.items() if "uart" in k], "MiB/s", 3,
                      f"{UART_BYTES} bytes; THRE poll + THR write per byte; floor: no UART model"))
    parts.append(bars("test data channel, 4 KiB blocks (MiB/s)", [(k, v["mib_per_s"]) for k, v in c.items() if "testdev" in k],
                      "MiB/s", 0, f"{TESTDEV_BYTES >> 20} MiB; floor: descriptor status only, no copy"))
if "suite" in results:
    parts.append("<h2>4. tck run, whole suite</h2>")
    for variant, title in (("whole", "whole suite"), ("quick", "without the deliberate-timeout hang/flood tests")):
        if variant in results["suite"]:
            parts.append(bars(f"{title}: median wall time (s)", list(results["suite"][variant]["median_s"].items()), "s", 2))
    if vmm_rss:
        parts.append(bars("peak RSS per VMM process over the suite, max (MiB)", [(d, v["max_mib"]) for d, v in vmm_rss.items()],
                          "MiB"))
if "abi_dump" in results:
    parts.append("<h2>5. tck abi dump</h2>")
    if results["abi_dump"]["available"]:
        parts.append(bars("median wall time per machine type (ms)", [(k, r["median_ms"]) for k, r in results["abi_dump"]["rows"].items()], "ms"))
    else:
        parts.append("<p class='na'>not available: this tck has no <code>abi dump</code> subcommand yet.</p>")
if "scale" in results:
    g = results["scale"]["rows"]
    sc = results["scale"]
    parts.append("<h2>6. Scaling (swiftvm)</h2>")
    parts.append(f"<p>64M &rarr; 4G: time {x(sc['memory_time_ratio_4g_over_64m'])}, RSS +{fmt(sc['memory_rss_growth_mib'])} MiB: "
                 f"<b>{'O(1)' if sc['memory_cost_o1'] else 'not O(1)'}</b> in guest memory size. "
                 f"cpus 1 &rarr; 8: time {x(sc['cpus_time_ratio_8_over_1'])}, +{fmt(sc['ms_per_extra_vcpu'])} ms and "
                 f"+{fmt(sc['rss_mib_per_extra_vcpu'], '.2f')} MiB per extra vCPU.</p>")
    mem = [(k.replace("memory ", "hello --memory "), r) for k, r in g.items() if k.startswith("memory")]
    cpu = [(k.replace("cpus ", "smp --cpus "), r) for k, r in g.items() if k.startswith("cpus")]
    parts.append(bars("--memory: median time (ms)", [("swiftvm " + k.split()[-1], r["median_ms"]) for k, r in mem], "ms"))
    parts.append(bars("--memory: peak RSS (MiB)", [("swiftvm " + k.split()[-1], r["peak_rss_mib"]) for k, r in mem], "MiB"))
    parts.append(bars("--cpus: median time (ms)", [("swiftvm " + k.split()[-1] + " vCPUs", r["median_ms"]) for k, r in cpu], "ms"))
    parts.append(bars("--cpus: peak RSS (MiB)", [("swiftvm " + k.split()[-1] + " vCPUs", r["peak_rss_mib"]) for k, r in cpu], "MiB"))
if "virtio" in results:
    vt = results["virtio"]["phases"]
    parts.append("<h2>7. virtio-blk in the guest</h2>")
    for phase, what, unit, size, nreq in VIRTIO_PHASES:
        items = [(vmm, vt[vmm][phase]["rate_median"]) for vmm in vt if phase in vt[vmm]]
        if items:
            parts.append(bars(f"{what} ({unit}, queue depth 1)", items, unit, 0 if unit == "IOPS" else 1))
    parts.append(table(["phase", "VMM", "rate (median)", "min", "max", "us/request", "VMM CPU us/request",
                        "non-vCPU us/request", "guest spins/request"],
                       [[p, vmm, f"{v['rate_median']:.1f} {v['unit']}", f"{v['rate_min']:.1f}", f"{v['rate_max']:.1f}",
                         f"{v['us_per_request']:.0f}", f"{v['cpu_us_per_request']:.0f}", f"{v['other_us_per_request']:.1f}",
                         fmt(v["guest_spins_per_request"], ".0f")]
                        for vmm in vt for p, v in vt[vmm].items()]))
    ex = results["virtio"]["exits"]
    if ex:
        parts.append(table(["VMM", "virtio BAR exits / request (swiftvm -v)", "KVM_RUN returns / request (strace)",
                            "of which EINTR"],
                           [[vmm, fmt(e.get("exits_per_request"), ".3f"), fmt(e.get("kvm_run_returns_per_request"), ".3f"),
                             fmt(e.get("eintr_per_request"), ".3f")] for vmm, e in ex.items()]))
if "snapshot" in results:
    sn = results["snapshot"]
    parts.append("<h2>9. Save and restore (issue 13)</h2>")
    parts.append("<p>bench_snapshot touches (writes) the given memory from 16 MiB up, asks for a save, and after the restore "
                 "checks every touched page. Save: the guest's last console line before its request &rarr; swiftvm exits "
                 "122 / QEMU's query-migrate says completed (QMP stop + migrate <code>exec:cat &gt; FILE</code>). Restore: "
                 "spawn of <code>swiftvm run --restore</code> / QEMU <code>-incoming \"exec:cat FILE\"</code> &rarr; the "
                 "guest's exit (QEMU: cont and 'R' on the serial input in between). Medians; host clock.</p>")
    label = lambda r: f"{r['vmm']} {r['memory']} / {r['touched']}"
    parts.append(bars("save: request to saved (ms)", [(label(r), r["save_request_s"] and r["save_request_s"] * 1e3)
                                                      for r in sn["rows"]], "ms"))
    parts.append(bars("restore: spawn to guest exit (ms)", [(label(r), r["restore_exit_s"] and r["restore_exit_s"] * 1e3)
                                                           for r in sn["rows"]], "ms"))
    parts.append(bars("snapshot file (MiB)", [(label(r), r["file_bytes"] and r["file_bytes"] / MIB) for r in sn["rows"]],
                      "MiB", 2))
    parts.append(table(["VMM", "guest", "touched", "save ms", "swiftvm's own save ms", "file MiB", "file / touched",
                        "restore to first line ms", "restore to exit ms", "swiftvm's restore set-up ms", "runs", "failed runs"],
                       [[r["vmm"], r["memory"], r["touched"], fmt(r["save_request_s"] and r["save_request_s"] * 1e3),
                         fmt(r.get("save_vmm_ms"), ".0f"), fmt(r["file_bytes"] and r["file_bytes"] / MIB, ".2f"),
                         fmt(r["file_over_touched"], ".3f"), fmt(r["restore_running_s"] and r["restore_running_s"] * 1e3),
                         fmt(r["restore_exit_s"] and r["restore_exit_s"] * 1e3), fmt(r.get("restore_setup_ms")), r["runs"],
                         r["errors"]] for r in sn["rows"]]))
    parts.append(table(["VMM", "save ms / touched MiB", "restore ms / touched MiB", "restore to 1st line ms / touched MiB",
                        "file MiB / touched MiB", "save ms / GiB guest RAM", "restore ms / GiB guest RAM",
                        "restore to 1st line ms / GiB guest RAM", "file MiB / GiB guest RAM", "points"],
                       [[v, fmt(s_["save_ms_per_touched_mib"], ".2f"), fmt(s_["restore_ms_per_touched_mib"], ".2f"),
                         fmt(s_["restore_1st_line_ms_per_touched_mib"], ".2f"),
                         fmt(s_["file_mib_per_touched_mib"], ".3f"), fmt(s_["save_ms_per_guest_gib"], ".2f"),
                         fmt(s_["restore_ms_per_guest_gib"], ".2f"), fmt(s_["restore_1st_line_ms_per_guest_gib"], ".2f"),
                         fmt(s_["file_mib_per_guest_gib"], ".3f"),
                         f"{s_['touched_points']}; {s_['guest_points']}"] for v, s_ in sn["slopes"].items()]))
    parts.append(table(["VMM", "restore to guest exit ms", "restore to first guest line ms",
                        "fresh boot to exit ms (touch=0 save=0)", "fresh boot to first guest line ms", "restore / fresh (exit)"],
                       [[v, fmt(r["restore_exit_ms"]), fmt(r["restore_running_ms"]), fmt(r["fresh_boot_exit_ms"]),
                         fmt(r["fresh_boot_running_ms"]), x(ratio(r["restore_exit_ms"], r["fresh_boot_exit_ms"]))]
                        for v, r in sn["restore_vs_fresh_boot"].items()]))
parts.append("<h2>Printed table</h2><pre>" + html.escape("\n".join(lines)) + "</pre>")

CSS = """
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#222;max-width:1100px;margin:24px auto;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;margin:0 0 12px}figure{margin:8px 0 14px}.note{color:#666;font-size:12px;margin:2px 0 0}
svg .t{font-size:13px;font-weight:600;fill:#333}svg .l{font-size:12px;fill:#333}svg .v{font-size:12px;fill:#333}
table{border-collapse:collapse;margin:6px 0 12px;font-size:12.5px}td,th{border:1px solid #ddd;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f4f4f4}tr.ok td:first-child{color:#1a7f37;font-weight:600}tr.miss td:first-child{color:#c62828;font-weight:600}
tr.na td:first-child{color:#777}td:last-child{word-break:break-all}.targets td:last-child{word-break:normal}
pre{background:#f7f7f7;border:1px solid #e2e2e2;padding:10px;font-size:11.5px;overflow-x:auto}p.na{color:#777}
"""
with open(os.path.join(OUT, "index.html"), "w") as f:
    f.write("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>swiftvm bench</title>"
            f"<style>{CSS}</style></head><body>" + "".join(parts) + "</body></html>\n")
print(f"\nwrote {OUT}/bench.json and {OUT}/index.html (raw data in {RAW})")
sys.exit(1 if problems else 0)
