#!/usr/bin/env python3
"""Writes the synthetic seeds of Fuzz/Corpus (the recipe beside them; see README.md).

Run from the repository root: python3 Fuzz/Corpus/make-seeds.py
The captured seeds (console transcripts, results.json) are not made here; README.md says how they were.
"""
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
