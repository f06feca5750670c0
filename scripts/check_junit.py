#!/usr/bin/env python3
"""Reads a tck junit.xml with junitparser (PyPI), the way CI systems' JUnit importers do, and checks it.

Usage: check_junit.py DIR/junit.xml
Asserts: the file loads; it has at least one suite; every suite has at least one case; each suite's
tests/failures/errors/skipped attributes agree with its cases. Prints the totals as
`junit: N passed, N failed, N errors, N skipped (S suites)`; exits 1 on any failed check.
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
    for suite in suites:
        cases = list(suite)
        if not cases:
            problems.append(f"suite {suite.name!r} has no testcase")
        counts = {"passed": 0, "failure": 0, "error": 0, "skipped": 0}
        for case in cases:
            if not case.name or not case.classname:
                problems.append(f"suite {suite.name!r}: a testcase without name or classname")
            counts[verdict(case)] += 1
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
