#!/usr/bin/env python3
"""check-module-graph.py MAIN.json FUZZ.json — one declared module graph (issue 15).

MAIN.json / FUZZ.json: `swift package dump-package` of the main package and of Fuzz/.

1. Every `import X` in a target's Swift sources names a declared dependency of that target (a target, or
   a product such as ArgumentParser), the target itself, or a toolchain module. A module that compiles
   only because another dependency happened to bring it in is an undeclared edge.
2. Fuzz/Package.swift compiles the main package's modules from symlinks (Modules/X -> ../../Sources/X):
   each such target must exist in the main package with the same dependencies, and its symlink must
   point at that target's sources.

Prints each problem on a line; exits 1 when there is any, 0 with a one-line summary otherwise.
"""
import json
import os
import re
import sys

TOOLCHAIN = {"Foundation", "FoundationEssentials", "FoundationXML", "FoundationNetworking", "Glibc", "Musl",
             "Dispatch", "Synchronization", "Testing", "XCTest", "Darwin", "_Concurrency", "os", "PackageDescription"}
PRODUCTS = {"ArgumentParser": "ArgumentParser"}
IMPORT = re.compile(r"^\s*(?:@testable\s+|@_implementationOnly\s+|@preconcurrency\s+)*import\s+(?:(?:struct|class|enum|func|protocol|var|let|typealias)\s+)?([A-Za-z_][A-Za-z0-9_]*)", re.M)


def dependencies(target):
    names = set()
    for dep in target["dependencies"]:
        kind, value = next(iter(dep.items()))
        names.add(value[0])
    return names


def target_path(root, target):
    if target.get("path"):
        return os.path.join(root, target["path"])
    folder = {"test": "Tests"}.get(target["type"], "Sources")
    return os.path.join(root, folder, target["name"])


def swift_files(path):
    for directory, _, files in os.walk(path, followlinks=True):
        if "Fixtures" in directory.split(os.sep):
            continue
        for name in files:
            if name.endswith(".swift"):
                yield os.path.join(directory, name)


def check_imports(root, package, problems):
    declared_modules = {t["name"] for t in package["targets"]}
    checked = 0
    for target in package["targets"]:
        if target["type"] in ("system", "binary", "plugin", "macro"):
            continue
        allowed = dependencies(target) | {target["name"]} | TOOLCHAIN
        for path in sorted(swift_files(target_path(root, target))):
            with open(path, encoding="utf-8") as handle:
                for module in IMPORT.findall(handle.read()):
                    checked += 1
                    if module not in allowed and (module in declared_modules or module in PRODUCTS):
                        problems.append(f"{os.path.relpath(path, root)}: imports {module}, which target {target['name']} does not declare")
                    elif module not in allowed and module not in declared_modules:
                        problems.append(f"{os.path.relpath(path, root)}: imports {module}, which is neither declared nor a toolchain module")
    return checked


def check_fuzz(main_root, main, fuzz_root, fuzz, problems):
    by_name = {t["name"]: t for t in main["targets"]}
    mirrored = 0
    for target in fuzz["targets"]:
        path = target.get("path") or ""
        if not path.startswith("Modules/"):
            continue
        mirrored += 1
        name = target["name"]
        original = by_name.get(name)
        if original is None:
            problems.append(f"Fuzz/Package.swift: {name} mirrors no target of the main package")
            continue
        if dependencies(target) != dependencies(original):
            problems.append(f"Fuzz/Package.swift: {name} depends on {sorted(dependencies(target))}, "
                            f"the main package says {sorted(dependencies(original))}")
        link = os.path.join(fuzz_root, path)
        if os.path.realpath(link) != os.path.realpath(target_path(main_root, original)):
            problems.append(f"Fuzz/{path} does not point at {os.path.relpath(target_path(main_root, original), main_root)}")
    return mirrored


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    with open(sys.argv[1]) as handle:
        main_package = json.load(handle)
    with open(sys.argv[2]) as handle:
        fuzz_package = json.load(handle)
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    fuzz_root = os.path.join(root, "Fuzz")
    problems = []
    imports = check_imports(root, main_package, problems)
    fuzz_imports = check_imports(fuzz_root, fuzz_package, problems)
    mirrored = check_fuzz(root, main_package, fuzz_root, fuzz_package, problems)
    for problem in problems:
        print(problem)
    if problems:
        print(f"check-module-graph: {len(problems)} problems")
        return 1
    print(f"check-module-graph: {len(main_package['targets'])} targets, {imports + fuzz_imports} imports declared; "
          f"Fuzz mirrors {mirrored} modules in step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
