#!/bin/sh
# libvirt-up.sh - starts what `tck --driver libvirt` needs on a machine without systemd, idempotently.
#
# As root: the log daemon (virtlogd) and the QEMU driver's daemon (libvirtd, or virtqemud where the
# modular daemons are installed instead) in the background, each only when it is not running already;
# gives libvirt's QEMU user access to /dev/kvm as udev would (scripts/kvm-group-access.sh) and checks
# it; then waits until `virsh -c qemu:///system version` answers. Every daemon this script started is
# written to STATE_DIR (one <daemon>.pid each), and only those are stopped by libvirt-down.sh: a
# daemon that was already running (another user's, systemd's) is left alone.
# As another user: nothing to start; virsh starts the per-user session daemon (qemu:///session) itself.
#
# Usage: scripts/libvirt-up.sh [STATE_DIR]     (default .build/libvirt-daemons)
# Exit: 0 libvirt answers, 1 a daemon would not start or does not answer, 77 libvirt cannot run here
#       at all (not installed: make setup-test), with the reason on stderr.
set -eu
STATE=${1:-.build/libvirt-daemons}
say() { echo "libvirt-up: $*" >&2; }
# alive PID NAME: PID is a running (not zombie) process named NAME. Without an init that reaps, a
# stopped daemon stays a zombie under its old name.
alive() { [ "$(cat /proc/$1/comm 2>/dev/null || true)" = "$2" ] && [ "$(cut -d' ' -f3 /proc/$1/stat 2>/dev/null || true)" != Z ]; }

command -v virsh >/dev/null 2>&1 || { say "virsh not found (install libvirt-clients: make setup-test)"; exit 77; }
if [ "$(id -u)" != 0 ]; then
	URI=qemu:///session
else
	URI=qemu:///system
	mkdir -p "$STATE"
	if [ -x /usr/sbin/virtqemud ] && [ ! -x /usr/sbin/libvirtd ]; then DAEMONS="virtlogd virtqemud"; else DAEMONS="virtlogd libvirtd"; fi
	for daemon in $DAEMONS; do
		[ -x /usr/sbin/$daemon ] || { say "/usr/sbin/$daemon not found (install libvirt-daemon-system: make setup-test)"; exit 77; }
		pid=$(cat /run/$daemon.pid 2>/dev/null || true)
		if [ -n "$pid" ] && alive "$pid" "$daemon"; then
			say "$daemon already running (pid $pid), left alone"
			continue
		fi
		# -d daemonizes; the pid file appears once it is up.
		rm -f /run/$daemon.pid
		/usr/sbin/$daemon -d || { say "$daemon -d failed"; exit 1; }
		tries=0
		while ! pid=$(cat /run/$daemon.pid 2>/dev/null) || [ -z "$pid" ]; do
			tries=$((tries + 1)); [ $tries -le 100 ] || { say "$daemon wrote no /run/$daemon.pid within 10 s"; exit 1; }
			sleep 0.1
		done
		echo "$pid" > "$STATE/$daemon.pid"
		say "started $daemon (pid $pid)"
	done
fi
if [ "$URI" = qemu:///system ]; then
	# libvirt runs QEMU as its own user (qemu.conf `user`; Debian's default libvirt-qemu, in group kvm):
	# without access to /dev/kvm every domain fails, and libvirt takes ~45 s to say so.
	scripts/kvm-group-access.sh || exit 1
	QEMU_USER=$(sed -n 's/^[[:space:]]*user[[:space:]]*=[[:space:]]*"\(.*\)".*/\1/p' /etc/libvirt/qemu.conf 2>/dev/null | tail -1)
	QEMU_USER=${QEMU_USER:-libvirt-qemu}
	case $QEMU_USER in
	+0|root) ;;
	*)	if getent passwd "${QEMU_USER#+}" >/dev/null &&
			! runuser -u "${QEMU_USER#+}" -- sh -c 'test -r /dev/kvm -a -w /dev/kvm'; then
			say "libvirt's QEMU user $QEMU_USER cannot open /dev/kvm ($(stat -c '%U:%G %a' /dev/kvm)); every domain would fail"
			exit 1
		fi ;;
	esac
fi
tries=0
until virsh -c "$URI" version >/dev/null 2>&1; do
	tries=$((tries + 1))
	if [ $tries -gt 150 ]; then say "$URI does not answer after 15 s: $(virsh -c "$URI" version 2>&1 | head -1)"; exit 1; fi
	sleep 0.1
done
say "$URI answers ($(virsh -c "$URI" version 2>/dev/null | sed -n 's/^Using library: //p'))"
