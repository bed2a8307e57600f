"""A/B load benchmark: the service as it is (A) against a variant of it (B), one dataset.

    .venv/bin/python benchmarks/ab.py [--engine sqlite|postgresql] [--cases get,decision]
        [--b-env NAME=VALUE ...] [--b-args "GUNICORN ARGUMENTS"] [--b-source FOLDER]
        [--duration 5] [--rounds 6] [--workers 2] [--b-workers N] [--connections 32]

B is the service with other CACHE_* settings (`--b-env CACHE_USAGE_FLUSH_SECONDS=3600`),
other gunicorn arguments (`--b-args "-k uvicorn_worker.UvicornWorker"`), another worker
count (`--b-workers 3`), or other code:
`--b-source` runs B from another source tree, such as the commit before a change
(`git worktree add /tmp/before HEAD~1`). Both run at once on the same seeded database
(benchmarks/run.py's dataset, server and wrk driver), one case at a time: every round
runs each case on A and on B back to back, and who goes first alternates, so that the
machine's slow and fast moments fall on both. Prints each round, then per case the
medians of req/s, p50, p99 and the workers' CPU per request, and B's ratio to A.
A change of a hot path needs this, not two runs of benchmarks/run.py an hour apart:
on a shared machine, the hour moves req/s more than most changes do.
"""

import argparse
import contextlib
import secrets
import shlex
import shutil
import signal
import statistics
import sys
import time
from pathlib import Path

import run

CASES = {case.name: case for case in run.CASES if case.target == "service"}
FIGURES = (("rps", "req/s"), ("p50_ms", "p50 ms"), ("p99_ms", "p99 ms"), ("cpu_us", "CPU µs"))


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--cases", default="get,decision",
                        help=f"comma-separated, of: {', '.join(CASES)}")
    parser.add_argument("--b-env", action="append", default=[], metavar="NAME=VALUE",
                        help="a setting of B's environment (repeatable)")
    parser.add_argument("--b-args", default="", help="arguments added to B's gunicorn command")
    parser.add_argument("--b-source", type=Path, help="the source tree B runs from")
    parser.add_argument("--workers", type=int, default=run.shipped_workers())
    parser.add_argument("--b-workers", type=int, help="B's worker count (default: --workers)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per case and round")
    parser.add_argument("--rounds", type=int, default=6,
                        help="an even number, so that A and B go first equally often")
    parser.add_argument("--warmup", type=int, default=2, help="seconds per case before round 1")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--admin-url", default=run.DEFAULT_ADMIN_URL,
                        help="PostgreSQL server for the scratch database")
    arguments = parser.parse_args()
    unknown = set(arguments.cases.split(",")) - set(CASES)
    if unknown:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    arguments.cases = [CASES[name] for name in arguments.cases.split(",")]
    arguments.engines = [arguments.engine]  # as report.machine() reads them
    if any("=" not in setting for setting in arguments.b_env):
        parser.error("--b-env takes NAME=VALUE")
    if min(arguments.duration, arguments.rounds, arguments.workers) < 1:
        parser.error("--duration, --rounds and --workers must be at least 1")
    arguments.b_workers = arguments.b_workers or arguments.workers
    if not (arguments.b_env or arguments.b_args or arguments.b_source
            or arguments.b_workers != arguments.workers):
        parser.error("B would be A: give --b-env, --b-args, --b-workers or --b-source")
    return arguments


def servers_for(url: str, secret: str, folder: Path, arguments) -> dict[str, run.Server]:
    a = run.service(url, secret, arguments.workers, folder, "a")
    b = run.service(url, secret, arguments.b_workers, folder, "b")
    b.name = "service B"
    b.env.update(setting.split("=", 1) for setting in arguments.b_env)
    b.command += shlex.split(arguments.b_args)
    if arguments.b_source:
        b.cwd = arguments.b_source.resolve()
    return {"A": a, "B": b}


def compare(servers: dict[str, run.Server], token: str, arguments) -> dict:
    """Warm up, run the interleaved rounds, print them; return every round per case and side."""
    rounds = {case.name: {"A": [], "B": []} for case in arguments.cases}

    def one(case, side: str, seconds: int) -> dict:
        return run.measure_once(servers, servers[side], case, token, seconds, arguments)

    for case in arguments.cases:
        for side, server in servers.items():
            status, body = run.probe(server, case, token)
            if not 200 <= status < 300:
                sys.exit(f"{case.name} on {side} is answered {status}: {body}")
            if arguments.warmup:
                one(case, side, arguments.warmup)
    for number in range(arguments.rounds):
        order = ("A", "B") if number % 2 == 0 else ("B", "A")
        for case in arguments.cases:
            for side in order:
                result = one(case, side, arguments.duration)
                rounds[case.name][side].append(result)
                print(f"  round {number + 1} {case.name} {side}: {run.describe(result)}",
                      flush=True)
    return rounds


def print_summary(rounds: dict) -> None:
    print(f"\n{'case':<12}{'figure':<9}{'A':>10}{'B':>10}{'B/A':>8}   rounds A | B")
    for name, sides in rounds.items():
        for key, label in FIGURES:
            a = [result[key] for result in sides["A"]]
            b = [result[key] for result in sides["B"]]
            a_median, b_median = statistics.median(a), statistics.median(b)
            ratio = f"{b_median / a_median:.2f}x" if a_median else "-"
            places = 1 if key.endswith("_ms") else 0
            spread = (f"{min(a):.{places}f}-{max(a):.{places}f} | "
                      f"{min(b):.{places}f}-{max(b):.{places}f}")
            print(f"{name:<12}{label:<9}{a_median:>10.1f}{b_median:>10.1f}{ratio:>8}   {spread}")
        errors = {side: sum(r["non_2xx"] + r["socket_errors"] for r in results)
                  for side, results in sides.items()}
        print(f"{name:<12}{'errors':<9}{errors['A']:>10}{errors['B']:>10}")


def main() -> None:
    arguments = parse_arguments()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    # A SIGTERM unwinds like Ctrl-C, through the cleanup below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    folder = run.RESULTS / time.strftime("ab-%Y%m%d-%H%M%S")
    folder.mkdir(parents=True)
    print(run.report.machine_line(run.report.machine(arguments)), flush=True)
    print(f"A: as it is, {arguments.workers} workers; B: {arguments.b_workers} workers, env "
          f"{arguments.b_env or '-'}, gunicorn arguments {arguments.b_args or '-'}, source "
          f"{arguments.b_source or 'this tree'}", flush=True)
    secret = secrets.token_urlsafe(48)
    # Everything entered here is undone on the way out, on Ctrl-C too: the servers are
    # stopped, the SQLite copy deleted, the PostgreSQL scratch database dropped.
    with contextlib.ExitStack() as cleanup:
        url = cleanup.enter_context(run.seeded_database(arguments.engine, folder,
                                                        arguments.admin_url))
        servers = servers_for(url, secret, folder, arguments)
        for server, workers in zip(servers.values(), (arguments.workers, arguments.b_workers)):
            cleanup.callback(server.stop)
            server.start(workers)
        print_summary(compare(servers, run.mint(secret), arguments))
    print(f"server logs: {folder.relative_to(run.ROOT)}")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: servers stopped")
