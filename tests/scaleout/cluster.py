"""The deployment a telephony operator runs, built on one machine: a recipe and a test harness.

Each host is a network namespace; one bridge joins them (198.18.N.0/24, a range
reserved for network tests that never leaves this machine):

    root namespace 198.18.N.1    the operator (migrations) and the tests' load generators
    lb     198.18.N.2   HAProxy :8080 -> app1..3:8080, health check GET /readyz every 500 ms
    app1-3 198.18.N.21-23
           PgBouncer :6432, transaction pooling: database `cache` -> db1, `cache_standby` -> db2
           gunicorn -c gunicorn.conf.py wsgi:app on :8080, through the host's own PgBouncer:
             CACHE_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:6432/cache
             CACHE_DATABASE_READ_URL=postgresql+psycopg://postgres@127.0.0.1:6432/cache_standby
             CACHE_DATABASE_POOLER=pgbouncer
    db1    198.18.N.11  PostgreSQL primary
    db2    198.18.N.12  PostgreSQL hot standby, streaming replication from db1

One PgBouncer per app host (not one shared pooler host): a pooler host would be
one more thing that can die and take every app host with it.

`Cluster.up()` runs the steps in order (each method is one step an operator does
on the real hosts); `Cluster.down()` removes everything that was started, also
after a failure. Run `python -m tests.scaleout.cluster` (as root, from the
checkout's venv) to bring it up and look around; Enter tears it down.

Needs root, iproute2, HAProxy, PgBouncer and PostgreSQL's server binaries (Debian's).
"""

import csv
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent.parent
VENV_BIN = Path(sys.executable).parent
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)), None)
SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"  # the tests' (tests/helpers.py)
APP_HOSTS = ("app1", "app2", "app3")
HEALTH_CHECK_INTERVAL_MS = 500
# Everything the harness runs as PostgreSQL's own user: postgres and PgBouncer refuse root.
AS_POSTGRES = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"]


class ClusterError(RuntimeError):
    pass


def missing_prerequisites() -> str | None:
    """Why this machine cannot build the cluster, or None when it can."""
    if os.geteuid() != 0:
        return "the scale-out harness needs root (network namespaces)"
    for tool in ("ip", "haproxy", "pgbouncer", "setpriv"):
        if shutil.which(tool) is None:
            return f"the scale-out harness needs `{tool}` (apt-get install -y haproxy pgbouncer)"
    if PG_BIN is None or not (PG_BIN / "initdb").exists():
        return "the scale-out harness needs PostgreSQL's server binaries in /usr/lib/postgresql"
    probe = f"cstest{os.getpid()}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"this machine cannot create network namespaces: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def wait_until(condition, timeout: float, what: str, interval: float = 0.05):
    """Poll `condition` until it returns something true, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise ClusterError(f"timed out after {timeout} s waiting for {what}")


def free_subnet() -> str:
    """A 198.18.N prefix that no interface of this machine uses yet."""
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True).stdout
    used += subprocess.run(["ip", "-4", "route"], capture_output=True, text=True).stdout
    for offset in range(200):
        octet = (os.getpid() + offset) % 200 + 20
        if f"198.18.{octet}." not in used:
            return f"198.18.{octet}"
    raise ClusterError("no free 198.18.N.0/24 subnet")


class Cluster:
    def __init__(self, app_workers: int = 2):
        self.tag = f"cs{os.getpid() % 100000}"
        self.subnet = free_subnet()
        self.base = Path(tempfile.mkdtemp(prefix="cache-scaleout-"))
        # PostgreSQL's user makes its data folders here.
        self.owned_by_postgres(self.base)
        self.app_workers = app_workers
        self.address = {"root": f"{self.subnet}.1", "lb": f"{self.subnet}.2",
                        "db1": f"{self.subnet}.11", "db2": f"{self.subnet}.12",
                        **{host: f"{self.subnet}.{21 + i}" for i, host in enumerate(APP_HOSTS)}}
        self.namespaces: list[str] = []
        self.bridge = f"{self.tag}br"
        self.processes: dict[str, subprocess.Popen] = {}
        self.postgres_started: list[str] = []
        self.timings: dict[str, float] = {}  # seconds per step of `up`
        self.url = f"http://{self.address['lb']}:8080"
        # The primary, straight (migrations, and the tests' checks of what was stored).
        self.primary_url = f"postgresql+psycopg://postgres@{self.address['db1']}:5432/cache"
        self.standby_url = f"postgresql+psycopg://postgres@{self.address['db2']}:5432/cache"

    # -- the steps ---------------------------------------------------------------------------

    def up(self) -> "Cluster":
        try:
            self.step(self.network)
            self.step(self.primary)
            self.step(self.standby)
            self.step(self.migrate)
            for host in APP_HOSTS:
                self.start_pgbouncer(host)
                self.start_app(host, wait=False)
            for host in APP_HOSTS:
                self.step(self.wait_app_ready, host)
            self.step(self.load_balancer)
        except BaseException:
            self.down()
            raise
        return self

    def step(self, method, *args) -> None:
        started = time.monotonic()
        method(*args)
        self.timings[f"{method.__name__}{''.join(f' {a}' for a in args)}"] = \
            round(time.monotonic() - started, 2)

    def network(self) -> None:
        """Step 1: a bridge in the root namespace, one namespace per host, a veth pair each."""
        run(["ip", "link", "add", self.bridge, "type", "bridge"])
        run(["ip", "addr", "add", f"{self.address['root']}/24", "dev", self.bridge])
        run(["ip", "link", "set", self.bridge, "up"])
        for host in ("lb", "db1", "db2", *APP_HOSTS):
            namespace = self.ns(host)
            run(["ip", "netns", "add", namespace])
            self.namespaces.append(namespace)
            veth = f"{self.tag}{host}"
            run(["ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0",
                 "netns", namespace])
            run(["ip", "link", "set", veth, "master", self.bridge, "up"])
            self.in_ns(host, ["ip", "addr", "add", f"{self.address[host]}/24", "dev", "eth0"])
            self.in_ns(host, ["ip", "link", "set", "eth0", "up"])
            self.in_ns(host, ["ip", "link", "set", "lo", "up"])

    def primary(self) -> None:
        """Step 2: the primary: initdb, trust inside the private subnet, replication on."""
        data = self.base / "db1"
        self.owned_by_postgres(data.parent / "db1.run")
        run([*AS_POSTGRES, str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres",
             "-A", "trust", "--no-sync"], cwd=self.base)
        with open(data / "postgresql.conf", "a") as conf:
            conf.write(
                "wal_level = replica\nmax_wal_senders = 5\nwal_keep_size = 128MB\n"
                "hot_standby = on\nmax_connections = 200\nshared_buffers = 32MB\n"
                # A test cluster: no fsync (a stopped server still writes everything out).
                "fsync = off\nfull_page_writes = off\n"
            )
        with open(data / "pg_hba.conf", "a") as hba:
            hba.write(f"host all all {self.subnet}.0/24 trust\n"
                      f"host replication all {self.subnet}.0/24 trust\n")
        self.start_postgres("db1")
        self.in_ns("db1", [*AS_POSTGRES, str(PG_BIN / "psql"), "-h", self.address["db1"],
                           "-U", "postgres", "-qc", "CREATE DATABASE cache"], cwd=self.base)

    def standby(self) -> None:
        """Step 3: the hot standby: a base backup of the primary that streams its WAL (-R)."""
        self.owned_by_postgres(self.base / "db2.run")
        self.in_ns("db2", [*AS_POSTGRES, str(PG_BIN / "pg_basebackup"), "-h", self.address["db1"],
                           "-U", "postgres", "-D", str(self.base / "db2"), "-R", "-X", "stream",
                           "-c", "fast", "--no-sync"], cwd=self.base)
        self.start_postgres("db2")

    def migrate(self) -> None:
        """Step 4: `cache-api db upgrade`, once, straight to the primary (not through PgBouncer)."""
        run([str(VENV_BIN / "cache-api"), "db", "upgrade"], cwd=ROOT,
            env={**clean_env(), "CACHE_DATABASE_URL": self.primary_url})
        # The standby has replayed the migrations when it reports the same revision.
        wait_until(lambda: self.psql("db2", "SELECT version_num FROM alembic_version"),
                   10, "the standby to replay the migrations")

    def start_pgbouncer(self, host: str) -> None:
        """Step 5a: the app host's PgBouncer, transaction pooling, to the primary and standby."""
        folder = self.base / host
        self.owned_by_postgres(folder)
        (folder / "users.txt").write_text('"postgres" ""\n')
        (folder / "pgbouncer.ini").write_text(f"""\
[databases]
cache = host={self.address['db1']} port=5432 dbname=cache
cache_standby = host={self.address['db2']} port=5432 dbname=cache

[pgbouncer]
listen_addr = *
listen_port = 6432
unix_socket_dir =
auth_type = trust
auth_file = {folder / 'users.txt'}
pool_mode = transaction
max_client_conn = 500
; Above what the app's workers can hold (2 x (5 + 10)), so no client waits in normal running.
default_pool_size = 40
; A query waits at most this long for a server: when the primary is gone, reads
; fail over to the standby after this, not after PgBouncer's default of 120 s.
query_wait_timeout = 0.5
server_connect_timeout = 1
server_login_retry = 0.5
logfile = {folder / 'pgbouncer.log'}
""")
        self.spawn(f"{host}-pgbouncer", host,
                   [*AS_POSTGRES, "pgbouncer", str(folder / "pgbouncer.ini")])
        wait_until(lambda: self.port_open(host, 6432), 10, f"PgBouncer on {host}")

    def start_app(self, host: str, wait: bool = True) -> None:
        """Step 5b: the service, `gunicorn -c gunicorn.conf.py wsgi:app`, on its PgBouncer."""
        folder = self.base / host
        metrics = folder / f"metrics-{time.monotonic_ns()}"
        metrics.mkdir(parents=True)
        pooled = "postgresql+psycopg://postgres@127.0.0.1:6432"
        env = {
            **clean_env(),
            "CACHE_DATABASE_URL": f"{pooled}/cache",
            "CACHE_DATABASE_READ_URL": f"{pooled}/cache_standby",
            "CACHE_DATABASE_POOLER": "pgbouncer",
            "CACHE_JWT_SECRET": SECRET,
            "CACHE_INSTANCE_PATH": str(folder),
            "CACHE_BIND": "0.0.0.0:8080",
            "CACHE_GRACEFUL_TIMEOUT": "10",
            "WEB_CONCURRENCY": str(self.app_workers),
            "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        }
        self.spawn(f"{host}-app", host,
                   [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                   env=env, cwd=ROOT, log=folder / "gunicorn.log")
        if wait:
            self.wait_app_ready(host)

    def wait_app_ready(self, host: str, timeout: float = 60) -> None:
        def ready():
            process = self.processes[f"{host}-app"]
            if process.poll() is not None:
                log = (self.base / host / "gunicorn.log").read_text(errors="replace")
                raise ClusterError(f"gunicorn on {host} exited with {process.returncode}: "
                                   f"{log[-3000:]}")
            try:
                return httpx.get(f"http://{self.address[host]}:8080/readyz",
                                 timeout=1).status_code == 200
            except httpx.TransportError:
                return False
        wait_until(ready, timeout, f"gunicorn on {host} to be ready", interval=0.2)

    def load_balancer(self) -> None:
        """Step 6: HAProxy in front of the app hosts, health-checking /readyz."""
        servers = "\n".join(f"    server {host} {self.address[host]}:8080 check"
                            for host in APP_HOSTS)
        config = self.base / "haproxy.cfg"
        checks = (f"inter {HEALTH_CHECK_INTERVAL_MS}ms fastinter 250ms downinter 500ms "
                  "rise 2 fall 2 on-marked-down shutdown-sessions")
        config.write_text(f"""\
global
    maxconn 2000
    stats socket {self.admin_socket} mode 600 level admin

defaults
    mode http
    timeout connect 500ms
    timeout client 30s
    timeout server 10s
    timeout check 2s
    # A request that could not reach a server, or got no answer from one that died,
    # is sent again to another server (redispatch): reads always, writes only when
    # they never reached a server (see disable-l7-retry below).
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout

frontend api
    bind {self.address['lb']}:8080
    default_backend app

backend app
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    # A write that reached a server may have been applied: never send it twice.
    http-request disable-l7-retry unless METH_GET || METH_HEAD
    default-server {checks}
{servers}
""")
        run(["haproxy", "-c", "-q", "-f", str(config)])
        self.spawn("haproxy", "lb", ["haproxy", "-db", "-f", str(config)],
                   log=self.base / "haproxy.log")
        wait_until(self.admin_socket.exists, 10, "HAProxy's admin socket")
        wait_until(lambda: all(self.server_status(host) == "UP" for host in APP_HOSTS),
                   15, "HAProxy to see every app host up")

    # -- what the tests do to it ----------------------------------------------------------------

    def kill_host(self, host: str) -> None:
        """The host dies: SIGKILL to everything on it (gunicorn, its workers, PgBouncer)."""
        for name in (f"{host}-app", f"{host}-pgbouncer"):
            process = self.processes.pop(name)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def restart_host(self, host: str) -> None:
        self.start_pgbouncer(host)
        self.start_app(host)

    def stop_app(self, host: str, timeout: float = 30) -> int:
        """SIGTERM: gunicorn stops accepting and finishes the requests in flight."""
        process = self.processes.pop(f"{host}-app")
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout)

    def stop_postgres(self, host: str) -> None:
        self.in_ns(host, [*AS_POSTGRES, str(PG_BIN / "pg_ctl"), "-D", str(self.base / host),
                          "-m", "fast", "-w", "-t", "30", "stop"], cwd=self.base)

    def start_postgres(self, host: str) -> None:
        folder = self.base / host
        options = (f"-c listen_addresses={self.address[host]} "
                   f"-c unix_socket_directories={self.base / f'{host}.run'}")
        self.in_ns(host, [*AS_POSTGRES, str(PG_BIN / "pg_ctl"), "-D", str(folder),
                          "-l", str(self.base / f"{host}.log"), "-o", options, "-w", "-t", "30",
                          "start"], cwd=self.base)
        if host not in self.postgres_started:
            self.postgres_started.append(host)

    def haproxy(self, command: str) -> str:
        """One command on HAProxy's admin socket (the runtime API)."""
        with socket.socket(socket.AF_UNIX) as admin:
            admin.settimeout(5)
            admin.connect(str(self.admin_socket))
            admin.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := admin.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def server_stats(self, host: str) -> dict:
        rows = csv.DictReader(io.StringIO(self.haproxy("show stat").lstrip("# ")))
        return next(row for row in rows if row["pxname"] == "app" and row["svname"] == host)

    def server_status(self, host: str) -> str:
        """HAProxy's view: UP, DOWN, MAINT, DRAIN, or a transition like `UP 1/2`."""
        return self.server_stats(host)["status"]

    def psql(self, host: str, query: str) -> str:
        return subprocess.run(
            ["ip", "netns", "exec", self.ns(host), *AS_POSTGRES, str(PG_BIN / "psql"),
             "-h", self.address[host], "-U", "postgres", "-d", "cache", "-Atc", query],
            capture_output=True, text=True, cwd=self.base, timeout=30,
        ).stdout.strip()

    # -- teardown ------------------------------------------------------------------------------

    def down(self) -> None:
        """Remove everything `up` made, whatever state it got to; safe to call twice."""
        for name, process in list(self.processes.items()):
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(10)
            del self.processes[name]
        for host in self.postgres_started:
            subprocess.run(
                ["ip", "netns", "exec", self.ns(host), *AS_POSTGRES, str(PG_BIN / "pg_ctl"),
                 "-D", str(self.base / host), "-m", "immediate", "-w", "-t", "20", "stop"],
                capture_output=True, cwd=self.base, timeout=30)
        self.postgres_started.clear()
        for namespace in self.namespaces:
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)
        self.namespaces.clear()
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> "Cluster":
        return self.up()

    def __exit__(self, *exc) -> None:
        self.down()

    # -- plumbing ------------------------------------------------------------------------------

    @property
    def admin_socket(self) -> Path:
        return self.base / "haproxy.sock"

    def ns(self, host: str) -> str:
        return f"{self.tag}-{host}"

    def in_ns(self, host: str, command: list[str], **kwargs) -> None:
        run(["ip", "netns", "exec", self.ns(host), *command], **kwargs)

    def spawn(self, name: str, host: str, command: list[str], env: dict | None = None,
              cwd: Path | None = None, log: Path | None = None) -> None:
        """Start a long-running process on a host, in its own process group (to kill it whole)."""
        output = open(log or self.base / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            ["ip", "netns", "exec", self.ns(host), *command],
            env=env or clean_env(), cwd=cwd or self.base, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        output.close()

    def port_open(self, host: str, port: int) -> bool:
        try:
            socket.create_connection((self.address[host], port), timeout=0.5).close()
            return True
        except OSError:
            return False

    @staticmethod
    def owned_by_postgres(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        shutil.chown(folder, "postgres", "postgres")


def clean_env() -> dict:
    """This environment without CACHE_* settings or a shared metrics folder."""
    return {name: value for name, value in os.environ.items()
            if not name.startswith("CACHE_") and name != "PROMETHEUS_MULTIPROC_DIR"}


def run(command: list[str], **kwargs) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, **kwargs)
    if done.returncode != 0:
        raise ClusterError(f"{' '.join(command)} failed ({done.returncode}): "
                           f"{(done.stderr or done.stdout).strip()[-2000:]}")


if __name__ == "__main__":
    reason = missing_prerequisites()
    if reason:
        sys.exit(reason)
    with Cluster() as cluster:
        print(f"HAProxy: {cluster.url}   primary: {cluster.primary_url}   "
              f"standby: {cluster.standby_url}\nadmin socket: {cluster.admin_socket}\n"
              f"hosts: {', '.join(f'{h} {a}' for h, a in cluster.address.items())}\n"
              "Enter tears it all down.")
        try:
            input()
        except (EOFError, KeyboardInterrupt):
            pass
