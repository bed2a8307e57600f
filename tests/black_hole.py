"""A database behind a real black hole: packets dropped by iptables, not refused.

    app (root namespace) --> NS_ADDRESS:port (a relay in its own network namespace)
                         --> ROOT_ADDRESS:port' (a relay in this process) --> the database

`BlackHole.close()` makes the namespace drop every packet in and out of its link
(`iptables -j DROP`): a connection to the relay sees what a vanished host gives,
silence (no reset, no refusal), and a connect's SYN goes unanswered; `open()` lets
them through again. The namespace's own relay is a child process (`python -m
tests.black_hole`), since a namespace is a property of a process. Needs root,
iproute2 and iptables (Debian's); `missing()` says why not, for a skip message.
"""

import itertools
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.tcp_proxy import pump

ROOT = Path(__file__).resolve().parent.parent
_made = itertools.count()  # names the holes of one process apart


def missing() -> str | None:
    """Why this machine cannot make a black hole, or None when it can."""
    if os.geteuid() != 0:
        return "a black hole needs root (a network namespace and iptables)"
    for tool in ("ip", "iptables"):
        if shutil.which(tool) is None:
            return f"a black hole needs `{tool}` (apt-get install -y iproute2 iptables)"
    probe = f"bhprobe{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"this machine cannot create network namespaces: {made.stderr.strip()}"
    try:
        rule = subprocess.run(["ip", "netns", "exec", probe, "iptables", "-A", "INPUT", "-j",
                               "ACCEPT"], capture_output=True, text=True)
        if rule.returncode != 0:
            return f"iptables does not work in a network namespace here: {rule.stderr.strip()}"
    finally:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def relay(listener: socket.socket, target: tuple[str, int]) -> None:
    """Accept on `listener` forever, each connection copied both ways to `target`."""
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        try:
            upstream = socket.create_connection(target, timeout=5)
            upstream.settimeout(None)
        except OSError:
            client.close()
            continue
        for source, sink in ((client, upstream), (upstream, client)):
            threading.Thread(target=pump, args=(source, sink), daemon=True).start()


def _free_subnet() -> str:
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
    for offset in range(250):
        octet = (os.getpid() + offset) % 250 + 1
        if f"198.19.{octet}." not in used:
            return f"198.19.{octet}"
    raise RuntimeError("no free 198.19.N.0/24 subnet")


class BlackHole:
    """A host (a network namespace on a veth link) relaying TCP to `target` until closed.

    198.19.N.0/24 (reserved for network tests; tests/scaleout uses 198.18.N): .1 in the
    root namespace, .2 in the hole's.
    """

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.tag = f"bh{os.getpid() % 100000}x{next(_made)}"
        subnet = _free_subnet()
        self.root_address, self.address = f"{subnet}.1", f"{subnet}.2"
        self.port = 5432
        self._namespace_made = False
        self._process: subprocess.Popen | None = None
        self._listener: socket.socket | None = None

    def start(self) -> "BlackHole":
        try:
            self._network()
            self._listener = socket.socket()
            self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self._listener.bind((self.root_address, 0))
            self._listener.listen(128)
            threading.Thread(target=relay, args=(self._listener, self.target),
                             daemon=True).start()
            inner = self._listener.getsockname()
            self._process = subprocess.Popen(
                ["ip", "netns", "exec", self.tag, sys.executable, "-m", "tests.black_hole",
                 self.address, str(self.port), inner[0], str(inner[1])],
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while not self._answers():
                if time.monotonic() > deadline or self._process.poll() is not None:
                    raise RuntimeError("the black hole's relay did not start")
                time.sleep(0.05)
        except BaseException:
            self.stop()
            raise
        return self

    def close(self) -> None:
        """Drop every packet in and out of the hole's link: the host goes silent."""
        for chain, direction in (("INPUT", "-i"), ("OUTPUT", "-o")):
            self._in_ns(["iptables", "-I", chain, direction, "eth0", "-j", "DROP"])

    def open(self) -> None:
        """Let the packets through again (connections that timed out meanwhile stay gone)."""
        self._in_ns(["iptables", "-F"])

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait()
        if self._listener is not None:
            self._listener.close()
        if self._namespace_made:
            subprocess.run(["ip", "netns", "del", self.tag], capture_output=True)
            subprocess.run(["ip", "link", "del", f"{self.tag}r"], capture_output=True)
            self._namespace_made = False

    def url(self, database_url: str) -> str:
        """`database_url` with its host and port replaced by the hole's."""
        from sqlalchemy import make_url

        return make_url(database_url).set(host=self.address, port=self.port) \
            .render_as_string(hide_password=False)

    def __enter__(self) -> "BlackHole":
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.stop()

    def _network(self) -> None:
        run(["ip", "netns", "add", self.tag])
        self._namespace_made = True
        outside = f"{self.tag}r"
        run(["ip", "link", "add", outside, "type", "veth", "peer", "name", "eth0",
             "netns", self.tag])
        run(["ip", "addr", "add", f"{self.root_address}/24", "dev", outside])
        run(["ip", "link", "set", outside, "up"])
        self._in_ns(["ip", "addr", "add", f"{self.address}/24", "dev", "eth0"])
        self._in_ns(["ip", "link", "set", "eth0", "up"])
        self._in_ns(["ip", "link", "set", "lo", "up"])

    def _in_ns(self, command: list[str]) -> None:
        run(["ip", "netns", "exec", self.tag, *command])

    def _answers(self) -> bool:
        try:
            socket.create_connection((self.address, self.port), timeout=0.5).close()
            return True
        except OSError:
            return False


def run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()}")


if __name__ == "__main__":
    # The relay inside the namespace: LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT.
    listen_host, listen_port, target_host, target_port = sys.argv[1:5]
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((listen_host, int(listen_port)))
    server.listen(128)
    relay(server, (target_host, int(target_port)))
