#!/usr/bin/env bash
# Boots every TestGuests kernel on swiftvm, prints its console output and its result, and checks the
# exit status against what the kernel is built to do. (The `tck` runner replaces this loop.)
# Usage: scripts/boot-all.sh [path/to/swiftvm]
set -uo pipefail
cd "$(dirname "$0")/.."
swiftvm=${1:-.build/release/swiftvm}
build=TestGuests/build

# kernel | swiftvm options | expected exit status(es) | what that status means
cases=(
  "hello|--cmdline boot-all|0|guest passed"
  "cpuid||0|guest passed"
  "smp|--cpus 2|0|guest passed"
  "smp|--cpus 4|0|guest passed"
  "fail||1|guest reported a failing case (on purpose)"
  "strayio||0|stray accesses read all-ones"
  "strayio|--strict-io|71|stray access refused under --strict-io"
  "triplefault||125|triple fault reported"
  "emulfail||126 125|KVM internal error (emulating hosts) or triple fault (hardware KVM)"
  "hang|--timeout 2s|124|watchdog stopped a halted guest"
  "hang|--timeout 2s --cmdline spin|124|watchdog stopped a spinning guest"
)

expected_count=0; unexpected_count=0
for entry in "${cases[@]}"; do
  IFS='|' read -r kernel options want meaning <<<"$entry"
  printf '\n=== %s %s\n' "$kernel" "$options"
  start=$(date +%s%N)
  # shellcheck disable=SC2086
  "$swiftvm" run --kernel "$build/$kernel.elf" --testdev $options
  status=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  if [[ " $want " == *" $status "* ]]; then
    expected_count=$((expected_count + 1)); verdict="as expected: $meaning"
  else
    unexpected_count=$((unexpected_count + 1)); verdict="UNEXPECTED (wanted $want: $meaning)"
  fi
  printf -- '--- %s: exit status %s in %s ms, %s\n' "$kernel" "$status" "$ms" "$verdict"
done
printf '\nboot-all: %d as expected, %d unexpected\n' "$expected_count" "$unexpected_count"
[ "$unexpected_count" -eq 0 ]
