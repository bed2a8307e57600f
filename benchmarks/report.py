"""What benchmarks/run.py prints: the tables, the sweep, the targets, the machine."""

import importlib.metadata
import os
import platform
import sqlite3
import statistics
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, text

# The reference the service's cases are shown as a share of (see run.py's docstring).
CEILING = "ceiling-preflight"


def ratio(numerator, denominator) -> float | None:
    """numerator / denominator, or None when either is missing or zero (nothing measured)."""
    return numerator / denominator if numerator and denominator else None


def print_table(engine: str, run: dict, arguments) -> None:
    cases = run["cases"]
    ceiling = cases.get(CEILING, {}).get("rps")
    print(f"\n{engine}, {run['workers']} workers (service: gunicorn.conf.py, uvicorn workers; "
          f"yardstick: {arguments.yardstick_worker_class} workers), "
          f"{arguments.connections} connections, "
          f"median of {arguments.rounds} x {arguments.duration} s")
    header = (f"{'case':<30}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'CPU µs':>9}{'non-2xx':>9}"
              f"{'sock.err':>9}{'vs yardstick':>14}{'p99 vs yard':>13}{'vs ceiling':>12}")
    print(header)
    print("-" * len(header))
    for case in arguments.cases:
        result = cases.get(case.name)
        if result is None:
            continue
        if "skipped" in result:
            print(f"{case.label:<30}  {result['skipped']}")
            continue
        if not result["requests"]:
            print(f"{case.label:<30}  no answer completed within {arguments.duration} s")
            continue
        yard = cases.get(case.yardstick or "", {})
        speed = ratio(result["rps"], yard.get("rps"))
        p99 = ratio(result["p99_ms"], yard.get("p99_ms"))
        share = ratio(result["rps"], ceiling) if case.target == "service" else None
        cpu = f"{result['cpu_us']:.0f}" if "cpu_us" in result else "-"
        print(f"{case.label:<30}{result['rps']:>9.0f}"
              f"{result['p50_ms']:>9.1f}{result['p99_ms']:>9.1f}{cpu:>9}"
              f"{result['non_2xx']:>9}{result['socket_errors']:>9}"
              f"{_times(speed):>14}{_times(p99):>13}{_times(share):>12}")
    print("CPU µs: the workers' CPU time per request answered (the kernel's count, median).")
    for case in arguments.cases:
        result = cases.get(case.name, {})
        if "rps_range" in result:
            low, high = result["rps_range"]
            p99_low, p99_high = result["p99_ms_range"]
            print(f"  {case.label}: rounds {low:.0f}-{high:.0f} req/s, "
                  f"p99 {p99_low:.1f}-{p99_high:.1f} ms")
    decision = cases.get("decision", {})
    if "usage_rows_per_1000" in decision:
        wal = decision.get("wal_bytes_per_1000")
        print(f"The tally's flushes wrote {decision['usage_rows_per_1000']:.0f} rows per 1,000 "
              "decisions" + (f", {wal / 1024:.0f} KiB of WAL" if wal is not None else "")
              + " (median of the rounds).")
    if cases.get("steady"):
        print(f"\n{'decision at a steady rate':<30}{'asked':>9}{'req/s':>9}{'p50 ms':>9}"
              f"{'p99 ms':>9}{'p99.9 ms':>10}{'p99 range':>16}")
        for result in cases["steady"].values():
            rows = [(f"{result['share']:.2f} of the maximum", result)]
            if "yardstick" in result:  # runs from before the yardstick was paced too lack it
                rows.append(("  yardstick: GET item", result["yardstick"]))
            for label, row in rows:
                low, high = row["p99_ms_range"]
                print(f"{label:<30}{result['asked_rps']:>9.0f}"
                      f"{row['rps']:>9.0f}{row['p50_ms']:>9.2f}{row['p99_ms']:>9.1f}"
                      f"{row['p999_ms']:>10.1f}{f'{low:.1f}-{high:.1f}':>16}")
    for name, sizes in run["worker_rss_mib"].items():
        print(f"VmRSS per {name} worker after the load (MiB): {', '.join(map(str, sizes))}")


def _times(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "-"


def print_sweep(results: dict) -> None:
    """GET item and memory per worker count, side by side, to choose the default count."""
    print(f"\n{'sweep':<22}{'GET req/s':>11}{'GET p99 ms':>12}{'yardstick req/s':>17}"
          f"{'service MiB/worker':>20}")
    for engine, by_workers in results.items():
        for workers, run in by_workers.items():
            get = run["cases"].get("get", {})
            yard = run["cases"].get("yardstick-get", {})
            rss = run["worker_rss_mib"]["service"]
            print(f"{engine + ', ' + workers + ' workers':<22}{get.get('rps', 0):>11.0f}"
                  f"{get.get('p99_ms', 0):>12.1f}{yard.get('rps', 0):>17.0f}"
                  f"{statistics.mean(rss) if rss else 0:>20.1f}")


# Issue 21: the decision's p99 at half its maximum rate.
STEADY_P99_MS = {"sqlite": 5.0, "postgresql": 10.0}


def targets(results: dict) -> list[dict]:
    """Issue 21's targets (issue 10's, raised), per worker count, from the medians measured."""
    checks = []

    def check(name, value, met):
        checks.append({"target": name, "value": value, "met": met})

    for engine, by_workers in results.items():
        for workers, run in by_workers.items():
            cases = run["cases"]
            where = f"{engine}, {workers} workers"
            for name in ("get", "decision"):
                result, yard = cases.get(name, {}), cases.get("yardstick-get", {})
                speed = ratio(result.get("rps"), yard.get("rps"))
                p99 = ratio(result.get("p99_ms"), yard.get("p99_ms"))
                if speed is not None and p99 is not None:
                    check(f"{where}: {name} req/s >= 1.2x the lean yardstick's", f"{speed:.2f}x",
                          speed >= 1.2)
                    check(f"{where}: {name} p99 <= the lean yardstick's", f"{p99:.2f}x", p99 <= 1)
            half = cases.get("steady", {}).get("0.5")
            if half:
                goal = STEADY_P99_MS[engine]
                floor = (f" (the lean yardstick's GET at that pace: "
                         f"{half['yardstick']['p99_ms']:.1f} ms)" if "yardstick" in half else "")
                check(f"{where}: decision p99 at half its maximum < {goal:g} ms",
                      f"{half['p99_ms']:.1f} ms at {half['rps']:.0f} req/s{floor}",
                      half["p99_ms"] < goal)
            result, yard = cases.get("post", {}), cases.get("yardstick-post", {})
            speed = ratio(result.get("rps"), yard.get("rps"))
            if speed is not None:
                check(f"{where}: POST item req/s >= 1.0x the yardstick's POST",
                      f"{speed:.2f}x", speed >= 1)
                if engine == "postgresql":
                    check(f"{where}: POST item p99 < 200 ms", f"{result['p99_ms']:.0f} ms",
                          result["p99_ms"] < 200)
            result, yard = cases.get("list100k", {}), cases.get("yardstick-list100k", {})
            speed = ratio(result.get("rps"), yard.get("rps"))
            if speed is not None:
                check(f"{where}: list of 100,000 req/s >= yardstick", f"{speed:.2f}x", speed >= 1)
    for workers, run in results.get("postgresql", {}).items():
        sqlite_get = results.get("sqlite", {}).get(workers, {}).get("cases", {}).get("get", {})
        slower = ratio(sqlite_get.get("rps"), run["cases"].get("get", {}).get("rps"))
        if slower is not None:
            check(f"{workers} workers: PostgreSQL GET item within 1.2x of SQLite",
                  f"{slower:.2f}x", slower <= 1.2)
    return checks


def machine(arguments) -> dict:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo
                if line.startswith("model name")), platform.processor())
    packages = ("connexion", "flask", "starlette", "uvicorn", "uvicorn-worker", "gunicorn",
                "sqlalchemy", "psycopg", "pyjwt")
    info = {
        "cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
        "wrk": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split(" [")[0],
        "load_average_at_start": os.getloadavg(),
        "versions": {name: importlib.metadata.version(name) for name in packages},
    }
    if "postgresql" in arguments.engines:
        engine = create_engine(arguments.admin_url)
        with engine.connect() as connection:
            info["postgresql"] = connection.execute(text("SHOW server_version")).scalar()
        engine.dispose()
    return info


def machine_line(info: dict) -> str:
    versions = ", ".join(f"{name} {version}" for name, version in info["versions"].items())
    server = f", PostgreSQL {info['postgresql']}" if "postgresql" in info else ""
    load = ", ".join(f"{value:.2f}" for value in info["load_average_at_start"])
    return (f"machine: {info['cpu']}, {info['cores']} cores, Linux {info['kernel']}, "
            f"Python {info['python']}, SQLite {info['sqlite']}{server}, {info['wrk']}; "
            f"{versions}; load average at start {load}")
