"""The console's numbers page with many numbers: how long until it is usable, and a search.

    .venv/bin/python benchmarks/console_numbers.py [--numbers 100000] [--rounds 5] \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/EMPTY_DATABASE]

Runs gunicorn (one worker) on a fresh SQLite database in a temporary folder (or on the
empty database named, which it migrates and leaves filled), imports the
numbers through the management API (10,000 per call), times the page of numbers
(GET /manage/{domain}/ivrfallback: the first page, one deep in the list, a search that
matches nothing), then in headless Chromium (Debian's, or $CHROMIUM_PATH) signs in and,
each round, loads the numbers page anew and times it from navigation until the page has
shown its first page of numbers (the page's own performance mark); then types a search and
times it until the matches are shown (this one includes the page's wait for the typing to
stop and Playwright's polling). Prints the public list's size on the wire and the median
and worst of each.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.storage import migrate  # noqa: E402
from tests.browser.helpers import CHROMIUM_ARGS, chromium_executable  # noqa: E402
from tests.helpers import DOMAIN, bearer, make_token  # noqa: E402
from tests.live_server import server_on  # noqa: E402

BATCH = 10_000
# What the page says when it shows the first page of many numbers.
FIRST_PAGE = "Numbers 1–50, more follow."


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--numbers", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{folder}/cache.sqlite3"
        migrate.upgrade(url)
        with server_on(url, Path(folder), workers=1) as server:
            token = make_token()
            numbers = [f"+46{index:09d}" for index in range(args.numbers)]
            started = time.perf_counter()
            for first in range(0, len(numbers), BATCH):
                entries = [{"number": number, "mode": "always",
                            "command": {"action": {"type": "hangup"}}}
                           for number in numbers[first:first + BATCH]]
                answer = httpx.post(f"{server.url}/manage/{DOMAIN}/ivrfallback/import",
                                    json={"entries": entries}, headers=bearer(token), timeout=600)
                assert answer.json()["success"], answer.text[:500]
            print(f"imported {len(numbers)} numbers in {time.perf_counter() - started:.1f} s")
            if url.startswith("postgresql"):
                # As autovacuum does soon after a bulk import: a table never analyzed gets
                # another plan (docs/decisions/0012-paged-numbers.md).
                engine = create_engine(url, isolation_level="AUTOCOMMIT")
                with engine.connect() as connection:
                    connection.exec_driver_sql("ANALYZE ivr_fallback")
                engine.dispose()
            listed = httpx.get(f"{server.url}/cache/{DOMAIN}/ivrfallback", headers=bearer(token))
            print(f"GET /cache/{DOMAIN}/ivrfallback (the public list, not read by the page): "
                  f"{len(listed.content) / 1e6:.2f} MB, "
                  f"{listed.elapsed.total_seconds() * 1000:.0f} ms")
            timings = api_timings(server.url, token, numbers, args.rounds)

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium_executable(),
                                                     args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.goto(f"{server.url}/console/")
                page.get_by_label("Bearer token").fill(token)
                page.get_by_role("button", name="Sign in").click()
                count = page.locator("#number-count")
                count.filter(has_text=FIRST_PAGE).wait_for()
                loads, searches = [], []
                for round_ in range(args.rounds):
                    page.goto("about:blank")
                    page.goto(f"{server.url}/console/#/{DOMAIN}/numbers")
                    count.filter(has_text=FIRST_PAGE).wait_for()
                    page.locator("table.numbers tbody tr").nth(49).wait_for()
                    # The page's own mark (js/pages/numbers.js), from the navigation's start.
                    loads.append(page.evaluate(
                        "performance.getEntriesByName('numbers-shown')[0].startTime") / 1000)
                    term = f"{round_ + 1}2345"
                    expected = sum(term in number for number in numbers)
                    started = time.perf_counter()
                    page.get_by_label("Search numbers").fill(term)
                    # Includes the page's wait for the typing to stop (SEARCH_DELAY_MS).
                    shown = (f"Numbers 1–{min(expected, 50)} holding “{term}”" if expected
                             else f"No number holds “{term}”.")
                    count.filter(has_text=shown).wait_for()
                    searches.append(time.perf_counter() - started)
                browser.close()
    for name, values in (("page load to first 50 shown", loads), ("search", searches), *timings):
        print(f"{name}: median {statistics.median(values) * 1000:.1f} ms, "
              f"worst {max(values) * 1000:.1f} ms over {len(values)} rounds")


def api_timings(url: str, token: str, numbers: list[str], rounds: int) -> list:
    """The page of numbers' answer times (the client's, on loopback): the first page, one
    deep in the list, and a search that holds no number (the whole domain read)."""
    asked = {
        "API first page": {},
        "API page after 90% of the numbers": {"after": numbers[len(numbers) * 9 // 10]},
        "API search matching nothing": {"contains": "NONE"},
    }
    timings = []
    with httpx.Client(base_url=url, headers=bearer(token)) as client:
        for name, query in asked.items():
            values = []
            for _ in range(rounds * 4):
                answer = client.get(f"/manage/{DOMAIN}/ivrfallback", params={"limit": 50, **query})
                assert answer.status_code == 200, answer.text
                values.append(answer.elapsed.total_seconds())
            timings.append((name, values))
    return timings


if __name__ == "__main__":
    main()
