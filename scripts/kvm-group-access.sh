#!/bin/sh
# kvm-group-access.sh - gives the group `kvm` read/write access to /dev/kvm, as udev's usual rule does
# (KERNEL=="kvm", GROUP="kvm", MODE="0660"): a machine without udev, such as a fresh container, often
# has /dev/kvm root:root 0600, and then nothing but root can open it — neither an unprivileged tck nor
# the QEMU that libvirt starts as its own user (Debian: libvirt-qemu, a member of kvm).
# Idempotent; creates the system group kvm if missing. Never narrows wider access (a 0666 node stays).
#
# Usage (root): scripts/kvm-group-access.sh
# Exit: 0 done, 2 cannot run here (not root, no /dev/kvm).
set -eu
say() { echo "kvm-group-access: $*" >&2; }
[ "$(id -u)" = 0 ] || { say "must run as root"; exit 2; }
[ -c /dev/kvm ] || { say "/dev/kvm is missing"; exit 2; }
getent group kvm >/dev/null || groupadd --system kvm
before=$(stat -c '%U:%G %a' /dev/kvm)
chgrp kvm /dev/kvm
chmod g+rw /dev/kvm
after=$(stat -c '%U:%G %a' /dev/kvm)
[ "$before" = "$after" ] || say "/dev/kvm was $before, now $after (udev's usual rule)"
