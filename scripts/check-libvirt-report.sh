#!/bin/sh
# check-libvirt-report.sh - checks what a `tck run --driver libvirt` report must hold beyond the
# common checks (scripts/check-reports.sh):
#   - the driver block records libvirt's and QEMU's versions and the connection URI;
#   - every libvirt result has its domain XML, logs/libvirt/<test>.domain.xml, and libvirt's own
#     schema accepts it (virt-xml-validate, libvirt-clients);
#   - libvirt lists no domain of that run any more (virsh list --all).
# Usage: scripts/check-libvirt-report.sh DIR [URI]     Exit: 0 ok, 1 a check failed, 2 cannot check.
set -eu
dir=${1:?usage: $0 REPORT_DIR [URI]}
URI=${2:-qemu:///system}
say() { echo "check-libvirt-report: $*" >&2; }
[ -s "$dir/results.json" ] || { say "$dir/results.json missing"; exit 2; }
command -v virt-xml-validate >/dev/null || { say "virt-xml-validate not found (libvirt-clients)"; exit 2; }
python3 - "$dir" <<'PY' > "$dir/.libvirt-tests" || exit 1
import json, sys
report = json.load(open(sys.argv[1] + "/results.json"))
info = [d for d in report["drivers"] if d["name"] == "libvirt"]
if not info:
    sys.exit("check-libvirt-report: no libvirt driver in results.json")
d = info[0]
if not (d["version"].startswith("libvirt ") and ", QEMU " in d["version"]):
    sys.exit("check-libvirt-report: driver version does not name libvirt and QEMU: " + d["version"])
for key in ("uri", "libvirt", "qemu", "machine"):
    if key not in d["details"]:
        sys.exit("check-libvirt-report: driver details lack " + key)
print(d["details"]["uri"])
for r in report["results"]:
    if r["driver"] == "libvirt":
        print(r["test"])
PY
uri=$(head -1 "$dir/.libvirt-tests")
count=0
for test in $(tail -n +2 "$dir/.libvirt-tests"); do
	xml=$dir/logs/libvirt/$test.domain.xml
	[ -s "$xml" ] || { say "$xml missing"; exit 1; }
	out=$(virt-xml-validate "$xml" domain 2>&1) || { say "libvirt's schema rejects $xml: $out"; exit 1; }
	count=$((count + 1))
done
rm -f "$dir/.libvirt-tests"
left=$(virsh -c "$uri" list --all --name | grep '^tck-' || true)
[ -z "$left" ] || { say "domains left behind: $left"; exit 1; }
say "ok: libvirt+QEMU versions recorded ($uri), $count domain XML files valid, no tck domain left (virsh list --all)"
