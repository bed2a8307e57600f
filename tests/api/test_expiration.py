"""`expiration`: period names, timestamps, the default, and expiry hiding entries everywhere."""

import pytest

from app.expiration import DAY_SECONDS, MAX_AHEAD_SECONDS
from tests.helpers import DOMAIN

BASE = f"/cache/{DOMAIN}/ivrfallback"
HANGUP = {"action": {"type": "hangup"}}


def set_with(client, auth, **extra):
    return client.post(f"{BASE}/1", json={"mode": "always", "command": HANGUP, **extra}, headers=auth)


def ttl(client, auth):
    return client.get(f"{BASE}/1", headers=auth).json()["data"]["ttl"]


@pytest.mark.parametrize(
    "period, days", [("DAY", 1), ("WEEK", 7), ("MONTH", 30), ("QUARTER", 91), ("HALF-YEAR", 182)]
)
def test_period_names_count_days_from_the_request(client, auth, frozen_clock, period, days):
    assert set_with(client, auth, expiration=period).status_code == 200
    assert ttl(client, auth) == frozen_clock.now + days * DAY_SECONDS


def test_default_is_half_a_year(client, auth, frozen_clock):
    set_with(client, auth)
    assert ttl(client, auth) == frozen_clock.now + 182 * DAY_SECONDS


def test_timestamp_is_the_expiry_instant(client, auth, frozen_clock):
    set_with(client, auth, expiration=frozen_clock.now + 3600)
    assert ttl(client, auth) == frozen_clock.now + 3600


def test_fractional_timestamp_is_floored(client, auth, frozen_clock):
    set_with(client, auth, expiration=frozen_clock.now + 3600.999)
    assert ttl(client, auth) == frozen_clock.now + 3600


@pytest.mark.parametrize("offset", [0, -1, -86_400])
def test_timestamp_not_in_the_future_is_refused(client, auth, frozen_clock, stored, offset):
    response = set_with(client, auth, expiration=frozen_clock.now + offset)
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["field"] == "expiration"
    assert "not in the future" in body["detail"]
    assert stored()["ivr_fallback"] == []


def test_millisecond_timestamp_is_refused_as_such(client, auth, frozen_clock, stored):
    response = set_with(client, auth, expiration=frozen_clock.now * 1000)
    assert response.status_code == 400
    assert "milliseconds" in response.json()["detail"]
    assert stored()["ivr_fallback"] == []


def test_ten_years_ahead_is_accepted(client, auth, frozen_clock):
    assert set_with(client, auth, expiration=frozen_clock.now + MAX_AHEAD_SECONDS).status_code == 200


@pytest.mark.parametrize("value", ["day", "YEAR", "", True, None, [], {}])
def test_other_values_are_refused(client, auth, stored, value):
    response = set_with(client, auth, expiration=value)
    assert response.status_code == 400
    assert response.json()["success"] is False
    assert "expiration" in response.json()["detail"]
    assert stored()["ivr_fallback"] == []


def test_expired_entry_disappears_from_get_list_and_delete(client, auth, frozen_clock):
    set_with(client, auth, expiration="DAY")
    frozen_clock.advance(DAY_SECONDS - 1)
    assert client.get(f"{BASE}/1", headers=auth).status_code == 200

    frozen_clock.advance(1)

    assert client.get(f"{BASE}/1", headers=auth).status_code == 404
    assert client.get(BASE, headers=auth).json()["data"] == []
    assert client.delete(f"{BASE}/1", headers=auth).status_code == 404


def test_expired_siprec_entry_is_not_in_cache(client, auth, platform_auth, frozen_clock):
    path = f"/{DOMAIN}/siprecfallback/1"
    client.post(f"/platform{path}", json={"expiration": "DAY"}, headers=platform_auth)
    assert client.get(f"/cache{path}", headers=auth).json() == {"inCache": True}

    frozen_clock.advance(DAY_SECONDS)

    assert client.get(f"/cache{path}", headers=auth).json() == {"inCache": False}
    assert client.delete(f"/cache{path}", headers=auth).json() == {"deleted": False}


def test_an_expired_entry_can_be_set_again(client, auth, frozen_clock):
    set_with(client, auth, expiration="DAY")
    frozen_clock.advance(2 * DAY_SECONDS)
    assert set_with(client, auth, expiration="WEEK").status_code == 200
    assert ttl(client, auth) == frozen_clock.now + 7 * DAY_SECONDS
