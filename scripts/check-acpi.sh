#!/usr/bin/env bash
# check-acpi.sh DIR — judge every ACPI table dump in DIR (*.dat, acpidump -b style: one binary table per
# file, e.g. DSDT.dat, FACP.dat, APIC.dat) with iasl (acpica-tools).
#
#   * every table: `iasl -d` must succeed, print no Error/Warning (checksum, length, …), and the
#     disassembly must not mark an incorrect checksum;
#   * DSDT/SSDT: the disassembled ASL must recompile (`iasl -oa`, no optimizations) with 0 errors and
#     0 warnings, and its AML must equal the original after the 36-byte header — so the AML we emit is
#     exactly what the ASL in the .dsl says;
#   * the RSDP ("RSD PTR " signature; iasl cannot load it from a file) is checked here: the first 20
#     bytes and, for revision >= 2, all `Length` bytes sum to 0 mod 256.
#
# Exit 0 when every table passes, 1 when one fails, 2 on usage errors or when iasl is missing.
set -u

dir=${1:-}
if [[ -z "$dir" || ! -d "$dir" ]]; then
    echo "usage: $0 DIR  (a directory of binary ACPI tables, *.dat)" >&2
    exit 2
fi
if ! command -v iasl >/dev/null 2>&1; then
    echo "check-acpi: iasl not found; install acpica-tools" >&2
    exit 2
fi

shopt -s nullglob nocaseglob
files=("$dir"/*.dat)
if ((${#files[@]} == 0)); then
    echo "check-acpi: no *.dat tables in $dir" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
    echo "FAIL $1: $2"
    failures=$((failures + 1))
}

# Sum of bytes [0, count) of a file, mod 256.
byte_sum() {
    od -An -v -tu1 -N "$2" "$1" | tr -s ' \n' '\n' | awk 'NF { s += $1 } END { print s % 256 }'
}

for file in "${files[@]}"; do
    name=$(basename "$file")
    base=${name%.*}
    if [[ $(head -c 8 "$file" | tr '\0' ' ') == "RSD PTR " ]]; then
        size=$(stat -c %s "$file")
        revision=$(od -An -tu1 -j 15 -N 1 "$file" | tr -d ' ')
        if (($(byte_sum "$file" 20) != 0)); then fail "$name" "RSDP checksum (bytes 0-19) does not sum to 0"; continue; fi
        if ((revision >= 2)); then
            length=$(od -An -tu4 -j 20 -N 4 --endian=little "$file" | tr -d ' ')
            if ((length != 36 || size < length)); then fail "$name" "RSDP length $length (file $size bytes), expected 36"; continue; fi
            if (($(byte_sum "$file" "$length") != 0)); then fail "$name" "RSDP extended checksum does not sum to 0"; continue; fi
        fi
        echo "ok   $name (RSDP revision $revision, checksums)"
        continue
    fi

    output=$(iasl -p "$work/$base" -d "$file" 2>&1)
    status=$?
    dsl="$work/$base.dsl"
    complaints=$(grep -E 'Error|Warning|Incorrect|Invalid|too long|does not contain a valid' <<<"$output")
    if ((status != 0)) || [[ ! -f "$dsl" ]]; then
        fail "$name" "iasl -d failed (exit $status): ${complaints:-$(grep -v '^$' <<<"$output" | tail -n 2 | tr '\n' ' ')}"
        continue
    fi
    if [[ -n "$complaints" ]]; then fail "$name" "$complaints"; continue; fi
    if grep -q -i 'incorrect checksum' "$dsl"; then fail "$name" "$(grep -i 'incorrect checksum' "$dsl")"; continue; fi

    signature=$(head -c 4 "$file" | tr '\0' ' ')
    if [[ "$signature" == "DSDT" || "$signature" == "SSDT" ]]; then
        compiled=$(iasl -oa -p "$work/$base-recompiled" "$dsl" 2>&1)
        summary=$(grep -E '^Compilation (successful|failed)' <<<"$compiled")
        if [[ "$summary" != *" 0 Errors, 0 Warnings,"* ]]; then
            fail "$name" "recompiling the disassembly: ${summary:-no summary}; $(grep -E '^(Error|Warning)' <<<"$compiled" | head -n 3 | tr '\n' ' ')"
            continue
        fi
        if ! cmp -s <(tail -c +37 "$file") <(tail -c +37 "$work/$base-recompiled.aml"); then
            fail "$name" "AML differs from what iasl compiles from its own disassembly"
            continue
        fi
        echo "ok   $name (disassembled, recompiled byte-identical)"
    else
        echo "ok   $name (disassembled)"
    fi
done

if ((failures > 0)); then
    echo "check-acpi: $failures of ${#files[@]} tables failed"
    exit 1
fi
echo "check-acpi: ${#files[@]} tables OK"
