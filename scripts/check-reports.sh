#!/usr/bin/env bash
# Checks a tck report directory with the tools real consumers use:
#   (a) xmllint (Debian libxml2-utils): junit.xml is well-formed XML and valid against the Ant/Jenkins
#       JUnit schema Tests/ReportsTests/Fixtures/junit-ant.xsd (every testcase has a classname and a time)
#   (b) junitparser (PyPI; scripts/check_junit.py): CI-style JUnit import, counts consistent, a time on
#       every testcase, one-dot classnames, output on every failed testcase (docs/junit.md)
#   (c) the per-test logs: every result's logs/<driver>/<test>.console.log and .vmm.log named in
#       results.json exist, and every relative link of report.html resolves to a file in DIR
#   (d) headless Chromium (Debian chromium): report.html renders offline; the DOM has the verdict, the
#       list of unexpected results (one item per unexpected result, before the matrix), the summary, the
#       test × driver matrix (a cell per result) and a detail section per result, and no <script>/<img>
#       element (hostile console text stayed text); a screenshot goes to DIR/report.png.
# Usage: scripts/check-reports.sh DIR      (environment: PYTHON, CHROMIUM override the tools)
# Exits 0 when every check passes, 1 on a failed check, 2 when a tool is missing or DIR is incomplete.
set -euo pipefail

die()  { echo "check-reports: $*" >&2; exit 1; }
need() { echo "check-reports: $1 not found — $2" >&2; exit 2; }

[ $# -eq 1 ] || { echo "usage: $0 REPORT_DIR" >&2; exit 2; }
dir=$(cd "$1" 2>/dev/null && pwd) || { echo "check-reports: no such directory: $1" >&2; exit 2; }
for f in junit.xml report.html results.json; do
    [ -s "$dir/$f" ] || { echo "check-reports: $dir/$f missing or empty" >&2; exit 2; }
done

PYTHON=${PYTHON:-python3}
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
command -v xmllint >/dev/null || need xmllint "install the Debian package libxml2-utils"
command -v "$PYTHON" >/dev/null || need "$PYTHON" "install python3"
"$PYTHON" -c 'import junitparser' 2>/dev/null \
    || need "Python module junitparser" "pip install junitparser (or a venv with it, via PYTHON=…/bin/python)"
[ -n "$CHROMIUM" ] || need chromium "install the Debian package chromium"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
here=$(cd "$(dirname "$0")" && pwd)
xsd="$here/../Tests/ReportsTests/Fixtures/junit-ant.xsd"
[ -s "$xsd" ] || { echo "check-reports: the JUnit schema $xsd is missing" >&2; exit 2; }

# (a) well-formed XML, valid against the Ant/Jenkins JUnit schema
xmllint --noout "$dir/junit.xml" || die "xmllint rejects $dir/junit.xml"
xmllint --noout --schema "$xsd" "$dir/junit.xml" 2>"$work/xsd.log" \
    || { cat "$work/xsd.log" >&2; die "junit.xml is not valid against $xsd"; }
echo "check-reports: xmllint: junit.xml well-formed and valid against junit-ant.xsd"

# (b) junitparser
"$PYTHON" "$here/check_junit.py" "$dir/junit.xml" || die "junitparser check failed on $dir/junit.xml"

# (c) per-test logs: the files results.json names, and every relative link of the page
"$PYTHON" - "$dir" <<'PY' || die "per-test logs are missing or a link of report.html is broken"
import json, os, re, sys
d = sys.argv[1]
report = json.load(open(os.path.join(d, "results.json")))
problems, files = [], 0
for r in report["results"]:
    for field in ("consoleLog", "vmmLog"):
        path = r.get(field)
        if path is None:
            continue
        files += 1
        if not path.startswith("logs/") or ".." in path.split("/") or not os.path.isfile(os.path.join(d, path)):
            problems.append(f"{r['driver']}/{r['test']}: {field} {path!r} is not a file in the report directory")
html = open(os.path.join(d, "report.html"), encoding="utf-8").read()
links = set(re.findall(r'href="([^"#][^"]*)"', html))
local = [l for l in links if not l.startswith(("http://", "https://"))]
for link in local:
    if not os.path.isfile(os.path.join(d, link)):
        problems.append(f"report.html links to {link!r}, which is not a file in the report directory")
for p in problems:
    print("check-reports: " + p, file=sys.stderr)
print(f"check-reports: logs: {files} log files named in results.json, {len(local)} relative links in report.html, all present")
sys.exit(1 if problems else 0)
PY

# (d) headless Chromium: DOM after parsing, then a screenshot
results=$("$PYTHON" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["results"]))' "$dir/results.json")
partial=$("$PYTHON" -c 'import json,sys; print(str(json.load(open(sys.argv[1]))["partial"]).lower())' "$dir/results.json")
chrome() { timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --user-data-dir="$work/profile" \
               --no-first-run --hide-scrollbars "$@" 2>>"$work/chromium.log"; }
chrome --dump-dom "file://$dir/report.html" >"$work/dom.html" \
    || { cat "$work/chromium.log" >&2; die "chromium could not render $dir/report.html"; }
count() { grep -o -- "$1" "$work/dom.html" | wc -l; }
[ "$(count 'id="verdict"')" -eq 1 ] || die "DOM: no verdict line"
[ "$(count 'id="summary"')" -eq 1 ] || die "DOM: no summary section"
[ "$(count 'id="unexpected"')" -eq 1 ] || die "DOM: no list of unexpected results"
unexpected=$("$PYTHON" -c 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1]))["results"] if not r["expected"]))' "$dir/results.json")
listed=$("$PYTHON" -c '
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
start, matrix = dom.find("id=\"unexpected\""), dom.find("id=\"matrix\"")
print(len(re.findall(r"<li data-driver=", dom[start:matrix])) if 0 <= start < matrix else -1)' "$work/dom.html")
[ "$listed" -eq "$unexpected" ] || die "DOM: $listed items in the unexpected list before the matrix, results.json has $unexpected unexpected results"
[ "$(count '<table class="matrix"')" -eq 1 ] || die "DOM: no test × driver matrix"
cells=$(count '<td class="cell [^"]*" data-driver="[^"]*" data-test="[^"]*" data-outcome="[a-z]*" data-expected=')
sections=$(count '<section class="result[^"]*" id="result-')
[ "$cells" -eq "$results" ] || die "DOM: $cells matrix cells with an outcome, results.json has $results results"
[ "$sections" -eq "$results" ] || die "DOM: $sections result sections, results.json has $results results"
[ "$(count '<script')" -eq 0 ] || die "DOM: a <script> element exists: console or name text escaped into markup"
[ "$(count '<img')" -eq 0 ] || die "DOM: an <img> element exists: console or name text escaped into markup"
if [ "$partial" = true ]; then
    [ "$(count 'id="partial-banner"')" -eq 1 ] || die "DOM: partial run without the partial banner"
fi
echo "check-reports: chromium: DOM has verdict, $listed unexpected listed first, summary, matrix ($cells cells) and $sections result sections"

rm -f "$dir/report.png"
chrome --screenshot="$dir/report.png" --window-size=1280,1600 "file://$dir/report.html" >/dev/null \
    || { cat "$work/chromium.log" >&2; die "chromium could not take a screenshot"; }
[ "$(head -c 4 "$dir/report.png" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 89504e47 ] \
    || die "chromium wrote no PNG screenshot to $dir/report.png"
echo "check-reports: chromium: screenshot $dir/report.png"
echo "check-reports: all checks passed for $dir"
