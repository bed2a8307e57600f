"""The console's numbers page with many numbers: how long until it is usable, and a search.

    .venv/bin/python benchmarks/console_numbers.py [--numbers 100000] [--rounds 5] \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/EMPTY_DATABASE]

Runs gunicorn (one worker) on a fresh SQLite database in a temporary folder (or on the
empty database named, which it migrates and leaves filled), imports the
numbers through the management API (10,000 per call), then in headless Chromium (Debian's,
or $CHROMIUM_PATH) signs in and, each round, loads the numbers page anew and times it from
navigation until the page has shown the count and its first page of numbers (the page's
own performance mark); then types a search and times it until the matches are shown (this
one includes Playwright's polling). Prints the list's size on the wire and
the median and worst of each.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.storage import migrate  # noqa: E402
from tests.browser.helpers import CHROMIUM_ARGS, chromium_executable  # noqa: E402
from tests.helpers import DOMAIN, bearer, make_token  # noqa: E402
from tests.live_server import server_on  # noqa: E402

BATCH = 10_000


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
            listed = httpx.get(f"{server.url}/cache/{DOMAIN}/ivrfallback", headers=bearer(token))
            print(f"GET /cache/{DOMAIN}/ivrfallback: {len(listed.content) / 1e6:.2f} MB, "
                  f"{listed.elapsed.total_seconds() * 1000:.0f} ms")

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium_executable(),
                                                     args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.goto(f"{server.url}/console/")
                page.get_by_label("Bearer token").fill(token)
                page.get_by_role("button", name="Sign in").click()
                count = page.locator("#number-count")
                count.filter(has_text=f"{len(numbers)} numbers.").wait_for()
                loads, searches = [], []
                for round_ in range(args.rounds):
                    page.goto("about:blank")
                    page.goto(f"{server.url}/console/#/{DOMAIN}/numbers")
                    count.filter(has_text=f"{len(numbers)} numbers.").wait_for()
                    page.locator("ul.numbers li").nth(49).wait_for()
                    # The page's own mark (js/pages/numbers.js), from the navigation's start.
                    loads.append(page.evaluate(
                        "performance.getEntriesByName('numbers-shown')[0].startTime") / 1000)
                    term = f"{round_ + 1}2345"
                    expected = sum(term in number for number in numbers)
                    started = time.perf_counter()
                    page.get_by_label("Search numbers").fill(term)
                    count.filter(has_text=f"{expected} of {len(numbers)}").wait_for()
                    searches.append(time.perf_counter() - started)
                browser.close()
    for name, values in (("page load to first 50 shown", loads), ("search", searches)):
        print(f"{name}: median {statistics.median(values) * 1000:.0f} ms, "
              f"worst {max(values) * 1000:.0f} ms over {len(values)} rounds")


if __name__ == "__main__":
    main()
