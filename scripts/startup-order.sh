#!/usr/bin/env bash
# make startup-order: writes Sources/swiftvm/startup.order anew, the functions a swiftvm run executes and
# the data it touches, which the release link places side by side (Package.swift, `startupOrder`).
#
# 1. links swiftvm with the current order and a link map (SWIFTVM_LINK_MAP);
# 2. runs hello under benchmarks/steptrace (every instruction of every thread, single-stepped: minutes);
# 3. runs hello under valgrind's lackey, which prints every load and store (valgrind cannot read the
#    release binary's debug info, so it runs a copy without it: the same addresses; and it cannot
#    follow the detached teardown's clone, so that run keeps its teardown);
# 4. scripts/startup_order.py maps the addresses to functions and data the linker can move;
# 5. links again with the new file and prints the page faults of a hello run before and after.
# Run it after changes that rename or add much of what a run executes; a stale file only costs speed.
#
# --check: only counts how many listed names the release binary still defines (make test); fails below
# 75 %, where a good part of what a run executes is scattered again.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH

work=.build/startup-order
bin=.build/release/swiftvm
kernel=TestGuests/build/hello.elf
order=Sources/swiftvm/startup.order
run=(run --serial none --testdev --kernel "$kernel")
mkdir -p "$work" benchmarks/build

if [ "${1:-}" = --check ]; then
  [ -x "$bin" ] || { echo "startup-order: $bin missing (make build)" >&2; exit 1; }
  listed=$(grep -c . "$order")
  present=$(nm --defined-only "$bin" | awk '{print $3}' | sort -u | comm -12 - <(sort -u "$order") | wc -l)
  percent=$((100 * present / listed))
  echo "startup-order: $present of $listed names in $order are in $bin ($percent %)"
  [ "$percent" -ge 75 ] || { echo "startup-order: the file is stale; run make startup-order" >&2; exit 1; }
  exit 0
fi
[ -f "$kernel" ] || { echo "startup-order: $kernel missing (make guests)" >&2; exit 1; }
"${CC:-cc}" -O2 -Wall -Wextra -o benchmarks/build/steptrace benchmarks/steptrace.c

# SwiftPM relinks for changed sources, not for a changed order file or map option: remove the binary.
link() {
  rm -f "$bin"
  SWIFTVM_LINK_MAP="$PWD/$work/swiftvm.map" swift build -c release --static-swift-stdlib --product swiftvm \
    >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
}
# Minor page faults of one hello run (the median of 5), as getrusage counts them for the child.
faults() {
  python3 - "$bin" "${run[@]}" <<'EOF'
import resource, statistics, subprocess, sys
counts = []
for _ in range(5):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt
    subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
    counts.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_minflt - before)
print(int(statistics.median(counts)))
EOF
}

link
before=$(faults)
echo "startup-order: tracing ${run[*]} (single-stepped; several minutes)"
benchmarks/build/steptrace "$work/addresses" "$bin" "${run[@]}" --timeout 1800 >/dev/null
echo "startup-order: tracing the data the same run touches (valgrind --tool=lackey)"
strip --strip-debug -o "$work/swiftvm.nodebug" "$bin"
valgrind --tool=lackey --trace-mem=yes --log-file="$work/lackey.log" "$work/swiftvm.nodebug" "${run[@]}" --keep-teardown \
  >/dev/null
awk '/^ [LSM] /{ sub(/,.*/, "", $2); print $2 }' "$work/lackey.log" | sort -u >"$work/data-addresses"
rm -f "$work/lackey.log" "$work/swiftvm.nodebug"
nm -n -S --defined-only "$bin" >"$work/symbols"
python3 scripts/startup_order.py "$work/swiftvm.map" "$work/symbols" "$work/addresses" "$work/data-addresses" \
  >"$work/startup.order"
mv "$work/startup.order" "$order"
link
echo "startup-order: wrote $order ($(wc -l <"$order") names); page faults of a hello run: $before before, $(faults) after"
