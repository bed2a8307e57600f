"""The customers' console (/console/) in headless Chromium, against the real server.

Each test does what a person would, by labels and roles, then checks through the API
that the service holds what the page said it did. axe-core (vendored, tests/browser/
vendor) runs on every page shown; a serious or critical violation fails the test, and so
does anything the page's Content-Security-Policy refused. Screenshots go to
test-artifacts/ (console-*.png).
"""

import contextlib
import datetime
import json
import re
import threading
import time

import httpx
import pytest

from sqlalchemy import create_engine, insert

from app.storage.models import IvrFallbackUse
from tests.browser.helpers import TIMEOUT_MS, chromium_executable, csp_violations, watch_csp
from tests.helpers import DOMAIN, PLATFORM, bearer, make_token
from tests.live_server import ROOT, free_port, server_on

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="Playwright is not installed: pip install -e '.[browser]' (tox -e browser does).",
)
expect = sync_api.expect
expect.set_options(timeout=TIMEOUT_MS)

if chromium_executable() is None:
    pytest.skip(
        "no Chromium to drive: install Debian's (`apt-get install -y chromium`, as root) "
        "or set CHROMIUM_PATH to a Chromium executable",
        allow_module_level=True,
    )

AXE_SOURCE = (ROOT / "tests" / "browser" / "vendor" / "axe.min.js").read_text()
NUMBER = "+46701234567"
CALL = {"mode": "onError", "command": {"action": {"type": "call", "destAddr": "sip:desk@pbx.example.com"}}}
# What axe found on each page, printed at the end of the module (the report's figures).
AXE_FIGURES: dict[str, dict] = {}


@pytest.fixture(scope="module", autouse=True)
def print_axe_figures():
    yield
    print("\naxe-core on each console page (violations by impact):")
    for name, figures in sorted(AXE_FIGURES.items()):
        print(f"  {name:28} {figures}")


def check_axe(page, name: str) -> None:
    """Run axe-core on the page as it is; no serious or critical violation may remain, and
    the page's policy has refused nothing so far (styles included: uPlot's among them)."""
    assert csp_violations(page) == []
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    violations = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact,
            targets: v.nodes.map(n => n.target.join(' '))}));
    }""")
    counts: dict[str, int] = {}
    for violation in violations:
        counts[violation["impact"]] = counts.get(violation["impact"], 0) + len(violation["targets"])
    AXE_FIGURES[name] = counts
    bad = [v for v in violations if v["impact"] in ("serious", "critical")]
    assert not bad, json.dumps(bad, indent=2)


def api(server, method: str, path: str, token: str | None = None, **kwargs) -> httpx.Response:
    return httpx.request(method, server.url + path, headers=bearer(token or make_token()),
                         **kwargs)


def entry_path(number: str = NUMBER) -> str:
    return f"/cache/{DOMAIN}/ivrfallback/{number.replace('+', '%2B')}"


def sign_in(page, server, token: str | None = None) -> None:
    page.goto(f"{server.url}/console/")
    page.get_by_label("Bearer token").fill(token or make_token())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile("IVR fallback numbers"))).to_be_visible()


def open_number(page, number: str = NUMBER) -> None:
    page.get_by_label("Open or create a number").fill(number)
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page.get_by_role("heading", name=number, exact=True)).to_be_visible()
    # The history is the last part to arrive.
    expect(page.locator("#history")).not_to_be_empty()


def field_error(page, control) -> str:
    return page.locator(f"#{control.get_attribute('id')}-error").inner_text()


def test_a_pasted_token_signs_in_and_sign_out_forgets_it(live_server, page, artifacts_dir):
    page.goto(f"{live_server.url}/console/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("cache-api token --domain example.com")).to_be_visible()
    check_axe(page, "sign-in")
    page.get_by_label("Bearer token").fill("not a token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("This is not a token")).to_be_visible()

    token = make_token()
    sign_in(page, live_server, token)
    # One domain granted: the console opens it.
    assert page.url.endswith(f"#/{DOMAIN}/numbers")
    assert page.evaluate("sessionStorage.getItem('cache-console.token')") == token
    assert page.evaluate("localStorage.length") == 0
    assert token not in page.url
    check_axe(page, "numbers (empty)")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('cache-console.token')") is None
    page.reload()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_numbers_are_paged_and_searched_by_the_service(live_server, page, database_url,
                                                       artifacts_dir):
    numbers = [f"+4670{index:07d}" for index in range(120)]
    imported = api(live_server, "POST", f"/manage/{DOMAIN}/ivrfallback/import", json={
        "entries": [{"number": number, **CALL} for number in numbers]})
    assert imported.json()["success"] is True
    asked = []
    page.on("request", lambda request: asked.append(request.url.split(live_server.url)[1])
            if "/ivrfallback" in request.url else None)
    # The page's timers are the test's (below): the search waits for the typing to stop.
    page.clock.install()
    count, rows = page.locator("#number-count"), page.locator("table.numbers tbody tr")
    sign_in(page, live_server)

    expect(count).to_have_text("Numbers 1–50, more follow.")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text(numbers[0])
    expect(rows.first).to_contain_text("onError")
    # One small call for the first page: never the public list of every number.
    assert asked == [f"/manage/{DOMAIN}/ivrfallback?limit=50"]

    next_page = page.get_by_role("button", name="Next page")
    next_page.focus()
    page.keyboard.press("Enter")
    expect(count).to_have_text("Numbers 51–100, more follow.")
    expect(rows.first).to_contain_text(numbers[50])
    expect(page.get_by_text("Page 2", exact=True)).to_be_visible()
    page.keyboard.press("Enter")
    expect(count).to_have_text("Numbers 101–120.")
    expect(rows).to_have_count(20)
    # The last page: "Next" is off, and the focus went to "Previous", not to the page.
    expect(next_page).to_be_disabled()
    expect(page.get_by_role("button", name="Previous page")).to_be_focused()
    page.keyboard.press("Enter")
    expect(count).to_have_text("Numbers 51–100, more follow.")
    assert asked[1:] == [f"/manage/{DOMAIN}/ivrfallback?limit=50&after=%2B46700000049",
                         f"/manage/{DOMAIN}/ivrfallback?limit=50&after=%2B46700000099",
                         f"/manage/{DOMAIN}/ivrfallback?limit=50&after=%2B46700000049"]

    # Typed key by key, the search asks the service once, when the typing stops: the
    # page's time stands still while the keys are pressed, then runs on a second.
    del asked[:]
    page.clock.pause_at(datetime.datetime.now() + datetime.timedelta(seconds=1))
    search = page.get_by_label("Search numbers")
    search.press_sequentially("00011")
    page.clock.run_for(1000)
    # Time runs again (axe-core waits on timers too).
    page.clock.resume()
    found = [number for number in numbers if "00011" in number]
    expect(count).to_have_text(f"Numbers 1–{len(found)} holding “00011”.")
    expect(rows).to_have_count(len(found))
    assert [row.split("\t")[0] for row in rows.all_inner_texts()] == found
    assert asked == [f"/manage/{DOMAIN}/ivrfallback?limit=50&contains=00011"]
    expect(page.get_by_text("Page 1", exact=True)).to_be_visible()
    check_axe(page, "numbers (search)")
    page.screenshot(path=artifacts_dir / "console-numbers.png", full_page=True)

    # What the service refuses is said beside the search field.
    search.fill("00 11")
    page.clock.run_for(1000)
    expect(search).to_have_attribute("aria-invalid", "true")
    assert field_error(page, search).startswith("contains: ")
    search.fill("4670000011")
    page.clock.run_for(1000)
    expect(count).to_have_text("Numbers 1–10 holding “4670000011”.")
    expect(search).not_to_have_attribute("aria-invalid", "true")
    page.get_by_role("link", name=numbers[110]).click()
    expect(page.get_by_role("heading", name=numbers[110], exact=True)).to_be_visible()


def test_create_edit_with_a_refused_value_and_dry_run(live_server, page, database_url, artifacts_dir):
    sign_in(page, live_server)
    open_number(page)
    expect(page.locator("#entry-summary")).to_contain_text("No fallback is set")
    form = page.get_by_role("form", name="Fallback")
    form.get_by_label("Destination (destAddr)").fill("sip:desk@pbx.example.com")
    form.get_by_label("From (sipFrom)").fill("sip:+46701234567@example.com")
    form.get_by_label("Max ring time, seconds (maxRingTime)").fill("25")
    form.get_by_role("button", name="Add X- header").click()
    # A new header starts with its prefix, and has the focus.
    expect(form.get_by_label("X- header 1 name")).to_be_focused()
    expect(form.get_by_label("X- header 1 name")).to_have_value("X-")
    page.keyboard.type("Fallback")
    form.get_by_label("X- header 1 value").fill("yes")
    form.get_by_role("button", name="Add copied header").click()
    form.get_by_label("Copied header 1", exact=True).fill("User-Agent")
    form.get_by_role("button", name="Add phrase").click()
    form.get_by_label("Phrase 1 file name (fileName)").fill("closed.wav")
    form.get_by_label("Phrase 1 format").fill("wav")
    form.get_by_role("button", name="Add phrase").click()
    form.get_by_label("Phrase 2 kind").select_option("google")
    form.get_by_label("Phrase 2 googleTTSParameters (JSON object)").fill('{"text": "We are closed"}')
    form.get_by_label("Period", exact=True).select_option("WEEK")
    form.get_by_role("button", name="Save fallback").click()
    expect(page.get_by_text("Saved: version 1.")).to_be_visible()

    stored = api(live_server, "GET", entry_path()).json()["data"]
    assert stored["mode"] == "onError"
    assert stored["command"] == {
        "action": {"type": "call", "destAddr": "sip:desk@pbx.example.com",
                   "sipFrom": "sip:+46701234567@example.com", "maxRingTime": 25,
                   "xHeaders": {"X-Fallback": "yes"}, "copyHeaders": ["User-Agent"]},
        "phrases": [{"fileName": "closed.wav", "format": "wav"},
                    {"googleTTSParameters": {"text": "We are closed"}}],
    }
    assert 6 * 86400 < stored["ttl"] - time.time() <= 7 * 86400

    # A refused value: the message is beside the field, and nothing changes. The spec's
    # checks come first (maxRingTime), the service's rules then (an X- header's name).
    ring = form.get_by_label("Max ring time, seconds (maxRingTime)")
    ring.fill("0")
    form.get_by_role("button", name="Save fallback").click()
    expect(form.locator(".error-summary")).to_contain_text("Not saved.")
    expect(ring).to_have_attribute("aria-invalid", "true")
    assert field_error(page, ring) == "command.action.maxRingTime: must be at least 1"
    check_axe(page, "number (refused edit)")
    page.screenshot(path=artifacts_dir / "console-refused-edit.png", full_page=True)
    ring.fill("30")
    header = form.get_by_label("X- header 1 name")
    header.fill("Fallback")
    form.get_by_role("button", name="Save fallback").click()
    expect(header).to_have_attribute("aria-invalid", "true")
    expect(ring).not_to_have_attribute("aria-invalid", "true")
    assert field_error(page, header).startswith("command.action.xHeaders.Fallback: ")
    # The summary's entry leads to the field.
    form.locator(".error-summary a").click()
    expect(header).to_be_focused()
    assert api(live_server, "GET", entry_path()).json()["data"] == stored

    header.fill("X-Fallback")
    form.get_by_role("button", name="Save fallback").click()
    expect(page.get_by_text("Saved: version 2.")).to_be_visible()
    assert api(live_server, "GET", entry_path()).json()["data"]["command"]["action"]["maxRingTime"] == 30

    # The dry run: the INVITE the platform would send on a timeout; none when answered.
    page.get_by_label("When asking the customer's system ended in").select_option("timeout")
    page.get_by_role("button", name="Dry run", exact=True).click()
    preview = page.locator("#invite-preview")
    expect(preview).to_contain_text("INVITE sip:desk@pbx.example.com SIP/2.0")
    lines = preview.inner_text().splitlines()
    assert lines == ["INVITE sip:desk@pbx.example.com SIP/2.0",
                     "From: sip:+46701234567@example.com",
                     "X-Fallback: yes",
                     "User-Agent: (copied from the incoming call)"]
    expect(page.get_by_text("It rings for at most 30 seconds.")).to_be_visible()
    check_axe(page, "number (dry run)")
    page.screenshot(path=artifacts_dir / "console-number.png", full_page=True)
    page.get_by_label("When asking the customer's system ended in").select_option("answered")
    page.get_by_role("button", name="Dry run", exact=True).click()
    expect(page.locator("#dry-run-verdict")).to_have_text(
        "The fallback does not apply (customer-answered).")
    expect(page.locator("#usage-summary")).to_have_text("Never applied.")


def decide(server, number: str, outcome: str, times: int) -> None:
    """The platform's call-time decisions, counted as the service counts them."""
    platform = make_token(scopes=(PLATFORM,))
    for _ in range(times):
        answer = api(server, "GET", f"/platform/{DOMAIN}/ivrfallback/{number.replace('+', '%2B')}"
                     f"/decision", platform, params={"outcome": outcome})
        assert answer.json()["apply"] is True


def earlier_use(database_url: str, number: str, hours: dict[int, dict[str, int]]) -> None:
    """Use in hours gone by, {hours ago: {outcome: count}}, written as the tally writes it:
    the live server's clock cannot be set back, so the past goes straight to its table."""
    now = int(time.time())
    hour = now - now % 3600
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(insert(IvrFallbackUse), [
            {"domain": DOMAIN, "number": number, "entry_version": 1, "hour": hour - ago * 3600,
             "outcome": outcome, "count": count, "last_at": hour - ago * 3600 + 60}
            for ago, outcomes in hours.items() for outcome, count in outcomes.items()])
    engine.dispose()


def wait_for_use(server, number: str, count: int) -> dict:
    """The number's usage once the platform's tally has reached the database with `count`."""
    deadline = time.monotonic() + 20
    while True:
        usage = api(server, "GET", f"/manage/{DOMAIN}/ivrfallback/{number.replace('+', '%2B')}"
                    "/usage").json()
        if usage["count"] >= count or time.monotonic() > deadline:
            assert usage["count"] == count, usage
            return usage
        time.sleep(0.2)


def wait_until_painted(page, selector: str) -> None:
    """Until the chart's canvas in `selector` has many pixels drawn on (not transparent)."""
    page.wait_for_function("""selector => {
        const canvas = document.querySelector(selector + " canvas");
        if (!canvas || !canvas.width) return false;
        const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let drawn = 0;
        for (let index = 3; index < pixels.length; index += 4) if (pixels[index]) drawn += 1;
        return drawn > 1000;
    }""", arg=selector)


def figures(page, selector: str) -> list[list[str]]:
    """The cells of each row of the chart's table of figures (folded away: read as text),
    its time left out."""
    return page.evaluate("""selector => [...document.querySelectorAll(selector + " table.usage-figures tbody tr")]
        .map(row => [...row.children].slice(1).map(cell => cell.textContent))""", selector)


def clear_of_the_hour(seconds: int = 90) -> None:
    """Wait for the next hour if it starts within `seconds`: the test's decisions and what
    it reads back must fall in one hourly bucket."""
    left = 3600 - time.time() % 3600
    if left < seconds:
        time.sleep(left + 1)


def test_a_number_s_and_the_domain_s_use_over_time_are_charted(
        live_server, page, database_url, artifacts_dir):
    other = "+46707654321"
    clear_of_the_hour()
    for number in (NUMBER, other):
        assert api(live_server, "POST", entry_path(number), json=CALL).status_code == 200
    earlier_use(database_url, NUMBER, {9: {"timeout": 30}, 8: {"timeout": 50, "unreachable": 12},
                                       30: {"error": 4}})
    decide(live_server, NUMBER, "timeout", 3)
    decide(live_server, NUMBER, "invalid", 1)
    decide(live_server, other, "error", 2)
    wait_for_use(live_server, NUMBER, 100)
    wait_for_use(live_server, other, 2)
    asked = []
    page.on("request", lambda request: asked.append(request.url) if "usage" in request.url else None)
    sign_in(page, live_server)
    open_number(page)

    expect(page.locator("#usage-summary")).to_contain_text("Applied 100 times in all;")
    chart = page.locator("#usage-chart")
    # The last 24 hours by hour: the hours with use, in order, and a line per outcome.
    expect(chart.locator("canvas")).to_have_count(1)
    assert figures(page, "#usage-chart") == [
        ["30", "30", "0", "0"], ["62", "50", "12", "0"], ["4", "3", "0", "1"]]
    expect(chart.locator(".u-legend")).to_contain_text("timeout")
    expect(chart.locator(".u-legend")).to_contain_text("invalid")
    expect(chart.locator(".u-legend")).not_to_contain_text("error")
    wait_until_painted(page, "#usage-chart")
    query = dict(pair.split("=") for pair in asked[-1].split("?")[1].split("&"))
    assert query["bucket"] == "hour" and int(query["to"]) - int(query["from"]) == 86400
    check_axe(page, "number (use over time)")
    chart.scroll_into_view_if_needed()
    page.screenshot(path=artifacts_dir / "console-number-usage.png", full_page=True)

    # Thirty days by day: the day of 30 hours ago is in, each day's use summed.
    page.get_by_label("Show use over the last").select_option(label="30 days, per day")
    expect(chart.locator("table.usage-figures caption")).to_contain_text("per day")
    query = dict(pair.split("=") for pair in asked[-1].split("?")[1].split("&"))
    assert query["bucket"] == "day" and int(query["to"]) - int(query["from"]) == 30 * 86400
    days = figures(page, "#usage-chart")
    assert sum(int(row[0]) for row in days) == 100 and len(days) in (2, 3)

    # The domain's page: both numbers' use per hour, and the numbers used most.
    page.get_by_role("link", name="Use over time").click()
    expect(page.locator("#domain-usage-summary")).to_have_text("Applied 98 times in the last 24 hours.")
    top = page.get_by_role("table", name=re.compile("numbers used most"))
    expect(top.get_by_role("row")).to_have_count(3)
    assert [row.split("\t") for row in top.locator("tbody tr").all_inner_texts()] == [
        [NUMBER, "96"], [other, "2"]]
    wait_until_painted(page, "#domain-usage-chart")
    expect(page.locator("#domain-usage-chart .u-legend")).to_contain_text("error")
    check_axe(page, "use over time")
    page.screenshot(path=artifacts_dir / "console-usage.png", full_page=True)
    top.get_by_role("link", name=other).click()
    expect(page.get_by_role("heading", name=other, exact=True)).to_be_visible()
    expect(page.locator("#usage-summary")).to_contain_text("Applied 2 times in all;")


def test_a_range_without_use_draws_no_chart(live_server, page, database_url):
    assert api(live_server, "POST", entry_path(), json=CALL).status_code == 200
    sign_in(page, live_server)
    open_number(page)
    expect(page.locator("#usage-summary")).to_have_text("Never applied.")
    expect(page.locator("#usage-chart")).to_have_text("No use in this range.")
    page.get_by_role("link", name="Use over time").click()
    expect(page.locator("#domain-usage-summary")).to_have_text(
        "No fallback applied in the last 24 hours.")
    expect(page.locator("#top-numbers")).to_have_text("None in this range.")
    check_axe(page, "use over time (none)")


def test_the_policy_watch_sees_what_the_policy_refuses(live_server, page):
    """The check that every page above passes can fail: an inline style is refused."""
    page.goto(f"{live_server.url}/console/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert csp_violations(page) == []
    page.evaluate("""() => {
        const holder = document.createElement("div");
        holder.innerHTML = '<p style="color: red">inline</p>';
        document.body.append(holder);
    }""")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert [violation.split(":")[0] for violation in csp_violations(page)] == ["style-src-attr"]


def test_history_shows_what_changed_and_restores_an_old_version(
        live_server, page, database_url, artifacts_dir):
    first = {"mode": "always", "command": {"action": {"type": "hangup"}}}
    assert api(live_server, "POST", entry_path(), json=first).status_code == 200
    assert api(live_server, "POST", entry_path(), json=CALL).status_code == 200
    sign_in(page, live_server)
    open_number(page)

    page.get_by_role("button", name="Changes in 2").click()
    changes = page.get_by_role("table", name="What version 2 changed")
    expect(changes).to_be_visible()
    expect(changes.get_by_role("row", name=re.compile("^mode"))).to_contain_text('"always"')
    expect(changes.get_by_role("row", name=re.compile("^mode"))).to_contain_text('"onError"')
    expect(changes.get_by_role("row", name=re.compile("command.action.destAddr"))).to_contain_text(
        "sip:desk@pbx.example.com")
    check_axe(page, "number (history)")
    page.get_by_role("button", name="Restore 1").click()
    expect(page.get_by_text("Version 1 restored as version 3.")).to_be_visible()

    stored = api(live_server, "GET", entry_path())
    assert stored.headers["ETag"] == '"3"'
    assert stored.json()["data"]["command"] == first["command"]
    # The form shows the restored version.
    expect(page.get_by_role("radio", name=re.compile("^hangup"))).to_be_checked()
    expect(page.get_by_role("cell", name="restore", exact=True)).to_be_visible()


def test_renew_from_the_number_the_expiring_and_the_siprec_pages(
        live_server, page, database_url, artifacts_dir):
    assert api(live_server, "POST", entry_path(), json={**CALL, "expiration": "DAY"}).status_code == 200
    siprec = "+46707654321"
    platform = make_token(scopes=(PLATFORM,))
    assert api(live_server, "POST", f"/platform/{DOMAIN}/siprecfallback/%2B46707654321",
               platform, json={"expiration": "WEEK"}).status_code == 200
    sign_in(page, live_server)

    page.get_by_role("link", name="Expiring soon").click()
    table = page.get_by_role("table", name=re.compile("expire within 30 days"))
    expect(table.get_by_role("row")).to_have_count(3)
    check_axe(page, "expiring")
    page.screenshot(path=artifacts_dir / "console-expiring.png", full_page=True)
    page.get_by_label("Renew for").select_option("QUARTER")
    page.get_by_role("button", name=f"Renew IVR {NUMBER}").click()
    expect(page.get_by_text(f"{NUMBER} renewed")).to_be_visible()
    ttl = api(live_server, "GET", entry_path()).json()["data"]["ttl"]
    assert 90 * 86400 < ttl - time.time() <= 91 * 86400
    expect(table.get_by_role("row")).to_have_count(2)

    page.get_by_role("link", name="SIPRec").click()
    page.get_by_label("Check a number").fill(siprec)
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_text(f"{siprec} is in the SIPRec cache.")).to_be_visible()
    page.get_by_role("button", name=f"Renew {siprec}").click()
    expect(page.get_by_text(f"{siprec} renewed")).to_be_visible()
    status = api(live_server, "GET", f"/platform/{DOMAIN}/siprecfallback/%2B46707654321", platform)
    assert 181 * 86400 < status.json()["ttl"] - time.time() <= 182 * 86400
    check_axe(page, "siprec")
    page.screenshot(path=artifacts_dir / "console-siprec.png", full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=f"Delete {siprec}").click()
    expect(page.get_by_text(f"{siprec} deleted.")).to_be_visible()
    assert api(live_server, "GET", f"/cache/{DOMAIN}/siprecfallback/%2B46707654321").json() == {
        "inCache": False}

    # The number's own page renews too, with If-Match.
    page.goto(f"{live_server.url}/console/#/{DOMAIN}/numbers/{NUMBER.replace('+', '%2B')}")
    expect(page.locator("#history")).not_to_be_empty()
    renew = page.get_by_role("form", name="Renew")
    renew.get_by_label("Period", exact=True).select_option("DAY")
    renew.get_by_role("button", name="Renew").click()
    expect(page.get_by_text(re.compile("^Renewed: expires"))).to_be_visible()
    ttl = api(live_server, "GET", entry_path()).json()["data"]["ttl"]
    assert 0 < ttl - time.time() <= 86400


def test_a_restore_or_renew_of_a_version_changed_meanwhile_is_refused(
        live_server, page, database_url, artifacts_dir):
    first = {"mode": "always", "command": {"action": {"type": "hangup"}}}
    assert api(live_server, "POST", entry_path(), json=first).status_code == 200
    assert api(live_server, "POST", entry_path(), json=CALL).status_code == 200
    sign_in(page, live_server)
    open_number(page)
    renew = page.get_by_role("form", name="Renew")

    # Someone else writes version 3 while the page shows version 2.
    assert api(live_server, "POST", entry_path(), json=CALL).status_code == 200
    ttl = api(live_server, "GET", entry_path()).json()["data"]["ttl"]
    renew.get_by_label("Period", exact=True).select_option("DAY")
    renew.get_by_role("button", name="Renew").click()
    expect(page.get_by_text("Not renewed: this number was changed since you opened it; the page "
                            "now shows version 3.")).to_be_visible()
    stored = api(live_server, "GET", entry_path())
    assert (stored.headers["ETag"], stored.json()["data"]["ttl"]) == ('"3"', ttl)
    renew.get_by_role("button", name="Renew").click()
    expect(page.get_by_text(re.compile("^Renewed: expires"))).to_be_visible()
    assert api(live_server, "GET", entry_path()).headers["ETag"] == '"4"'

    assert api(live_server, "POST", entry_path(), json=CALL).status_code == 200
    page.get_by_role("button", name="Restore 1").click()
    expect(page.get_by_text("Not restored: this number was changed since you opened it; the "
                            "page now shows version 5.")).to_be_visible()
    stored = api(live_server, "GET", entry_path())
    assert stored.headers["ETag"] == '"5"' and stored.json()["data"]["command"] == CALL["command"]
    page.get_by_role("button", name="Restore 1").click()
    expect(page.get_by_text("Version 1 restored as version 6.")).to_be_visible()
    assert api(live_server, "GET", entry_path()).json()["data"]["command"] == first["command"]

    # Deleted (version 7), then made again elsewhere (8) while the page shows no entry.
    assert api(live_server, "DELETE", entry_path()).status_code == 200
    page.reload()
    expect(page.get_by_text("No fallback is set for this number")).to_be_visible()
    expect(page.locator("#history")).not_to_be_empty()
    assert api(live_server, "POST", entry_path(), json=CALL).status_code == 200
    page.get_by_role("button", name="Restore 1").click()
    expect(page.get_by_text("Not restored: this number was changed since you opened it; the "
                            "page now shows version 8.")).to_be_visible()
    assert api(live_server, "GET", entry_path()).json()["data"]["command"] == CALL["command"]


def test_import_a_file_with_one_bad_entry_then_export(
        live_server, page, database_url, artifacts_dir, tmp_path):
    good = {"number": "+46700000001", "mode": "always", "expiration": "MONTH",
            "command": {"action": {"type": "hangup"}}}
    bad = {"number": "+46700000002", "mode": "sometimes", "expiration": "MONTH",
           "command": {"action": {"type": "hangup"}}}
    other = {"number": "+46700000003", "mode": "onError", "expiration": "WEEK", **{
        "command": CALL["command"]}}
    upload = tmp_path / "numbers.json"
    upload.write_text(json.dumps({"entries": [good, bad, other]}))
    sign_in(page, live_server)
    page.get_by_role("link", name="Import and export").click()

    page.get_by_label("File to import").set_input_files(upload)
    page.get_by_label("Only check the file (dry run): write nothing").check()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("2 of 3 entries would be written")).to_be_visible()
    assert api(live_server, "GET", f"/cache/{DOMAIN}/ivrfallback").json()["data"] == []

    page.get_by_label("Only check the file (dry run): write nothing").uncheck()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("2 of 3 entries written; the others are refused, see below.")).to_be_visible()
    results = page.get_by_role("table", name="Each entry of the file, in its order")
    refused = results.get_by_role("row", name=re.compile(r"\+46700000002"))
    expect(refused).to_contain_text("refused")
    expect(refused).to_contain_text("mode")
    check_axe(page, "import and export")
    page.screenshot(path=artifacts_dir / "console-import.png", full_page=True)
    assert api(live_server, "GET", f"/cache/{DOMAIN}/ivrfallback").json()["data"] == [
        "+46700000001", "+46700000003"]

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download export").click()
    download = download_info.value
    assert download.suggested_filename == f"{DOMAIN}-ivrfallback.json"
    exported = json.loads(open(download.path()).read())
    assert exported == api(live_server, "GET", f"/manage/{DOMAIN}/ivrfallback/export").json()
    assert [entry["number"] for entry in exported["entries"]] == ["+46700000001", "+46700000003"]
    expect(page.get_by_text("Exported 2 entries.")).to_be_visible()


def test_a_conflicting_edit_from_a_second_tab_shows_the_other_version(
        live_server, browser, database_url, artifacts_dir):
    assert api(live_server, "POST", entry_path(), json=CALL).status_code == 200
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    watch_csp(context)
    first, second = context.new_page(), context.new_page()
    for tab in (first, second):
        sign_in(tab, live_server)
        open_number(tab)

    second.get_by_label("Destination (destAddr)").fill("sip:night@pbx.example.com")
    second.get_by_role("button", name="Save fallback").click()
    expect(second.get_by_text("Saved: version 2.")).to_be_visible()

    first.get_by_label("Destination (destAddr)").fill("sip:day@pbx.example.com")
    first.get_by_role("button", name="Save fallback").click()
    conflict = first.locator("#conflict")
    expect(conflict.get_by_role("heading", name="Changed elsewhere")).to_be_visible()
    expect(conflict).to_contain_text("it is now version 2")
    expect(first.locator("#their-version")).to_contain_text("sip:night@pbx.example.com")
    expect(conflict.get_by_role("row", name=re.compile("command.action.destAddr"))).to_contain_text(
        "sip:day@pbx.example.com")
    check_axe(first, "number (conflict)")
    first.screenshot(path=artifacts_dir / "console-conflict.png", full_page=True)
    # Nothing was overwritten.
    stored = api(live_server, "GET", entry_path())
    assert stored.headers["ETag"] == '"2"'
    assert stored.json()["data"]["command"]["action"]["destAddr"] == "sip:night@pbx.example.com"

    conflict.get_by_role("button", name="Take the other version").click()
    expect(first.get_by_label("Destination (destAddr)")).to_have_value("sip:night@pbx.example.com")
    first.get_by_label("Destination (destAddr)").fill("sip:day@pbx.example.com")
    first.get_by_role("button", name="Save fallback").click()
    expect(first.get_by_text("Saved: version 3.")).to_be_visible()
    context.close()


def test_an_expired_token_asks_to_sign_in_again_and_keeps_the_form(
        live_server, page, database_url):
    sign_in(page, live_server)
    open_number(page)
    page.get_by_label("Destination (destAddr)").fill("sip:kept@pbx.example.com")
    expired = make_token(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200,
                         nbf=int(time.time()) - 7200)
    page.evaluate("token => sessionStorage.setItem('cache-console.token', token)", expired)
    page.get_by_role("button", name="Save fallback").click()

    dialog = page.get_by_role("dialog", name="Sign in again")
    expect(dialog).to_be_visible()
    check_axe(page, "sign in again (dialog)")
    dialog.get_by_label("Bearer token").fill(make_token())
    dialog.get_by_role("button", name="Sign in").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_label("Destination (destAddr)")).to_have_value("sip:kept@pbx.example.com")
    page.get_by_role("button", name="Save fallback").click()
    expect(page.get_by_text("Saved: version 1.")).to_be_visible()
    assert api(live_server, "GET", entry_path()).json()["data"]["command"]["action"][
        "destAddr"] == "sip:kept@pbx.example.com"


@pytest.mark.parametrize("name, route", [
    ("numbers", "numbers"), ("number", f"numbers/{NUMBER.replace('+', '%2B')}"),
    ("transfer", "transfer"),
])
def test_pages_are_readable_375_pixels_wide(live_server, browser, database_url, artifacts_dir,
                                            name, route):
    assert api(live_server, "POST", entry_path(), json=CALL).status_code == 200
    context = browser.new_context(viewport={"width": 375, "height": 812})
    context.set_default_timeout(TIMEOUT_MS)
    watch_csp(context)
    page = context.new_page()
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/console/#/{DOMAIN}/{route}")
    expect(page.locator("main h1")).to_be_visible()
    page.wait_for_load_state("networkidle")
    # Nothing wider than the screen: no sideways scrolling of the page itself.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    check_axe(page, f"375 px: {name}")
    page.screenshot(path=artifacts_dir / f"console-375-{name}.png", full_page=True)
    context.close()


@contextlib.contextmanager
def oidc_provider(monkeypatch, user_claims: dict):
    """oidc-provider-mock on a free port, set up as providers are for single-page apps.

    Such a provider answers its discovery and token endpoints with CORS headers, and
    lets a public client (no secret: a page cannot keep one) redeem its code with PKCE's
    verifier. The mock does neither by itself: a small WSGI wrapper adds the headers,
    and its code grant is told to accept clients without a secret ("none").
    """
    import werkzeug.serving
    from oidc_provider_mock import User, _app, app as provider_app

    class PublicClientCodeGrant(_app.AuthorizationCodeGrant):
        TOKEN_ENDPOINT_AUTH_METHODS = [*_app.AuthorizationCodeGrant.TOKEN_ENDPOINT_AUTH_METHODS,
                                       "none"]

    monkeypatch.setattr(_app, "AuthorizationCodeGrant", PublicClientCodeGrant)
    wsgi = provider_app(user_claims=[User(sub="alice", claims=user_claims)])

    def with_cors(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, [*headers, ("Access-Control-Allow-Origin", "*")],
                                  exc_info)
        return wsgi(environ, start)

    server = werkzeug.serving.make_server("localhost", free_port(), with_cors, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.start()
    try:
        yield f"http://localhost:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def test_sign_in_through_an_openid_provider_with_pkce(database_url, tmp_path, page, artifacts_dir,
                                                      monkeypatch):
    client_id = "cache-console"
    claims = {"domains": [DOMAIN], "scope": "cache/read cache/write"}
    with oidc_provider(monkeypatch, claims) as issuer:
        # The provider's keys, from a file: the mock's tokens name no `kid`, which a
        # CACHE_JWT_JWKS_URL needs (PyJWKClient picks the key by it); a file of one key
        # does not.
        keys = tmp_path / "provider-jwks.json"
        keys.write_text(httpx.get(f"{issuer}/jwks").text)
        server = server_on(database_url, tmp_path, workers=1,
                           CACHE_JWT_JWKS_FILE=str(keys), CACHE_JWT_ISSUER=issuer,
                           CACHE_JWT_AUDIENCE=client_id, CACHE_CONSOLE_OIDC_ISSUER=issuer,
                           CACHE_CONSOLE_OIDC_CLIENT_ID=client_id,
                           CACHE_CONSOLE_OIDC_TOKEN="id_token")
        server.env.pop("CACHE_JWT_SECRET")
        requests, token_requests = [], []
        page.on("request", lambda request: requests.append(request.url))
        page.on("request", lambda request: token_requests.append(request.post_data)
                if request.url.endswith("/oauth2/token") else None)
        with server:
            page.goto(f"{server.url}/console/")
            expect(page.get_by_label("Bearer token")).to_have_count(0)
            sign_in_button = page.get_by_role("button", name=re.compile("^Sign in with localhost"))
            check_axe(page, "sign-in (OpenID)")
            sign_in_button.click()

            # The provider's page: the authorization request carried a PKCE challenge.
            expect(page.get_by_role("heading", name="Authorize Client")).to_be_visible()
            authorize = next(url for url in requests if "/oauth2/authorize" in url)
            assert "code_challenge_method=S256" in authorize and "code_challenge=" in authorize
            page.get_by_role("button", name="alice").click()

            expect(page.get_by_role("heading", name=re.compile("IVR fallback numbers"))).to_be_visible()
            expect(page.locator("#number-count")).to_have_text("No numbers yet.")
            assert page.url == f"{server.url}/console/#/{DOMAIN}/numbers"
            # The code was redeemed by the page itself, with the PKCE verifier, no secret.
            (redeemed,) = token_requests
            assert "code_verifier=" in redeemed and "client_secret" not in redeemed
            token = page.evaluate("sessionStorage.getItem('cache-console.token')")
            assert token and page.evaluate("localStorage.length") == 0
            # The provider's token is the API's bearer token.
            listed = httpx.get(f"{server.url}/cache/{DOMAIN}/ivrfallback", headers=bearer(token))
            assert listed.status_code == 200
            page.screenshot(path=artifacts_dir / "console-oidc-signed-in.png")
            page.get_by_role("button", name="Sign out").click()
            expect(page.get_by_role("button", name=re.compile("^Sign in with"))).to_be_visible()
            assert page.evaluate("sessionStorage.length") == 0
