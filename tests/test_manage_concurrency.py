"""History and If-Match under concurrent writers, against the real server (gunicorn,
several workers), on this run's engine."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import create_engine, text

from tests.helpers import DOMAIN, bearer, make_token
from tests.live_server import server_on

WORKERS = 4
WRITERS = 16
WRITES_PER_WRITER = 20


def body(tag: str) -> dict:
    return {"mode": "always", "command": {"action": {
        "type": "call", "destAddr": "sip:a@example.com", "xHeaders": {"X-Writer": tag}}}}


def test_history_is_exact_under_concurrent_writers(database_url, tmp_path):
    auth = bearer(make_token(sub="racer"))
    entry = f"/cache/{DOMAIN}/ivrfallback/+4610"

    def writer(index: int) -> list[tuple[str, int]]:
        done = []
        with httpx.Client(base_url=server.url, headers=auth, timeout=30) as client:
            for write in range(WRITES_PER_WRITER):
                tag = f"{index}-{write}"
                if write % 7 == 6:
                    response = client.delete(entry)
                    kind = "delete"
                elif write % 5 == 4:
                    response = client.post(f"/manage/{DOMAIN}/ivrfallback/+4610/renew")
                    kind = "renew"
                else:
                    response = client.post(entry, json=body(tag))
                    kind = f"set {tag}"
                assert response.status_code in (200, 404), response.text
                done.append((kind, response.status_code))
        return done

    with server_on(database_url, tmp_path, workers=WORKERS) as server:
        started = time.monotonic()
        with ThreadPoolExecutor(WRITERS) as pool:
            outcomes = [item for result in pool.map(writer, range(WRITERS)) for item in result]
        elapsed = time.monotonic() - started
        history = httpx.get(f"{server.url}/manage/{DOMAIN}/ivrfallback/%2B4610/history",
                            headers=auth, timeout=30).json()["data"]

    succeeded = [kind for kind, status in outcomes if status == 200]
    # Every change that answered 200 is one version, numbered 1..N without gap or repeat.
    assert sorted(v["version"] for v in history) == list(range(1, len(succeeded) + 1))
    recorded_sets = sorted(f"set {v['command']['action']['xHeaders']['X-Writer']}"
                           for v in history if v["action"] == "set")
    assert recorded_sets == sorted(kind for kind in succeeded if kind.startswith("set"))
    assert sum(v["action"] == "delete" for v in history) == succeeded.count("delete")
    assert sum(v["action"] == "renew" for v in history) == succeeded.count("renew")
    engine = create_engine(database_url)
    with engine.connect() as connection:
        counter = connection.execute(text("SELECT version FROM ivr_fallback_counter")).scalar()
        live = connection.execute(text("SELECT version FROM ivr_fallback")).scalar()
    engine.dispose()
    assert counter == len(succeeded)
    newest = history[0]
    assert (live == newest["version"]) if newest["action"] != "delete" else live is None
    print(f"\n{len(outcomes)} writes by {WRITERS} writers on {WORKERS} workers in "
          f"{elapsed:.1f} s: {len(succeeded)} versions, none missing or repeated")


# What the two editors of a round send, with the same If-Match, round after round: the
# public writes and the management ones (restore, renew) against each other.
EDITS = (("set", "set"), ("set", "delete"), ("renew", "restore"), ("restore", "set"),
         ("renew", "delete"))


def test_two_editors_with_the_same_etag_one_wins(database_url, tmp_path):
    auth = bearer(make_token())
    entry = f"/cache/{DOMAIN}/ivrfallback/1"
    manage = f"/manage/{DOMAIN}/ivrfallback/1"
    rounds, tallies = 25, []
    with server_on(database_url, tmp_path, workers=WORKERS) as server, \
            httpx.Client(base_url=server.url, headers=auth, timeout=30) as setup:
        assert setup.post(entry, json=body("start")).status_code == 200
        for round_ in range(rounds):
            etag = setup.get(entry).headers["etag"]
            barrier = threading.Barrier(2)

            def edit(editor: int) -> int:
                condition = {"If-Match": etag}
                action = EDITS[round_ % len(EDITS)][editor]
                with httpx.Client(base_url=server.url, headers=auth, timeout=30) as client:
                    barrier.wait()
                    if action == "delete":
                        return client.delete(entry, headers=condition).status_code
                    if action == "restore":
                        return client.post(f"{manage}/restore", headers=condition,
                                           json={"version": int(etag.strip('"'))}).status_code
                    if action == "renew":
                        return client.post(f"{manage}/renew", headers=condition).status_code
                    return client.post(entry, json=body(f"{round_}-{editor}"),
                                       headers=condition).status_code

            with ThreadPoolExecutor(2) as pool:
                statuses = sorted(pool.map(edit, (0, 1)))
            tallies.append(statuses)
            if setup.get(entry).status_code == 404:
                setup.post(entry, json=body(f"again-{round_}"))
    assert tallies == [[200, 412]] * rounds
