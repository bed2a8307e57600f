"""The interactive API page (Swagger UI) in headless Chromium, against the real server.

Cross-origin on purpose: the page is loaded from http://127.0.0.1:PORT, and its
own "Explore" bar then loads the spec from http://localhost:PORT. The spec's
server is relative (`/cache`), so the page sends its API calls to
http://localhost:PORT/cache: another origin than its own (same server, another
host name), and Chromium must preflight them. Playwright's request routing is
never used, because while it is on, Playwright answers preflights itself and
they never reach the server.
"""

import json
import re

import pytest
import yaml

from tests.browser.helpers import TIMEOUT_MS, chromium_executable
from tests.helpers import DOMAIN, make_token
from tests.live_server import ROOT, server_on

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

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
NUMBER = "+46701234567"
NUMBER_IN_URL = "%2B46701234567"


def spec_operations(spec_file: str) -> tuple[str, list[tuple[str, str, str]]]:
    """Return a spec's base path and its (METHOD, path, summary) operations, sorted."""
    spec = yaml.safe_load((ROOT / "openapi" / spec_file).read_text())
    operations = sorted(
        (method.upper(), path, operation.get("summary", ""))
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    )
    return spec["servers"][0]["url"], operations


def shown_operations(page) -> list[tuple[str, str, str]]:
    """Return the (METHOD, path, summary) of every operation block the page shows, sorted."""
    return sorted(tuple(shown) for shown in page.locator(".opblock").evaluate_all(
        """blocks => blocks.map(block => [
            block.querySelector('.opblock-summary-method').textContent.trim(),
            block.querySelector('.opblock-summary-path').dataset.path,
            (block.querySelector('.opblock-summary-description') || {textContent: ''})
                .textContent.trim(),
        ])"""
    ))


def print_operations(title: str, operations) -> None:
    print(f"\n{title} ({len(operations)}):")
    for method, path, summary in operations:
        print(f"  {method:8} {path:36} {summary}")


def operation_block(page, method: str, path: str):
    return page.locator(f".opblock.opblock-{method.lower()}").filter(
        has=page.locator(f'.opblock-summary-path[data-path="{path}"]')
    )


def authorize(page, token: str) -> None:
    """Enter the token in the page's Authorize dialog, as a person would."""
    page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".dialog-ux .modal-ux")
    expect(dialog).to_be_visible()
    dialog.locator("input").first.fill(token)
    dialog.locator("button.authorize").click()
    # Once authorized, the dialog offers "Logout" instead of "Authorize".
    expect(dialog.get_by_role("button", name="Logout")).to_be_visible()
    dialog.locator("button.btn-done").click()
    expect(dialog).to_be_hidden()
    expect(page.locator(".auth-wrapper button.authorize")).to_have_class(re.compile(r"\blocked\b"))


def try_it_out(page, method: str, path: str, parameters: dict[str, str]):
    """Open an operation, fill its path parameters, execute it; return its live response row."""
    block = operation_block(page, method, path)
    expect(block).to_have_count(1)
    block.locator(".opblock-summary").click()
    block.locator("button.try-out__btn").click()
    for name, value in parameters.items():
        block.locator(f'tr[data-param-name="{name}"] input').fill(value)
    block.locator("button.execute").click()
    response = block.locator(".live-responses-table tbody tr.response")
    expect(response).to_be_visible()
    return block, response


def explore(page, page_url: str, spec_url: str) -> None:
    """Open the page, then load `spec_url` with its own "Explore" bar, as a person would."""
    page.goto(page_url)
    expect(page.locator(".opblock").first).to_be_visible()
    # Swagger UI may still re-render its bar (and reset the input) while it settles.
    page.wait_for_load_state("networkidle")
    address = page.locator(".download-url-input")
    address.fill(spec_url)
    expect(address).to_have_value(spec_url)
    page.locator(".download-url-button").click()


def expect_spec_from(page, spec_url: str, spec_file: str = "cache.yaml") -> None:
    """Wait until the page shows the operations of the spec it loaded from `spec_url`."""
    expect(page.locator(".info a.link")).to_have_attribute("href", spec_url)
    expect(page.locator(".opblock")).to_have_count(len(spec_operations(spec_file)[1]))


def record_preflights(page) -> dict[str, dict]:
    """Record the CORS preflights Chromium sends (Playwright reports no preflight itself)."""
    preflights: dict[str, dict] = {}
    session = page.context.new_cdp_session(page)

    def sent(event):
        if event.get("type") == "Preflight" or event["initiator"].get("type") == "preflight":
            headers = {name.lower(): value for name, value in event["request"]["headers"].items()}
            preflights[event["requestId"]] = {
                "url": event["request"]["url"],
                "origin": headers.get("origin"),
                "request_headers": headers.get("access-control-request-headers", ""),
            }

    def received(event):
        if event["requestId"] in preflights:
            headers = {name.lower(): value for name, value in event["response"]["headers"].items()}
            preflights[event["requestId"]].update(
                status=event["response"]["status"],
                allow_methods=headers.get("access-control-allow-methods"),
            )

    session.on("Network.requestWillBeSent", sent)
    session.on("Network.responseReceived", received)
    session.send("Network.enable")
    return preflights


# Each page's title, as the README names the pages: the public API, the platform's, the
# management one.
PAGE_TITLES = {"cache.yaml": "Cache Public API", "platform.yaml": "Cache Platform API",
               "manage.yaml": "Cache Management API"}


@pytest.mark.parametrize("spec_file", ["cache.yaml", "platform.yaml", "manage.yaml"])
def test_the_page_shows_every_operation_of_the_spec_but_the_preflights(
        live_server, page, spec_file):
    base_path, in_spec = spec_operations(spec_file)
    expected = [operation for operation in in_spec if operation[0] != "OPTIONS"]
    assert len(expected) < len(in_spec)  # every path has its preflight in the spec
    page.goto(f"{live_server.url}{base_path}/ui/")
    expect(page.locator(".opblock")).to_have_count(len(expected))

    shown = shown_operations(page)
    print_operations(f"{spec_file}: operations in the spec", in_spec)
    print_operations(f"{base_path}/ui/: operations shown", shown)
    assert shown == expected
    expect(page.locator(".opblock-options")).to_have_count(0)
    # The page says where the whole spec is, and what it leaves out.
    expect(page.locator(".info .description")).to_contain_text("CORS preflight")
    expect(page.locator(f'.info .description a[href="{base_path}/openapi.json"]')).to_have_count(1)
    expect(page.locator(".info h2.title")).to_contain_text(PAGE_TITLES[spec_file])
    assert PAGE_TITLES[spec_file] == yaml.safe_load(
        (ROOT / "openapi" / spec_file).read_text())["info"]["title"]


@pytest.mark.parametrize("spec_file", ["cache.yaml", "platform.yaml", "manage.yaml"])
def test_the_page_says_how_to_get_a_token(live_server, page, spec_file):
    base_path, _ = spec_operations(spec_file)
    page.goto(f"{live_server.url}{base_path}/ui/")
    expect(page.locator(".info .description")).to_contain_text("cache-api token --domain")
    page.locator(".auth-wrapper button.authorize").click()
    dialog = page.locator(".dialog-ux .modal-ux")
    expect(dialog).to_contain_text("cache-api token --domain")


def test_an_authorized_request_from_the_page_crosses_origins_and_succeeds(
    live_server, page, database_url, artifacts_dir
):
    page_origin = live_server.url
    api_origin = f"http://localhost:{live_server.port}"
    assert page_origin != api_origin
    preflights = record_preflights(page)
    requests = []
    page.on("request", lambda request: requests.append(request))

    explore(page, f"{page_origin}/cache/ui/", f"{api_origin}/cache/openapi.json")
    expect_spec_from(page, f"{api_origin}/cache/openapi.json")
    assert shown_operations(page) == spec_operations("cache.yaml")[1]

    authorize(page, make_token(domains=[DOMAIN]))

    # POST the spec's example body, then list the domain's numbers.
    posted_block, posted = try_it_out(
        page, "POST", "/{domain}/ivrfallback/{number}", {"domain": DOMAIN, "number": NUMBER}
    )
    expect(posted.locator(".response-col_status")).to_have_text("200")
    expect(posted.locator(".response-col_description")).to_contain_text('"success": true')
    posted_block.locator(".opblock-summary").click()  # fold it, for a readable screenshot

    listed_block, listed = try_it_out(page, "GET", "/{domain}/ivrfallback", {"domain": DOMAIN})
    expect(listed.locator(".response-col_status")).to_have_text("200")
    body = listed.locator(".response-col_description .highlight-code pre")
    expect(body).to_contain_text(NUMBER)
    assert json.loads(body.inner_text()) == {"data": [NUMBER], "success": True}
    request_url = listed_block.locator(".request-url pre").inner_text()
    assert request_url == f"{api_origin}/cache/{DOMAIN}/ivrfallback"

    # From the top (spec URL, Authorize) down to the list's live response.
    page.evaluate("window.scrollTo(0, 0)")
    response_box = listed.bounding_box()
    screenshot = artifacts_dir / "swagger-ui.png"
    page.screenshot(path=screenshot, full_page=True, clip={
        "x": 0, "y": 0, "width": 1280, "height": response_box["y"] + response_box["height"] + 16,
    })
    print(f"\nscreenshot: {screenshot}")

    # The browser sent the calls as cross-origin requests...
    api_calls = [
        (request.method, request.url, request.header_value("origin"))
        for request in requests if request.url.startswith(f"{api_origin}/cache/{DOMAIN}/")
    ]
    assert api_calls == [
        ("POST", f"{api_origin}/cache/{DOMAIN}/ivrfallback/{NUMBER_IN_URL}", page_origin),
        ("GET", f"{api_origin}/cache/{DOMAIN}/ivrfallback", page_origin),
    ]
    # ...and preflighted each one, answered by the server itself (Playwright's stand-in,
    # used only while routing is on, would answer 204 and echo the requested method).
    print("\npreflights seen by Chromium:")
    for preflight in preflights.values():
        print(f"  OPTIONS {preflight['url']} -> {preflight.get('status')} "
              f"allow-methods={preflight.get('allow_methods')!r}")
    answered = {(p["url"], p.get("status"), p.get("allow_methods")) for p in preflights.values()}
    assert answered == {
        (f"{api_origin}/cache/{DOMAIN}/ivrfallback/{NUMBER_IN_URL}", 200,
         "GET, POST, DELETE, OPTIONS"),
        (f"{api_origin}/cache/{DOMAIN}/ivrfallback", 200, "GET, OPTIONS"),
    }
    for preflight in preflights.values():
        assert preflight["origin"] == page_origin
        assert "authorization" in preflight["request_headers"].lower()


def test_only_the_configured_origins_may_use_the_api_from_a_page(database_url, tmp_path, page):
    server = server_on(database_url, tmp_path, workers=1)
    allowed_origin, refused_origin = server.url, f"http://localhost:{server.port}"
    server.env["CACHE_CORS_ORIGINS"] = f"https://portal.example, {allowed_origin}"
    with server:
        # The allowed origin's page reads the spec and calls the API, preflight included.
        explore(page, f"{allowed_origin}/cache/ui/", f"{refused_origin}/cache/openapi.json")
        expect_spec_from(page, f"{refused_origin}/cache/openapi.json")
        authorize(page, make_token(domains=[DOMAIN]))
        _, listed = try_it_out(page, "GET", "/{domain}/ivrfallback", {"domain": DOMAIN})
        expect(listed.locator(".response-col_status")).to_have_text("200")

        # Another origin's page: the browser refuses to hand it the spec.
        explore(page, f"{refused_origin}/cache/ui/", f"{allowed_origin}/cache/openapi.json")
        expect(page.locator(".errors-wrapper")).to_contain_text("Failed to fetch")
        expect(page.locator(".errors-wrapper")).to_contain_text("CORS")
        expect(page.locator(".opblock")).to_have_count(0)
