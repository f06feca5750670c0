#!/usr/bin/env python3
"""Reads a tck junit.xml with junitparser (PyPI), the way CI systems' JUnit importers do, and checks it.

Usage: check_junit.py DIR/junit.xml
Asserts: the file loads; it has at least one suite; every suite has at least one case; each suite's
tests/failures/errors/skipped attributes agree with its cases; and what tck promises CI (docs/junit.md):
every testcase has a `time` and the times of a suite's cases add up to the suite's; every classname is
`<driver>.<test>` with exactly one dot (Jenkins splits at the last one); no two testcases share
classname and name (GitLab keeps only the first); every failed or errored testcase carries its own
system-out. Prints the totals as `junit: N passed, N failed, N errors, N skipped (S suites)`; exits 1 on
any failed check.
"""
import sys

try:
    from junitparser import JUnitXml, TestSuite, Failure, Error, Skipped
except ImportError:
    sys.exit("check_junit: Python module junitparser missing: pip install junitparser "
             "(or Debian python3-junitparser, or set PYTHON to a venv that has it)")


def verdict(case):
    results = case.result if isinstance(case.result, list) else ([case.result] if case.result else [])
    for kind, name in ((Error, "error"), (Failure, "failure"), (Skipped, "skipped")):
        if any(isinstance(r, kind) for r in results):
            return name
    return "passed"


def main(path):
    xml = JUnitXml.fromfile(path)
    suites = [xml] if isinstance(xml, TestSuite) else list(xml)
    problems = []
    if not suites:
        problems.append("no <testsuite> at all")
    totals = {"passed": 0, "failure": 0, "error": 0, "skipped": 0}
    seen = set()
    for suite in suites:
        cases = list(suite)
        if not cases:
            problems.append(f"suite {suite.name!r} has no testcase")
        counts = {"passed": 0, "failure": 0, "error": 0, "skipped": 0}
        case_seconds = 0.0
        for case in cases:
            if not case.name or not case.classname:
                problems.append(f"suite {suite.name!r}: a testcase without name or classname")
            kind = verdict(case)
            counts[kind] += 1
            label = f"suite {suite.name!r}, testcase {case.name!r}"
            raw_time = case._elem.get("time")
            if raw_time is None:
                problems.append(f"{label}: no time attribute (CI shows 0 s)")
            else:
                case_seconds += float(raw_time)
            if case.classname and case.classname.count(".") != 1:
                problems.append(f"{label}: classname {case.classname!r} has {case.classname.count('.')} dots, not one")
            key = (case.classname, case.name)
            if key in seen:
                problems.append(f"{label}: classname and name repeat an earlier testcase (GitLab keeps only the first)")
            seen.add(key)
            if kind in ("failure", "error") and not (case.system_out or "").strip():
                problems.append(f"{label}: a {kind} without its own system-out (GitLab would show one line)")
        suite_time = float(suite._elem.get("time") or 0)
        if abs(case_seconds - suite_time) > 0.001 * max(1, len(cases)):
            problems.append(f"suite {suite.name!r}: testcase times add up to {case_seconds:.3f} s, the suite says {suite_time:.3f} s")
        declared = (suite.tests, suite.failures, suite.errors, suite.skipped)
        actual = (len(cases), counts["failure"], counts["error"], counts["skipped"])
        if declared != actual:
            problems.append(f"suite {suite.name!r}: attributes tests/failures/errors/skipped={declared}, cases say {actual}")
        for key in totals:
            totals[key] += counts[key]
    print(f"junit: {totals['passed']} passed, {totals['failure']} failed, {totals['error']} errors, "
          f"{totals['skipped']} skipped ({len(suites)} suites)")
    for problem in problems:
        print(f"check_junit: {path}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check_junit.py JUNIT_XML")
    sys.exit(main(sys.argv[1]))
