"""CPU cost of one request through the app, without a server (issue 10): the steady figure.

    .venv/bin/python benchmarks/cost.py [--cases get,decision,preflight,healthz]
        [--requests 4000] [--concurrency 16] [--rounds 5] [--profile FILE]

    (cases: get, decision, post, list1k, list100k, preflight, healthz; a list of 100,000
    numbers takes about 0.1 s: ask for fewer requests, e.g. --requests 40)

The load benchmark (benchmarks/run.py) answers how fast the service is; on a
shared machine its rounds vary by 10-20 %, more than most single optimisations
change. This drives the ASGI app that gunicorn's workers run (create_app(), the
same middleware, Connexion, Flask's thread pool and SQLite database) directly
from asyncio, with `--concurrency` requests in flight, and prints the process's
CPU time per request (every thread's), which varies by a few percent: the figure
to compare before and after a change of the request path. It leaves out only
what the HTTP server does (uvicorn's parsing and socket writes), which no change
of the app moves. The dataset is benchmarks/seed.py's, cached like run.py's.
"""

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import jwt

import run
import seed

BENCH = Path(__file__).resolve().parent
SECRET = "cost-benchmark-secret-of-at-least-32-bytes"


# What benchmarks/run.py's POST sends.
POST_BODY = run.POST_BODY.encode()


def request_for(case: str, token: str, rng: random.Random) -> tuple[str, str, str, list, bytes]:
    """(method, path, query, headers, body) as load.lua sends them."""
    domain = seed.domain_name(rng.randrange(seed.DOMAINS))
    number = seed.number(rng.randrange(seed.NUMBERS_PER_DOMAIN))
    auth = [(b"authorization", f"Bearer {token}".encode())]
    if case == "get":
        return "GET", f"/cache/{domain}/ivrfallback/{number}", "", auth, b""
    if case == "decision":
        return ("GET", f"/platform/{domain}/ivrfallback/{number}/decision", "outcome=timeout",
                auth, b"")
    if case == "post":
        return "POST", f"/cache/{domain}/ivrfallback/{number}", "", [
            *auth, (b"content-type", b"application/json"),
            (b"content-length", str(len(POST_BODY)).encode())], POST_BODY
    if case == "list1k":
        return "GET", f"/cache/{domain}/ivrfallback", "", auth, b""
    if case == "list100k":
        return "GET", f"/cache/{seed.BIG_DOMAIN}/ivrfallback", "", auth, b""
    if case == "preflight":
        return "OPTIONS", f"/cache/{domain}/ivrfallback/{number}", "", [
            (b"origin", b"https://portal.example.com"),
            (b"access-control-request-method", b"GET")], b""
    if case == "healthz":
        return "GET", "/healthz", "", [], b""
    raise SystemExit(f"unknown case {case!r}")


async def call(app, method: str, path: str, query: str, headers: list, body: bytes) -> int:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": query.encode(), "headers": [(b"host", b"127.0.0.1:8080"), *headers],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8080), "state": {},
    }
    status = 0

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def drive(app, case: str, token: str, requests: int, concurrency: int) -> tuple[float, float]:
    """Send `requests` requests, `concurrency` at a time: (CPU µs, wall µs) per request."""
    rng = random.Random(7)
    shapes = [request_for(case, token, rng) for _ in range(requests)]
    queue = iter(shapes)

    async def client():
        for shape in queue:
            status = await call(app, *shape)
            if status >= 300:
                raise SystemExit(f"{case}: {shape[0]} {shape[1]} answered {status}")

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    return ((time.process_time() - cpu) / requests * 1e6,
            (time.perf_counter() - wall) / requests * 1e6)


async def lifespan_start(app):
    """Start the app as uvicorn does (Connexion builds its middleware stack then)."""
    messages = asyncio.Queue()
    await messages.put({"type": "lifespan.startup"})
    started = asyncio.Event()

    async def send(message):
        started.set()

    task = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}},
                                   messages.get, send))
    await started.wait()
    return messages, task


async def main_async(arguments, app, token) -> dict:
    messages, task = await lifespan_start(app)
    cases = arguments.cases.split(",")
    results = {case: [] for case in cases}
    for case in cases:  # warm-up: caches, the pool, the thread pool
        await drive(app, case, token, min(300, arguments.requests), arguments.concurrency)
    profiler = None
    if arguments.profile:
        import cProfile
        profiler = cProfile.Profile()
        profiler.enable()
    for round_ in range(arguments.rounds):
        for case in cases[round_ % len(cases):] + cases[:round_ % len(cases)]:
            results[case].append(await drive(app, case, token, arguments.requests,
                                             arguments.concurrency))
    if profiler:
        profiler.disable()
        profiler.dump_stats(arguments.profile)
    await messages.put({"type": "lifespan.shutdown"})
    await task
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="get,decision,preflight,healthz")
    parser.add_argument("--requests", type=int, default=4000, help="per case and round")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", help="write cProfile stats of the measured rounds here")
    arguments = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="cost-"))
    database = folder / "cache.sqlite3"
    print(seed.seed_sqlite(BENCH / "results" / "cache", database), file=sys.stderr)
    os.environ.update({
        "CACHE_DATABASE_URL": f"sqlite:///{database}", "CACHE_JWT_SECRET": SECRET,
        "CACHE_INSTANCE_PATH": str(folder / "instance"),
    })
    # Logging as gunicorn.conf.py sets it (a JSON line per request), into a file here.
    import logging.config

    from app.logs import LOGGING
    handler = {key: value for key, value in LOGGING["handlers"]["stderr"].items()
               if key != "stream"}
    logging.config.dictConfig({**LOGGING, "handlers": {"stderr": {
        **handler, "class": "logging.FileHandler", "filename": str(folder / "service.log")}}})

    from app import create_app
    app = create_app()
    now = int(time.time())
    token = jwt.encode({"iss": "cache-api", "aud": "cache-api", "sub": "bench", "iat": now,
                        "nbf": now, "exp": now + 86_400, "domains": ["*"],
                        "scope": "cache/read cache/write cache/platform"}, SECRET,
                       algorithm="HS256")
    results = asyncio.run(main_async(arguments, app, token))
    print(f"{'case':<12} {'CPU µs/request':>15} {'spread':>8} {'wall µs/request':>16}"
          f"   ({arguments.rounds} rounds of {arguments.requests}, {arguments.concurrency} "
          "in flight, median)")
    for case, figures in results.items():
        cpu = [figure[0] for figure in figures]
        wall = [figure[1] for figure in figures]
        spread = (max(cpu) - min(cpu)) / statistics.median(cpu) * 100
        print(f"{case:<12} {statistics.median(cpu):>15.0f} {spread:>7.1f}% "
              f"{statistics.median(wall):>16.0f}")
    print(json.dumps({case: figures for case, figures in results.items()}), file=sys.stderr)


if __name__ == "__main__":
    main()
