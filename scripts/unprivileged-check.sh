#!/bin/sh
# unprivileged-check.sh - proves that tck and swiftvm run as an ordinary user whose only privilege is
# read/write access to /dev/kvm (docs/privileges.md).
#
# As root (CI runs as root on a fresh machine), idempotently:
#   - gives the group `kvm` read/write access to /dev/kvm (scripts/kvm-group-access.sh: udev's usual
#     rule; a fresh container often has root:root 0600);
#   - creates the system user `tckuser` (no home, no login shell) in group kvm, or adds it to kvm;
# then, copying nothing, runs the built tck from this checkout as that user:
#     runuser -u tckuser -- .build/debug/tck run --group smoke --report-dir <dir owned by tckuser>
# and checks: exit 0, reports written by tckuser, every swiftvm started ran as tckuser (recorded by
# a wrapper that execs the real binary), and that swiftvm is neither setuid nor file-capable.
#
# Usage: scripts/unprivileged-check.sh [TCK]   (default .build/debug/tck; build it first)
# Exit: 0 ok, 1 a check failed, 2 cannot run here (not root, not built, checkout not readable).
set -eu
cd "$(dirname "$0")/.."
USER_NAME=tckuser
GROUP=kvm
TCK=${1:-.build/debug/tck}
SWIFTVM=$(dirname "$TCK")/swiftvm

fail() { echo "unprivileged-check: FAIL: $*" >&2; exit 1; }
cannot() { echo "unprivileged-check: $*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || cannot "must run as root (it creates a user and changes /dev/kvm's group)"
[ -c /dev/kvm ] || cannot "/dev/kvm is missing"
[ -x "$TCK" ] && [ -x "$SWIFTVM" ] || cannot "$TCK or $SWIFTVM missing: run swift build first"
[ -f TestGuests/build/hello.elf ] || cannot "TestGuests/build missing: run make -C TestGuests first"

# 1. Group, device node, user (idempotent).
scripts/kvm-group-access.sh
if ! getent passwd "$USER_NAME" >/dev/null; then
	useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
		--gid "$GROUP" "$USER_NAME"
fi
id -nG "$USER_NAME" | tr ' ' '\n' | grep -qx "$GROUP" || usermod -a -G "$GROUP" "$USER_NAME"

# 2. The checkout must be readable by that user as it is (nothing is copied).
as_user() { runuser -u "$USER_NAME" -- "$@"; }
for path in "$TCK" "$SWIFTVM"; do
	as_user test -x "$path" || cannot "$USER_NAME cannot execute $PWD/$path (check the directory permissions)"
done
as_user test -r TestGuests/suite.cfg -a -r TestGuests/build/hello.elf ||
	cannot "$USER_NAME cannot read TestGuests/ in $PWD"
as_user test -r /dev/kvm -a -w /dev/kvm || fail "$USER_NAME cannot open /dev/kvm read/write after chgrp/chmod"

# 3. No privilege hidden in the binaries.
for bin in "$TCK" "$SWIFTVM"; do
	[ ! -u "$bin" ] && [ ! -g "$bin" ] || fail "$bin is setuid/setgid"
	if command -v getcap >/dev/null && [ -n "$(getcap "$bin")" ]; then fail "$bin has file capabilities: $(getcap "$bin")"; fi
done

# 4. The run, with swiftvm behind a wrapper that records who it runs as.
work=$(mktemp -d /tmp/tck-unprivileged.XXXXXX)
trap 'rm -rf "$work"' EXIT
chown "$USER_NAME:$GROUP" "$work"
chmod 700 "$work"
cat >"$work/swiftvm" <<EOF
#!/bin/sh
echo "\$(id -un) \$(grep -E '^Cap(Prm|Eff):' /proc/self/status | tr -s '\t ' ' ' | tr '\n' ' ')" >>"$work/swiftvm-users"
exec "$PWD/$SWIFTVM" "\$@"
EOF
chown "$USER_NAME" "$work/swiftvm"
chmod 700 "$work/swiftvm"
status=0
as_user "$TCK" run --group smoke --swiftvm "$work/swiftvm" --report-dir "$work/reports" || status=$?
[ "$status" = 0 ] || fail "tck run as $USER_NAME exited $status"
[ "$(stat -c %U "$work/reports/results.json")" = "$USER_NAME" ] || fail "results.json not written by $USER_NAME"
[ -s "$work/swiftvm-users" ] || fail "swiftvm never ran"
if grep -v "^$USER_NAME CapPrm: 0000000000000000 CapEff: 0000000000000000 $" "$work/swiftvm-users" >&2; then
	fail "swiftvm ran as someone else or with capabilities (lines above)"
fi
runs=$(wc -l <"$work/swiftvm-users")
echo "unprivileged-check: ok: tck and $runs swiftvm processes ran as $USER_NAME (uid $(id -u "$USER_NAME"), groups $(id -nG "$USER_NAME")) with no capabilities; /dev/kvm is $(stat -c '%U:%G %a' /dev/kvm)"
