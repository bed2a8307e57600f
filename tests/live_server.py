"""Run the real production server (gunicorn with gunicorn.conf.py) for a test."""

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.helpers import SECRET

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """`gunicorn -c gunicorn.conf.py wsgi:app` on a free local port, with CACHE_* settings.

    `command` and `cwd` run another server instead (an installed one: tests/wheel);
    it must listen on `port`.
    """

    def __init__(self, env: dict, workers: int = 2, log_path: Path | None = None,
                 command: list[str] | None = None, cwd: Path = ROOT, port: int | None = None):
        self.port = port or free_port()
        self.command = command or [
            sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"
        ]
        self.cwd = cwd
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{name: value for name, value in os.environ.items() if not name.startswith("CACHE_")},
            **env,
            "CACHE_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": str(workers),
        }
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> "LiveServer":
        log = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command[0]} exited with {self.process.returncode}")
            try:
                httpx.options(f"{self.url}/cache/example.com/ivrfallback", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not answer in time")

    def stop(self, timeout: float = 30) -> int:
        """Send SIGTERM (a graceful shutdown) and return gunicorn's exit code."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def __enter__(self) -> "LiveServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def server_on(database_url: str, folder: Path, workers: int = 2, **env: str) -> LiveServer:
    """The production server on a test database, trusting the tests' tokens.

    Its instance folder is `folder`, and it logs to `folder / "gunicorn.log"`;
    `env` adds CACHE_* settings.
    """
    return LiveServer(
        {"CACHE_DATABASE_URL": database_url, "CACHE_JWT_SECRET": SECRET,
         "CACHE_INSTANCE_PATH": str(folder), **env},
        workers=workers,
        log_path=folder / "gunicorn.log",
    )


def send_verbatim(server: LiveServer, method: str, target: str, headers=(), body: bytes = b""):
    """Send one request with exactly this request line and these headers (repeats kept,
    no Host added), as no HTTP client library would, and return the answer."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders(body or None)
        answer = connection.getresponse()
        return httpx.Response(answer.status, headers=answer.getheaders(), content=answer.read())
    finally:
        connection.close()
