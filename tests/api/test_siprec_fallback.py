"""The SIPRec fallback cache: the platform writes, customers ask and delete."""

from app.expiration import DAY_SECONDS
from tests.helpers import DOMAIN, READ, WRITE, bearer, make_token

PUBLIC = f"/cache/{DOMAIN}/siprecfallback"
PLATFORM = f"/platform/{DOMAIN}/siprecfallback"


def test_absent_number_is_not_in_cache(client, auth):
    response = client.get(f"{PUBLIC}/+4670", headers=auth)
    assert response.status_code == 200
    assert response.json() == {"inCache": False}


def test_platform_write_puts_the_number_in_the_cache(client, auth, platform_auth):
    response = client.post(f"{PLATFORM}/+4670", headers=platform_auth)
    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert client.get(f"{PUBLIC}/+4670", headers=auth).json() == {"inCache": True}


def test_platform_write_without_body_defaults_to_half_a_year(
    client, platform_auth, engine, frozen_clock
):
    client.post(f"{PLATFORM}/1", headers=platform_auth)
    with engine.connect() as connection:
        expires_at = connection.exec_driver_sql("SELECT expires_at FROM siprec_fallback").scalar()
    assert expires_at == frozen_clock.now + 182 * DAY_SECONDS


def test_platform_write_takes_an_expiration(client, platform_auth, engine, frozen_clock):
    response = client.post(f"{PLATFORM}/1", json={"expiration": frozen_clock.now + 60.5},
                           headers=platform_auth)
    assert response.status_code == 200
    with engine.connect() as connection:
        expires_at = connection.exec_driver_sql("SELECT expires_at FROM siprec_fallback").scalar()
    assert expires_at == frozen_clock.now + 60


def test_platform_write_refuses_a_past_expiration(client, platform_auth, frozen_clock, stored):
    response = client.post(f"{PLATFORM}/1", json={"expiration": frozen_clock.now - 1},
                           headers=platform_auth)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "expiration"
    assert stored()["siprec_fallback"] == []


def test_platform_write_refuses_unknown_fields(client, platform_auth, stored):
    response = client.post(f"{PLATFORM}/1", json={"expiry": "DAY"}, headers=platform_auth)
    assert response.status_code == 400
    assert "expiry" in response.json()["detail"]
    assert stored()["siprec_fallback"] == []


def test_delete_answers_whether_something_was_deleted(client, auth, platform_auth):
    client.post(f"{PLATFORM}/1", headers=platform_auth)

    assert client.delete(f"{PUBLIC}/1", headers=auth).json() == {"deleted": True}
    assert client.get(f"{PUBLIC}/1", headers=auth).json() == {"inCache": False}
    assert client.delete(f"{PUBLIC}/1", headers=auth).json() == {"deleted": False}


def test_public_tokens_cannot_write_the_siprec_cache(client, stored):
    response = client.post(f"{PLATFORM}/1", headers=bearer(make_token(scopes=(READ, WRITE))))
    assert response.status_code == 403
    assert stored()["siprec_fallback"] == []


def test_public_api_has_no_siprec_write(client, auth, stored):
    response = client.post(f"{PUBLIC}/1", headers=auth)
    assert response.status_code == 405
    assert response.json()["success"] is False
    assert stored()["siprec_fallback"] == []
