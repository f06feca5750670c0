#!/bin/sh
# with-libvirt.sh - runs COMMAND with libvirt's daemons up (scripts/libvirt-up.sh), then stops the
# daemons it had to start (scripts/libvirt-down.sh), whatever COMMAND's status; exits with that status.
# Daemons already running before stay running. When libvirt cannot run here at all (libvirt-up.sh
# exit 77), COMMAND is skipped with the reason, unless --always is given (for test suites whose
# libvirt tests skip themselves, saying why).
#
# Usage: scripts/with-libvirt.sh [--always] COMMAND [ARG]...
set -u
cd "$(dirname "$0")/.."
always=no
[ "${1:-}" = --always ] && { always=yes; shift; }
STATE=$(mktemp -d "${TMPDIR:-/tmp}/tck-libvirt-daemons.XXXXXX")
scripts/libvirt-up.sh "$STATE"
up=$?
if [ $up = 77 ] && [ $always = no ]; then
	echo "with-libvirt: SKIP $*: libvirt cannot run on this machine (reason above)" >&2
	rm -rf "$STATE"; exit 0
fi
if [ $up != 0 ] && [ $up != 77 ]; then scripts/libvirt-down.sh "$STATE"; rm -rf "$STATE"; exit 1; fi
"$@"
status=$?
scripts/libvirt-down.sh "$STATE" || status=${status:-1}
rm -rf "$STATE"
exit $status
