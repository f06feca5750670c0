#!/bin/sh
# qemu-virtio.sh - boot conf_virtio_blk on QEMU/KVM against QEMU's virtio-blk-pci (modern only:
# disable-legacy=on, as swiftvm-1.2's device) and check that every case passes, on:
#   pc-qboot-multiboot  -M pc, qboot, build/conf_virtio_blk.elf: no firmware BAR assignment (the
#                       kernel assigns), qboot's interrupt line register is wrong (the kernel
#                       follows the PIIX3 PIRQ route instead and reports both)
#   pc-qboot-pvh        the same with build/pvh/conf_virtio_blk.elf (QEMU's PVH path)
#   pc-seabios          -M pc with SeaBIOS (~4 s more): firmware-assigned BARs and interrupt line
#   microvm-pcie        -M microvm,pcie=on, PVH image: ECAM only (no CF8, no MCFG in QEMU 7.2's
#                       tables), no BAR assignment, INTx on GSI 16 + (slot + pin - 1) % 4; the
#                       command line tells the kernel (virtio_ecam, virtio_window, virtio_gsi)
# The disk: a 1 MiB raw image whose sector N begins with N ^ 0x5A5A5A5A5A5A5A5A (little-endian);
# the kernel writes to its last 129 sectors and restores them, which is checked here too.
# Usage: ./qemu-virtio.sh   (after make; runs from any directory)
# Env:   QEMU=qemu-system-x86_64  SKIP_SEABIOS=1
set -u
cd "$(dirname "$0")" || exit 2

QEMU=${QEMU:-qemu-system-x86_64}
if ! command -v "$QEMU" >/dev/null 2>&1; then
	echo "SKIP: $QEMU not found"; exit 0
fi
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm missing or not accessible"; exit 0
fi
command -v python3 >/dev/null 2>&1 || { echo "python3 is needed to build the disk image"; exit 2; }
for f in build/conf_virtio_blk.elf build/pvh/conf_virtio_blk.elf; do
	[ -f "$f" ] || { echo "$f missing: run make first"; exit 2; }
done

BASE="$QEMU -accel kvm -nodefaults -no-user-config -nographic -serial stdio -device isa-debug-exit,iobase=0xf4,iosize=4"
QBOOT=/usr/share/qemu/qboot.rom
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
IMG=$TMP/disk.img REF=$TMP/ref.img OUT=$TMP/out
SERIAL=tck-disk0
CASES="found caps version_1 features_ok config queue_setup read_single read_multi write_single write_multi flush
	get_id ioerr_beyond_capacity unsupp reset queue_size_small msix_completion intx_completion"

python3 -c '
import struct, sys
with open(sys.argv[1], "wb") as f:
    for n in range(2048):
        f.write(struct.pack("<Q", n ^ 0x5A5A5A5A5A5A5A5A) + bytes(504))
' "$REF" || exit 2
failures=0

fail() {
	echo "FAIL $name: $*"; sed 's/^/    | /' "$OUT"; failures=$((failures + 1))
}

# run NAME QEMU-ARGS... : fresh disk, boot, check status, protocol, every case, the disk afterwards
run() {
	name=$1; shift
	cp "$REF" "$IMG"
	timeout 60 $BASE "$@" -drive "file=$IMG,if=none,id=d0,format=raw" \
		-device "virtio-blk-pci,drive=d0,disable-legacy=on,serial=$SERIAL,addr=0x2" </dev/null >"$OUT" 2>&1
	got=$?
	bad=$(grep -a '^TCK:' "$OUT" | grep -Ev '^TCK:1 (BEGIN [A-Za-z0-9_.:/-]+|CASE (PASS|FAIL|SKIP) [A-Za-z0-9_.:/-]+( :: .*)?|DATA [A-Za-z0-9_.:/-]+ .*|END pass=[0-9]+ fail=[0-9]+ skip=[0-9]+)$')
	[ "$got" = 1 ] || { fail "exit status $got, expected 1 (guest exit code 0)"; return; }
	[ -z "$bad" ] || { fail "malformed protocol lines: $bad"; return; }
	for c in $CASES; do
		grep -aq "^TCK:1 CASE PASS virtio_blk\.$c\( \|$\)" "$OUT" || { fail "virtio_blk.$c did not pass"; return; }
	done
	grep -aq '^TCK:1 END pass=18 fail=0 skip=0$' "$OUT" || { fail "unexpected END line"; return; }
	cmp -s "$IMG" "$REF" || { fail "the disk differs from its pattern after the run (scratch not restored)"; return; }
	echo "ok   $name ($(grep -a '^TCK:1 DATA virtio_blk.pci ' "$OUT" | cut -d' ' -f4-))"
}

APPEND="blk_id=$SERIAL"
if [ -f "$QBOOT" ]; then
	run pc-qboot-multiboot -M pc -bios "$QBOOT" -kernel build/conf_virtio_blk.elf -append "$APPEND"
	run pc-qboot-pvh -M pc -bios "$QBOOT" -kernel build/pvh/conf_virtio_blk.elf -append "$APPEND"
else
	echo "skip pc-qboot-*: $QBOOT not found"
fi
[ "${SKIP_SEABIOS:-}" = 1 ] || run pc-seabios -M pc -kernel build/conf_virtio_blk.elf -append "$APPEND"
# Slot 2, INTA: GPEX GSI 16 + (2 + 1 - 1) % 4 = 18.
run microvm-pcie -M microvm,pcie=on -kernel build/pvh/conf_virtio_blk.elf \
	-append "$APPEND virtio_ecam=0xe0000000 virtio_window=0xc0000000 virtio_gsi=18"

if [ "$failures" -ne 0 ]; then
	echo "$failures QEMU virtio run(s) failed"; exit 1
fi
echo "all QEMU virtio-blk runs passed"
