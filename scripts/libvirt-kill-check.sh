#!/bin/sh
# libvirt-kill-check.sh - proves that a tck killed by SIGKILL mid-run leaves no libvirt domain behind.
#
# Runs two 60-second guests (the `hang` kernel spinning, from a catalog of its own) on the libvirt
# driver with --jobs 2, waits until both domains (tck-<pid>-…) are running, SIGKILLs tck, and then
# requires that within 15 s neither domain is listed by `virsh list --all` nor any QEMU for them runs.
# (tck holds each domain on a virsh connection started with --autodestroy; virsh dies with tck by its
# parent-death signal, and libvirt destroys the domains of a closed connection.)
#
# Usage: scripts/libvirt-kill-check.sh [TCK] [URI]   (default .build/debug/tck, qemu:///system)
# Exit: 0 nothing left behind, 1 a domain or QEMU survived (they are destroyed before exiting), 2 cannot run.
set -u
cd "$(dirname "$0")/.."
TCK=${1:-.build/debug/tck}
URI=${2:-qemu:///system}
say() { echo "libvirt-kill-check: $*" >&2; }
[ -x "$TCK" ] || { say "$TCK missing: run swift build first"; exit 2; }
virsh -c "$URI" version >/dev/null 2>&1 || { say "$URI does not answer (scripts/libvirt-up.sh)"; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/tck-kill-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat > "$work/suite.cfg" <<'CFG'
[spin-a]
kernel = hang
cmdline = spin
timeout = 60s
expect = timeout

[spin-b]
kernel = hang
cmdline = spin
timeout = 60s
expect = timeout
CFG
"$TCK" run --catalog "$work/suite.cfg" --kernels TestGuests/build --driver libvirt --libvirt-uri "$URI" --jobs 2 \
	--report-dir "$work/report" >"$work/tck.log" 2>&1 &
pid=$!
domains() { virsh -c "$URI" list --all --name 2>/dev/null | grep "^tck-$pid-" || true; }
tries=0
while [ "$(domains | wc -l)" -lt 2 ]; do
	tries=$((tries + 1))
	if [ $tries -gt 300 ] || ! kill -0 $pid 2>/dev/null; then
		say "the two domains did not start within 30 s"; cat "$work/tck.log" >&2; kill -9 $pid 2>/dev/null; exit 1
	fi
	sleep 0.1
done
say "running: $(domains | tr '\n' ' ')"
kill -9 $pid
wait $pid 2>/dev/null
killed=$(date +%s.%N)
tries=0
while [ -n "$(domains)" ] || pgrep -f "guest=tck-$pid-" >/dev/null; do
	tries=$((tries + 1))
	if [ $tries -gt 150 ]; then
		say "FAIL: 15 s after SIGKILL of tck (pid $pid) still there: $(domains | tr '\n' ' ')"
		for domain in $(domains); do virsh -c "$URI" destroy "$domain" >/dev/null 2>&1; done
		exit 1
	fi
	sleep 0.1
done
# The killed tck could not remove its domains' QEMU logs (it does after every run it lives through).
[ "$URI" = qemu:///system ] && rm -f /var/log/libvirt/qemu/tck-$pid-*.log
say "ok: SIGKILL of tck (pid $pid): no domain left after $(echo "$(date +%s.%N) - $killed" | bc | sed 's/^\./0./') s (virsh list --all: $(virsh -c "$URI" list --all --name | grep -c . || true) domains)"
