#!/usr/bin/env bash
# check-acpi.sh DIR [SIG...] — judge every ACPI table dump in DIR (*.dat, acpidump -b style: one binary
# table per file, e.g. DSDT.dat, FACP.dat, APIC.dat) with iasl (acpica-tools).
#
#   * the tables a machine declares must all be there: SIG... (by the signature inside each file; RSDP
#     for the "RSD PTR " structure), by default RSDP XSDT FACP APIC DSDT — a dump that lost one fails;
#   * every table: `iasl -d` must succeed, print no Error/Warning (checksum, length, …), and the
#     disassembly must not mark an incorrect checksum;
#   * DSDT/SSDT: the disassembled ASL must recompile (`iasl -oa`, no optimizations) with 0 errors and
#     0 warnings, and its AML must equal the original after the 36-byte header — so the AML we emit is
#     exactly what the ASL in the .dsl says;
#   * the RSDP ("RSD PTR " signature; iasl cannot load it from a file) is checked here: the first 20
#     bytes and, for revision >= 2, all `Length` bytes sum to 0 mod 256.
#
# Any tool that fails (od, iasl, cmp) fails the check: nothing is read as 0 or as "no complaint".
# Exit 0 when every table passes, 1 when one fails, 2 on usage errors or when iasl is missing.
set -uo pipefail

dir=${1:-}
shift || true
required=("$@")
((${#required[@]} > 0)) || required=(RSDP XSDT FACP APIC DSDT)
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

# Sum of bytes [0, count) of a file, mod 256; fails (prints nothing) when od fails or the file is shorter.
byte_sum() {
    local bytes count
    bytes=$(od -An -v -tu1 -N "$2" "$1") || return 1
    count=$(wc -w <<<"$bytes") || return 1
    ((count == $2)) || return 1
    awk '{ for (i = 1; i <= NF; i++) s += $i } END { print s % 256 }' <<<"$bytes"
}

# The signature a file holds: RSDP for "RSD PTR ", else its first 4 bytes.
signature_of() {
    local head8
    head8=$(head -c 8 "$1" | tr '\0' ' ') || return 1
    if [[ "$head8" == "RSD PTR " ]]; then echo RSDP; else echo "${head8:0:4}"; fi
}

declare -A present=()
for file in "${files[@]}"; do
    signature=$(signature_of "$file") || { fail "$(basename "$file")" "cannot read its signature"; continue; }
    present[$signature]=1
done
for signature in "${required[@]}"; do
    [[ -n "${present[$signature]:-}" ]] || fail "$signature" "missing: no *.dat in $dir holds this table"
done

for file in "${files[@]}"; do
    name=$(basename "$file")
    base=${name%.*}
    if [[ $(signature_of "$file") == RSDP ]]; then
        size=$(stat -c %s "$file") || { fail "$name" "stat failed"; continue; }
        revision=$(od -An -tu1 -j 15 -N 1 "$file" | tr -d ' ')
        if [[ -z "$revision" ]]; then fail "$name" "RSDP shorter than 16 bytes"; continue; fi
        sum=$(byte_sum "$file" 20) || { fail "$name" "RSDP: cannot read 20 bytes"; continue; }
        if ((sum != 0)); then fail "$name" "RSDP checksum (bytes 0-19) does not sum to 0"; continue; fi
        if ((revision >= 2)); then
            length=$(od -An -tu4 -j 20 -N 4 --endian=little "$file" | tr -d ' ')
            if [[ -z "$length" ]] || ((length != 36 || size < length)); then fail "$name" "RSDP length ${length:-?} (file $size bytes), expected 36"; continue; fi
            sum=$(byte_sum "$file" "$length") || { fail "$name" "RSDP: cannot read $length bytes"; continue; }
            if ((sum != 0)); then fail "$name" "RSDP extended checksum does not sum to 0"; continue; fi
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

    signature=$(signature_of "$file")
    if [[ "$signature" == "DSDT" || "$signature" == "SSDT" ]]; then
        compiled=$(iasl -oa -p "$work/$base-recompiled" "$dsl" 2>&1)
        compile_status=$?
        summary=$(grep -E '^Compilation (successful|failed)' <<<"$compiled")
        if ((compile_status != 0)) || [[ "$summary" != *" 0 Errors, 0 Warnings,"* ]]; then
            fail "$name" "recompiling the disassembly: ${summary:-no summary}; $(grep -E '^(Error|Warning)' <<<"$compiled" | head -n 3 | tr '\n' ' ')"
            continue
        fi
        if [[ ! -f "$work/$base-recompiled.aml" ]] || ! cmp -s <(tail -c +37 "$file") <(tail -c +37 "$work/$base-recompiled.aml"); then
            fail "$name" "AML differs from what iasl compiles from its own disassembly"
            continue
        fi
        echo "ok   $name (disassembled, recompiled byte-identical)"
    else
        echo "ok   $name (disassembled)"
    fi
done

if ((failures > 0)); then
    echo "check-acpi: $failures failures (${#files[@]} tables, required: ${required[*]})"
    exit 1
fi
echo "check-acpi: ${#files[@]} tables OK"
