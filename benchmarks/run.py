"""Load benchmark: the real service under gunicorn against a plain-Flask yardstick (issue 10).

    .venv/bin/python benchmarks/run.py [--engines sqlite,postgresql] [--workers 1,2,3,5]
        [--cases get,decision,post,list1k,list100k] [--duration 10] [--rounds 3]
        [--connections 32] [--threads 2] [--warmup 2]

For each engine it seeds 1.1 M entries (benchmarks/seed.py: 1,000 domains x
1,000 numbers plus one domain of 100,000), then for each worker count starts
the service exactly as shipped (`gunicorn -c gunicorn.conf.py wsgi:app`, on a
free loopback port) and the yardstick (benchmarks/yardstick.py, gunicorn sync
workers, as many as the service has) on the same database, and drives them with
wrk (benchmarks/load.lua: random seeded keys, a real bearer token with every
scope) from separate processes. Each case runs once per round; the case order
rotates from round to round and the medians are reported, with wrk's non-2xx
and socket-error counts (a case whose probe request is not answered 2xx is
skipped, not measured). References measured in the same run:

- ceiling-preflight: OPTIONS on an entry, through every middleware, Connexion's
  routing and parameter validation and a Flask handler, but no token check
  (the spec's preflights have `security: []`) and no database: the closest to
  a constant reply through the whole chain that the service has;
- ceiling-healthz: GET /healthz, the same middleware chain but not Connexion's
  routing or security;
- yardstick-get / -list1k / -list100k / -post: the yardstick doing the same GET by
  key, the same lists and the same write (counter, entry, history, one transaction),
  by hand in SQLAlchemy Core; yardstick-orm-get: its GET by key
  through the ORM (the earlier yardstick), beside it whenever GET or the decision runs.

After the rounds, the decision at a steady rate (`--steady`, shares of its measured
rate; wrk's connections pace themselves with random pauses, load.lua's PAUSE_MS):
p50, p99 and p99.9 at a normal day's load rather than at saturation, each run followed by
the lean yardstick's GET at the same pace (what the machine gives the least work). Every run also
prints where wrk's connections are (established connections per worker, a second in and
near the end) and each worker's CPU seconds, and for the decision what the use tally's
flushes wrote per 1,000 decisions (rows; WAL bytes on PostgreSQL).

The decision case (`/platform/.../decision?outcome=timeout`) is skipped with a
message while the service answers 404 for it. Prints one table per engine and
worker count, each worker's VmRSS after the load, the targets of issue 10, and
the machine; writes everything as JSON to benchmarks/results/<stamp>/results.json.
Default run: about 6 minutes per engine and worker count (10 cases x 3 rounds x
10 s, plus warm-up and seeding). Everything started is stopped at the end, on
Ctrl-C too; the PostgreSQL scratch database is dropped.
"""

import argparse
import contextlib
import dataclasses
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import jwt
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

import report
import seed

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
LUA = BENCH / "load.lua"
PROBE_DOMAIN, PROBE_NUMBER = seed.domain_name(0), seed.number(0)
POST_BODY = json.dumps({
    "mode": "onError", "expiration": "WEEK",
    "command": {
        "action": {"type": "call", "destAddr": "sip:desk@pbx.example.com", "maxRingTime": 30},
        "phrases": [{"fileName": "closed.wav", "format": "wav"}],
    },
})


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    label: str
    target: str  # "service" or "yardstick"
    script: str  # the CASE argument of load.lua
    method: str  # and the request it sends, for the probe
    probe_path: str
    yardstick: str | None = None  # the yardstick case its ratio is taken against


ENTRY = f"/cache/{PROBE_DOMAIN}/ivrfallback/{PROBE_NUMBER}"
LIST = f"/cache/{PROBE_DOMAIN}/ivrfallback"
BIG_LIST = f"/cache/{seed.BIG_DOMAIN}/ivrfallback"
DECISION = f"/platform/{PROBE_DOMAIN}/ivrfallback/{PROBE_NUMBER}/decision?outcome=timeout"
CASES = [
    Case("get", "GET item", "service", "get", "GET", ENTRY, "yardstick-get"),
    Case("decision", "decision (timeout)", "service", "decision", "GET", DECISION, "yardstick-get"),
    Case("post", "POST item", "service", "post", "POST", ENTRY, "yardstick-post"),
    Case("list1k", "list of 1,000", "service", "list1k", "GET", LIST, "yardstick-list1k"),
    Case("list100k", "list of 100,000", "service", "list100k", "GET", BIG_LIST,
         "yardstick-list100k"),
    Case("ceiling-preflight", "ceiling: OPTIONS preflight", "service", "preflight", "OPTIONS",
         ENTRY),
    Case("ceiling-healthz", "ceiling: /healthz", "service", "healthz", "GET", "/healthz"),
    Case("yardstick-get", "yardstick: GET item", "yardstick", "get", "GET", ENTRY),
    Case("yardstick-orm-get", "yardstick (ORM): GET item", "yardstick", "orm-get", "GET",
         "/orm" + ENTRY),
    Case("yardstick-post", "yardstick: POST item", "yardstick", "post", "POST", ENTRY),
    Case("yardstick-list1k", "yardstick: list of 1,000", "yardstick", "list1k", "GET", LIST),
    Case("yardstick-list100k", "yardstick: list of 100,000", "yardstick", "list100k", "GET",
         BIG_LIST),
]
SERVICE_CASES = [case.name for case in CASES
                 if case.target == "service" and not case.name.startswith("ceiling")]


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql (default: both)")
    parser.add_argument("--workers", default=None,
                        help="worker counts to sweep, e.g. 1,2,3,5 (default: gunicorn.conf.py's)")
    parser.add_argument("--cases", default=",".join(SERVICE_CASES),
                        help="the service's cases (default: all); ceilings and the matching "
                             "yardstick cases are always measured too")
    parser.add_argument("--duration", type=int, default=10, help="seconds per case and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=2, help="seconds per case before round 1")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--yardstick-worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL,
                        help="PostgreSQL URL allowed to create and drop the scratch database")
    parser.add_argument("--steady", default="0.5,0.25",
                        help="after the rounds, the decision at a steady rate: these shares "
                             "of its measured rate, comma-separated ('' for none)")
    parser.add_argument("--steady-duration", type=int, default=20,
                        help="seconds per steady-rate run")
    parser.add_argument("--steady-rounds", type=int, default=2)
    arguments = parser.parse_args()
    arguments.engines = arguments.engines.split(",")
    wanted = set(arguments.cases.split(","))
    unknown = (set(arguments.engines) - {"sqlite", "postgresql"}) | (wanted - set(SERVICE_CASES))
    if unknown:
        parser.error(f"unknown engine or case: {', '.join(sorted(unknown))}")
    arguments.cases = [
        case for case in CASES
        if case.name in wanted or case.name.startswith("ceiling")
        or any(other.yardstick == case.name and other.name in wanted for other in CASES)
        # The ORM reference beside the lean one.
        or (case.name == "yardstick-orm-get" and wanted & {"get", "decision"})
    ]
    arguments.steady_fractions = [float(value) for value in arguments.steady.split(",") if value]
    arguments.workers = ([int(n) for n in arguments.workers.split(",")]
                         if arguments.workers else [shipped_workers()])
    return arguments


def shipped_workers() -> int:
    """The worker count gunicorn.conf.py picks on this machine when WEB_CONCURRENCY is unset."""
    read = "import runpy; print(runpy.run_path('gunicorn.conf.py')['workers'])"
    # Reading it imports the app, which writes metrics files: into a folder dropped after.
    with tempfile.TemporaryDirectory(prefix="cache-bench-") as metrics:
        env = clean_env(PROMETHEUS_MULTIPROC_DIR=metrics)
        return int(subprocess.run([sys.executable, "-c", read], cwd=ROOT, env=env, check=True,
                                  capture_output=True, text=True).stdout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn master on a loopback port, its output in a log file."""

    def __init__(self, name: str, command: list[str], env: dict, log_path: Path,
                 cwd: Path = ROOT):
        self.name, self.command, self.env, self.log_path = name, command, env, log_path
        self.cwd = cwd
        self.port = int(env["BENCH_PORT"])
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, workers: int, timeout: float = 90) -> "Server":
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env,
                                            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}, "
                                   f"see {self.log_path}")
            if len(self.worker_pids()) == workers and self._answers():
                return self
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start in {timeout:.0f} s, see {self.log_path}")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        """The master's children (gunicorn's workers), from /proc."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                # The field after the parenthesised command name is the state, then the ppid.
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if self.process and int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def worker_rss_mib(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(round(int(line.split()[1]) / 1024, 1))
        return sizes

    def check_alive(self) -> None:
        """Fail with the log's name if the server is gone (a crash, or a signal from outside)."""
        if self.process is None or self.process.poll() is not None:
            code = self.process.returncode if self.process else None
            raise RuntimeError(f"{self.name} on port {self.port} exited ({code}) during the "
                               f"run, see {self.log_path}")

    def cpu_seconds(self) -> float:
        """CPU time the workers have used so far (utime + stime)."""
        ticks = 0
        for pid in self.worker_pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def settle(self, timeout: float = 60) -> None:
        """Wait until the workers are idle: requests queued by the last case (a list of
        100,000 takes seconds) must not run into the next case's measurement."""
        deadline = time.monotonic() + timeout
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.25)
            now = self.cpu_seconds()
            if now - before < 0.02:
                return
            before = now

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(40)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def clean_env(**settings) -> dict:
    """This environment without the service's settings, plus `settings`."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("CACHE_", "YARDSTICK_")) and name != "WEB_CONCURRENCY"}
    env.update({name: str(value) for name, value in settings.items() if value is not None})
    return env


def service(url: str, secret: str, workers: int, folder: Path, label: str) -> Server:
    port = free_port()
    metrics = folder / f"metrics-{label}"
    metrics.mkdir()
    env = clean_env(
        BENCH_PORT=port, CACHE_BIND=f"127.0.0.1:{port}", CACHE_DATABASE_URL=url,
        CACHE_JWT_SECRET=secret, CACHE_INSTANCE_PATH=folder / "instance",
        PROMETHEUS_MULTIPROC_DIR=metrics, WEB_CONCURRENCY=workers,
    )
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
    return Server("service", command, env, folder / f"service-{label}.log")


def yardstick(url: str, secret: str, workers: int, worker_class: str, folder: Path,
              label: str) -> Server:
    port = free_port()
    env = clean_env(BENCH_PORT=port, YARDSTICK_DATABASE_URL=url, YARDSTICK_JWT_SECRET=secret)
    command = [sys.executable, "-m", "gunicorn", "--pythonpath", str(BENCH), "-k", worker_class,
               "-w", str(workers), "-b", f"127.0.0.1:{port}", "--no-control-socket",
               "yardstick:app"]
    if worker_class == "gthread":
        command[-1:-1] = ["--threads", "4"]
    # Run from benchmarks/: from the checkout gunicorn would read the service's
    # gunicorn.conf.py (its hooks and settings, and its check of the service's database).
    return Server("yardstick", command, env, folder / f"yardstick-{label}.log", cwd=BENCH)


def mint(secret: str) -> str:
    """A token for every domain and scope, valid for a day (the service's default iss/aud)."""
    now = int(time.time())
    claims = {"iss": "cache-api", "aud": "cache-api", "sub": "bench", "iat": now, "nbf": now,
              "exp": now + 86_400, "domains": ["*"],
              "scope": "cache/read cache/write cache/platform"}
    return jwt.encode(claims, secret, algorithm="HS256")


def probe(server: Server, case: Case, token: str) -> tuple[int, str]:
    """One request as the case sends it: its status and the start of its body."""
    headers = {"Authorization": f"Bearer {token}"}
    body = None
    if case.method == "POST":
        headers["Content-Type"] = "application/json"
        body = POST_BODY.encode()
    elif case.method == "OPTIONS":
        headers = {"Origin": "https://portal.example.com", "Access-Control-Request-Method": "GET"}
    request = urllib.request.Request(server.url + case.probe_path, data=body, headers=headers,
                                     method=case.method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read(200).decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(200).decode(errors="replace")


def connections_per_worker(server: Server) -> list[int]:
    """Each worker's established connections on the server's port (from /proc): whether
    the client's connections are spread over the workers or gathered on one."""
    established = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == server.port and fields[3] == "01":  # ESTABLISHED
                    established.add(fields[9])  # the socket's inode
    counts = []
    for pid in server.worker_pids():
        count = 0
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    target = os.readlink(fd)
                    if target.startswith("socket:[") and target[8:-1] in established:
                        count += 1
        counts.append(count)
    return counts


def worker_cpu(server: Server) -> dict[int, float]:
    ticks = {}
    for pid in server.worker_pids():
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return ticks


def wrk(server: Server, case: Case, token: str, seconds: int, arguments,
        pause_ms: float = 0) -> dict:
    command = [
        "wrk", f"-t{arguments.threads}", f"-c{arguments.connections}", f"-d{seconds}s",
        "--timeout", "30s", "-s", str(LUA), server.url, "--",
        case.script, token, str(seed.DOMAINS), str(seed.NUMBERS_PER_DOMAIN), seed.NUMBER_PREFIX,
        seed.BIG_DOMAIN, POST_BODY, f"{pause_ms:.3f}",
    ]
    cpu_before = worker_cpu(server)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Where wrk's connections are, a second in (they are opened at the start) and near the end
    # (a worker recycles a keep-alive connection after about 1,000 requests).
    time.sleep(min(1.0, seconds / 4))
    spread = [connections_per_worker(server)]
    time.sleep(max(seconds - 2.0, 0))
    spread.append(connections_per_worker(server))
    stdout, stderr = process.communicate(timeout=seconds + 60)
    cpu_after = worker_cpu(server)
    completed = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    for line in completed.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            raw = json.loads(line.removeprefix("BENCH_JSON "))
            break
    else:
        raise RuntimeError(f"wrk gave no result for {case.name}: "
                           f"{completed.stdout}{completed.stderr}")
    errors = raw["errors"]
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["latency_us"]["p50"] / 1000,
        "p99_ms": raw["latency_us"]["p99"] / 1000,
        "p999_ms": raw["latency_us"]["p999"] / 1000,
        "connections_per_worker": spread,
        "worker_cpu_s": [round(cpu_after.get(pid, 0) - before, 2)
                         for pid, before in sorted(cpu_before.items())],
        "requests": raw["requests"],
        "non_2xx": errors["status"],
        "socket_errors": errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        "raw": raw,
    }


def measure_once(servers: dict[str, Server], server: Server, case: Case, token: str,
                 seconds: int, arguments, pause_ms: float = 0) -> dict:
    """One wrk run of `case` on `server`, once every server is idle; with the workers' CPU."""
    for each in servers.values():
        each.check_alive()
        each.settle()
    counting = case.script == "decision"
    if counting:
        rows_before = usage_rows_written(server)
        wal_before = wal_bytes(arguments.database_url)
    cpu_before = server.cpu_seconds()
    result = wrk(server, case, token, seconds, arguments, pause_ms)
    server.check_alive()
    # The workers' own CPU time (the kernel's count): steadier than req/s on a shared
    # machine, whose neighbours take cycles but not this process's CPU time.
    cpu = server.cpu_seconds() - cpu_before
    result["cpu_us"] = cpu / max(result["requests"], 1) * 1e6
    if counting:
        # What the tally's flushes wrote for this round's decisions (every answer applies:
        # outcome=timeout), in rows and, on PostgreSQL, in WAL bytes.
        time.sleep(FLUSHED_WITHIN_SECONDS)
        per_1000 = 1000 / max(result["requests"], 1)
        result["usage_rows_per_1000"] = (usage_rows_written(server) - rows_before) * per_1000
        wal_after = wal_bytes(arguments.database_url)
        result["wal_bytes_per_1000"] = (
            None if wal_before is None else (wal_after - wal_before) * per_1000)
    return result


def describe(result: dict) -> str:
    spread = " then ".join("/".join(map(str, counts)) for counts in result["connections_per_worker"])
    writes = (f", usage rows {result['usage_rows_per_1000']:.0f} per 1,000"
              if "usage_rows_per_1000" in result else "")
    if result.get("wal_bytes_per_1000") is not None:
        writes += f", WAL {result['wal_bytes_per_1000'] / 1024:.0f} KiB per 1,000"
    return (f"{result['rps']:.0f} req/s, p50 {result['p50_ms']:.1f} ms, "
            f"p99 {result['p99_ms']:.1f} ms, p99.9 {result['p999_ms']:.1f} ms, "
            f"worker CPU {result['cpu_us']:.0f} µs/request, "
            f"non-2xx {result['non_2xx']}, socket errors {result['socket_errors']}; "
            f"connections per worker {spread}, CPU s per worker "
            f"{'/'.join(f'{cpu:.1f}' for cpu in result['worker_cpu_s'])}{writes}")


def usage_rows_written(server: Server) -> float:
    """The service's count of use rows its tally's flushes wrote (all workers)."""
    with urllib.request.urlopen(f"{server.url}/metrics", timeout=30) as response:
        for line in response.read().decode().splitlines():
            if line.startswith("cache_fallback_usage_rows_written_total "):
                return float(line.split()[1])
    return 0.0


def wal_bytes(database_url: str | None) -> int | None:
    """PostgreSQL's WAL written so far (pg_stat_wal), None on SQLite."""
    if not database_url or not database_url.startswith("postgresql"):
        return None
    engine = create_engine(database_url, poolclass=NullPool)
    with engine.connect() as connection:
        written = connection.execute(text("SELECT wal_bytes FROM pg_stat_wal")).scalar()
    engine.dispose()
    return int(written)


# The service's default CACHE_USAGE_FLUSH_SECONDS and a margin: a decision round's use is
# written by then.
FLUSHED_WITHIN_SECONDS = 3.5


def measure(servers: dict[str, Server], token: str, arguments) -> dict:
    """Probe, warm up, then run the rounds; return per case the medians and every round."""
    cases, results = [], {}
    for case in arguments.cases:
        servers[case.target].check_alive()
        status, body = probe(servers[case.target], case, token)
        if 200 <= status < 300:
            cases.append(case)
            continue
        reason = (f"skipped: the service answers {status} (not built on this branch?)"
                  if case.name == "decision" and status == 404
                  else f"skipped: the probe was answered {status}: {body}")
        print(f"  {case.name}: {reason}", flush=True)
        results[case.name] = {"label": case.label, "skipped": reason}

    def run(case: Case, seconds: int) -> dict:
        return measure_once(servers, servers[case.target], case, token, seconds, arguments)

    for case in cases if arguments.warmup else ():
        run(case, arguments.warmup)
    rounds: dict[str, list[dict]] = {case.name: [] for case in cases}
    for number in range(arguments.rounds):
        shift = number % len(cases) if cases else 0
        for case in cases[shift:] + cases[:shift]:
            result = run(case, arguments.duration)
            rounds[case.name].append(result)
            print(f"  round {number + 1} {case.name}: {describe(result)}", flush=True)
    for case in cases:
        results[case.name] = {"label": case.label, **summarize(rounds[case.name])}
    decision = next((case for case in cases if case.name == "decision"), None)
    if decision is not None and arguments.steady_fractions:
        results["steady"] = steady(servers, decision, token, results["decision"]["rps"],
                                   arguments)
    return results


def summarize(runs: list[dict]) -> dict:
    summary = {
        name: statistics.median(run[name] for run in runs)
        for name in ("rps", "p50_ms", "p99_ms", "p999_ms", "cpu_us")
    }
    for name in ("rps", "p99_ms"):
        summary[f"{name}_range"] = [min(run[name] for run in runs), max(run[name] for run in runs)]
    if runs and "usage_rows_per_1000" in runs[0]:
        summary["usage_rows_per_1000"] = statistics.median(
            run["usage_rows_per_1000"] for run in runs)
        wal = [run["wal_bytes_per_1000"] for run in runs if run["wal_bytes_per_1000"] is not None]
        summary["wal_bytes_per_1000"] = statistics.median(wal) if wal else None
    summary.update(
        non_2xx=sum(run["non_2xx"] for run in runs),
        socket_errors=sum(run["socket_errors"] for run in runs),
        requests=sum(run["requests"] for run in runs),
        rounds=runs,
    )
    return summary


def steady(servers: dict[str, Server], case: Case, token: str, measured_rps: float,
           arguments) -> dict:
    """The decision at steady rates below its maximum: each of wrk's connections pauses a
    random (exponential) time before each request, so that together they send about
    `share x measured_rps` requests a second, however fast the answers come."""
    results = {}
    yardstick = next(candidate for candidate in CASES if candidate.name == case.yardstick)
    for share in arguments.steady_fractions:
        rate = share * measured_rps
        pause_ms = arguments.connections * 1000 / rate
        runs, yardstick_runs = [], []
        for number in range(arguments.steady_rounds):
            # The lean yardstick's GET at the same pace, interleaved: the p99 this machine
            # gives a request that does the least work, with wrk beside it on the cores.
            for measured, into in ((case, runs), (yardstick, yardstick_runs)):
                result = measure_once(servers, servers[measured.target], measured, token,
                                      arguments.steady_duration, arguments, pause_ms)
                into.append(result)
                print(f"  steady {share:.2f} x {measured_rps:.0f} = {rate:.0f} req/s asked, "
                      f"round {number + 1}, {measured.name}: {describe(result)}", flush=True)
        results[f"{share:g}"] = {"share": share, "asked_rps": rate, **summarize(runs),
                                 "yardstick": summarize(yardstick_runs)}
    return results


def bench_engine(engine: str, url: str, folder: Path, arguments) -> dict:
    secret = secrets.token_urlsafe(48)
    token = mint(secret)
    by_workers = {}
    arguments.database_url = url
    for workers in arguments.workers:
        label = f"{engine}-w{workers}"
        servers = {}
        try:
            servers["service"] = service(url, secret, workers, folder, label).start(workers)
            servers["yardstick"] = yardstick(url, secret, workers, arguments.yardstick_worker_class,
                                             folder, label).start(workers)
            print(f"{engine}, {workers} workers each: measuring", flush=True)
            results = measure(servers, token, arguments)
            memory = {name: server.worker_rss_mib() for name, server in servers.items()}
        finally:
            for server in servers.values():
                server.stop()
        by_workers[str(workers)] = {"workers": workers, "cases": results, "worker_rss_mib": memory}
        report.print_table(engine, by_workers[str(workers)], arguments)
    return by_workers


@contextlib.contextmanager
def seeded_database(engine: str, folder: Path, admin_url: str):
    """The URL of a database holding the dataset, removed afterwards: a copy of the cached
    SQLite seed in `folder`, or a PostgreSQL scratch database."""
    if engine == "sqlite":
        database = folder / "bench.sqlite3"
        try:
            print(f"sqlite: {seed.seed_sqlite(RESULTS / 'cache', database)}", flush=True)
            yield f"sqlite:///{database}"
        finally:
            for path in folder.glob("bench.sqlite3*"):
                path.unlink()
    else:
        with seed.scratch_database(admin_url) as url:
            print(f"postgresql: {seed.seed_postgresql(url)}", flush=True)
            yield url


def main() -> None:
    arguments = parse_arguments()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    # A SIGTERM unwinds like Ctrl-C, through the finally blocks that stop everything.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    folder = RESULTS / time.strftime("%Y%m%d-%H%M%S")
    folder.mkdir(parents=True)
    info = report.machine(arguments)
    print(report.machine_line(info), flush=True)
    results = {}
    for engine in arguments.engines:
        with seeded_database(engine, folder, arguments.admin_url) as url:
            results[engine] = bench_engine(engine, url, folder, arguments)
    if len(arguments.workers) > 1:
        report.print_sweep(results)
    checks = report.targets(results)
    print("\ntargets (issue 21):")
    for item in checks:
        print(f"  {'met    ' if item['met'] else 'NOT met'}  {item['target']}: {item['value']}")
    print(report.machine_line(info))
    settings = {key: value for key, value in vars(arguments).items() if key != "cases"}
    settings["cases"] = [case.name for case in arguments.cases]
    output = folder / "results.json"
    output.write_text(json.dumps(
        {"machine": info, "settings": settings, "results": results, "targets": checks}, indent=2))
    print(f"results: {output.relative_to(ROOT)}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        # The finally blocks have stopped the servers and dropped the scratch database.
        sys.exit("interrupted: servers stopped, scratch database dropped")
