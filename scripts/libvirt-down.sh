#!/bin/sh
# libvirt-down.sh - stops the daemons libvirt-up.sh started (named in STATE_DIR), and only those; each
# gets SIGTERM and up to 10 s to go. A pid that no longer belongs to that daemon is not signalled.
#
# Usage: scripts/libvirt-down.sh [STATE_DIR]     (default .build/libvirt-daemons)
set -eu
STATE=${1:-.build/libvirt-daemons}
say() { echo "libvirt-down: $*" >&2; }
# alive PID NAME: PID is a running (not zombie) process named NAME (see libvirt-up.sh).
alive() { [ "$(cat /proc/$1/comm 2>/dev/null || true)" = "$2" ] && [ "$(cut -d' ' -f3 /proc/$1/stat 2>/dev/null || true)" != Z ]; }
[ -d "$STATE" ] || exit 0
# The QEMU driver's daemon before the log daemon it writes through.
for daemon in libvirtd virtqemud virtlogd; do
	file=$STATE/$daemon.pid
	[ -f "$file" ] || continue
	pid=$(cat "$file")
	rm -f "$file"
	if ! alive "$pid" "$daemon"; then
		say "$daemon (pid $pid) is gone already"
		continue
	fi
	kill -TERM "$pid"
	tries=0
	while alive "$pid" "$daemon"; do
		tries=$((tries + 1)); [ $tries -le 100 ] || { say "$daemon (pid $pid) still running 10 s after SIGTERM"; exit 1; }
		sleep 0.1
	done
	say "stopped $daemon (pid $pid)"
done
rmdir "$STATE" 2>/dev/null || true
