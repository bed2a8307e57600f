"""Optimistic concurrency on the public API: ETag, If-Match, If-None-Match: *."""

import pytest

from tests.helpers import DOMAIN, assert_problem, calling

ENTRY = f"/cache/{DOMAIN}/ivrfallback/1"
HANGUP = {"mode": "always", "command": {"action": {"type": "hangup"}}}


def etag_of(client, auth) -> str:
    response = client.get(ENTRY, headers=auth)
    assert response.status_code == 200
    return response.headers["etag"]


class TestGet:
    def test_an_entry_carries_an_etag_that_changes_with_every_write(self, client, auth):
        client.post(ENTRY, json=HANGUP, headers=auth)
        first = etag_of(client, auth)
        assert first == '"1"'
        assert etag_of(client, auth) == first
        client.post(ENTRY, json=HANGUP, headers=auth)
        assert etag_of(client, auth) == '"2"'

    def test_the_post_answers_the_new_etag(self, client, auth):
        response = client.post(ENTRY, json=HANGUP, headers=auth)
        assert response.headers["etag"] == etag_of(client, auth)

    def test_a_page_on_another_origin_may_read_it(self, client, auth):
        client.post(ENTRY, json=HANGUP, headers=auth)
        response = client.get(ENTRY, headers={**auth, "Origin": "https://app.example"})
        assert "ETag" in response.headers["access-control-expose-headers"]
        preflight = client.options(ENTRY, headers={"Origin": "https://app.example"})
        assert "If-Match" in preflight.headers["access-control-allow-headers"]


class TestIfMatch:
    def test_the_current_etag_writes(self, client, auth):
        client.post(ENTRY, json=HANGUP, headers=auth)
        etag = etag_of(client, auth)
        response = client.post(ENTRY, json=calling(), headers={**auth, "If-Match": etag})
        assert response.status_code == 200
        assert client.get(ENTRY, headers=auth).json()["data"]["command"] == calling()["command"]

    def test_a_stale_etag_is_a_412_with_the_current_one(self, client, auth, stored):
        client.post(ENTRY, json=HANGUP, headers=auth)
        stale = etag_of(client, auth)
        client.post(ENTRY, json=HANGUP, headers=auth)
        before = stored()
        for method, body in (("post", calling()), ("delete", None)):
            response = client.request(method, ENTRY, json=body, headers={**auth, "If-Match": stale})
            assert_problem(response, 412)
            assert response.headers["etag"] == '"2"'
        assert stored() == before

    def test_one_of_several_etags_or_a_star_matches(self, client, auth):
        client.post(ENTRY, json=HANGUP, headers=auth)
        response = client.post(ENTRY, json=HANGUP, headers={**auth, "If-Match": '"7", "1"'})
        assert response.status_code == 200
        response = client.post(ENTRY, json=HANGUP, headers={**auth, "If-Match": "*"})
        assert response.status_code == 200

    def test_no_entry_matches_nothing(self, client, auth, stored):
        for method, body in (("post", HANGUP), ("delete", None)):
            for value in ('"1"', "*"):
                response = client.request(method, ENTRY, json=body,
                                          headers={**auth, "If-Match": value})
                assert_problem(response, 412)
                assert "etag" not in response.headers
        assert stored()["ivr_fallback"] == []

    def test_delete_with_the_current_etag(self, client, auth):
        client.post(ENTRY, json=HANGUP, headers=auth)
        response = client.delete(ENTRY, headers={**auth, "If-Match": etag_of(client, auth)})
        assert response.status_code == 200
        assert client.get(ENTRY, headers=auth).status_code == 404

    @pytest.mark.parametrize("value", ["1", 'W/"1"', '"abc"', '"1", 2', '""'])
    def test_a_malformed_if_match_is_a_400(self, client, auth, stored, value):
        client.post(ENTRY, json=HANGUP, headers=auth)
        before = stored()
        response = client.post(ENTRY, json=calling(), headers={**auth, "If-Match": value})
        assert_problem(response, 400, "If-Match")
        assert stored() == before


class TestIfNoneMatch:
    def test_creates_only(self, client, auth, stored, frozen_clock):
        created = client.post(ENTRY, json={**HANGUP, "expiration": "DAY"},
                              headers={**auth, "If-None-Match": "*"})
        assert created.status_code == 200
        before = stored()
        again = client.post(ENTRY, json=calling(), headers={**auth, "If-None-Match": "*"})
        assert_problem(again, 412, "exists")
        assert again.headers["etag"] == '"1"'
        assert stored() == before
        # An expired entry is no entry: it may be created anew.
        frozen_clock.advance(86_400)
        anew = client.post(ENTRY, json=calling(), headers={**auth, "If-None-Match": "*"})
        assert anew.status_code == 200

    def test_only_a_star_is_understood(self, client, auth, stored):
        response = client.post(ENTRY, json=HANGUP, headers={**auth, "If-None-Match": '"1"'})
        assert_problem(response, 400, "If-None-Match")
        assert stored()["ivr_fallback"] == []


def test_without_the_headers_nothing_changes(client, auth):
    assert client.post(ENTRY, json=HANGUP, headers=auth).status_code == 200
    assert client.post(ENTRY, json=calling(), headers=auth).status_code == 200
    assert client.delete(ENTRY, headers=auth).status_code == 200
    assert_problem(client.delete(ENTRY, headers=auth), 404)
