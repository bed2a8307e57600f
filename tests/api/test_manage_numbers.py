"""The management API's page of numbers (GET /manage/{domain}/ivrfallback), through the
real app, on this run's engine."""

from urllib.parse import quote

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.expiration import DAY_SECONDS
from app.storage import store
from tests.helpers import DOMAIN, ON_POSTGRES, assert_problem, bearer, make_token

LIST = f"/manage/{DOMAIN}/ivrfallback"
HANGUP = {"mode": "always", "command": {"action": {"type": "hangup"}}}
# Every character a number may hold, and the LIKE wildcard `_` among them: sorted in
# plain string order, bytewise ('#' < '*' < '+' < '-' < '.' < digits < 'A' < '_' < 'a').
NUMBERS = ["#1", "*2", "+46701234567", "+46701234568", "+46707654321", "-x", ".y", "0",
           "132", "1_2", "A7", "Ab", "_z", "a7", "ab", "z.z"]


def write(client, auth, numbers, domain=DOMAIN, **fields):
    entries = [{"number": number, **HANGUP, **fields} for number in numbers]
    answer = client.post(f"/manage/{domain}/ivrfallback/import", json={"entries": entries},
                         headers=auth)
    assert answer.json()["success"] is True, answer.text


def pages(client, auth, query="", limit=3, path=LIST):
    """Every page from the first, following `next`: (numbers of each page, last answer)."""
    seen, after = [], None
    # Bounded: a `next` that never ends would otherwise loop for ever.
    for _ in range(100):
        asked = f"{path}?limit={limit}{query}" + (f"&after={quote(after)}" if after else "")
        answer = client.get(asked, headers=auth)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        seen.append([item["number"] for item in body["data"]])
        after = body["next"]
        if after is None:
            return seen, body
        assert after == seen[-1][-1]
    raise AssertionError(f"no last page in 100: {seen[-3:]}")


def test_pages_cover_every_number_once_in_plain_string_order(client, auth):
    write(client, auth, reversed(NUMBERS))

    seen, last = pages(client, auth, limit=3)

    assert [number for page in seen for number in page] == sorted(NUMBERS) == NUMBERS
    assert [len(page) for page in seen] == [3, 3, 3, 3, 3, 1]
    assert last == {"data": [{"number": "z.z", "mode": "always", "ttl": last["data"][0]["ttl"]}],
                    "next": None, "success": True}
    # The public list, in one piece, has the same numbers in the same order.
    assert client.get(f"/cache/{DOMAIN}/ivrfallback", headers=auth).json()["data"] == NUMBERS


def test_a_full_last_page_says_no_page_follows(client, auth):
    write(client, auth, NUMBERS)

    seen, _ = pages(client, auth, limit=8)

    assert seen == [NUMBERS[:8], NUMBERS[8:]]


def test_each_number_comes_with_its_mode_and_expiry(client, auth, frozen_clock):
    write(client, auth, ["1"], expiration="DAY")
    write(client, auth, ["2"], mode="onError", ttl=frozen_clock.now + 60)

    body = client.get(LIST, headers=auth).json()

    assert body == {"data": [
        {"number": "1", "mode": "always", "ttl": frozen_clock.now + DAY_SECONDS},
        {"number": "2", "mode": "onError", "ttl": frozen_clock.now + 60},
    ], "next": None, "success": True}


def test_the_first_page_holds_50_by_default_and_limit_goes_to_500(client, auth):
    numbers = [f"{index:04d}" for index in range(501)]
    write(client, auth, numbers)

    first = client.get(LIST, headers=auth).json()
    widest = client.get(f"{LIST}?limit=500", headers=auth).json()

    assert [item["number"] for item in first["data"]] == numbers[:50]
    assert first["next"] == numbers[49]
    assert [item["number"] for item in widest["data"]] == numbers[:500]
    assert widest["next"] == numbers[499]


def test_expired_entries_are_never_listed(client, auth, frozen_clock):
    write(client, auth, ["1", "3", "5"], expiration="DAY")
    write(client, auth, ["2", "4"], expiration="WEEK")
    first = client.get(f"{LIST}?limit=2", headers=auth).json()
    assert [item["number"] for item in first["data"]] == ["1", "2"]

    frozen_clock.advance(2 * DAY_SECONDS)
    rest = client.get(f"{LIST}?limit=2&after={first['next']}", headers=auth).json()

    assert [item["number"] for item in rest["data"]] == ["4"]
    assert rest["next"] is None
    assert pages(client, auth)[0] == [["2", "4"]]


def test_another_domain_s_numbers_are_never_seen(client, auth):
    other = bearer(make_token(domains=["other.example", "example.comx"]))
    write(client, other, ["1", "3", "5"], domain="other.example")
    write(client, other, ["2", "4"], domain="example.comx")
    write(client, auth, ["2", "6"])

    assert pages(client, auth, limit=1)[0] == [["2"], ["6"]]
    assert pages(client, auth, limit=1, path=f"/manage/EXAMPLE.com/ivrfallback")[0] == [
        ["2"], ["6"]]
    assert pages(client, auth, query="&contains=5")[0] == [[]]
    assert pages(client, auth, query="&contains=2", limit=1)[0] == [["2"]]
    assert client.get("/manage/unknown.example/ivrfallback",
                      headers=bearer(make_token(domains=["unknown.example"]))).json() == {
        "data": [], "next": None, "success": True}


@pytest.mark.parametrize("contains, found", [
    ("4670", ["+46701234567", "+46701234568", "+46707654321"]),
    ("+", ["+46701234567", "+46701234568", "+46707654321"]),
    # Numbers compare exactly: a case-sensitive search, and `_` and `.` are themselves.
    ("A", ["A7", "Ab"]),
    ("a", ["a7", "ab"]),
    ("_", ["1_2", "_z"]),
    (".", [".y", "z.z"]),
    ("*", ["*2"]),
    ("#1", ["#1"]),
    ("z.z", ["z.z"]),
    ("nothing", []),
])
def test_contains_finds_the_numbers_holding_the_text(client, auth, contains, found):
    write(client, auth, NUMBERS)

    seen, _ = pages(client, auth, query=f"&contains={quote(contains, safe='')}", limit=2)

    assert [number for page in seen for number in page] == found


def test_a_search_pages_from_after(client, auth):
    write(client, auth, NUMBERS)

    answer = client.get(f"{LIST}?contains=7&after=%2B46701234568&limit=1", headers=auth).json()

    assert [item["number"] for item in answer["data"]] == ["+46707654321"]
    assert answer["next"] == "+46707654321"
    assert pages(client, auth, query="&contains=7&after=%2B46707654321")[0] == [["A7", "a7"]]


def test_after_need_not_be_in_the_cache(client, auth):
    write(client, auth, ["10", "20", "30"])

    assert pages(client, auth, query="&after=15")[0] == [["20", "30"]]
    assert pages(client, auth, query="&after=9")[0] == [[]]


@pytest.mark.parametrize("query, name", [
    ("limit=0", "limit"), ("limit=501", "limit"), ("limit=-1", "limit"), ("limit=ten", "limit"),
    ("limit=1.5", "limit"), ("limit=", "limit"),
    ("after=", "after"), ("after=bad%20number", "after"), ("after=" + "1" * 65, "after"),
    ("after=%25", "after"), ("after=%0A", "after"),
    ("contains=", "contains"), ("contains=a%20b", "contains"), ("contains=%25", "contains"),
    ("contains=" + "1" * 65, "contains"), ("contains=%C3%A9", "contains"),
    ("offset=50", "offset"), ("page=2", "page"),
])
def test_bad_parameters_are_400s_naming_the_parameter(client, auth, stored, query, name):
    write(client, auth, ["1"])
    before = stored()

    answer = client.get(f"{LIST}?{query}", headers=auth)

    assert_problem(answer, 400, name)
    assert any(error["field"] == name for error in answer.json()["errors"]), answer.json()
    assert stored() == before


def test_the_primary_key_serves_a_page_in_order(engine):
    """The page's query runs along the primary key (domain, number) from `after`, in
    order: no sort, no reading of the rows before the page, so no index of its own."""
    sent = []

    def keep(connection, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    with Session(engine) as session:
        connection = session.connection()
        event.listen(engine, "before_cursor_execute", keep)
        try:
            store.page_of_numbers(session, DOMAIN, 0, 51, after="+4670", contains="7")
        finally:
            event.remove(engine, "before_cursor_execute", keep)
        ((statement, parameters),) = sent
        if ON_POSTGRES:
            # An empty table's plan may be anything: ask whether the index can serve it.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = "\n".join(row[0] for row in connection.exec_driver_sql(
                f"EXPLAIN {statement}", parameters))
            assert "Index Scan using pk_ivr_fallback" in plan, plan
            assert "(number)::text > " in plan and "Sort" not in plan, plan
        else:
            plan = "\n".join(row[-1] for row in connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters))
            assert "USING INDEX sqlite_autoindex_ivr_fallback_1 (domain=? AND number>?)" \
                in plan, plan
            assert "TEMP B-TREE" not in plan, plan
