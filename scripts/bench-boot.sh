#!/usr/bin/env bash
# Boot-to-exit wall time and peak RSS of TestGuests kernels, in one sitting, on:
#   swiftvm            swiftvm run --kernel K --testdev --serial none
#   floor              benchmarks/floor.c set up like swiftvm (irqchip + PIT2, teardown handed to a child)
#   floor inline-td    the same, but exit() releases everything (what the hand-off saves)
#   floor no-irqchip   the same without KVM_CREATE_IRQCHIP/KVM_CREATE_PIT2 (teardown inline, cheap then)
#   floor irqchip-1st  as floor, but the irqchip and PIT are created before the memory slot (the slow order)
#   qemu microvm       QEMU -M microvm, PVH entry (TestGuests/build/pvh/K.elf)
#   qemu pc+qboot      QEMU -M pc -bios qboot.rom, Multiboot entry (TestGuests/build/K.elf)
# Usage: scripts/bench-boot.sh [path/to/swiftvm]
# Env:   RUNS=30 WARMUP=3 RSS_RUNS=5 KERNELS="hello fail" CC=cc QEMU=qemu-system-x86_64
#        GAP_MS=0  idle time before each timed run (hyperfine --prepare sleep). Back to back (0), a detached
#                  teardown of the previous run still runs while the next boots, on a 2-CPU host that shows.
# Writes Reports/bench/raw/<kernel>.json (hyperfine) and Reports/bench/boot.json (summary).
set -euo pipefail
cd "$(dirname "$0")/.."

swiftvm=${1:-.build/release/swiftvm}
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-3}
RSS_RUNS=${RSS_RUNS:-5}
GAP_MS=${GAP_MS:-0}
KERNELS=${KERNELS:-hello fail}
CC=${CC:-cc}
QEMU=${QEMU:-qemu-system-x86_64}
QBOOT=/usr/share/qemu/qboot.rom
build=TestGuests/build
out=Reports/bench
raw=$out/raw
floor=benchmarks/build/floor

die() { echo "bench-boot: $*" >&2; exit 1; }

# --- prerequisites ---------------------------------------------------------------------------------
command -v hyperfine >/dev/null || die "hyperfine not found (Debian package hyperfine; 'make setup')"
command -v python3 >/dev/null || die "python3 not found"
[ -x "$swiftvm" ] || die "$swiftvm not found or not executable (build it: make build)"
for k in $KERNELS; do
  [ -f "$build/$k.elf" ] && [ -f "$build/pvh/$k.elf" ] || die "$build/$k.elf or $build/pvh/$k.elf missing (make guests)"
done
[ -e /dev/kvm ] || die "/dev/kvm does not exist: KVM is not available on this host"
# KVM_GET_API_VERSION (_IO(0xAE, 0x00)) must answer 12; this also proves we may open the device.
kvm_check=$(python3 - <<'EOF' 2>&1
import fcntl, os
try:
    fd = os.open("/dev/kvm", os.O_RDWR)
except OSError as e:
    print(f"cannot open /dev/kvm: {e.strerror}"); raise SystemExit(1)
v = fcntl.ioctl(fd, 0xAE00)
if v != 12:
    print(f"KVM_GET_API_VERSION is {v}, expected 12"); raise SystemExit(1)
EOF
) || die "/dev/kvm is unusable: $kvm_check"

if [ ! -x "$floor" ] || [ benchmarks/floor.c -nt "$floor" ]; then
  mkdir -p benchmarks/build
  echo "bench-boot: building $floor"
  "$CC" -O2 -Wall -Wextra -o "$floor" benchmarks/floor.c
fi

have_qemu=1; notes=()
if ! command -v "$QEMU" >/dev/null; then
  have_qemu=0; notes+=("QEMU rows skipped: $QEMU not found (Debian package qemu-system-x86)")
fi
have_qboot=$have_qemu
if [ "$have_qemu" = 1 ] && [ ! -f "$QBOOT" ]; then
  have_qboot=0; notes+=("QEMU -M pc row skipped: $QBOOT missing (SeaBIOS instead costs seconds here)")
fi

if [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1; then
  rss_tool="GNU time -f %M"
else
  rss_tool="python3 getrusage(RUSAGE_CHILDREN).ru_maxrss"
  notes+=("GNU time (/usr/bin/time, Debian package time) not installed: peak RSS from $rss_tool")
fi
for n in "${notes[@]}"; do echo "bench-boot: note: $n"; done

# --- the rows --------------------------------------------------------------------------------------
# Prints "label|expected exit status|command" for kernel $1.
rows() {
  local k=$1 want qemu_want
  # What the guest writes to 0xF4, as the floor sees it; swiftvm (and QEMU, shifted) must agree below.
  want=$("$floor" "$build/$k.elf" >/dev/null 2>&1; echo $?)
  qemu_want=$(( (want << 1) | 1 ))
  local q="$QEMU -accel kvm -nodefaults -no-user-config -nographic -serial none -device isa-debug-exit,iobase=0xf4,iosize=4"
  echo "swiftvm|$want|$swiftvm run --kernel $build/$k.elf --testdev --serial none"
  echo "floor|$want|$floor --detach-teardown $build/$k.elf"
  echo "floor inline-td|$want|$floor $build/$k.elf"
  echo "floor no-irqchip|$want|$floor --no-irqchip $build/$k.elf"
  echo "floor irqchip-1st|$want|$floor --detach-teardown --irqchip-first $build/$k.elf"
  [ "$have_qemu" = 1 ] && echo "qemu microvm|$qemu_want|$q -M microvm -kernel $build/pvh/$k.elf"
  [ "$have_qboot" = 1 ] && echo "qemu pc+qboot|$qemu_want|$q -M pc -bios $QBOOT -kernel $build/$k.elf"
  return 0
}

peak_rss_kib() {   # peak RSS (KiB) of command "$@" over RSS_RUNS runs
  local max=0 v i
  for ((i = 0; i < RSS_RUNS; i++)); do
    if [ "$rss_tool" = "GNU time -f %M" ]; then
      /usr/bin/time -o "$rss_file" -f %M "$@" </dev/null >/dev/null 2>&1 || true
      v=$(tail -n1 "$rss_file")
    else
      v=$(python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@")
    fi
    [[ $v =~ ^[0-9]+$ ]] && (( v > max )) && max=$v
  done
  echo "$max"
}

mkdir -p "$raw"
meta=$(mktemp); rss_file=$(mktemp); hf_err=$(mktemp)
trap 'rm -f "$meta" "$rss_file" "$hf_err"' EXIT
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for k in $KERNELS; do
  mapfile -t table < <(rows "$k")
  cmds=()
  echo "bench-boot: $k: checking every command once"
  for row in "${table[@]}"; do
    IFS='|' read -r label want cmd <<<"$row"
    # shellcheck disable=SC2086
    got=$($cmd </dev/null >/dev/null 2>&1; echo $?)
    [ "$got" = "$want" ] || die "$k / $label: exit status $got, expected $want: $cmd"
    cmds+=(-n "$label" "$cmd")
  done
  echo "bench-boot: $k: hyperfine, $WARMUP warm-up + $RUNS runs per command"
  # -i: QEMU's debug exit is never status 0, nor is fail.elf's; every exit status is checked below.
  gap=()
  [ "$GAP_MS" != 0 ] && gap=(--prepare "sleep $(python3 -c "print($GAP_MS / 1000)")")
  hyperfine -N -i --style basic --warmup "$WARMUP" --runs "$RUNS" "${gap[@]}" --export-json "$raw/$k.json" "${cmds[@]}" \
    >/dev/null 2>"$hf_err" || die "hyperfine failed: $(cat "$hf_err")"
  # Keep hyperfine's warnings (outliers, slow first run) but not the expected non-zero-status ones.
  grep -v -e 'Ignoring non-zero exit code' -e '^ *$' "$hf_err" | sed 's/^ */  hyperfine: /' || true
  echo "bench-boot: $k: peak RSS over $RSS_RUNS runs each"
  for row in "${table[@]}"; do
    IFS='|' read -r label want cmd <<<"$row"
    # shellcheck disable=SC2086
    echo "$k|$label|$want|$(peak_rss_kib $cmd)" >>"$meta"
  done
done

# --- summary ---------------------------------------------------------------------------------------
NOTES=$(printf '%s\n' "${notes[@]+"${notes[@]}"}") STARTED=$started RSS_TOOL=$rss_tool \
RUNS=$RUNS WARMUP=$WARMUP RSS_RUNS=$RSS_RUNS GAP_MS=$GAP_MS KERNELS=$KERNELS SWIFTVM=$swiftvm QEMU=$QEMU \
python3 - "$meta" "$raw" "$out/boot.json" <<'EOF'
import json, os, platform, subprocess, sys, glob, datetime
meta_path, raw, summary_path = sys.argv[1:4]
env = os.environ

def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"

def cpu_flags():
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()

def kvm_modules():
    try:
        return sorted(m for m in os.listdir("/sys/module") if m.startswith("kvm"))
    except OSError:
        return []

def version(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()[0].strip()
    except (OSError, IndexError):
        return None

flags = cpu_flags()
mods = kvm_modules()
hw_virt = bool(flags & {"vmx", "svm"})
machine = {
    "cpu_model": cpu_model(),
    "cpus": os.cpu_count(),
    "kernel": platform.release(),
    "kvm_modules": mods,
    "cpu_has_vmx_or_svm": hw_virt,
    "running_under_hypervisor": "hypervisor" in flags,
    "kvm_nested_emulating": ("kvm_pvm" in mods) or ("hypervisor" in flags and not hw_virt),
    "hyperfine": version(["hyperfine", "--version"]),
    "qemu": version([env["QEMU"], "--version"]),
}

rss = {}
for line in open(meta_path):
    k, label, want, kib = line.rstrip("\n").split("|")
    rss[(k, label)] = (int(want), int(kib))

kernels = env["KERNELS"].split()
results, problems = {}, []
for k in kernels:
    data = json.load(open(os.path.join(raw, f"{k}.json")))
    rows = []
    for r in data["results"]:
        label = r["command"]
        want, kib = rss[(k, label)]
        bad = sorted({c for c in r.get("exit_codes", []) if c != want})
        if bad:
            problems.append(f"{k} / {label}: exit statuses {bad} during timing, expected {want}")
        rows.append({
            "command": label, "median_ms": r["median"] * 1e3, "mean_ms": r["mean"] * 1e3,
            "stddev_ms": (r["stddev"] or 0) * 1e3, "min_ms": r["min"] * 1e3, "max_ms": r["max"] * 1e3,
            "runs": len(r["times"]), "expected_exit_status": want, "unexpected_exit_statuses": bad,
            "peak_rss_mib": kib / 1024,
        })
    results[k] = rows

def find(rows, label):
    return next((r for r in rows if r["command"] == label), None)

lines = []
ratios = {}
for k in kernels:
    rows = results[k]
    lines.append(f"kernel {k}  ({env['RUNS']} runs, {env['WARMUP']} warm-up, {env['GAP_MS']} ms idle before each; peak RSS over {env['RSS_RUNS']} runs)")
    lines.append(f"  {'command':<18} {'median ms':>10} {'mean ± stddev ms':>18} {'min ms':>8} {'peak RSS MiB':>13}")
    for r in rows:
        ms = f"{r['mean_ms']:.1f} ± {r['stddev_ms']:.1f}"
        lines.append(f"  {r['command']:<18} {r['median_ms']:>10.1f} {ms:>18} {r['min_ms']:>8.1f} {r['peak_rss_mib']:>13.1f}")
    sv, fl, qm = find(rows, "swiftvm"), find(rows, "floor"), find(rows, "qemu microvm")
    ratios[k] = {}
    parts = []
    if qm and sv:
        ratios[k]["qemu_microvm_over_swiftvm_median"] = qm["median_ms"] / sv["median_ms"]
        parts.append(f"qemu microvm / swiftvm = {qm['median_ms'] / sv['median_ms']:.2f}x")
    if sv and fl:
        ratios[k]["swiftvm_over_floor_median"] = sv["median_ms"] / fl["median_ms"]
        parts.append(f"swiftvm / floor = {sv['median_ms'] / fl['median_ms']:.2f}x")
    lines.append("  ratios (medians): " + ("; ".join(parts) if parts else "n/a"))
    lines.append("")

notes = [n for n in env.get("NOTES", "").split("\n") if n]
lines.append(f"machine: {machine['cpu_model']}, {machine['cpus']} CPUs, Linux {machine['kernel']}, "
             f"KVM modules {','.join(mods) or 'none'}, nested/emulating: {'yes' if machine['kvm_nested_emulating'] else 'no'}")
for n in notes + problems:
    lines.append("note: " + n)
print("\n".join(lines))

summary = {
    "date": env["STARTED"], "finished": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": machine, "runs": int(env["RUNS"]), "warmup": int(env["WARMUP"]), "rss_runs": int(env["RSS_RUNS"]), "gap_ms": float(env["GAP_MS"]),
    "rss_tool": env["RSS_TOOL"], "swiftvm": env["SWIFTVM"], "kernels": results, "ratios": ratios,
    "notes": notes, "problems": problems,
    "raw": {k: os.path.join(raw, f"{k}.json") for k in kernels},
}
with open(summary_path, "w") as f:
    json.dump(summary, f, indent=2)
    f.write("\n")
print(f"\nwrote {summary_path} and {raw}/*.json")
sys.exit(1 if problems else 0)
EOF
