#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Re-plug an ivshmem-doorbell device through QEMU's QMP socket so that it connects to a
restarted vbusd (README "Deploy on a KVM host", step 4; tests/e2e/e2e.sh linkdown).

QEMU 7.2's ivshmem-doorbell reads the server's shared memory and its own interrupt eventfds
only while the device is realized; a new server on the same chardev cannot hand them over
again. So: device_del (the guest's driver sees the device go), wait for DEVICE_DELETED,
chardev-remove, chardev-add on the same socket path, device_add (the guest probes a new device
that the new vbusd serves).

Usage: qmp-replug.py QMP-SOCKET DEVICE-ID CHARDEV-ID SERVER-SOCKET VECTORS [TIMEOUT-S]
Exit: 0 done, 1 QEMU refused a step or timed out (printed), 2 usage.
"""
import json
import socket
import sys
import time


def main(argv):
    if len(argv) not in (6, 7):
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    qmp, dev, chardev, server, vectors = argv[1:6]
    timeout = float(argv[6]) if len(argv) == 7 else 120.0
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(qmp)
    f = s.makefile("rw")
    deadline = time.monotonic() + timeout
    events = []

    def read():
        s.settimeout(max(0.1, deadline - time.monotonic()))
        line = f.readline()
        if not line:
            raise RuntimeError("QMP connection closed")
        return json.loads(line)

    def cmd(name, **args):
        f.write(json.dumps({"execute": name, "arguments": args}) + "\n")
        f.flush()
        while True:
            r = read()
            if "event" in r:
                events.append(r)
            elif "return" in r:
                return r["return"]
            elif "error" in r:
                raise RuntimeError(f"{name}: {r['error'].get('desc', r['error'])}")

    try:
        read()  # greeting
        cmd("qmp_capabilities")
        cmd("device_del", id=dev)
        # The guest's ACPI hot-unplug (its driver's remove) finishes asynchronously.
        while not any(e["event"] == "DEVICE_DELETED" and e.get("data", {}).get("device") == dev
                      for e in events):
            r = read()
            if "event" in r:
                events.append(r)
        cmd("chardev-remove", id=chardev)
        cmd("chardev-add", id=chardev, backend={"type": "socket", "data": {
            "addr": {"type": "unix", "data": {"path": server}}, "server": False}})
        cmd("device_add", driver="ivshmem-doorbell", id=dev, chardev=chardev, vectors=int(vectors))
    except (OSError, RuntimeError, ValueError) as e:
        print(f"qmp-replug: FAIL: {e}", file=sys.stderr)
        return 1
    print(f"qmp-replug: {dev} re-plugged on {server}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
