"""The deployment a telephony operator runs, built on one machine: a recipe and a test harness.

Each host is a network namespace; one bridge joins them (198.18.N.0/24, a range
reserved for network tests that never leaves this machine):

    root namespace 198.18.N.1    the operator (migrations) and the tests' load generators
    vip    198.18.N.2   the balancers' virtual address, held by lb1 or lb2 (keepalived, VRRP)
    lb1-2  198.18.N.3-4 HAProxy on each, the same configuration:
             :8080 -> app1..3:8080, health check GET /readyz
             :5000 the writer: db1..3:5432 whose Patroni answers GET /primary 200 (port 8008)
             :5001 the reader: db1..3:5432 whose Patroni answers GET /replica 200
    app1-3 198.18.N.21-23
           PgBouncer :6432, transaction pooling: `cache` -> vip:5000, `cache_standby` -> vip:5001
           gunicorn -c gunicorn.conf.py wsgi:app on :8080, through the host's own PgBouncer:
             CACHE_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:6432/cache
             CACHE_DATABASE_READ_URL=postgresql+psycopg://postgres@127.0.0.1:6432/cache_standby
             CACHE_DATABASE_POOLER=pgbouncer
    db1-3  198.18.N.11-13  Patroni (REST API :8008) running PostgreSQL :5432; one primary,
           two streaming standbys, one of them synchronous (synchronous_mode)
    etcd1-3 198.18.N.31-33 the etcd cluster Patroni keeps its leader key in

etcd on hosts of its own, not on the database hosts: losing a database host is then one
fault (not a database and an etcd member at once), a partition of a database host from
the app side leaves its etcd member out of it, and in production etcd's fsyncs do not
queue behind PostgreSQL's.

One PgBouncer per app host (not one shared pooler host): a pooler host would be one more
thing that can die and take every app host with it.

`Cluster.up()` runs the steps in order (each method is one step an operator does on the
real hosts); `Cluster.down()` removes everything that was started, also after a failure.
Run `python -m tests.scaleout.cluster` (as root, from the checkout's venv) to bring it up
and look around; Enter tears it down.

Needs root, iproute2, iptables, HAProxy, keepalived, PgBouncer, Patroni, etcd and
PostgreSQL's server binaries (Debian's).
"""

import csv
import io
import json
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
DB_HOSTS = ("db1", "db2", "db3")
ETCD_HOSTS = ("etcd1", "etcd2", "etcd3")
LB_HOSTS = ("lb1", "lb2")
# HAProxy's checks of the app hosts: a host that stops answering is out after at most
# inter + 2 x check timeout + fastinter (a hung host: under 2 s), back after 2 good checks.
HEALTH_CHECK_INTERVAL_MS = 300
HEALTH_CHECK_TIMEOUT_MS = 500
# Patroni's timings (see docs/scaling-out.md): a silent leader keeps its key for TTL s;
# Patroni looks every LOOP_WAIT s; a leader that cannot reach etcd for RETRY_TIMEOUT s
# demotes itself, well before its key expires (loop_wait + 2 x retry_timeout <= ttl).
PATRONI_TTL, PATRONI_LOOP_WAIT, PATRONI_RETRY_TIMEOUT = 20, 2, 8
# Everything the harness runs as PostgreSQL's own user: postgres and PgBouncer refuse root.
AS_POSTGRES = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"]
# A folder to copy every host's log into at teardown (read at import: the test suite's
# fixtures hide CACHE_* settings from the tests).
KEEP_LOGS = os.environ.get("CACHE_TEST_SCALEOUT_LOGS")
TOOLS = ("ip", "iptables", "haproxy", "pgbouncer", "setpriv", "patroni", "etcd", "keepalived")


class ClusterError(RuntimeError):
    pass


def missing_prerequisites() -> str | None:
    """Why this machine cannot build the cluster, or None when it can."""
    if os.geteuid() != 0:
        return "the scale-out harness needs root (network namespaces)"
    for tool in TOOLS:
        if shutil.which(tool) is None:
            return (f"the scale-out harness needs `{tool}` (apt-get install -y haproxy pgbouncer "
                    "patroni etcd-server keepalived iptables)")
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
        # In memory where there is a tmpfs: etcd fsyncs every write, and three PostgreSQL
        # nodes and their base backups would otherwise queue on a shared CI disk.
        shm = Path("/dev/shm")
        self.base = Path(tempfile.mkdtemp(prefix="cache-scaleout-",
                                          dir=shm if shm.is_dir() else None))
        # PostgreSQL's user makes its data folders here.
        self.owned_by_postgres(self.base)
        self.app_workers = app_workers
        vip = f"{self.subnet}.2"
        self.address = {
            "root": f"{self.subnet}.1", "vip": vip,
            # `lb` is the balancers' address, as it was when there was one balancer.
            "lb": vip,
            **{host: f"{self.subnet}.{3 + i}" for i, host in enumerate(LB_HOSTS)},
            **{host: f"{self.subnet}.{11 + i}" for i, host in enumerate(DB_HOSTS)},
            **{host: f"{self.subnet}.{21 + i}" for i, host in enumerate(APP_HOSTS)},
            **{host: f"{self.subnet}.{31 + i}" for i, host in enumerate(ETCD_HOSTS)},
        }
        self.namespaces: list[str] = []
        self.bridge = f"{self.tag}br"
        self.processes: dict[str, subprocess.Popen] = {}
        self.timings: dict[str, float] = {}  # seconds per step of `up`
        self.url = f"http://{vip}:8080"
        # The writer and the reader, as the app hosts' PgBouncers see them (migrations, and
        # the tests' checks of what was stored).
        self.primary_url = f"postgresql+psycopg://postgres@{vip}:5000/cache"
        self.standby_url = f"postgresql+psycopg://postgres@{vip}:5001/cache"

    # -- the steps ---------------------------------------------------------------------------

    def up(self) -> "Cluster":
        try:
            self.step(self.network)
            self.step(self.etcd)
            self.step(self.databases)
            self.step(self.load_balancers)
            self.step(self.migrate)
            for host in APP_HOSTS:
                self.start_pgbouncer(host)
                self.start_app(host, wait=False)
            for host in APP_HOSTS:
                self.step(self.wait_app_ready, host)
            self.step(self.wait_balanced)
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
        for host in (*LB_HOSTS, *ETCD_HOSTS, *DB_HOSTS, *APP_HOSTS):
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

    def etcd(self) -> None:
        """Step 2: a three-member etcd cluster, one member per etcd host."""
        for host in ETCD_HOSTS:
            self.start_etcd(host, "new")
        wait_until(lambda: all(self.etcd_healthy(host) for host in ETCD_HOSTS), 30,
                   "every etcd member to be healthy")

    def start_etcd(self, host: str, state: str = "existing") -> None:
        peers = ",".join(f"{h}=http://{self.address[h]}:2380" for h in ETCD_HOSTS)
        me = self.address[host]
        self.spawn(host, host, [
            "etcd", "--name", host, "--data-dir", str(self.base / host),
            "--listen-peer-urls", f"http://{me}:2380",
            "--initial-advertise-peer-urls", f"http://{me}:2380",
            "--listen-client-urls", f"http://{me}:2379",
            "--advertise-client-urls", f"http://{me}:2379",
            "--initial-cluster", peers, "--initial-cluster-state", state,
            "--initial-cluster-token", self.tag, "--logger", "zap", "--log-level", "warn",
            # Patroni's `etcd` (v2) client; see patroni_config.
            "--enable-v2=true",
        ])

    def etcd_healthy(self, host: str) -> bool:
        try:
            answer = httpx.get(f"http://{self.address[host]}:2379/health", timeout=1)
            return answer.status_code == 200 and answer.json().get("health") == "true"
        except (httpx.TransportError, ValueError):
            return False

    def databases(self) -> None:
        """Step 3: Patroni on db1..3: one bootstraps the cluster, the others clone it."""
        for host in DB_HOSTS:
            self.start_patroni(host)
        self.wait_databases()

    def patroni_config(self, host: str) -> Path:
        me = self.address[host]
        config = {
            "scope": f"cache-{self.tag}",
            "name": host,
            "log": {"level": "INFO"},
            "restapi": {"listen": f"{me}:8008", "connect_address": f"{me}:8008"},
            # etcd's v2 API, not `etcd3`: Debian's Patroni 3.0.2 renews the leader key over
            # v3 with an unconditional put, so a leader that was cut off and wakes with a
            # stale view takes the key back from the node promoted meanwhile (we lost
            # acknowledged writes that way; fixed in Patroni 3.0.3, patroni/patroni#2693).
            # Over v2 the renewal is a compare-and-swap on its own name.
            "etcd": {"hosts": [f"{self.address[h]}:2379" for h in ETCD_HOSTS]},
            "bootstrap": {
                "dcs": {
                    "ttl": PATRONI_TTL, "loop_wait": PATRONI_LOOP_WAIT,
                    "retry_timeout": PATRONI_RETRY_TIMEOUT,
                    # A write is acknowledged only once a standby has it; Patroni promotes
                    # only that standby.
                    "synchronous_mode": True,
                    # A primary whose PostgreSQL died fails over at once, not after 300 s
                    # of trying to start it again.
                    "master_start_timeout": 0,
                    "postgresql": {
                        "use_pg_rewind": True,
                        "use_slots": True,
                        "parameters": {
                            "wal_level": "replica", "hot_standby": "on", "wal_log_hints": "on",
                            "max_wal_senders": 10, "max_replication_slots": 10,
                            "wal_keep_size": "128MB", "max_connections": 200,
                            # A silent standby's walsender ends after this (not 60 s), so
                            # Patroni sees it gone and names another synchronous standby.
                            "wal_sender_timeout": "5s",
                        },
                    },
                },
                "initdb": [{"encoding": "UTF8"}, {"auth": "trust"}],
                "pg_hba": self.pg_hba(),
            },
            "postgresql": {
                "listen": f"{me}:5432", "connect_address": f"{me}:5432",
                "data_dir": str(self.base / host), "bin_dir": str(PG_BIN),
                "pgpass": str(self.base / f"{host}.pgpass"),
                "authentication": {"superuser": {"username": "postgres"},
                                   "replication": {"username": "postgres"},
                                   "rewind": {"username": "postgres"}},
                # A node that cannot rewind onto the new timeline is cloned again.
                "remove_data_directory_on_rewind_failure": True,
                "remove_data_directory_on_diverged_timelines": True,
                "parameters": {
                    "unix_socket_directories": str(self.base / f"{host}.run"),
                    "shared_buffers": "32MB",
                    # A test cluster: no fsync (a killed server's writes are still in the
                    # page cache; a black-holed host keeps its disk).
                    "fsync": "off",
                },
                "pg_hba": self.pg_hba(),
            },
            "watchdog": {"mode": "off"},
        }
        path = self.base / f"{host}-patroni.yml"
        # JSON is YAML.
        path.write_text(json.dumps(config, indent=1))
        return path

    def pg_hba(self) -> list[str]:
        """Trust inside the private subnet (a test cluster: no passwords to manage)."""
        return ["local all all trust", f"host all all {self.subnet}.0/24 trust",
                f"host replication all {self.subnet}.0/24 trust"]

    def start_patroni(self, host: str) -> None:
        self.owned_by_postgres(self.base / f"{host}.run")
        config = self.patroni_config(host)
        self.spawn(f"{host}-patroni", host, [*AS_POSTGRES, "patroni", str(config)])

    def wait_databases(self, timeout: float = 90) -> dict:
        """Until Patroni shows a leader, a synchronous standby and every node streaming."""
        def whole():
            members = self.patroni_members()
            roles = {m["name"]: (m["role"], m["state"]) for m in members}
            if (len(roles) == len(DB_HOSTS)
                    and sum(role == "leader" and state == "running"
                            for role, state in roles.values()) == 1
                    and sum(role == "sync_standby" for role, _ in roles.values()) == 1
                    and all(state in ("running", "streaming") for _, state in roles.values())
                    and all(self.patroni_answers(host, "/health") for host in DB_HOSTS)):
                return roles
            return None
        return wait_until(whole, timeout, "Patroni to show a leader and two streaming standbys",
                          interval=0.25)

    def patroni_members(self) -> list[dict]:
        """Patroni's view of the cluster (GET /cluster), from the first node that answers."""
        for host in DB_HOSTS:
            try:
                answer = httpx.get(f"http://{self.address[host]}:8008/cluster", timeout=1)
                if answer.status_code == 200:
                    return answer.json().get("members", [])
            except (httpx.TransportError, ValueError):
                continue
        return []

    def patroni_answers(self, host: str, path: str) -> bool:
        try:
            return httpx.get(f"http://{self.address[host]}:8008{path}",
                             timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def leader(self) -> str | None:
        return next((m["name"] for m in self.patroni_members() if m["role"] == "leader"), None)

    def sync_standby(self) -> str | None:
        return next((m["name"] for m in self.patroni_members() if m["role"] == "sync_standby"),
                    None)

    def load_balancers(self) -> None:
        """Step 4: HAProxy on lb1 and lb2, and keepalived giving one of them the virtual address."""
        for host in LB_HOSTS:
            self.start_haproxy(host)
        for host in LB_HOSTS:
            self.start_keepalived(host)
        wait_until(self.active_lb, 15, "keepalived to give a balancer the virtual address")
        for host in LB_HOSTS:
            wait_until(lambda: self.backend_up(host, "writer") == 1
                       and self.backend_up(host, "reader") == 2, 15,
                       f"HAProxy on {host} to see the writer and both readers")

    def haproxy_config(self, host: str) -> Path:
        app_servers = "\n".join(f"    server {h} {self.address[h]}:8080 check"
                                for h in APP_HOSTS)
        # The same hosts again, unchecked, as backups: HAProxy uses them only when every
        # checked server is down (every /readyz failing: no database at all), so that a
        # request still reaches a worker that can answer it or refuse it fast (503), not
        # HAProxy's own 503. Normal routing never sees them.
        app_servers += "\n" + "\n".join(f"    server {h}-last {self.address[h]}:8080 backup"
                                         for h in APP_HOSTS)
        db_servers = "\n".join(f"    server {h} {self.address[h]}:5432 check port 8008"
                               for h in DB_HOSTS)
        app_checks = (f"inter {HEALTH_CHECK_INTERVAL_MS}ms fastinter 200ms "
                      f"downinter {HEALTH_CHECK_INTERVAL_MS}ms rise 2 fall 2 "
                      "on-marked-down shutdown-sessions")
        # Patroni's REST API says who is the primary; a node that stops answering (or
        # answers 503) is out within a second, and its connections are cut, so that
        # PgBouncer reconnects to the new primary instead of waiting on the old one.
        db_checks = ("inter 500ms fastinter 250ms downinter 500ms rise 1 fall 2 "
                     "on-marked-down shutdown-sessions")
        config = self.base / f"{host}-haproxy.cfg"
        config.write_text(f"""\
global
    maxconn 4000
    stats socket {self.admin_socket(host)} mode 600 level admin

defaults
    mode http
    timeout connect 500ms
    timeout client 30s
    timeout server 10s
    timeout check {HEALTH_CHECK_TIMEOUT_MS}ms
    # A request that could not reach a server, got no answer from one that died or hung,
    # or a 503 from one whose database path is failing over this instant, is sent again
    # to another server (redispatch): reads always, writes only when they never reached
    # a server (see disable-l7-retry below). (With `503` here, HAProxy 2.6 now and then
    # turns a write the app refused with 503 into a 502 with the app's body.)
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout 503

frontend api
    bind *:8080
    default_backend app

backend app
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    option allbackups
    # A write that reached a server may have been applied: never send it twice.
    http-request disable-l7-retry unless METH_GET || METH_HEAD
    # A read that a hung host holds for 1 s goes to another host (retry-on
    # response-timeout); the app answers reads well within that.
    http-request set-timeout server 1s if METH_GET || METH_HEAD
    default-server {app_checks}
{app_servers}

listen writer
    bind *:5000
    mode tcp
    timeout client 30m
    timeout server 30m
    option httpchk GET /primary
    http-check expect status 200
    default-server {db_checks}
{db_servers}

listen reader
    bind *:5001
    mode tcp
    timeout client 30m
    timeout server 30m
    balance roundrobin
    option httpchk GET /replica
    http-check expect status 200
    default-server {db_checks}
{db_servers}
""")
        run(["haproxy", "-c", "-q", "-f", str(config)])
        return config

    def start_haproxy(self, host: str) -> None:
        config = self.haproxy_config(host)
        self.admin_socket(host).unlink(missing_ok=True)
        self.spawn(f"{host}-haproxy", host, ["haproxy", "-db", "-f", str(config)])
        wait_until(self.admin_socket(host).exists, 10, f"HAProxy's admin socket on {host}")

    def start_keepalived(self, host: str) -> None:
        """VRRP on the bridge: the balancer whose HAProxy answers holds the virtual address.

        Both start as BACKUP with `nopreempt`: a balancer that comes back does not take the
        address back (one move per fault, not two). The check is HAProxy's port: a dead
        HAProxy puts its keepalived in FAULT, which hands the address over at once. High
        priorities: a backup takes over (256 - priority) / 256 advertisement intervals
        after the master steps down, 12 ms here rather than 0.6 s at priority 100.
        """
        check = self.base / f"{host}-check.sh"
        check.write_text(f"#!/bin/bash\nexec 3<>/dev/tcp/{self.address[host]}/8080\n")
        check.chmod(0o755)
        config = self.base / f"{host}-keepalived.conf"
        config.write_text(f"""\
global_defs {{
    router_id {host}
    script_user root
    vrrp_garp_master_repeat 2
}}
vrrp_script haproxy {{
    script "{check}"
    interval 1
    timeout 1
    fall 1
    rise 2
}}
vrrp_instance balancers {{
    state BACKUP
    nopreempt
    interface eth0
    virtual_router_id 51
    priority {254 - LB_HOSTS.index(host)}
    advert_int 1
    track_script {{
        haproxy
    }}
    virtual_ipaddress {{
        {self.address['vip']}/24 dev eth0
    }}
}}
""")
        pids = self.base / f"{host}-keepalived"
        self.spawn(f"{host}-keepalived", host, [
            "keepalived", "--dont-fork", "--log-console", "--log-detail", "--vrrp",
            "-f", str(config), "-p", f"{pids}.pid", "-r", f"{pids}-vrrp.pid"])

    def active_lb(self) -> str | None:
        """The balancer holding the virtual address."""
        for host in LB_HOSTS:
            shown = subprocess.run(["ip", "netns", "exec", self.ns(host), "ip", "-4", "-o",
                                    "addr", "show", "dev", "eth0"],
                                   capture_output=True, text=True).stdout
            if f" {self.address['vip']}/" in shown:
                return host
        return None

    def migrate(self) -> None:
        """Step 5: the database, and `cache-api db upgrade` once, to the writer address (not
        through PgBouncer)."""
        run([str(PG_BIN / "psql"), "-h", self.address["vip"], "-p", "5000", "-U", "postgres",
             "-d", "postgres", "-qc", "CREATE DATABASE cache"])
        run([str(VENV_BIN / "cache-api"), "db", "upgrade"], cwd=ROOT,
            env={**clean_env(), "CACHE_DATABASE_URL": self.primary_url})
        # The standbys have replayed the migrations when they report the same revision.
        for host in DB_HOSTS:
            wait_until(lambda: self.psql(host, "SELECT version_num FROM alembic_version"),
                       10, f"{host} to have the migrations")

    def start_pgbouncer(self, host: str) -> None:
        """Step 6a: the app host's PgBouncer, transaction pooling, to the writer and reader."""
        folder = self.base / host
        self.owned_by_postgres(folder)
        (folder / "users.txt").write_text('"postgres" ""\n')
        (folder / "pgbouncer.ini").write_text(f"""\
[databases]
cache = host={self.address['vip']} port=5000 dbname=cache
cache_standby = host={self.address['vip']} port=5001 dbname=cache

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
        """Step 6b: the service, `gunicorn -c gunicorn.conf.py wsgi:app`, on its PgBouncer."""
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

    def wait_balanced(self, timeout: float = 15) -> None:
        """Step 7: both balancers see every app host up."""
        for lb in LB_HOSTS:
            wait_until(lambda: all(self.server_status(host, lb) == "UP" for host in APP_HOSTS),
                       timeout, f"HAProxy on {lb} to see every app host up")

    # -- what the tests do to it ----------------------------------------------------------------

    def kill_host(self, host: str) -> None:
        """The host dies: SIGKILL to everything on it (gunicorn, its workers, PgBouncer)."""
        for name in (f"{host}-app", f"{host}-pgbouncer"):
            self.kill(name)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """One of the processes the harness started, and its children, killed."""
        process = self.processes.pop(name)
        os.killpg(process.pid, sig)
        process.wait(10)

    def restart_host(self, host: str) -> None:
        self.start_pgbouncer(host)
        self.start_app(host)

    def stop_app(self, host: str, timeout: float = 30) -> int:
        """SIGTERM: gunicorn stops accepting and finishes the requests in flight."""
        process = self.processes.pop(f"{host}-app")
        process.send_signal(signal.SIGTERM)
        return process.wait(timeout)

    def postmaster_pid(self, host: str) -> int:
        return int((self.base / host / "postmaster.pid").read_text().split()[0])

    def stop_postgres(self, host: str) -> None:
        """`pg_ctl stop -m fast` under Patroni's feet (Patroni itself keeps running)."""
        self.in_ns(host, [*AS_POSTGRES, str(PG_BIN / "pg_ctl"), "-D", str(self.base / host),
                          "-m", "fast", "-w", "-t", "30", "stop"], cwd=self.base)

    def kill_postgres(self, host: str) -> None:
        """SIGKILL to the postmaster (its backends follow as they find it gone)."""
        os.kill(self.postmaster_pid(host), signal.SIGKILL)

    def black_hole(self, host: str, sources: tuple[str, ...] | None = None) -> None:
        """iptables DROP in the host's namespace: everything in and out (or only to and
        from `sources`); a silent host, not a refusing one."""
        for peer in (sources or (None,)):
            match = [] if peer is None else ["-s", self.address[peer]]
            self.in_ns(host, ["iptables", "-I", "INPUT", *match, "-j", "DROP"])
            match = [] if peer is None else ["-d", self.address[peer]]
            self.in_ns(host, ["iptables", "-I", "OUTPUT", *match, "-j", "DROP"])

    def heal(self, host: str) -> None:
        self.in_ns(host, ["iptables", "-F", "INPUT"])
        self.in_ns(host, ["iptables", "-F", "OUTPUT"])

    def haproxy(self, command: str, lb: str | None = None) -> str:
        """One command on a HAProxy's admin socket (the runtime API); the active one's by default."""
        with socket.socket(socket.AF_UNIX) as admin:
            admin.settimeout(5)
            admin.connect(str(self.admin_socket(lb or self.active_lb() or LB_HOSTS[0])))
            admin.sendall(command.encode() + b"\n")
            chunks = []
            while chunk := admin.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def haproxy_all(self, command: str) -> None:
        """A runtime command on every balancer (a drain, say): either may be the active one."""
        for lb in LB_HOSTS:
            if f"{lb}-haproxy" in self.processes:
                self.haproxy(command, lb)

    def stats(self, lb: str | None = None) -> list[dict]:
        return list(csv.DictReader(io.StringIO(self.haproxy("show stat", lb).lstrip("# "))))

    def server_stats(self, host: str, lb: str | None = None, backend: str = "app") -> dict:
        return next(row for row in self.stats(lb)
                    if row["pxname"] == backend and row["svname"] == host)

    def server_status(self, host: str, lb: str | None = None, backend: str = "app") -> str:
        """HAProxy's view: UP, DOWN, MAINT, DRAIN, or a transition like `UP 1/2`."""
        return self.server_stats(host, lb, backend)["status"]

    def backend_up(self, lb: str, backend: str) -> int:
        """How many servers of a backend a balancer has up."""
        return sum(row["pxname"] == backend and row["svname"] in DB_HOSTS + APP_HOSTS
                   and row["status"] == "UP" for row in self.stats(lb))

    def writer(self, lb: str | None = None) -> list[str]:
        """The database hosts HAProxy sends writes to (one, or none during a failover)."""
        return [row["svname"] for row in self.stats(lb)
                if row["pxname"] == "writer" and row["svname"] in DB_HOSTS
                and row["status"] == "UP"]

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
                os.killpg(process.pid, signal.SIGCONT)
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(10)
            del self.processes[name]
        # Patroni's PostgreSQL runs in a session of its own: stop what is left of it.
        for host in DB_HOSTS:
            pid_file = self.base / host / "postmaster.pid"
            if pid_file.exists():
                try:
                    os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
        for namespace in self.namespaces:
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True)
        self.namespaces.clear()
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)
        # Every host's log kept for a look after a failed run, if asked.
        keep = KEEP_LOGS
        if keep:
            for log in self.base.rglob("*.log"):
                target = Path(keep) / log.relative_to(self.base)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(log, target)
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> "Cluster":
        return self.up()

    def __exit__(self, *exc) -> None:
        self.down()

    # -- plumbing ------------------------------------------------------------------------------

    def admin_socket(self, lb: str = LB_HOSTS[0]) -> Path:
        return self.base / f"{lb}-haproxy.sock"

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
        print(f"HAProxy: {cluster.url} (on {cluster.active_lb()})   writer: {cluster.primary_url}"
              f"   reader: {cluster.standby_url}\nleader: {cluster.leader()}   admin sockets: "
              f"{', '.join(str(cluster.admin_socket(lb)) for lb in LB_HOSTS)}\n"
              f"hosts: {', '.join(f'{h} {a}' for h, a in cluster.address.items())}\n"
              f"steps: {cluster.timings}\nEnter tears it all down.")
        try:
            input()
        except (EOFError, KeyboardInterrupt):
            pass
