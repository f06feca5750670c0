#!/usr/bin/env python3
"""Turns traces of what a swiftvm run executed and touched into lld's --symbol-ordering-file.

usage: startup_order.py LINK_MAP SYMBOLS CODE_ADDRESSES [DATA_ADDRESSES] > Sources/swiftvm/startup.order

LINK_MAP        the map lld wrote for the traced binary (-Map, --no-demangle: SWIFTVM_LINK_MAP)
SYMBOLS         `nm -n -S --defined-only` of that binary
CODE_ADDRESSES  executed instruction addresses, one hex address a line (benchmarks/steptrace.c)
DATA_ADDRESSES  loaded or stored data addresses, one hex address a line (valgrind --tool=lackey)

The file lists the functions first, then the data. A function is listed when the run executed it, a
data symbol (.data, .bss, .rodata, .data.rel.ro) when the run read or wrote inside it. lld moves the
input section that holds a listed name, so the hot code ends up in one stretch of .text and the hot
data in a few pages of each data section: every first write to a data page is a copy-on-write fault,
and a page read before it is written faults twice.

Skipped, and counted on stderr: names defined more than once whose copies add up to more than 4 KiB
(lld moves every copy, and most of them are cold; the small ones, merged metadata accessors and value
witnesses, cost less to move than the page fault they save), and names inside an input section larger
than 48 KiB (the stdlib's 1.5 MB `.text` of internal functions, a runtime's allocation pool): moving
those would spread the hot stretch, not gather it.
"""
import bisect
import collections
import re
import sys

LARGEST_SECTION = 48 * 1024
LARGEST_COPIES = 4 * 1024
MAP_LINE = re.compile(r"\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+(\d+)(\s+)(.*)$")
CODE_TYPES, DATA_TYPES = "tTwW", "dDbBrRvV"


def symbols(path, types):
    """(address, size or None, name) of the symbols of the given nm types, by address."""
    rows = []
    for line in open(path):
        fields = line.split()
        if len(fields) == 4 and fields[2] in types:
            rows.append((int(fields[0], 16), int(fields[1], 16), fields[3]))
        elif len(fields) == 3 and fields[1] in types:
            rows.append((int(fields[0], 16), None, fields[2]))
    return sorted(rows, key=lambda row: row[0])


def sections(map_path):
    """name -> (input section, its size), from lld's map: output sections at indent 1, input sections
    at 9, symbols at 17."""
    owner, current = {}, None
    for line in open(map_path):
        match = MAP_LINE.match(line.rstrip("\n"))
        if not match:
            continue
        indent, rest = len(match.group(5)), match.group(6)
        if indent == 1:
            current = None
        elif indent == 9:
            current = (rest, int(match.group(3), 16))
        elif indent >= 17 and current:
            owner.setdefault(rest, current)
    return owner


def touched(table, address_path, sized):
    """The names of `table` whose extent holds an address of the file. Code is attributed to the
    function before it; data only when the address lies inside the symbol's size (an address past it is
    unnamed data: a string literal, padding)."""
    starts = [address for address, _, _ in table]
    names = set()
    for line in open(address_path):
        address = int(line, 16)
        index = bisect.bisect_right(starts, address) - 1
        if index < 0:
            continue
        start, size, name = table[index]
        if sized and (size is None or address >= start + size):
            continue
        names.add(name)
    return names


def movable(names, table, owner, what):
    copies, copied_size = collections.Counter(), collections.Counter()
    for _, size, name in table:
        copies[name] += 1
        copied_size[name] += size if size is not None else LARGEST_COPIES + 1
    listed, skipped = [], collections.Counter()
    for name in sorted(names):
        if copies[name] > 1 and copied_size[name] > LARGEST_COPIES:
            skipped["defined more than once, over 4 KiB in all"] += 1
        elif name not in owner:
            skipped["not in the link map"] += 1
        elif owner[name][1] > LARGEST_SECTION:
            skipped["inside a section over 48 KiB"] += 1
        else:
            listed.append(name)
    size = sum({owner[name][0]: owner[name][1] for name in listed}.values())
    print(f"startup_order: {len(names)} {what} touched; {len(listed)} listed, {size // 1024} KiB of sections; "
          f"skipped: {dict(skipped) or 'none'}", file=sys.stderr)
    return listed


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    owner = sections(sys.argv[1])
    code = symbols(sys.argv[2], CODE_TYPES)
    listed = movable(touched(code, sys.argv[3], sized=False), code, owner, "functions")
    if len(sys.argv) == 5:
        data = symbols(sys.argv[2], DATA_TYPES)
        listed += movable(touched(data, sys.argv[4], sized=True), data, owner, "data symbols")
    sys.stdout.write("".join(name + "\n" for name in listed))


if __name__ == "__main__":
    main()
