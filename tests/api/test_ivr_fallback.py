"""The IVR fallback cache: list, get, set, delete, through the real app and database."""

import json
import random
import time
from urllib.parse import quote

import pytest

from app.expiration import DAY_SECONDS
from app.storage.models import IvrFallback
from tests.helpers import DOMAIN, bearer, make_token

BASE = f"/cache/{DOMAIN}/ivrfallback"

RICH_CALL = {
    "action": {
        "type": "call",
        "destAddr": "sip:support@pbx.example.com",
        "sipFrom": "<sip:+46701234567@example.com>",
        "sipTo": "<sip:+46812345678@example.com>",
        "sipDiversion": "<sip:+46700000000@example.com>;reason=unavailable",
        "sipPAI": "<sip:+46701234567@example.com>",
        "sipRPID": "<sip:+46701234567@example.com>;party=calling",
        "maxRingTime": 30,
        "xHeaders": {"X-Fallback": "yes", "x-lower": "1"},
        "pHeaders": {"P-Charging-Vector": "icid-value=1"},
        "contactParameters": {"transport": "tls"},
        "contactUserParameters": {"cpc": "ordinary"},
        "copyHeaders": ["User-to-User", "X-Case-Id"],
    },
    "phrases": [
        {"fileName": "closed.wav", "format": "wav", "cacheTimeToLive": "3600", "refreshCache": False},
        {"googleTTSParameters": {"text": "Hej", "voice": {"languageCode": "sv-SE"}, "rate": 1.25}},
        {"awsTTSParameters": {"Text": "Hello", "VoiceId": "Joanna"}, "refreshCache": True},
    ],
}
HANGUP = {"action": {"type": "hangup"}, "phrases": [{"fileName": "bye.wav"}]}


def post(client, auth, number, body):
    # Quoted: '#' and '+' are path characters of numbers, not URL syntax.
    return client.post(f"{BASE}/{quote(number, safe='')}", json=body, headers=auth)


def test_list_of_unknown_domain_is_empty(client, auth):
    response = client.get(BASE, headers=auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"data": [], "success": True}


def test_set_answers_success(client, auth):
    response = post(client, auth, "+46701234567", {"mode": "always", "command": HANGUP})
    assert response.status_code == 200
    assert response.json() == {"success": True}


@pytest.mark.parametrize("mode, command", [("always", RICH_CALL), ("onError", HANGUP)])
def test_post_then_get_returns_exactly_what_was_posted(client, auth, frozen_clock, mode, command):
    assert post(client, auth, "+46701234567", {"mode": mode, "command": command}).status_code == 200

    response = client.get(f"{BASE}/+46701234567", headers=auth)

    assert response.status_code == 200
    assert response.json() == {
        "data": {"mode": mode, "ttl": frozen_clock.now + 182 * DAY_SECONDS, "command": command},
        "success": True,
    }
    # Same keys in the same order, at every level.
    assert list(response.json()["data"]["command"]["action"]) == list(command["action"])


def test_set_replaces_the_whole_entry(client, auth):
    post(client, auth, "100", {"mode": "always", "command": RICH_CALL, "expiration": "DAY"})
    post(client, auth, "100", {"mode": "onError", "command": HANGUP, "expiration": "WEEK"})

    data = client.get(f"{BASE}/100", headers=auth).json()["data"]

    assert data["mode"] == "onError"
    assert data["command"] == HANGUP


def test_list_is_sorted_in_plain_string_order(client, auth):
    numbers = ["b", "B", "+2", "10", "9", "#1", "*5", "a.b", "a_b", "a-b", "Z"]
    for number in numbers:
        assert post(client, auth, number, {"mode": "always", "command": HANGUP}).status_code == 200

    response = client.get(BASE, headers=auth)

    assert response.json() == {"data": sorted(numbers), "success": True}


def test_a_list_is_compact_json_in_order_however_the_rows_were_written(client, auth, engine):
    # The database writes the array on SQLite (app/storage/store.py): its order and its bytes
    # must be what json.dumps() of the sorted numbers gives, empty or of thousands.
    assert client.get(BASE, headers=auth).content == b'{"data":[],"success":true}'
    numbers = [f"+46{index:05d}" for index in range(3000)]
    random.Random(10).shuffle(numbers)
    with engine.begin() as connection:
        connection.execute(IvrFallback.__table__.insert(), [
            {"domain": DOMAIN, "number": number, "mode": "always", "command": HANGUP,
             "expires_at": int(time.time()) + DAY_SECONDS, "updated_at": int(time.time())}
            for number in numbers
        ])

    response = client.get(BASE, headers=auth)

    assert response.headers["content-type"] == "application/json"
    expected = {"data": sorted(numbers), "success": True}
    assert response.content == json.dumps(expected, separators=(",", ":")).encode()


def test_numbers_compare_exactly(client, auth):
    post(client, auth, "abc", {"mode": "always", "command": HANGUP})
    assert client.get(f"{BASE}/ABC", headers=auth).status_code == 404
    assert client.get(f"{BASE}/abc", headers=auth).status_code == 200


def test_domains_compare_case_insensitively(client):
    auth = bearer(make_token(domains=["Example.COM"]))
    post(client, auth, "1", {"mode": "always", "command": HANGUP})

    response = client.get("/cache/EXAMPLE.com/ivrfallback/1", headers=auth)

    assert response.status_code == 200
    assert client.get("/cache/example.com/ivrfallback", headers=auth).json()["data"] == ["1"]


def test_get_of_absent_number_is_404_problem(client, auth):
    response = client.get(f"{BASE}/+4600", headers=auth)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["success"] is False
    assert body["status"] == 404
    assert "+4600" in body["detail"]


def test_delete_removes_the_entry(client, auth):
    post(client, auth, "1", {"mode": "always", "command": HANGUP})

    response = client.delete(f"{BASE}/1", headers=auth)

    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert client.get(f"{BASE}/1", headers=auth).status_code == 404
    assert client.get(BASE, headers=auth).json()["data"] == []


def test_delete_of_absent_number_is_404_problem(client, auth):
    response = client.delete(f"{BASE}/1", headers=auth)
    assert response.status_code == 404
    assert response.json()["success"] is False


def test_the_writer_is_recorded(client, auth, engine):
    post(client, auth, "1", {"mode": "always", "command": HANGUP})
    with engine.connect() as connection:
        writer = connection.exec_driver_sql("SELECT updated_by FROM ivr_fallback").scalar_one()
    assert writer == "tester"
