#!/usr/bin/env python3
"""Runs one migration-group kernel on QEMU the way tck's qemu driver is to (contract §4), by hand.

On each console line `tck-migrate: save <tag>`: QMP stop, migrate to "exec:cat > FILE", wait for
completed, kill QEMU, start the same command line plus -incoming "exec:cat FILE", cont once the
state is loaded, then write 'R' to the guest's serial input. Prints the consoles of all processes in
order, then a summary line; exits with the guest's debug-exit code (QEMU's status >> 1).

  tools/qemu_migrate.py build/pvh/migrate_state.elf --memory 256M
  tools/qemu_migrate.py build/migrate_virtio.elf --machine pc --disk /tmp/d.img
"""
import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

SAVE_LINE = re.compile(rb"^tck-migrate: save (\d+)\r?$")
QBOOT = "/usr/share/qemu/qboot.rom"


class QMP:
    def __init__(self, path, deadline):
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.02)
        self.file = self.sock.makefile("rb")
        self.read()                                     # greeting
        self.cmd("qmp_capabilities")

    def read(self):
        line = self.file.readline()
        if not line:
            raise RuntimeError("QMP closed")
        return json.loads(line)

    def cmd(self, name, **args):
        self.sock.sendall(json.dumps({"execute": name, "arguments": args}).encode() + b"\n")
        while True:
            msg = self.read()
            if "event" in msg:
                continue
            if "error" in msg:
                raise RuntimeError(f"QMP {name}: {msg['error']}")
            return msg["return"]

    def close(self):
        self.sock.close()


def qemu_args(a, qmp_path):
    microvm = a.machine == "microvm"
    args = ["qemu-system-x86_64", "-accel", "kvm", "-M", a.machine, "-nodefaults", "-no-user-config", "-nographic",
            "-serial", "stdio", "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-no-reboot",
            "-m", a.memory, "-smp", str(a.cpus)]
    if not microvm and os.path.exists(QBOOT):
        args += ["-bios", QBOOT]
    args += ["-kernel", os.path.abspath(a.kernel)]
    if a.append:
        args += ["-append", a.append]
    if a.disk:
        args += ["-drive", f"file={os.path.abspath(a.disk)},if=none,id=d0,format=raw",
                 "-device", "virtio-blk-pci,drive=d0,disable-legacy=on,serial=tck-disk0,addr=0x2"]
    return args + ["-qmp", f"unix:{qmp_path},server=on,wait=off"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("kernel")
    p.add_argument("--machine", default="microvm")
    p.add_argument("--memory", default="64M")
    p.add_argument("--cpus", type=int, default=1)
    p.add_argument("--append", default="")
    p.add_argument("--disk")
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--answer", default="R", help="the byte written after a restore (test: anything but R)")
    p.add_argument("--no-restore", action="store_true", help="never answer the save line")
    p.add_argument("--restore-args", default="", help="extra QEMU arguments for the restored process only (test: "
                   "a VMM that changes what the guest sees, e.g. '-cpu qemu64,+ssse3')")
    a = p.parse_args()

    work = tempfile.mkdtemp(prefix="qemu-migrate-")
    qmp_path, snap = f"{work}/qmp.sock", f"{work}/vm.state"
    base = qemu_args(a, qmp_path)
    deadline = time.monotonic() + a.timeout
    proc = subprocess.Popen(base, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def timed_out(*_):
        proc.kill()
        print(f"qemu_migrate: timeout after {a.timeout} s", file=sys.stderr)
        sys.exit(124)
    signal.signal(signal.SIGALRM, timed_out)
    signal.alarm(int(a.timeout))
    qmp = None                                          # one QMP connection per QEMU process
    saves, sizes, times = 0, [], []
    while True:
        line = proc.stdout.readline()
        if not line:
            break
        sys.stdout.buffer.write(line)
        sys.stdout.flush()
        m = SAVE_LINE.match(line.rstrip(b"\n"))
        if not m or a.no_restore:
            continue
        t0 = time.monotonic()
        qmp = qmp or QMP(qmp_path, deadline)
        qmp.cmd("stop")
        qmp.cmd("migrate", uri=f"exec:cat > {snap}")
        while (st := qmp.cmd("query-migrate").get("status")) not in ("completed", "failed", "cancelled"):
            time.sleep(0.01)
        qmp.close()
        if st != "completed":
            sys.exit(f"qemu_migrate: migrate ended {st}")
        proc.kill()
        proc.wait()
        os.unlink(qmp_path)
        t1 = time.monotonic()
        proc = subprocess.Popen(base + a.restore_args.split() + ["-incoming", f"exec:cat {snap}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        qmp = QMP(qmp_path, deadline)
        while (status := qmp.cmd("query-status")["status"]) in ("inmigrate",):
            time.sleep(0.01)
        if status != "running":
            qmp.cmd("cont")
        proc.stdin.write(a.answer.encode())
        proc.stdin.flush()
        saves += 1
        sizes.append(os.path.getsize(snap))
        times.append((t1 - t0, time.monotonic() - t1))
    code = proc.wait()
    print(f"qemu_migrate: {saves} saves, sizes {sizes}, save/restore s "
          f"{[(round(s, 3), round(r, 3)) for s, r in times]}, qemu status {code} -> guest exit {code >> 1}",
          file=sys.stderr)
    sys.exit(code >> 1 if code & 1 else 100 + code)


if __name__ == "__main__":
    main()
