#!/usr/bin/env python3
"""Writes the synthetic seeds of Fuzz/Corpus (the recipe beside them; see README.md).

Run from the repository root: python3 Fuzz/Corpus/make-seeds.py
The captured seeds (console transcripts, results.json) are not made here; README.md says how they were.
"""
import json
import os
import struct

ROOT = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    os.makedirs(os.path.join(ROOT, target), exist_ok=True)
    assert len(data) < 8192, (target, name, len(data))
    with open(os.path.join(ROOT, target, name), "wb") as f:
        f.write(data)


# --- fuzz-elf -----------------------------------------------------------------------------------
TINY = os.path.join(ROOT, "..", "..", "Tests", "BootTests", "Fixtures", "tiny-kernel.elf")
tiny = open(TINY, "rb").read()
put("fuzz-elf", "tiny-kernel.elf", tiny)
put("fuzz-elf", "tiny-kernel-header-only.elf", tiny[:52])
put("fuzz-elf", "tiny-kernel-cut-in-segment.elf", tiny[:0xB0])
# Multiboot only: the Xen note's type 18 (PHYS32_ENTRY) becomes 17.
mb_only = bytearray(tiny)
mb_only[0xAC + 8] = 17
put("fuzz-elf", "tiny-kernel-multiboot-only.elf", bytes(mb_only))
# PVH only: the Multiboot magic at 0x94 is broken.
pvh_only = bytearray(tiny)
pvh_only[0x94] ^= 0xFF
put("fuzz-elf", "tiny-kernel-pvh-only.elf", bytes(pvh_only))

CODE = bytes([0xB8, 0x2A, 0, 0, 0, 0xE7, 0xF4, 0xF4])  # mov $42,%eax; out %eax,$0xf4; hlt


def xen_note(entry):
    return struct.pack("<III", 4, 4, 18) + b"Xen\0" + struct.pack("<I", entry)


def multiboot(flags, fields=None):
    header = struct.pack("<III", 0x1BADB002, flags, (-(0x1BADB002 + flags)) & 0xFFFFFFFF)
    return header + (struct.pack("<5I", *fields) if fields else b"")


def elf64(entry=0x100000, paddr=0x100000, memsz=0x3000, pvh=True, mb_flags=0x3):
    """ELF64 x86-64 ET_EXEC: header, PT_LOAD, PT_NOTE, note, Multiboot header, code."""
    phnum = 2
    note = xen_note(entry) if pvh else b""
    mb = multiboot(mb_flags) if mb_flags is not None else b""
    note_off = 64 + 56 * phnum
    data_off = note_off + len(note) + len(mb)
    data_off += -data_off % 16
    ident = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9)
    header = ident + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, 64, 0, 0, 64, 56, phnum, 64, 0, 0)
    load = struct.pack("<IIQQQQQQ", 1, 5, data_off, paddr, paddr, len(CODE), memsz, 16)
    notes = struct.pack("<IIQQQQQQ", 4, 4, note_off, 0, 0, len(note), len(note), 4)
    body = header + load + notes + note + mb
    return body + bytes(data_off - len(body)) + CODE


put("fuzz-elf", "elf64-pvh-multiboot.elf", elf64())
put("fuzz-elf", "elf64-multiboot-video-flag.elf", elf64(pvh=False, mb_flags=0x7))
put("fuzz-elf", "elf64-entry-outside.elf", elf64(entry=0x200000))


def elf32_aout_kludge():
    """ELF32 whose Multiboot header sets flag 16 (address fields) and whose segment is at 2 MiB."""
    fields = (0x200000, 0x200000, 0x200100, 0x201000, 0x200040)
    mb = multiboot(0x10003, fields)
    phnum = 1
    data_off = 52 + 32 * phnum + len(mb)
    data_off += -data_off % 16
    ident = b"\x7fELF" + bytes([1, 1, 1]) + bytes(9)
    header = ident + struct.pack("<HHIIIIIHHHHHH", 2, 3, 1, 0x200000, 52, 0, 0, 52, 32, phnum, 40, 0, 0)
    load = struct.pack("<8I", 1, data_off, 0x200000, 0x200000, len(CODE), 0x1000, 5, 16)
    body = header + load + mb
    return body + bytes(data_off - len(body)) + CODE


put("fuzz-elf", "elf32-multiboot-aout-kludge.elf", elf32_aout_kludge())

# --- fuzz-uart ----------------------------------------------------------------------------------
# Op bytes as documented in Sources/fuzz-uart/main.swift: write = 0x10 | offset (size 1).
def w(offset, value):
    return bytes([0x10 | offset, value])


def r(offset):
    return bytes([offset])


init = (w(3, 0x80) + w(0, 0x01) + w(1, 0x00) + w(3, 0x03) + w(2, 0xC7) + w(4, 0x0B) + w(1, 0x01))
put("fuzz-uart", "driver-init-and-print.bin", init + b"".join(w(0, c) for c in b"TCK:1 BEGIN hello\n") + r(5) + r(2))
put("fuzz-uart", "loopback-echo.bin", w(4, 0x1F) + w(0, 0x41) + r(5) + r(0) + r(6) + w(4, 0x0B) + r(6))
put("fuzz-uart", "input-irq-overrun.bin",
    w(4, 0x08) + w(1, 0x05) + bytes([0x80 | 20]) + b"typed at the console" + r(2) + r(5) + r(0) + r(0) + w(2, 0x07))
put("fuzz-uart", "wide-and-wrapping.bin", bytes([0x10 | 0x40, 0x80, 0, 0, 0]) + bytes([0x40 | 3]) + bytes([0xD0, 0x55]) + bytes([0xC0]))

# --- fuzz-testdev -------------------------------------------------------------------------------
def descriptor(stream, length, buffer, magic=0x43445653, version=1):
    return struct.pack("<IHHIIQQ", magic, version, stream, length, 0, buffer, 0)


def doorbell(address, size_code=0, offset=0, read=False, whole=False):
    control = size_code | offset << 2 | (0x20 if read else 0) | (0x40 if whole else 0)
    return bytes([control]) + struct.pack("<I", address)


def testdev_seed(descriptors, buffers, doorbells):
    image = bytearray(0x200)
    for address, desc in descriptors:
        image[address:address + 32] = desc
    for address, data in buffers:
        image[address:address + len(data)] = data
    return struct.pack("<H", len(image)) + bytes(image) + b"".join(doorbells)


msg = b"TCK:1 BEGIN hello\nTCK:1 CASE PASS testdev.console\n"
put("fuzz-testdev", "console-and-data.bin", testdev_seed(
    [(0x0, descriptor(0, len(msg), 0x100)), (0x40, descriptor(1, 8, 0x180))],
    [(0x100, msg), (0x180, b"record01")],
    [doorbell(0, read=True), doorbell(4, read=True), doorbell(0x0), doorbell(0x40)]))
put("fuzz-testdev", "rejections.bin", testdev_seed(
    [(0x0, descriptor(0, 16, 0xFFF0)), (0x40, descriptor(7, 4, 0x100)), (0x80, descriptor(0, 1 << 21, 0x100)),
     (0xC0, descriptor(0, 4, 0x100, magic=0)), (0xE0, descriptor(0, 4, 0x100, version=2))],
    [(0x100, b"data")],
    [doorbell(0x0), doorbell(0x40), doorbell(0x80), doorbell(0xC0), doorbell(0xE0), doorbell(0xFFF0),
     doorbell(0x100000, whole=True), doorbell(0x0, size_code=2), doorbell(0x0, size_code=3), doorbell(0, offset=4)]))

# --- fuzz-bus -----------------------------------------------------------------------------------
def access(port, size_code, write, value=0):
    return struct.pack("<HBI", port, size_code | (8 if write else 0), value)


put("fuzz-bus", "uart-print-and-exit.bin", struct.pack("<HH", 0x80, 1)
    + b"".join(access(0x3F8, 0, True, c) for c in b"hi\n") + access(0x3FD, 0, False)
    + access(0x80, 0, True, 0) + access(0xF4, 2, True, 0x2A))
put("fuzz-bus", "testdev-probe-and-strays.bin", struct.pack("<HH", 0xFFFF, 2)
    + access(0xEC0, 2, False) + access(0xEC4, 2, False) + access(0xEC0, 2, True, 0x1000)
    + access(0xEC0, 0, True, 1) + access(0xCF8, 2, False) + access(0x3F8, 3, True, 0x41)
    + access(0xFFFF, 2, False) + access(0xF7, 1, True, 0x1234))
put("fuzz-bus", "extra-overlaps-uart.bin", struct.pack("<HH", 0x3F0, 0x10) + access(0x3F0, 0, False))

# --- fuzz-abi -----------------------------------------------------------------------------------
# Header (Sources/fuzz-abi/main.swift): mode, record index, mutation kind, u16 offset, xor value.
# Records (docs/abi-records.md): u16 type, u16 flags (bit 0: continues), u32 length, payload. The
# stream seed is Reports/abi/swiftvm-1.0.json turned back into the records the probe sent.

CPUID, MEMMAP, ACPI, RSDP, PCIFN, PCIBAR, LAPIC, IOAPIC, MSR, PORT, CMOS = range(1, 12)


def record(rtype, payload, flags=0):
    return struct.pack("<HHI", rtype, flags, len(payload)) + payload


def num(text):
    try:
        return int(text, 16)
    except ValueError:  # a masked value ("host")
        return 0


def fingerprint_records(path, areas=None):
    abi = json.load(open(path))["abi"]
    want = lambda area: areas is None or area in areas
    out = []
    if want("cpuid"):
        payload = b""
        for key, v in sorted(abi["cpuid"].items()):
            leaf, sub = key.split(".")
            payload += struct.pack("<6I", int(leaf, 16), int(sub), num(v["eax"]), num(v["ebx"]), num(v["ecx"]), num(v["edx"]))
        out.append(record(CPUID, payload))
    if want("memoryMap"):
        out.append(record(MEMMAP, b"".join(struct.pack("<QQII", num(r["address"]), num(r["size"]), r["type"], 0)
                                          for r in abi["memoryMap"])))
    if want("acpi"):
        for key, t in sorted(abi["acpi"].items()):
            out.append(record(ACPI, struct.pack("<Q", num(t["address"])) + bytes.fromhex(t["bytes"])))
    if want("rsdp") and abi.get("rsdp"):
        out.append(record(RSDP, struct.pack("<QQ", num(abi["rsdp"]["bootInfo"]), num(abi["rsdp"]["legacyScan"]))))
    if want("pci"):
        for key, f in sorted(abi["pci"].items()):
            bus, rest = key.split(":")
            dev, fn = rest.split(".")
            out.append(record(PCIFN, bytes([int(bus, 16), int(dev, 16), int(fn), 0]) + bytes.fromhex(f["config"])))
    for area, rtype in (("localAPIC", LAPIC), ("ioAPIC", IOAPIC)):
        if want(area):
            out.append(record(rtype, b"".join(struct.pack("<II", num(k), num(v)) for k, v in sorted(abi[area].items()))))
    if want("msr"):
        out.append(record(MSR, b"".join(struct.pack("<IIQ", num(k), 0 if v["readable"] else 13, num(v["value"]) if v["readable"] else 0)
                                       for k, v in sorted(abi["msr"].items()))))
    if want("ports"):
        payload = b""
        for key, v in sorted(abi["ports"].items()):
            port, width = key.split("/")
            payload += struct.pack("<HBBI", num(port), int(width), 0, num(v))
        out.append(record(PORT, payload))
    if want("cmos"):
        out.append(record(CMOS, b"".join(struct.pack("<BB", num(k), num(v)) for k, v in sorted(abi["cmos"].items()))))
    return out


def abi_header(mode, index=0, kind=0, offset=0, value=1):
    return struct.pack("<BBBHB", mode, index, kind, offset, value)


FP = os.path.join(ROOT, "..", "..", "Reports", "abi", "swiftvm-1.0.json")
stream = b"".join(fingerprint_records(FP))
put("fuzz-abi", "stream-swiftvm-1.0.bin", abi_header(0, index=3, kind=0, offset=0x2C, value=0x80) + stream)
# The DSDT sent in three continued pieces, then a PCI function whose vendor ID the mutation flips.
acpi = fingerprint_records(FP, {"acpi", "pci", "rsdp"})
dsdt = next(r for r in acpi if r[8 + 8:8 + 12] == b"DSDT")[8:]
pieces = record(ACPI, dsdt[:40], 1) + record(ACPI, dsdt[40:200], 1) + record(ACPI, dsdt[200:])
put("fuzz-abi", "continued-acpi-and-pci.bin",
    abi_header(0, index=1, kind=0, offset=4, value=0xFF) + pieces + b"".join(r for r in acpi if r[8 + 8:8 + 12] != b"DSDT"))
# UART fallback: `abi.record` hex values one per line (cpuid, FACP, cmos), mutation drops a record.
hexed = fingerprint_records(FP, {"cpuid", "cmos"}) + [r for r in acpi if r[8 + 8:8 + 12] == b"FACP"]
put("fuzz-abi", "hex-lines.txt", abi_header(1, index=1, kind=1) + b"\n".join(r.hex().encode() for r in hexed) + b"\n")
# Malformed payloads, an unknown type, masked-bit candidates, a dangling continuation at the end.
odd = (record(CPUID, struct.pack("<6I", 1, 0, 0x806F8, 0, 1 << 27, 0xFFFFFFFF) + b"\x01\x02")
       + record(MEMMAP, struct.pack("<QQII", 0, 0x9FC00, 1, 0) + struct.pack("<QQII", 0x100000, 0xFFFFFFFFFFFFFFFF, 1, 0))
       + record(ACPI, struct.pack("<Q", 0xE0000) + b"APIC" + bytes(40) + bytes([0, 8, 0, 0, 1, 0, 0, 0, 9, 16]) + bytes(14))
       + record(ACPI, struct.pack("<Q", 0xE0100) + b"APIC" + bytes(20))
       + record(PCIFN, bytes(100)) + record(CMOS, bytes([0x0A, 0xA6, 0x0C, 0x90]))
       + record(PORT, struct.pack("<HBBI", 0x61, 1, 0, 0x30)) + record(IOAPIC, struct.pack("<II", 0x10, 0x15000))
       + record(0x7777, b"future") + record(MSR, struct.pack("<IIQ", 0xC0000080, 0, 0x500)))
put("fuzz-abi", "malformed-and-masked.bin", abi_header(0, index=7, kind=3, value=2) + odd)
put("fuzz-abi", "dangling.bin", abi_header(0) + record(CMOS, b"\x0f\x00", 1))
# A fingerprint file as tck abi diff reads it (trimmed to fit max_len).
small = json.load(open(FP))
for area in ("cmos", "ioAPIC", "msr", "localAPIC"):
    small["abi"][area] = dict(list(small["abi"][area].items())[:3])
small["abi"]["acpi"] = {k: v for k, v in small["abi"]["acpi"].items() if k in ("APIC", "RSD PTR", "FACP")}
small["abi"]["cpuid"] = dict(list(small["abi"]["cpuid"].items())[:6])
small["abi"]["pciBARs"] = {"00:01.0 BAR0": {"original": "0x00000000", "sizeMask": "0xfffff000"}}
if "programmed" in small:  # the tables swiftvm programmed into KVM (baselines since 7467ca3): a few of each
    small["programmed"] = {area: dict(list(entries.items())[:3]) for area, entries in small["programmed"].items()}
put("fuzz-abi", "fingerprint.json", abi_header(2) + json.dumps(small, sort_keys=True).encode())

# --- fuzz-acpi ----------------------------------------------------------------------------------
# Layout in Sources/fuzz-acpi/main.swift.


def text(s, raw=False, names=False):
    data = s.encode("latin-1")
    if raw:
        return bytes([0x80 | len(data)]) + data
    if names:
        alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ_0123456789"
        return bytes([0x40 | len(data)]) + bytes(alphabet.index(c) for c in data)
    return bytes([len(data)]) + bytes(c - 0x20 for c in data)


IDENT = text("SWIFVM") + text("SVM-1.0 ") + struct.pack("<I", 1) + text("SWVM") + struct.pack("<I", 1) + text("SWIFTVM")
put("fuzz-acpi", "swiftvm-1.0.bin", struct.pack("<I", 63) + bytes([1, 0x0A, 0x07]) + IDENT)
put("fuzz-acpi", "four-cpus-no-bridge.bin", struct.pack("<I", 4095) + bytes([4, 0x08, 0x01]) + IDENT)


def acpi_device(name, control, hid, extra=b"", resources=b""):
    return text(name, names=True) + bytes([control]) + text(hid) + extra + resources


custom = (acpi_device("HPET", 0x01 | 0x02 | 0x04 | 1 << 3, "PNP0103", struct.pack("<Q", 0) + b"\x0f",
                      b"\x02" + struct.pack("<II", 0xFED00000, 0x400))
          + acpi_device("VIO0", 0x02 | 2 << 3, "LNRO0005", struct.pack("<Q", 7),
                        b"\x00" + struct.pack("<HBB", 0x1000, 0x20, 1) + b"\x01\x05"))
bridge = (text("PCI0", names=True) + bytes([0, 0xFF]) + struct.pack("<HB", 0xCF8, 8) + bytes([2 | 1 << 2])
          + struct.pack("<HH", 0, 0xCF7) + struct.pack("<HH", 0xD00, 0xFFFF)
          + struct.pack("<QQ", 0x8000000000, 0xFFFFFFFFFF))
addresses = struct.pack("<QQ", 0x000E0040, 0x000E0000)
revisions = bytes([6, 3, 5, 2]) + struct.pack("<HIH", 9, 0x100435, 7) + bytes([1, 8, 0, 1]) + struct.pack("<Q", 0x64) + b"\xfe"
madt = struct.pack("<I", 0xFEE00000) + bytes([0]) + struct.pack("<II", 0xFEC00000, 0) + bytes([0x12]) \
    + bytes([0]) + struct.pack("<I", 2) + bytes([5]) + bytes([9]) + struct.pack("<I", 9) + bytes([0xD]) + bytes([0xFF, 5, 1])
put("fuzz-acpi", "everything-from-input.bin",
    struct.pack("<I", 1 << 20) + bytes([2, 0x7E, 0x07 | 2 << 3]) + IDENT + custom + bridge + addresses + revisions + madt)
put("fuzz-acpi", "refused.bin", struct.pack("<I", 0x0FFFFFFF) + bytes([0, 0x91]) + struct.pack("<H", 300) + bytes([0x00])
    + text("TOO-LONG-OEM", raw=True) + text("X") + struct.pack("<I", 0) + text("\xff\xfe", raw=True) + struct.pack("<I", 0) + text("")
    + struct.pack("<QQ", 0x8000000000000008, 0xE0004))

# --- fuzz-pc-devices ----------------------------------------------------------------------------
# Op byte: bits 0-3 port index (0xCF8..0xCFF, 0x60, 0x64, 0x70, 0x71, 0x61, 0x6F), 14 select, 15 tick;
# bits 4-5 size code (1, 2, 4); bit 6 write; bit 7 write all-ones.
PORTS = [0xCF8, 0xCF9, 0xCFA, 0xCFB, 0xCFC, 0xCFD, 0xCFE, 0xCFF, 0x60, 0x64, 0x70, 0x71, 0x61, 0x6F]
SIZE = {1: 0, 2: 1, 4: 2}


def rd(port, size=1):
    return bytes([PORTS.index(port) | SIZE[size] << 4])


def wr(port, value, size=1):
    return bytes([PORTS.index(port) | SIZE[size] << 4 | 0x40]) + value.to_bytes(size, "little")


def ones(port, size=4):
    return bytes([PORTS.index(port) | SIZE[size] << 4 | 0xC0])


def select(device, register, function=0):
    return bytes([14, device << 3 | function, register])


def tick(seconds):
    return bytes([15, seconds])


enumerate_pci = b"".join(select(d, 0) + rd(0xCFC, 4) + select(d, 8) + rd(0xCFC, 4) + select(d, 0x0E) + rd(0xCFE, 1)
                         for d in range(4)) + rd(0xCF8, 4)
sizing = b"".join(select(1, r) + rd(0xCFC, 4) + ones(0xCFC) + rd(0xCFC, 4) + wr(0xCFC, 0, 4) + rd(0xCFC, 4)
                  for r in range(0x10, 0x28, 4))
command = select(1, 4) + wr(0xCFC, 0x0107, 2) + rd(0xCFC, 4) + wr(0xCFE, 0xFFFF, 2) + select(0, 0x3C) + wr(0xCFC, 0x0B, 1)
put("fuzz-pc-devices", "pci-enumerate-and-size-bars.bin", enumerate_pci + sizing + command
    + wr(0xCF8, 0x7FFFFFFF, 4) + rd(0xCFC, 4) + wr(0xCF8, 0x80FF0800, 4) + rd(0xCFC, 4) + wr(0xCF9, 0x06) + rd(0xCFA, 2))
put("fuzz-pc-devices", "i8042-commands-and-reset.bin",
    wr(0x64, 0x20) + rd(0x64) + rd(0x60) + wr(0x64, 0x60) + wr(0x60, 0x47) + wr(0x64, 0xAA) + rd(0x60, 2)
    + wr(0x64, 0xD2) + wr(0x60, 0x1C) + rd(0x64) + rd(0x60) + wr(0x64, 0xD3) + wr(0x60, 0x99) + rd(0x64) + wr(0x64, 0xA8)
    + wr(0x64, 0xD0) + rd(0x60) + wr(0x64, 0xD1) + wr(0x60, 0xCE) + wr(0x64, 0xFE) + wr(0x64, 0xF1) + wr(0x64, 0xF0, 4)
    + rd(0x61) + rd(0x64, 4))
put("fuzz-pc-devices", "rtc-time-flags-ram.bin",
    wr(0x70, 0x0B) + wr(0x71, 0x12) + wr(0x70, 0x00) + rd(0x71) + tick(1) + wr(0x70, 0x0C) + rd(0x71) + rd(0x71)
    + wr(0x70, 0x8D) + rd(0x71) + wr(0x70, 0x0A) + wr(0x71, 0xA6) + rd(0x71) + wr(0x70, 0x04) + rd(0x71)
    + wr(0x70, 0x0B) + wr(0x71, 0x06) + wr(0x70, 0x09) + rd(0x71) + wr(0x70, 0x320F, 2) + rd(0x70, 2) + tick(59)
    + wr(0x70, 0x3C, 1) + wr(0x71, 0x5A) + rd(0x71) + wr(0x70, 0x01) + wr(0x71, 0xC0) + tick(200) + wr(0x70, 0x0C)
    + rd(0x71, 4) + rd(0x70) + wr(0x70, 0x0B) + wr(0x71, 0x80) + tick(3) + wr(0x70, 0x0C) + rd(0x71))


# --- fuzz-virtio --------------------------------------------------------------------------------
# Layout of the RAM image (Sources/fuzz-virtio/main.swift): queue of 8 with the descriptor table at 0,
# avail ring at 0x80, used ring at 0x100; request header at 0x200, an indirect table at 0x300, status
# bytes from 0x400, data at 0x600 (512 bytes) and in the high region at 0xD000.
VQ_DESC, VQ_AVAIL, VQ_USED = 0x000, 0x080, 0x100
HDR, ITABLE, STATUS, DATA, HIGH = 0x200, 0x300, 0x400, 0x600, 0xD000
F_NEXT, F_WRITE, F_INDIRECT = 1, 2, 4
S_INDIRECT, S_EVENT_IDX, S_READONLY, S_MSIX, S_UNOFFERED = 1, 2, 4, 8, 0x10


def vdesc(addr, length, flags=0, nxt=0):
    return struct.pack("<QIHH", addr, length, flags, nxt)


def blk_header(kind, sector):
    return struct.pack("<IIQ", kind, 0, sector)


def virtio_seed(name, chains, setup=0, heads=None, steps=b"\x00", qsize=8, headers=(), tables=(), rings=None):
    """chains: descriptors placed at 0, 1, ...; heads: the avail ring (default: [0]); headers: (address,
    kind, sector); tables: (address, [descriptors]). The image ends at the last byte anything uses."""
    image = bytearray(0x800)
    for index, d in enumerate(chains):
        image[VQ_DESC + 16 * index:VQ_DESC + 16 * index + 16] = d
    heads = [0] if heads is None else heads
    image[VQ_AVAIL:VQ_AVAIL + 4] = struct.pack("<HH", 0, len(heads))
    for slot, head in enumerate(heads):
        image[VQ_AVAIL + 4 + 2 * slot:VQ_AVAIL + 6 + 2 * slot] = struct.pack("<H", head)
    for address, kind, sector in headers:
        image[address:address + 16] = blk_header(kind, sector)
    for address, descriptors in tables:
        blob = b"".join(descriptors)
        image[address:address + len(blob)] = blob
    desc, avail, used = rings or (VQ_DESC, VQ_AVAIL, VQ_USED)
    head = struct.pack("<BHIIIH", setup, qsize, desc, avail, used, len(image))
    put("fuzz-virtio", name, head + bytes(image) + steps)


def kick(queue=0, bar=False):
    return bytes([queue << 3 | (0x20 if bar else 0)])


def poke(address, value):
    return bytes([1]) + struct.pack("<HH", address, value)


def make_available(count):
    return bytes([2, count])


RESET = bytes([3])


def bar(offset, size_index, value=None):
    op = 4 | size_index << 3 | (0x20 if value is not None else 0)
    return bytes([op]) + struct.pack("<H", offset) + (struct.pack("<I", value) if value is not None else b"")


read_chain = [vdesc(HDR, 16, F_NEXT, 1), vdesc(DATA, 512, F_WRITE | F_NEXT, 2), vdesc(STATUS, 1, F_WRITE)]
virtio_seed("read-sector-1.bin", read_chain, headers=[(HDR, 0, 1)])
virtio_seed("write-flush-getid-through-bar.bin",
            [vdesc(HDR, 16, F_NEXT, 1), vdesc(DATA, 512, F_NEXT, 2), vdesc(STATUS, 1, F_WRITE),
             vdesc(HDR + 16, 16, F_NEXT, 4), vdesc(STATUS + 1, 1, F_WRITE),
             vdesc(HDR + 32, 16, F_NEXT, 6), vdesc(HIGH, 20, F_WRITE | F_NEXT, 7), vdesc(STATUS + 2, 1, F_WRITE)],
            heads=[0, 3, 5], headers=[(HDR, 1, 2), (HDR + 16, 4, 0), (HDR + 32, 8, 0)], steps=kick(bar=True))
virtio_seed("indirect-read-two-segments.bin", [vdesc(ITABLE, 4 * 16, F_INDIRECT)], setup=S_INDIRECT,
            headers=[(HDR, 0, 3)],
            tables=[(ITABLE, [vdesc(HDR, 16, F_NEXT, 1), vdesc(DATA, 256, F_WRITE | F_NEXT, 2),
                              vdesc(HIGH, 256, F_WRITE | F_NEXT, 3), vdesc(STATUS, 1, F_WRITE)])])
virtio_seed("loop-in-next-fields.bin", [vdesc(HDR, 16, F_NEXT, 1), vdesc(DATA, 512, F_WRITE | F_NEXT, 2),
                                        vdesc(STATUS, 1, F_WRITE | F_NEXT, 1)], headers=[(HDR, 0, 1)])
virtio_seed("nested-indirect.bin", [vdesc(ITABLE, 16, F_INDIRECT)], setup=S_INDIRECT, headers=[(HDR, 0, 1)],
            tables=[(ITABLE, [vdesc(ITABLE + 0x40, 48, F_INDIRECT)]),
                    (ITABLE + 0x40, read_chain)])
virtio_seed("buffer-in-the-hole.bin", [vdesc(HDR, 16, F_NEXT, 1), vdesc(0xBF00, 512, F_WRITE | F_NEXT, 2),
                                       vdesc(STATUS, 1, F_WRITE)], headers=[(HDR, 0, 1)])
virtio_seed("buffer-wraps.bin", [vdesc(HDR, 16, F_NEXT, 1), vdesc(0xFFFFFFFFFFFFFE00, 1024, F_WRITE | F_NEXT, 2),
                                 vdesc(STATUS, 1, F_WRITE)], headers=[(HDR, 0, 1)])
virtio_seed("readonly-disk-write.bin", [vdesc(HDR, 16, F_NEXT, 1), vdesc(DATA, 512, F_NEXT, 2), vdesc(STATUS, 1, F_WRITE)],
            setup=S_READONLY, headers=[(HDR, 1, 0)])
virtio_seed("event-idx-msix-refill.bin", read_chain, setup=S_EVENT_IDX | S_MSIX, headers=[(HDR, 0, 5)],
            steps=kick() + poke(VQ_AVAIL + 6, 0) + make_available(1) + kick(bar=True) + make_available(7) + kick())
virtio_seed("reset-and-serve-again.bin", [vdesc(HDR, 16, F_NEXT, 0)] + read_chain[1:], headers=[(HDR, 0, 1)],
            steps=kick() + RESET + poke(VQ_DESC + 14, 1) + make_available(1) + kick() + kick(queue=2, bar=True))
virtio_seed("bar-registers.bin", read_chain, headers=[(HDR, 0, 1)],
            steps=bar(0x1000, 0) + bar(0x14, 0, 0x4F) + bar(0x16, 1, 0) + bar(0x18, 1, 3) + bar(0x20, 3, 0x10)
            + bar(0x3000, 1, 0) + bar(0x2000, 3) + bar(0x4000, 2, 0xFEE00000) + kick() + RESET + kick())
virtio_seed("unoffered-feature.bin", read_chain, setup=S_UNOFFERED, headers=[(HDR, 0, 1)])
virtio_seed("misaligned-rings.bin", read_chain, headers=[(HDR, 0, 1)], rings=(0x8, 0x81, 0x102))
# --- fuzz-qcow2 ---------------------------------------------------------------------------------
# Small images (512-byte clusters keep them under 8 KiB) made by the real qemu-img and qemu-io
# (Debian's qemu-utils); skipped when they are not installed.
import shutil
import subprocess
import tempfile


def qcow2_seeds():
    if not (shutil.which("qemu-img") and shutil.which("qemu-io")):
        print("make-seeds: qemu-img/qemu-io absent, fuzz-qcow2 seeds not rewritten")
        return
    work = tempfile.mkdtemp()

    def img(*args):
        subprocess.run(["qemu-img", *args], check=True, capture_output=True, cwd=work)

    def io(name, *commands):
        subprocess.run(["qemu-io", "-f", "qcow2", *[a for c in commands for a in ("-c", c)], name],
                       check=True, capture_output=True, cwd=work)

    def keep(name, seed):
        put("fuzz-qcow2", seed, open(os.path.join(work, name), "rb").read())

    img("create", "-f", "qcow2", "-o", "cluster_size=512", "empty.qcow2", "64K")
    keep("empty.qcow2", "v3-empty.qcow2")
    img("create", "-f", "qcow2", "-o", "cluster_size=512,compat=0.10", "v2.qcow2", "64K")
    io("v2.qcow2", "write -P 0x11 0 1024", "write -P 0x22 40000 700")
    keep("v2.qcow2", "v2-data.qcow2")
    img("create", "-f", "qcow2", "-o", "cluster_size=512,refcount_bits=1", "rc1.qcow2", "32K")
    io("rc1.qcow2", "write -P 0x33 512 1536", "write -z 4096 1024")
    keep("rc1.qcow2", "v3-refcount1-zero.qcow2")
    img("create", "-f", "qcow2", "-o", "cluster_size=512", "snap.qcow2", "16K")
    io("snap.qcow2", "write -P 0x44 0 1024")
    img("snapshot", "-c", "s1", "snap.qcow2")
    io("snap.qcow2", "write -P 0x55 512 512")
    keep("snap.qcow2", "v3-snapshot.qcow2")
    with open(os.path.join(work, "text.raw"), "wb") as f:
        f.write(b"".join(b"sector %d of a compressible disk\n" % n * 14 for n in range(16)))
    img("convert", "-c", "-f", "raw", "-O", "qcow2", "-o", "cluster_size=512", "text.raw", "packed.qcow2")
    keep("packed.qcow2", "v3-compressed.qcow2")
    img("create", "-f", "qcow2", "-o", "cluster_size=512", "-b", "text.raw", "-F", "raw", "overlay.qcow2")
    io("overlay.qcow2", "write -P 0x66 100 10")
    keep("overlay.qcow2", "v3-overlay-missing-base.qcow2")
    shutil.rmtree(work)


qcow2_seeds()


# --- fuzz-snapshot ------------------------------------------------------------------------------
# A mode byte (bit 0: the target repairs CRCs; bit 1: every section required), then a snapshot file as
# docs/snapshot-format.md lays it out. RAM in the target: [0, 0x4000) and [0x6000, 0x9000).
def snapshot_file(sections, machine=b"swiftvm-1.0", swiftvm=b"0.13.0", version=1, count=None):
    import zlib
    header = b"SWIFTVM\0" + struct.pack("<IIII", version, 32 + len(machine) + len(swiftvm), 0,
                                        len(sections) if count is None else count)
    header += struct.pack("<H", len(machine)) + machine + struct.pack("<H", len(swiftvm)) + swiftvm
    out = header + struct.pack("<I", zlib.crc32(header))
    for tag, section_version, payload in sections:
        fields = tag + struct.pack("<IQ", section_version, len(payload))
        out += fields + struct.pack("<I", zlib.crc32(fields + payload)) + payload
    return out


def memr(runs):
    out = struct.pack("<Q", len(runs))
    for address, data in runs:
        out += struct.pack("<QQ", address, len(data)) + data
    return out


def snapshot_seeds():
    page = bytes((n * 7 + 1) & 0xFF for n in range(4096))
    conf = struct.pack("<I", 11) + b"swiftvm-1.0" + struct.pack("<QI", 0x9000, 1)
    small = [(b"CONF", 1, conf), (b"VCPU", 2, bytes(range(64))), (b"DEVS", 1, b"\x01\x00\x03")]
    every = [(tag, 2 if tag == b"VCPU" else 1, bytes([n]) * (n + 1))
             for n, tag in enumerate([b"CONF", b"VCPU", b"LAPI", b"IRQC", b"PIT2", b"CLCK", b"DEVS", b"VIRT"])]
    put("fuzz-snapshot", "memory-one-page.bin", b"\x00" + snapshot_file(small + [(b"MEMR", 1, memr([(0x6000, page)]))]))
    put("fuzz-snapshot", "memory-one-page-repair.bin", b"\x01" + snapshot_file(small + [(b"MEMR", 1, memr([(0x2000, page)]))]))
    put("fuzz-snapshot", "every-section.bin", b"\x03" + snapshot_file(every + [(b"MEMR", 1, memr([]))]))
    put("fuzz-snapshot", "empty.bin", b"\x00" + snapshot_file([]))
    put("fuzz-snapshot", "memory-outside-ram.bin", b"\x01" + snapshot_file([(b"MEMR", 1, memr([(0x4000, page)]))]))
    put("fuzz-snapshot", "newer-section.bin", b"\x01" + snapshot_file([(b"LAPI", 3, b"\x00" * 8)]))
    put("fuzz-snapshot", "newer-format.bin", b"\x00" + snapshot_file(small, version=2))
    put("fuzz-snapshot", "out-of-order.bin", b"\x01" + snapshot_file([small[1], small[0]]))
    put("fuzz-snapshot", "truncated.bin", b"\x00" + snapshot_file(small)[:100])


snapshot_seeds()
