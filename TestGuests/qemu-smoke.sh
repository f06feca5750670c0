#!/bin/sh
# qemu-smoke.sh - boot every kernel under QEMU/KVM and check exit statuses and key lines.
# QEMU's isa-debug-exit turns "outl code, 0xf4" into exit status (code << 1) | 1.
# Usage: ./qemu-smoke.sh            (after make; runs from any directory)
# Env:   QEMU=qemu-system-x86_64  HANG_TIMEOUT=5
set -u
cd "$(dirname "$0")" || exit 2

QEMU=${QEMU:-qemu-system-x86_64}
HANG_TIMEOUT=${HANG_TIMEOUT:-5}
if ! command -v "$QEMU" >/dev/null 2>&1; then
	echo "SKIP: $QEMU not found"; exit 0
fi
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm missing or not accessible"; exit 0
fi
for k in hello cpuid smp fail triplefault hang; do
	[ -f "build/$k.elf" ] && [ -f "build/pvh/$k.elf" ] || { echo "build/$k.elf missing: run make first"; exit 2; }
done

BASE="$QEMU -accel kvm -nodefaults -no-user-config -nographic -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4"
PC="-M pc"
[ -f /usr/share/qemu/qboot.rom ] && PC="-M pc -bios /usr/share/qemu/qboot.rom"   # SeaBIOS costs ~3.5 s here
OUT=$(mktemp) MOD=$(mktemp)
trap 'rm -f "$OUT" "$MOD"' EXIT
printf 'TCK module 0123456789' >"$MOD"
failures=0

# run NAME EXPECTED_STATUS TIMEOUT QEMU-ARGS... ; output lands in $OUT
run() {
	name=$1 want=$2 limit=$3; shift 3
	timeout "$limit" $BASE "$@" </dev/null >"$OUT" 2>&1
	got=$?
	# Every protocol line must follow docs/guest-interface.md.
	bad=$(grep '^TCK:' "$OUT" | grep -Ev '^TCK:1 (BEGIN [A-Za-z0-9_.:/-]+|CASE (PASS|FAIL|SKIP) [A-Za-z0-9_.:/-]+( :: .*)?|DATA [A-Za-z0-9_.:/-]+ .*|END pass=[0-9]+ fail=[0-9]+ skip=[0-9]+)$')
	if [ "$got" != "$want" ]; then
		echo "FAIL $name: exit status $got, expected $want"; sed 's/^/    | /' "$OUT"; failures=$((failures + 1)); return 1
	fi
	if [ -n "$bad" ]; then
		echo "FAIL $name: malformed protocol lines:"; echo "$bad" | sed 's/^/    | /'; failures=$((failures + 1)); return 1
	fi
	return 0
}

# expect NAME PATTERN... : every grep -E pattern must match a line of $OUT
expect() {
	name=$1; shift
	for p in "$@"; do
		if ! grep -Eq -- "$p" "$OUT"; then
			echo "FAIL $name: no line matches /$p/"; sed 's/^/    | /' "$OUT"; failures=$((failures + 1)); return 1
		fi
	done
	echo "ok   $name"
}

# The ELF container itself.
hdr=$(readelf -lhn build/hello.elf 2>&1)
mboff=$(LC_ALL=C grep -obUaP '\x02\xb0\xad\x1b' build/hello.elf | head -1 | cut -d: -f1)
low_load=no
for pa in $(echo "$hdr" | awk '$1 == "LOAD" { print $4 }'); do
	[ $((pa)) -lt $((0x100000)) ] && low_load=yes
done
if echo "$hdr" | grep -q 'Class: *ELF32' && echo "$hdr" | grep -q 'Machine: *Intel 80386' &&
   echo "$hdr" | grep -q '^ *NOTE' && echo "$hdr" | grep -Eq 'Xen +0x00000004' && [ "$low_load" = no ] &&
   [ -n "$mboff" ] && [ "$mboff" -lt 8192 ] && [ $((mboff % 4)) -eq 0 ]; then
	echo "ok   elf: ELF32 i386, PT_LOAD >= 1 MiB, Xen PVH note, Multiboot header at offset $mboff"
else
	echo "FAIL elf: unexpected layout"; echo "$hdr"; failures=$((failures + 1))
fi

run hello-pvh 1 20 -M microvm -kernel build/pvh/hello.elf -append "foo=bar" -initrd "$MOD" &&
	expect hello-pvh 'Hello from PVH guest' '^TCK:1 DATA boot.cmdline foo=bar$' \
		'^TCK:1 DATA modules.count 1$' '^TCK:1 DATA module.0.size 21$' \
		'^TCK:1 DATA module.0.head 54434b206d6f64756c65203031323334$' '^TCK:1 END pass=4 fail=0 skip=0$'
run hello-microvm-multiboot 1 20 -M microvm -kernel build/hello.elf -append "foo=bar" &&
	expect hello-microvm-multiboot 'Hello from Multiboot guest' '^TCK:1 DATA boot.cmdline .*foo=bar$' '^TCK:1 END pass=4 fail=0 skip=0$'
run hello-pc-multiboot 1 30 $PC -kernel build/hello.elf -append "foo=bar" -initrd "$MOD" &&
	expect hello-pc-multiboot 'Hello from Multiboot guest' '^TCK:1 DATA module.0.size 21$' '^TCK:1 END pass=4 fail=0 skip=0$'
run cpuid 1 20 -M microvm -kernel build/pvh/cpuid.elf &&
	expect cpuid '^TCK:1 DATA cpuid.00000000.0 ' '^TCK:1 DATA cpuid.80000000.0 ' '^TCK:1 DATA cpuid.40000000.0 ' 'fail=0'
run fail 3 20 -M microvm -kernel build/fail.elf &&
	expect fail '^TCK:1 CASE FAIL fail.expected_fail' '^TCK:1 END pass=1 fail=1 skip=0$'
run smp-1 1 20 -M microvm -kernel build/pvh/smp.elf &&
	expect smp-1 '^TCK:1 DATA cpu.0 apic_id=' '^TCK:1 END pass=2 fail=0 skip=0$'
run smp-2-pvh 1 20 -M microvm -smp 2 -kernel build/pvh/smp.elf &&
	expect smp-2-pvh '^TCK:1 DATA cpu.0 apic_id=' '^TCK:1 DATA cpu.1 apic_id=' '^TCK:1 CASE PASS smp.cpus_started' '^TCK:1 END pass=2 fail=0 skip=0$'
run smp-2-multiboot 1 30 $PC -smp 2 -kernel build/smp.elf &&
	expect smp-2-multiboot '^TCK:1 DATA cpu.1 apic_id=' '^TCK:1 END pass=2 fail=0 skip=0$'
run smp-cpus-override 1 20 -M microvm -smp 2 -kernel build/pvh/smp.elf -append "cpus=1" &&
	expect smp-cpus-override '^TCK:1 DATA cpus.expected 1$' '^TCK:1 END pass=2 fail=0 skip=0$'
# A triple fault resets the machine; -no-reboot turns the reset into a clean QEMU exit (0).
# reject NAME PATTERN... : no grep -E pattern may match a line of $OUT
reject() {
	name=$1; shift
	for p in "$@"; do
		if grep -Eq -- "$p" "$OUT"; then
			echo "FAIL $name: a line matches /$p/"; sed 's/^/    | /' "$OUT"; failures=$((failures + 1)); return 1
		fi
	done
	echo "ok   $name (no line matches: $*)"
}

run triplefault 0 20 -M microvm -no-reboot -kernel build/triplefault.elf &&
	expect triplefault 'triplefault: loading a zero-limit IDT' && reject triplefault 'still running'
run hang-hlt 124 "$HANG_TIMEOUT" -M microvm -kernel build/hang.elf && expect hang-hlt '^hanging \(cli; hlt\)$'
run hang-spin 124 "$HANG_TIMEOUT" -M microvm -kernel build/hang.elf -append spin && expect hang-spin '^hanging \(spin\)$'

if [ "$failures" -ne 0 ]; then
	echo "$failures check(s) failed"; exit 1
fi
echo "all QEMU smoke checks passed"
