#!/usr/bin/env bash
# make bench: swiftvm vs QEMU vs the raw KVM floor (benchmarks/floor.c), in one sitting, as medians and
# ratios. Every figure runs WARMUP times unmeasured, then RUNS times; the commands of a section run
# round-robin in shuffled rounds (scripts/bench_time.py: background drift on a shared host then hits every
# command alike), and each run's peak RSS comes from wait4. Sections:
#   boot     boot-to-exit of hello: swiftvm, the floor set up the same way (and three variants that show
#            what set-up order and teardown cost), QEMU -M microvm (PVH) and -M pc (qboot, Multiboot)
#   exits    userspace-exit round trip, ns/exit = (t(N) - t(0)) / N, N port writes or reads
#            (TestGuests/tests/bench_exits.c): swiftvm, floor, QEMU microvm; and the user-mode
#            instructions per exit of swiftvm and the floor, counted by valgrind's callgrind
#   stream   guest-to-host MiB/s = bytes / (t(M) - t(0)) (TestGuests/tests/bench_stream.c): the UART byte
#            by byte on swiftvm and QEMU, swiftvm's testdev data stream; the floor as a no-device reference
#   suite    `tck run` wall time, swiftvm vs qemu driver, --jobs 1 and 2, whole suite and without the
#            deliberate-timeout hang/flood tests; peak RSS of every VMM the suite started (benchmarks/rsswrap.c)
#   abi      `tck abi dump` wall time per machine type ("not available" while the command does not exist)
#   scale    swiftvm on hello with --memory 64M..4G, on smp with --cpus 1..8: time and peak RSS
#   virtio   virtio-blk inside the guest (TestGuests/tests/bench_virtio.c, queue depth 1): sequential 64 KiB
#            reads and writes (MiB/s), 4 KiB random reads (IOPS), polled and with MSI-X completion, on one
#            64 MiB patterned raw image, swiftvm vs QEMU -M pc with virtio-blk-pci. Each phase is timed on
#            the host between console markers by benchmarks/vmmprobe.c, which also takes the VMM's CPU per
#            thread over the phase; userspace exits per request = (e(big) - e(small)) / (requests(big) -
#            requests(small)), e = ioctl(KVM_RUN) returns other than EINTR under strace (and swiftvm run -v)
#   qcow2    the virtio bench on a qcow2 image: swiftvm raw vs qcow2 vs QEMU on the same qcow2 image
#   snapshot save/restore (issue 13, benchmarks/snapshot_bench.py, TestGuests/tests/bench_snapshot.c): per guest
#            size and touched memory, swiftvm's save (guest request -> exit 122) and file size, restore
#            (`run --restore` -> guest exit), QEMU microvm's QMP stop + migrate to a file and -incoming, and
#            a fresh boot-to-exit of the same kernel without a save on both
# Output: a table on stdout; Reports/bench/bench.json, Reports/bench/index.html (scripts/bench_report.py);
# raw timing exports (hyperfine-shaped JSON) and the manifest under Reports/bench/raw/.
# Usage: scripts/bench.sh [swiftvm [tck]]
# Env:   RUNS=10 WARMUP=2 BOOT_RUNS=6*RUNS SUITE_RUNS=3 (scale them down for a quick look)
#        GAP_MS=25  idle time before each run, so a detached VM teardown does not overlap the next boot
#        EXITS_N=200000 (the VMM-user-CPU-per-exit column is tick-sampled: fewer exits make it noise)
#        CG_EXITS=20000 (exits per run under callgrind, which counts the VMMs' user instructions per exit)
#        UART_BYTES=32768 TESTDEV_BYTES=16777216 SECTIONS="boot exits stream suite abi scale virtio qcow2 snapshot"
#        VIRTIO_RUNS=7 VIRTIO_READ_MIB=16 VIRTIO_WRITE_MIB=16 VIRTIO_RAND=600 VIRTIO_RAND_IRQ=200 (the section:
#        ~1 s per run and VMM here; a phase's figures come from one boot, so fewer runs than elsewhere)
#        SNAPSHOT_RUNS=5 SNAPSHOT_CONFIGS="MEM:TOUCHED ..." (default: 64M 1G 4G with 1M, 64M 1G 4G with 16M,
#        1G 4G with 64M, 64M with 0 for the restore-vs-fresh-boot comparison) SNAPSHOT_DIR=$raw/snapshot-files
#        SNAPSHOT_QEMU_BANDWIDTH=107374182400 (QMP max-bandwidth, bytes/s; 0 = QEMU's own default limit)
#        CC=cc QEMU=qemu-system-x86_64
set -euo pipefail
cd "$(dirname "$0")/.."

swiftvm=${1:-.build/release/swiftvm}
tck=${2:-.build/release/tck}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-2}
BOOT_RUNS=${BOOT_RUNS:-$((RUNS * 6))}
SUITE_RUNS=${SUITE_RUNS:-3}
GAP_MS=${GAP_MS:-25}
EXITS_N=${EXITS_N:-200000}
CG_EXITS=${CG_EXITS:-20000}
UART_BYTES=${UART_BYTES:-32768}
TESTDEV_BYTES=${TESTDEV_BYTES:-16777216}
SECTIONS=${SECTIONS:-boot exits stream suite abi scale virtio qcow2 snapshot}
VIRTIO_RUNS=${VIRTIO_RUNS:-7}
VIRTIO_READ_MIB=${VIRTIO_READ_MIB:-16}
VIRTIO_WRITE_MIB=${VIRTIO_WRITE_MIB:-16}
VIRTIO_RAND=${VIRTIO_RAND:-600}
VIRTIO_RAND_IRQ=${VIRTIO_RAND_IRQ:-200}
SNAPSHOT_RUNS=${SNAPSHOT_RUNS:-5}
SNAPSHOT_CONFIGS=${SNAPSHOT_CONFIGS:-64M:0 64M:1M 1G:1M 4G:1M 64M:16M 1G:16M 4G:16M 1G:64M 4G:64M}
SNAPSHOT_QEMU_BANDWIDTH=${SNAPSHOT_QEMU_BANDWIDTH:-107374182400}
CC=${CC:-cc}
QEMU=${QEMU:-qemu-system-x86_64}
QBOOT=/usr/share/qemu/qboot.rom
build=TestGuests/build
out=Reports/bench
raw=$out/raw
floor=benchmarks/build/floor
rsswrap=benchmarks/build/rsswrap
manifest=$raw/manifest.tsv

die() { echo "bench: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }

# --- prerequisites ---------------------------------------------------------------------------------
command -v python3 >/dev/null || die "python3 not found"
[ -x "$swiftvm" ] || die "$swiftvm not found or not executable (make build)"
[ -x "$tck" ] || die "$tck not found or not executable (make build)"
for k in hello smp bench_exits bench_stream; do
  [ -f "$build/$k.elf" ] && [ -f "$build/pvh/$k.elf" ] || die "$build/$k.elf or $build/pvh/$k.elf missing (make guests)"
done
[ -e /dev/kvm ] || die "/dev/kvm does not exist: KVM is not available on this host"
kvm_check=$(python3 - <<'EOF' 2>&1
import fcntl, os
try:
    fd = os.open("/dev/kvm", os.O_RDWR)
except OSError as e:
    print(f"cannot open /dev/kvm: {e.strerror}"); raise SystemExit(1)
if fcntl.ioctl(fd, 0xAE00) != 12:   # KVM_GET_API_VERSION
    print("KVM_GET_API_VERSION is not 12"); raise SystemExit(1)
EOF
) || die "/dev/kvm is unusable: $kvm_check"
mkdir -p benchmarks/build
for tool in floor rsswrap vmmprobe; do
  if [ ! -x "benchmarks/build/$tool" ] || [ "benchmarks/$tool.c" -nt "benchmarks/build/$tool" ]; then
    "$CC" -O2 -Wall -Wextra -o "benchmarks/build/$tool" "benchmarks/$tool.c" || die "cannot build benchmarks/$tool.c"
  fi
done
have_qemu=1; have_qboot=1; notes=()
if ! command -v "$QEMU" >/dev/null; then
  have_qemu=0; have_qboot=0; notes+=("QEMU rows skipped: $QEMU not found (Debian package qemu-system-x86)")
elif [ ! -f "$QBOOT" ]; then
  have_qboot=0; notes+=("QEMU -M pc row skipped: $QBOOT missing (SeaBIOS instead costs seconds here)")
fi

rm -rf "$raw"
mkdir -p "$raw/suite"
: >"$manifest"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
t_start=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

q="$QEMU -accel kvm -nodefaults -no-user-config -nographic -device isa-debug-exit,iobase=0xf4,iosize=4"

# --- one group of commands: check once, then interleaved timed runs ---------------------------------
# group NAME RUNS WARMUP; then row LABEL WANT COMMAND (one string; single quotes group words); then
# run_group. WANT is the expected exit status (QEMU's debug exit: (v << 1) | 1); bench_report.py checks
# every timed run against it.
g_name=; g_runs=; g_warm=; g_rows=()
group() { g_name=$1; g_runs=$2; g_warm=$3; g_rows=(); }
row() { g_rows+=("$1|$2|$3"); }
split() { eval "words=($1)"; }   # the command string as shlex splits it (our own strings only)

run_group() {
  local r label want cmd got cmds=()
  say "$g_name: checking ${#g_rows[@]} commands once"
  for r in "${g_rows[@]}"; do
    IFS='|' read -r label want cmd <<<"$r"
    split "$cmd"
    got=$("${words[@]}" </dev/null >/dev/null 2>&1; echo $?)
    [ "$got" = "$want" ] || die "$g_name / $label: exit status $got, expected $want: $cmd"
    cmds+=(-n "$label" "$cmd")
  done
  say "$g_name: $g_warm warm-up + $g_runs timed rounds of ${#g_rows[@]} commands, interleaved"
  python3 scripts/bench_time.py --runs "$g_runs" --warmup "$g_warm" --gap-ms "$gap" \
    --export-json "$raw/$g_name.json" "${cmds[@]}" || die "$g_name: timing failed"
  for r in "${g_rows[@]}"; do
    IFS='|' read -r label want cmd <<<"$r"
    printf '%s\t%s\t%s\t%s\n' "$g_name" "$label" "$want" "$cmd" >>"$manifest"
  done
}
gap=$GAP_MS

has() { [[ " $SECTIONS " == *" $1 "* ]]; }
sv_run="$swiftvm run --serial none"

# 1. boot-to-exit -----------------------------------------------------------------------------------
if has boot; then
  group boot "$BOOT_RUNS" "$WARMUP"
  row "swiftvm" 0 "$sv_run --testdev --kernel $build/hello.elf"
  row "floor" 0 "$floor --detach-teardown $build/hello.elf"
  row "floor inline-td" 0 "$floor $build/hello.elf"
  row "floor no-irqchip" 0 "$floor --no-irqchip $build/hello.elf"
  row "floor irqchip-1st" 0 "$floor --detach-teardown --irqchip-first $build/hello.elf"
  [ "$have_qemu" = 1 ] && row "qemu microvm" 1 "$q -serial none -M microvm -kernel $build/pvh/hello.elf"
  [ "$have_qboot" = 1 ] && row "qemu pc+qboot" 1 "$q -serial none -M pc -bios $QBOOT -kernel $build/hello.elf"
  run_group
  # The guest memory the hello run touched, to take out of swiftvm's RSS (same kernel, same 64 MiB).
  "$floor" -v "$build/hello.elf" 2>&1 >/dev/null | sed -n 's/.*resident: \([0-9]*\) KiB.*/\1/p' >"$raw/guest-resident-kib"
fi

# 2. exit round trip --------------------------------------------------------------------------------
# swiftvm queues writes to unassigned ports such as 0x2F8 in KVM's coalesced ring (issue 14) instead of
# exiting; the exit rows need every `out` to be an exit, as on the floor and QEMU.
sv_exits_run() { echo "$sv_run --no-coalesced-pio"; }
if has exits; then
  group exits "$RUNS" "$WARMUP"
  for a in "n=0|out=0 in=0" "out=N|out=$EXITS_N in=0" "in=N|out=0 in=$EXITS_N"; do
    IFS='|' read -r tag args <<<"$a"
    row "swiftvm $tag" 0 "$(sv_exits_run) --testdev --kernel $build/bench_exits.elf --cmdline '$args'"
    row "floor $tag" 0 "$floor --detach-teardown --cmdline '$args' $build/bench_exits.elf"
    [ "$have_qemu" = 1 ] && row "qemu $tag" 1 "$q -serial none -M microvm -kernel $build/pvh/bench_exits.elf -append '$args'"
  done
  run_group
  # The VMMs' own user-mode work per exit, counted, not sampled: callgrind's instruction total of a run
  # with CG_EXITS accesses minus one with none, over CG_EXITS (the guest runs inside KVM, where valgrind
  # counts nothing). Deterministic where the user-time column above moves by +-20 % from one sitting to
  # the next. valgrind cannot read the release binary's debug info, so it runs a copy without it; it
  # cannot follow a detached teardown's clone either, so both VMMs tear down inline here.
  # Line: VMM DIRECTION N INSTRUCTIONS
  if command -v valgrind >/dev/null; then
    cg=$raw/callgrind
    mkdir -p "$cg"
    strip --strip-debug -o "$cg/swiftvm" "$swiftvm"
    : >"$raw/exit-instructions.tsv"
    for d in out in; do
      for n in 0 "$CG_EXITS"; do
        if [ "$d" = out ]; then args="out=$n in=0"; else args="out=0 in=$n"; fi
        for vmm in swiftvm floor; do
          if [ "$vmm" = swiftvm ]; then
            cmd=("$cg/swiftvm" run --serial none --no-coalesced-pio --keep-teardown --testdev --kernel "$build/bench_exits.elf" --cmdline "$args")
          else
            cmd=("$floor" --cmdline "$args" "$build/bench_exits.elf")
          fi
          valgrind --tool=callgrind --callgrind-out-file="$cg/$vmm-$d-$n.out" "${cmd[@]}" >/dev/null 2>"$cg/$vmm-$d-$n.err" \
            || die "exits: $vmm under callgrind failed (see $cg/$vmm-$d-$n.err)"
          total=$(sed -n 's/^summary: *//p' "$cg/$vmm-$d-$n.out")
          [ -n "$total" ] || die "exits: no instruction total in $cg/$vmm-$d-$n.out"
          printf '%s\t%s\t%s\t%s\n' "$vmm" "$d" "$n" "$total" >>"$raw/exit-instructions.tsv"
        done
      done
    done
    rm -f "$cg/swiftvm"
  else
    notes+=("exits: valgrind not found, so no counted instructions per exit (Debian package valgrind)")
  fi
fi

# 3. guest-to-host throughput -----------------------------------------------------------------------
if has stream; then
  group stream "$RUNS" "$WARMUP"
  for tag in 0 M; do
    ub=0; tb=0
    [ "$tag" = M ] && ub=$UART_BYTES && tb=$TESTDEV_BYTES
    # UART output goes to a host file on both VMMs (one write per byte on both).
    row "swiftvm uart $tag" 0 "$swiftvm run --serial file:/dev/null --kernel $build/bench_stream.elf --cmdline 'via=uart bytes=$ub'"
    [ "$have_qemu" = 1 ] && row "qemu uart $tag" 1 "$q -serial file:/dev/null -M microvm -kernel $build/pvh/bench_stream.elf -append 'via=uart bytes=$ub'"
    row "floor uart $tag" 0 "$floor --detach-teardown --cmdline 'via=uart bytes=$ub' $build/bench_stream.elf"
    row "swiftvm testdev $tag" 0 "$sv_run --testdev --data /dev/null --kernel $build/bench_stream.elf --cmdline 'via=testdev bytes=$tb'"
    row "floor testdev $tag" 0 "$floor --detach-teardown --cmdline 'via=testdev bytes=$tb' $build/bench_stream.elf"
  done
  run_group
fi

# 4. the suite --------------------------------------------------------------------------------------
if has suite; then
  # Everything but the tests that wait out a timeout on purpose (expect = timeout in the catalog).
  mapfile -t waiting < <("$tck" list | awk 'NR > 1 && /expect timeout/ { print $1 }')
  mapfile -t quick < <("$tck" list | awk 'NR > 1 && NF > 3 && $1 != "TEST" && !/expect timeout/ && !/ tests$/ { print $1 }')
  filters=""
  for t in "${quick[@]}"; do filters+=" --filter $t"; done
  echo "${waiting[*]}" >"$raw/suite-waiting-tests"
  drivers=(swiftvm); [ "$have_qemu" = 1 ] && drivers+=(qemu)
  for variant in whole quick; do
    group "suite-$variant" "$SUITE_RUNS" 1
    for d in "${drivers[@]}"; do
      for j in 1 2; do
        extra=""; [ "$variant" = quick ] && extra=$filters
        # Exit status 0: every result is what the catalog expects.
        row "$d jobs=$j" 0 "$tck run --swiftvm $swiftvm --qemu $QEMU --driver $d --jobs $j --report-dir $raw/suite/$variant-$d-$j$extra"
      done
    done
    gap=0; run_group; gap=$GAP_MS   # (a tck run's own peak RSS covers its VMMs; per-VMM RSS below)
  done
  # Peak RSS of each VMM process the suite starts: tck runs the VMMs through benchmarks/rsswrap.
  for d in "${drivers[@]}"; do
    log=$raw/suite-rss-$d.tsv; : >"$log"
    wrapper=$raw/rsswrap-$d.sh
    real=$swiftvm; [ "$d" = qemu ] && real=$(command -v "$QEMU")
    printf '#!/bin/sh\nexec %q %q %q "$@"\n' "$PWD/$rsswrap" "$PWD/$log" "$(realpath "$real")" >"$wrapper"
    chmod +x "$wrapper"
    say "suite: peak RSS of every $d process (whole suite, --jobs 2)"
    "$tck" run --swiftvm "$PWD/$wrapper" --qemu "$PWD/$wrapper" --driver "$d" --jobs 2 --report-dir "$raw/suite/rss-$d" \
      >/dev/null 2>&1 || notes+=("suite RSS pass on $d: tck exited non-zero (see $raw/suite/rss-$d)")
  done
fi

# 5. tck abi dump -----------------------------------------------------------------------------------
if has abi; then
  abi=$raw/abi.tsv; : >"$abi"
  help=$("$tck" abi dump --help 2>&1) || true
  if ! grep -q 'USAGE: tck abi dump' <<<"$help"; then
    say "abi: 'tck abi dump' is not available in this tck (its --help does not describe it); recorded as not available"
    printf 'status\tnot available\n' >"$abi"
  else
    # Every machine type swiftvm knows (`swiftvm machines`), each captured to its own file.
    machines=$("$swiftvm" machines | awk '{print $1}')
    printf 'status\tavailable\n' >"$abi"
    group abi "$RUNS" "$WARMUP"
    for m in $machines; do
      row "abi dump $m" 0 "$tck abi dump --machine $m -o $raw/abi-$m.json"
    done
    run_group
  fi
fi

# 6. scaling with guest memory and vCPUs ------------------------------------------------------------
if has scale; then
  group scale "$RUNS" "$WARMUP"
  for m in 64M 256M 1G 4G; do
    row "memory $m" 0 "$sv_run --testdev --memory $m --kernel $build/hello.elf"
  done
  for c in 1 2 4 8; do
    row "cpus $c" 0 "$sv_run --testdev --cpus $c --kernel $build/smp.elf"
  done
  run_group
  for m in 64 256 1024 4096; do
    printf '%s\t%s\n' "$m" "$("$floor" -v --mem "$m" "$build/hello.elf" 2>&1 >/dev/null | sed -n 's/.*resident: \([0-9]*\) KiB.*/\1/p')" \
      >>"$raw/scale-floor-resident.tsv" || true
  done
fi

# 7. virtio-blk (issue 11) ---------------------------------------------------------------------------
# Everything of this section is in the virtio_* functions; virtio_section runs it.
# The image: 64 MiB, sector N begins with N ^ 0x5A5A5A5A5A5A5A5A (little-endian), the rest zero; the
# kernel reads the first half and writes the second, so the image stays valid across runs. Made afresh
# per sitting in $raw and removed at the end of the section (the report directory stays small).
virtio_image() {
  python3 - "$1" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    chunk = bytearray(512 * 2048)
    for c in range(64):
        for n in range(2048):
            struct.pack_into("<Q", chunk, n * 512, (c * 2048 + n) ^ 0x5A5A5A5A5A5A5A5A)
        f.write(chunk)
PY
}

# The two VMMs on the same kernel and image: swiftvm-1.2's disk, QEMU -M pc with a modern-only
# virtio-blk-pci at 00:02.0 (as the qemu driver attaches it); the console on stdout, for vmmprobe.
virtio_cmd() {   # virtio_cmd swiftvm|qemu IMAGE CMDLINE [FORMAT: raw (default) or qcow2]
  local format=${4:-raw}
  case $1 in
    swiftvm) echo "$swiftvm run --machine swiftvm-1.2 --memory 64M --serial stdout --disk $2,format=$format --kernel $build/bench_virtio.elf --cmdline '$3'" ;;
    qemu) echo "$q -m 64M -serial stdio -M pc $virtio_bios -kernel $build/bench_virtio.elf -append '$3'" \
            "-drive file=$2,if=none,id=d0,format=$format -device virtio-blk-pci,drive=d0,disable-legacy=on,addr=0x2" ;;
  esac
}

# Userspace exits per request, outside the timed rounds: a small and a big run of every phase, with
# counts chosen so that every number the kernel prints has as many digits in both runs (its console
# lines then cost the same exits). Both VMMs: strace's count of ioctl(KVM_RUN) returns, split into exits
# (returned 0) and signal kicks (EINTR: swiftvm's deadlock watchdog pauses every vCPU every 50 ms, so
# those follow the run's length, not its requests); strace slows the VMM down, not what the guest does
# per request. swiftvm also reports its own counters (-v): exits, BAR accesses by exit, ioeventfd kicks.
# Line: VMM TAG ARGS KVM_RUN-returns EINTR [-v exits, BAR exits, ioeventfd kicks]
virtio_exits() {   # virtio_exits IMAGE
  local img=$1 tag args vmm counts v out=$raw/virtio-exits.tsv
  : >"$out"
  command -v strace >/dev/null || notes+=("virtio: strace not found, so exits per request come from swiftvm -v only")
  for tag in small big; do
    args="read=1 write=1 rand=100 rand_irq=100"
    [ "$tag" = big ] && args="read=4 write=4 rand=200 rand_irq=200"
    for vmm in swiftvm qemu; do
      [ "$vmm" = qemu ] && [ "$have_qemu" != 1 ] && continue
      split "$(virtio_cmd "$vmm" "$img" "$args")"
      counts="\t"
      if command -v strace >/dev/null; then
        counts=$(strace -f -qq -e trace=ioctl -o /dev/stdout "${words[@]}" </dev/null 2>/dev/null |
          awk '/KVM_RUN/ { n++; if (/EINTR/) e++ } END { printf "%d\t%d", n, e }') || true   # QEMU ends 1
      fi
      v=""
      if [ "$vmm" = swiftvm ]; then
        v=$({ "${words[@]}" -v </dev/null 2>&1 >/dev/null | tr '\n' ' '; echo; } |
          sed -n 's/.* \([0-9]*\) exits,.* \([0-9]*\) BAR accesses by exit, \([0-9]*\) kicks through ioeventfd.*/\1\t\2\t\3/p') || true
      fi
      printf '%s\t%s\t%s\t%b\t%s\n' "$vmm" "$tag" "$args" "$counts" "$v" >>"$out"
    done
  done
}

virtio_section() {
  [ -f "$build/bench_virtio.elf" ] || die "$build/bench_virtio.elf missing (make guests)"
  local img=$raw/virtio-disk.img args
  virtio_bios=""; [ "$have_qboot" = 1 ] && virtio_bios="-bios $QBOOT"
  say "virtio: a 64 MiB patterned raw image"
  virtio_image "$img" || die "virtio: cannot write $img"
  args="read=$VIRTIO_READ_MIB write=$VIRTIO_WRITE_MIB rand=$VIRTIO_RAND rand_irq=$VIRTIO_RAND_IRQ"
  # vmmprobe appends a block per run (the check run and the warm-up too); the report keeps the last RUNS.
  group virtio "$VIRTIO_RUNS" 1
  row "swiftvm" 0 "$vmmprobe $raw/virtio-swiftvm.tsv $(virtio_cmd swiftvm "$img" "$args")"
  [ "$have_qemu" = 1 ] && row "qemu" 1 "$vmmprobe $raw/virtio-qemu.tsv $(virtio_cmd qemu "$img" "$args")"
  run_group
  say "virtio: exits per request (untimed runs)"
  virtio_exits "$img"
  rm -f "$img"
}
# --- qcow2 (issue 12): the same guest bench on a qcow2 image against raw, and against QEMU on that image ---
# The qcow2 image is qemu-img's conversion of the patterned raw image (64 KiB clusters, every cluster
# allocated); the kernel rewrites the second half each run, so after the check run the writes go to
# allocated clusters ("qcow2 >= 0.9x raw once clusters are allocated").
qcow2_section() {
  [ -f "$build/bench_virtio.elf" ] || die "$build/bench_virtio.elf missing (make guests)"
  if ! command -v qemu-img >/dev/null; then notes+=("qcow2: qemu-img not found (qemu-utils), section skipped"); return; fi
  local img=$raw/qcow2-base.img q2=$raw/qcow2-disk.qcow2 args
  virtio_bios=""; [ "$have_qboot" = 1 ] && virtio_bios="-bios $QBOOT"
  say "qcow2: a 64 MiB patterned raw image and its qcow2 conversion"
  virtio_image "$img" || die "qcow2: cannot write $img"
  qemu-img convert -q -f raw -O qcow2 "$img" "$q2" || die "qcow2: qemu-img convert failed"
  args="read=$VIRTIO_READ_MIB write=$VIRTIO_WRITE_MIB rand=$VIRTIO_RAND rand_irq=$VIRTIO_RAND_IRQ"
  group qcow2 "$VIRTIO_RUNS" 1
  row "swiftvm raw" 0 "$vmmprobe $raw/qcow2-swiftvm-raw.tsv $(virtio_cmd swiftvm "$img" "$args")"
  row "swiftvm qcow2" 0 "$vmmprobe $raw/qcow2-swiftvm-qcow2.tsv $(virtio_cmd swiftvm "$q2" "$args" qcow2)"
  [ "$have_qemu" = 1 ] && row "qemu qcow2" 1 "$vmmprobe $raw/qcow2-qemu-qcow2.tsv $(virtio_cmd qemu "$q2" "$args" qcow2)"
  run_group
  qemu-img check -q "$q2" || problems_qcow2=1
  [ "${problems_qcow2:-0}" = 1 ] && notes+=("qcow2: qemu-img check found problems in the image after the runs")
  rm -f "$img" "$q2"
}

vmmprobe=benchmarks/build/vmmprobe
if has virtio; then virtio_section; fi
if has qcow2; then qcow2_section; fi

# 9. save/restore (issue 13) --------------------------------------------------------------------------
# One save + restore per job and round (a save needs its own boot), so benchmarks/snapshot_bench.py
# times it instead of bench_time.py: interleaved shuffled rounds the same way, every time on the host
# clock, the guest checking every touched page after each restore. Snapshot files go to SNAPSHOT_DIR
# (the same disk as the report by default: swiftvm fdatasyncs its file, QEMU's `cat >` does not) and
# are removed after each job. QEMU's migration rate limit is lifted (SNAPSHOT_QEMU_BANDWIDTH) so its
# save is as fast as it goes.
snapshot_section() {
  local k=$build/bench_snapshot.elf pk=$build/pvh/bench_snapshot.elf qemu_args=()
  [ -f "$k" ] && [ -f "$pk" ] || die "$k or $pk missing (make guests)"
  local help; help=$("$swiftvm" run --help 2>&1) || true
  grep -q -- '--restore' <<<"$help" || {
    notes+=("snapshot: $swiftvm has no --restore (save/restore not in this build), section skipped"); return; }
  [ "$have_qemu" = 1 ] && qemu_args=(--qemu "$QEMU" --pvh-kernel "$pk" --qemu-max-bandwidth "$SNAPSHOT_QEMU_BANDWIDTH")
  say "snapshot: $SNAPSHOT_RUNS timed rounds after 1 warm-up of: $SNAPSHOT_CONFIGS (MEM:TOUCHED), fresh boots at 64M"
  python3 benchmarks/snapshot_bench.py --swiftvm "$swiftvm" --kernel "$k" "${qemu_args[@]}" --runs "$SNAPSHOT_RUNS" \
    --warmup 1 --gap-ms "$GAP_MS" --dir "${SNAPSHOT_DIR:-$raw/snapshot-files}" --out "$raw/snapshot.json" \
    --configs "$SNAPSHOT_CONFIGS" --fresh-memory 64M || die "snapshot: benchmarks/snapshot_bench.py failed"
  rm -rf "$raw/snapshot-files"
}
if has snapshot; then snapshot_section; fi

# --- report -----------------------------------------------------------------------------------------
t_end=$(date +%s)
NOTES=$(printf '%s\n' "${notes[@]+"${notes[@]}"}") STARTED=$started ELAPSED=$((t_end - t_start)) \
LOAD_START=$load_start LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg) GAP_MS=$GAP_MS \
RUNS=$RUNS WARMUP=$WARMUP BOOT_RUNS=$BOOT_RUNS SUITE_RUNS=$SUITE_RUNS EXITS_N=$EXITS_N CG_EXITS=$CG_EXITS \
UART_BYTES=$UART_BYTES TESTDEV_BYTES=$TESTDEV_BYTES SECTIONS=$SECTIONS SWIFTVM=$swiftvm TCK=$tck QEMU=$QEMU \
VIRTIO_RUNS=$VIRTIO_RUNS VIRTIO_READ_MIB=$VIRTIO_READ_MIB VIRTIO_WRITE_MIB=$VIRTIO_WRITE_MIB VIRTIO_RAND=$VIRTIO_RAND \
VIRTIO_RAND_IRQ=$VIRTIO_RAND_IRQ SNAPSHOT_RUNS=$SNAPSHOT_RUNS SNAPSHOT_CONFIGS=$SNAPSHOT_CONFIGS \
SNAPSHOT_QEMU_BANDWIDTH=$SNAPSHOT_QEMU_BANDWIDTH \
  python3 scripts/bench_report.py "$raw" "$out"
