#!/usr/bin/env bash
# Builds every fuzz target (libFuzzer + AddressSanitizer) and runs each for a bounded time.
#
#   Fuzz/run.sh [SECONDS] [TARGET...]     SECONDS per target: argument, else $FUZZ_SECONDS, else 60
#
# Each target runs on a copy of its seeds in .build/fuzz-work/<target>/corpus (the committed seeds in
# Fuzz/Corpus are never written), with its dictionary when Fuzz/Dictionaries has one. A crashing input
# is saved to Fuzz/artifacts/ (gitignored); reproduce it with the command printed for it. Prints per
# target: executions, exec/s, new corpus units, coverage, crashes. Exits 1 when any target crashed.
#
# Environment: FUZZ_SECONDS, FUZZ_CONFIG (release | debug; default release), FUZZ_SANITIZE (default
# fuzzer,address; "fuzzer" alone runs about twice as fast without ASan), SWIFT (default swift),
# FUZZ_FLAGS (extra libFuzzer flags, e.g. "-jobs=2").
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
seconds=${1:-${FUZZ_SECONDS:-60}}
[[ $# -gt 0 ]] && shift
config=${FUZZ_CONFIG:-release}
sanitize=${FUZZ_SANITIZE:-fuzzer,address}
swift=${SWIFT:-swift}
all_targets=(fuzz-elf fuzz-protocol fuzz-catalog fuzz-results-json fuzz-uart fuzz-testdev fuzz-bus fuzz-abi fuzz-acpi fuzz-pc-devices fuzz-virtio fuzz-qcow2 fuzz-snapshot fuzz-device-state)
named=("$@")
if [[ $# -gt 0 ]]; then targets=("$@"); else targets=("${all_targets[@]}"); fi

for target in "${targets[@]}"; do
    if ! [[ -d $here/Corpus/$target && -d $here/Sources/$target ]]; then
        echo "run.sh: unknown target '$target' (targets: ${all_targets[*]})" >&2
        exit 2
    fi
done
if ! [[ $seconds =~ ^[0-9]+$ ]] || (( seconds < 1 )); then
    echo "run.sh: SECONDS must be a whole number of seconds >= 1, got '$seconds'" >&2
    exit 2
fi

echo "fuzz: building ${#targets[@]} targets ($config, -sanitize=$sanitize), ${seconds} s each"
# Built under the main package's .build, so `make clean` removes it too.
scratch=$root/.build/fuzz
build_log=$root/.build/fuzz-build.log
mkdir -p "$root/.build"
build=("$swift" build --package-path "$here" --scratch-path "$scratch" -c "$config")
# Targets named on the command line are built alone (with the modules they use), so one target does
# not wait for, or fail on, the others.
build_targets() {
    if (( ${#named[@]} == 0 )); then "${build[@]}" "$@"; return; fi
    for target in "${named[@]}"; do "${build[@]}" --product "$target" "$@" || return 1; done
}
if ! build_targets -Xswiftc -sanitize="$sanitize" -Xswiftc -parse-as-library >"$build_log" 2>&1; then
    grep -v 'Cannot export local symbol' "$build_log" | tail -30 >&2
    echo "fuzz: build failed (full log: $build_log)" >&2
    exit 2
fi
bin=$("${build[@]}" --show-bin-path)

# Swift's own crash backtracer reads process memory in ways ASan reports as a second, unrelated crash
# that hides the first; libFuzzer's symbolized stack names the Swift runtime failure instead.
export SWIFT_BACKTRACE=enable=no
artifacts=$here/artifacts
mkdir -p "$artifacts"
status=0
printf '%-18s %12s %9s %9s %7s %8s %s\n' target executions exec/s new-units cov crashes result
for target in "${targets[@]}"; do
    seeds=$here/Corpus/$target
    work=$root/.build/fuzz-work/$target
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts"
    cp "$seeds"/* "$work/corpus/"
    dict=()
    [[ -f $here/Dictionaries/$target.dict ]] && dict=(-dict="$here/Dictionaries/$target.dict")
    log=$work/fuzz.log
    set +e
    # -max_len 8192: room for the 8 KiB Multiboot scan window and for over-long protocol lines.
    # shellcheck disable=SC2086
    "$bin/$target" "$work/corpus" "${dict[@]}" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
        -max_len=8192 -print_final_stats=1 -artifact_prefix="$work/artifacts/" ${FUZZ_FLAGS:-} >"$log" 2>&1
    rc=$?
    set -e
    stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
    executions=$(stat number_of_executed_units)
    per_second=$(stat average_exec_per_sec)
    new_units=$(stat new_units_added)
    coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    crashes=0
    for file in "$work"/artifacts/*; do
        [[ -e $file ]] || continue
        crashes=$((crashes + 1))
        cp "$file" "$artifacts/$target-$(basename "$file")"
    done
    result=ok
    if (( crashes > 0 )) || (( rc != 0 )); then
        result="CRASH (exit $rc; log $log)"
        status=1
    fi
    printf '%-18s %12s %9s %9s %7s %8s %s\n' "$target" "${executions:-?}" "${per_second:-?}" "${new_units:-?}" \
        "${coverage:-?}" "$crashes" "$result"
    for file in "$work"/artifacts/*; do
        [[ -e $file ]] || continue
        echo "    reproduce: $bin/$target $artifacts/$target-$(basename "$file")"
        { grep -m1 -E 'invariant violated|Fatal error|Swift runtime failure|ERROR: AddressSanitizer' "$log" \
            || grep -m1 'ERROR: libFuzzer' "$log"; } | sed 's/^/    /' || true
    done
done
exit $status
