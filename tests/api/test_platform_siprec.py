"""The platform's SIPRec side: the call-time read, and bulk writes of up to 5,000 numbers."""

import json

import pytest

from app.expiration import DAY_SECONDS
from tests.helpers import DOMAIN, assert_problem

BULK = f"/platform/{DOMAIN}/siprecfallback"
PUBLIC = f"/cache/{DOMAIN}/siprecfallback"
NOT_A_NUMBER = "not a number: 1 to 64 characters of A-Z a-z 0-9 + * # . _ -"


def numbers_of(count: int) -> list[str]:
    return [f"+4670{index:07d}" for index in range(count)]


def siprec_rows(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return dict(connection.exec_driver_sql(
            "SELECT number, expires_at FROM siprec_fallback").all())


# --- the call-time read --------------------------------------------------------------------


def test_read_of_a_number_in_the_cache_gives_its_expiry(client, platform_auth, frozen_clock):
    client.post(f"{BULK}/+4670", json={"expiration": "WEEK"}, headers=platform_auth)
    response = client.get(f"{BULK}/+4670", headers=platform_auth)
    assert response.status_code == 200
    assert response.json() == {"inCache": True, "ttl": frozen_clock.now + 7 * DAY_SECONDS}


def test_read_of_an_absent_expired_or_deleted_number(client, auth, platform_auth, frozen_clock):
    assert client.get(f"{BULK}/1", headers=platform_auth).json() == {"inCache": False}
    client.post(f"{BULK}/1", json={"expiration": "DAY"}, headers=platform_auth)
    client.post(f"{BULK}/2", headers=platform_auth)
    client.delete(f"{PUBLIC}/2", headers=auth)
    frozen_clock.advance(DAY_SECONDS)
    assert client.get(f"{BULK}/1", headers=platform_auth).json() == {"inCache": False}
    assert client.get(f"{BULK}/2", headers=platform_auth).json() == {"inCache": False}


def test_read_compares_the_domain_case_insensitively(client, platform_auth):
    client.post("/platform/EXAMPLE.com/siprecfallback/1", headers=platform_auth)
    assert client.get("/platform/example.COM/siprecfallback/1",
                      headers=platform_auth).json()["inCache"] is True


# --- bulk writes ---------------------------------------------------------------------------


def test_bulk_write_puts_every_number_in_the_cache(client, auth, platform_auth, engine,
                                                   frozen_clock):
    numbers = numbers_of(3)
    response = client.post(BULK, json={"numbers": numbers, "expiration": "MONTH"},
                           headers=platform_auth)
    assert response.status_code == 200
    assert response.json() == {"success": True,
                               "results": [{"number": n, "written": True} for n in numbers]}
    assert siprec_rows(engine) == {n: frozen_clock.now + 30 * DAY_SECONDS for n in numbers}
    assert client.get(f"{PUBLIC}/{numbers[0]}", headers=auth).json() == {"inCache": True}


def test_bulk_write_defaults_to_half_a_year(client, platform_auth, engine, frozen_clock):
    client.post(BULK, json={"numbers": ["1"]}, headers=platform_auth)
    assert siprec_rows(engine) == {"1": frozen_clock.now + 182 * DAY_SECONDS}


def test_bulk_write_is_idempotent_and_renews(client, platform_auth, engine, frozen_clock):
    body = {"numbers": ["1", "2", "1"], "expiration": "DAY"}
    first = client.post(BULK, json=body, headers=platform_auth)
    again = client.post(BULK, json=body, headers=platform_auth)
    assert first.json() == again.json() == {"success": True, "results": [
        {"number": "1", "written": True}, {"number": "2", "written": True},
        {"number": "1", "written": True}]}
    frozen_clock.advance(10)
    client.post(BULK, json=body, headers=platform_auth)
    assert siprec_rows(engine) == {"1": frozen_clock.now + DAY_SECONDS,
                                   "2": frozen_clock.now + DAY_SECONDS}


def test_bulk_write_reports_bad_numbers_and_writes_the_good(client, platform_auth, engine):
    numbers = ["+4670", "bad number", "", "x" * 65, "1\n", "#1", "é"]
    response = client.post(BULK, json={"numbers": numbers}, headers=platform_auth)
    assert response.status_code == 200
    assert response.json() == {"success": False, "results": [
        {"number": "+4670", "written": True},
        {"number": "bad number", "written": False, "detail": NOT_A_NUMBER},
        {"number": "", "written": False, "detail": NOT_A_NUMBER},
        {"number": "x" * 65, "written": False, "detail": NOT_A_NUMBER},
        {"number": "1\n", "written": False, "detail": NOT_A_NUMBER},
        {"number": "#1", "written": True},
        {"number": "é", "written": False, "detail": NOT_A_NUMBER},
    ]}
    assert set(siprec_rows(engine)) == {"+4670", "#1"}


def test_bulk_write_of_only_bad_numbers_writes_nothing(client, platform_auth, stored):
    before = stored()
    response = client.post(BULK, json={"numbers": ["a b"]}, headers=platform_auth)
    assert response.json()["success"] is False
    assert stored() == before


def test_bulk_write_takes_5000_numbers_in_one_request(client, platform_auth, engine):
    numbers = numbers_of(5000)
    body = json.dumps({"numbers": numbers, "expiration": "WEEK"}).encode()
    assert len(body) > 64 * 1024  # over the usual body limit, which this operation raises
    response = client.post(BULK, content=body, headers={
        **platform_auth, "Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.json()["success"] is True
    assert [result["number"] for result in response.json()["results"]] == numbers
    assert len(siprec_rows(engine)) == 5000


@pytest.mark.parametrize("body, field", [
    ({"numbers": [f"{index}" for index in range(5001)]}, "numbers"),
    ({"numbers": []}, "numbers"),
    ({}, "numbers"),
    ({"numbers": "1"}, "numbers"),
    ({"numbers": [1, "2"]}, "numbers"),
    ({"numbers": [None]}, "numbers"),
    ({"numbers": ["1"], "expiration": "YEAR"}, "expiration"),
    ({"numbers": ["1"], "expiration": 1}, "expiration"),
    ({"numbers": ["1"], "expiration": True}, "expiration"),
    ({"numbers": ["1"], "expiration": None}, "expiration"),
    ({"numbers": ["1"], "expiry": "DAY"}, "expiry"),
    (["1"], ""),
    ("1", ""),
])
def test_malformed_document_is_refused_whole(client, platform_auth, stored, body, field):
    before = stored()
    response = client.post(BULK, json=body, headers=platform_auth)
    assert_problem(response, 400, field)
    assert stored() == before


def test_malformed_document_is_refused_even_with_good_numbers(client, platform_auth, stored,
                                                               frozen_clock):
    before = stored()
    response = client.post(BULK, json={"numbers": ["1", "2"], "expiration": frozen_clock.now - 1},
                           headers=platform_auth)
    assert_problem(response, 400, "expiration")
    assert stored() == before


def test_bulk_body_limit_is_raised_but_bounded(client, platform_auth, stored):
    before = stored()
    body = json.dumps({"numbers": ["1" * 64] * 9000}).encode()
    assert len(body) > 512 * 1024
    response = client.post(BULK, content=body, headers={
        **platform_auth, "Content-Type": "application/json"})
    assert_problem(response, 413, "512 KiB")
    assert stored() == before


def test_other_operations_keep_the_usual_body_limit(client, platform_auth, stored):
    body = json.dumps({"expiration": "DAY", "pad": "x" * 70_000}).encode()
    response = client.post(f"{BULK}/1", content=body, headers={
        **platform_auth, "Content-Type": "application/json"})
    assert_problem(response, 413, "64 KiB")


def test_bulk_write_needs_json(client, platform_auth, stored):
    before = stored()
    response = client.post(BULK, content=b"numbers=1", headers={
        **platform_auth, "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code in (400, 415)
    assert stored() == before


@pytest.mark.parametrize("path, methods", [
    (f"/platform/{DOMAIN}/ivrfallback/1/decision", "GET, OPTIONS"),
    (BULK, "POST, OPTIONS"),
    (f"{BULK}/1", "GET, POST, OPTIONS"),
])
def test_every_platform_path_answers_a_preflight_without_a_token(client, path, methods):
    response = client.options(path, headers={"Origin": "https://ops.example",
                                             "Access-Control-Request-Method": "GET"})
    assert response.status_code == 200
    assert response.json() == {}
    assert response.headers["access-control-allow-methods"] == methods
    assert response.headers["access-control-allow-origin"] == "*"
