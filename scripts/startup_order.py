#!/usr/bin/env python3
"""Turns a trace of the instructions a swiftvm run executed into lld's --symbol-ordering-file.

usage: startup_order.py LINK_MAP SYMBOLS ADDRESSES... > Sources/swiftvm/startup.order

LINK_MAP   the map lld wrote for the traced binary (-Map, --no-demangle: SWIFTVM_LINK_MAP)
SYMBOLS    `nm -n --defined-only` of that binary
ADDRESSES  files of executed instruction addresses, one hex address a line (benchmarks/steptrace.c)

A function is listed when the trace executed it and the linker can move it on its own. Skipped, and
counted on stderr: names defined more than once (lld would move every copy, most of them cold), and
functions inside an input section larger than 48 KiB (the stdlib's 1.5 MB `.text` of internal
functions, whole objects built without function sections): moving those would spread the hot
stretch, not gather it.
"""
import bisect
import collections
import re
import sys

LARGEST_SECTION = 48 * 1024
MAP_LINE = re.compile(r"\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+(\d+)(\s+)(.*)$")


def functions(symbols_path):
    rows = [line.split() for line in open(symbols_path)]
    return sorted((int(r[0], 16), r[2]) for r in rows if len(r) == 3 and r[1] in "tTwW")


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


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    symbols = functions(sys.argv[2])
    starts = [address for address, _ in symbols]
    copies = collections.Counter(name for _, name in symbols)
    executed = set()
    for path in sys.argv[3:]:
        for line in open(path):
            index = bisect.bisect_right(starts, int(line, 16)) - 1
            if index >= 0:
                executed.add(symbols[index][1])
    owner = sections(sys.argv[1])
    listed, skipped = [], collections.Counter()
    for name in sorted(executed):
        if copies[name] > 1:
            skipped["defined more than once"] += 1
        elif name not in owner:
            skipped["not in the link map"] += 1
        elif owner[name][1] > LARGEST_SECTION:
            skipped["inside a section over 48 KiB"] += 1
        else:
            listed.append(name)
    sys.stdout.write("".join(name + "\n" for name in listed))
    size = sum({owner[name][0]: owner[name][1] for name in listed}.values())
    print(f"startup_order: {len(executed)} functions executed; {len(listed)} listed, {size // 1024} KiB of sections; "
          f"skipped: {dict(skipped) or 'none'}", file=sys.stderr)


if __name__ == "__main__":
    main()
