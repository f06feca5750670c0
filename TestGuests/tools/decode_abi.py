#!/usr/bin/env python3
"""decode_abi.py - decode the ABI-probe records (docs/abi-records.md) and print a summary per type.

Usage:
  decode_abi.py DATA.bin                 the testdev data stream (swiftvm run --testdev --data DATA.bin)
  decode_abi.py CONSOLE.log              a console log with `TCK:1 DATA abi.record <hex>` lines
  decode_abi.py DATA.bin --console LOG   also check the record count against LOG's `abi.end`
  -v                                     list every entry (CPUID leaves, MSRs, ports, ...)

Python 3 standard library only. A debugging aid: the host's real decoder is Sources/ABI.
"""
import argparse
import re
import struct
import sys

TYPES = {1: "CPUID", 2: "memory map", 3: "ACPI table", 4: "RSDP location", 5: "PCI function",
         6: "PCI BAR sizes", 7: "local APIC", 8: "IOAPIC", 9: "MSR", 10: "port probe", 11: "CMOS"}
RECORD_LINE = re.compile(rb"TCK:1 DATA abi\.record ([0-9a-f]*)\r?$")
DATA_LINE = re.compile(rb"TCK:1 DATA (abi\.begin|abi\.end) (\S+)")


def console_stream(text):
    """Concatenated bytes of every abi.record line, plus the abi.begin/abi.end values."""
    stream, marks = bytearray(), {}
    for n, line in enumerate(text.splitlines(), 1):
        m = RECORD_LINE.match(line)
        if m:
            if len(m.group(1)) % 2:
                sys.exit(f"line {n}: odd-length hex")
            stream += bytes.fromhex(m.group(1).decode())
            continue
        m = DATA_LINE.match(line)
        if m:
            marks[m.group(1).decode()] = m.group(2).decode()
    return bytes(stream), marks


def decode(stream):
    """[(type, payload, pieces)] with continued pieces joined; exits on framing errors."""
    records, open_rec, off = [], None, 0
    while off < len(stream):
        if len(stream) - off < 8:
            sys.exit(f"truncated header at byte {off}")
        rtype, flags, length = struct.unpack_from("<HHI", stream, off)
        if length > len(stream) - off - 8:
            sys.exit(f"record at byte {off} declares {length} bytes, {len(stream) - off - 8} follow")
        payload = stream[off + 8:off + 8 + length]
        off += 8 + length
        if open_rec is not None:
            if open_rec[0] != rtype:
                sys.exit(f"type {open_rec[0]} continued by type {rtype}")
            open_rec = (rtype, open_rec[1] + payload, open_rec[2] + 1)
        else:
            open_rec = (rtype, payload, 1)
        if not flags & 1:
            records.append(open_rec)
            open_rec = None
    if open_rec is not None:
        sys.exit(f"type {open_rec[0]} says it continues, but the stream ends")
    return records


def entries(payload, fmt):
    size = struct.calcsize(fmt)
    return [struct.unpack_from(fmt, payload, i) for i in range(0, len(payload) - size + 1, size)]


def describe(rtype, p, verbose):
    """One summary line (and with verbose, detail lines) for a record."""
    out = []
    if rtype == 1:
        e = entries(p, "<6I")
        basic = [x for x in e if x[0] < 0x40000000]
        vendor = next((struct.pack("<3I", x[3], x[5], x[4]).decode(errors="replace") for x in e if x[0] == 0), "?")
        out.append(f"{len(e)} leaves/subleaves ({len(basic)} basic), vendor {vendor}")
        out += [f"    {l:08x}.{s:<2x} {a:08x} {b:08x} {c:08x} {d:08x}" for l, s, a, b, c, d in e if verbose]
    elif rtype == 2:
        e = entries(p, "<QQII")
        out.append(f"{len(e)} ranges: " + ", ".join(f"{a:#x}+{s:#x}/{t}" for a, s, t, _ in e))
    elif rtype == 3:
        addr = struct.unpack_from("<Q", p)[0] if len(p) >= 8 else 0
        t = p[8:]
        if t[:8] == b"RSD PTR ":
            out.append(f"RSDP @ {addr:#x}, {len(t)} bytes, revision {t[15] if len(t) > 15 else '?'}, "
                       f"OEM {t[9:15].decode(errors='replace')!r}")
        else:
            sig = t[:4].decode(errors="replace")
            length = struct.unpack_from("<I", t, 4)[0] if len(t) >= 8 else 0
            ok = "" if length == len(t) else f" (header says {length})"
            csum = "" if sig == "FACS" or sum(t) % 256 == 0 else ", BAD CHECKSUM"
            out.append(f"{sig} @ {addr:#x}, {len(t)} bytes{ok}{csum}")
    elif rtype == 4:
        boot, scan = struct.unpack_from("<QQ", p) if len(p) >= 16 else (0, 0)
        ebda = f", EBDA segment {struct.unpack_from('<H', p, 16)[0]:#x}" if len(p) >= 18 else ""
        out.append(f"boot info {boot:#x}, legacy scan {scan:#x}{ebda}")
    elif rtype == 5:
        bus, dev, fn = p[0], p[1], p[2]
        vendor, device = struct.unpack_from("<HH", p, 4)
        cls = struct.unpack_from("<I", p, 12)[0] >> 8
        out.append(f"{bus:02x}:{dev:02x}.{fn} {vendor:04x}:{device:04x} class {cls:06x}"
                   + ("" if len(p) == 260 else f" (BAD LENGTH {len(p)})"))
    elif rtype == 6:
        e = entries(p, "<4BII")
        out.append(f"{len(e)} BARs")
        out += [f"    {b:02x}:{d:02x}.{f} BAR{i}: {o:08x} -> {m:08x}" for b, d, f, i, o, m in e]
    elif rtype in (7, 8):
        e = entries(p, "<II")
        out.append(f"{len(e)} registers")
        if verbose or rtype == 7:
            out += [f"    {r:#05x}: {v:08x}" for r, v in e]
        else:
            out += [f"    {r:#05x}: {v:08x}" for r, v in e[:3]]
    elif rtype == 9:
        e = entries(p, "<IIQ")
        out.append(f"{len(e)} MSRs, {sum(1 for x in e if x[1])} #GP")
        out += [f"    {i:#010x}: " + ("#GP" if s else f"{v:016x}") for i, s, v in e]
    elif rtype == 10:
        e = entries(p, "<HBBI")
        out.append(f"{len(e)} ports")
        out += [f"    {port:#06x}/{w}: {v:0{2 * w}x}" for port, w, _, v in e]
    elif rtype == 11:
        e = entries(p, "<BB")
        out.append(f"{len(e)} bytes")
        if verbose:
            out += ["    " + " ".join(f"{i:02x}={v:02x}" for i, v in e[k:k + 12]) for k in range(0, len(e), 12)]
    else:
        out.append(f"{len(p)} bytes (unknown type)")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("file")
    ap.add_argument("--console", help="console log whose abi.end count to check")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    raw = open(args.file, "rb").read()
    marks = {}
    if b"TCK:1 " in raw:
        stream, marks = console_stream(raw)
        source = "console abi.record lines"
    else:
        stream, source = raw, "data stream"
    if args.console:
        marks = console_stream(open(args.console, "rb").read())[1]

    records = decode(stream)
    pieces = sum(r[2] for r in records)
    print(f"{source}: {len(stream)} bytes, {len(records)} records ({pieces} pieces)")
    if "abi.begin" in marks:
        print(f"abi.begin {marks['abi.begin']}")
    if "abi.end" in marks:
        state = "ok" if marks["abi.end"] == str(len(records)) else "MISMATCH"
        print(f"abi.end {marks['abi.end']} ({state})")

    totals = {}
    for rtype, payload, _ in records:
        n, b = totals.get(rtype, (0, 0))
        totals[rtype] = (n + 1, b + len(payload))
    print("\n type  name             records  payload bytes")
    for rtype in sorted(totals):
        n, b = totals[rtype]
        print(f" {rtype:4}  {TYPES.get(rtype, '?'):15} {n:8}  {b:13}")
    print()
    for rtype, payload, _ in records:
        lines = describe(rtype, payload, args.verbose)
        print(f"[{rtype:2}] {TYPES.get(rtype, '?')}: {lines[0]}")
        for line in lines[1:]:
            print(line)
    return 0 if marks.get("abi.end", str(len(records))) == str(len(records)) else 1


if __name__ == "__main__":
    sys.exit(main())
