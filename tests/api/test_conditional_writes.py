"""Optimistic concurrency: ETag, If-Match, If-None-Match: *, on the public API's writes
and on the management writes (restore, the two renews); preconditions are evaluated in
RFC 9110's order (If-Match, then If-None-Match)."""

import pytest

from tests.helpers import DOMAIN, assert_problem, calling

ENTRY = f"/cache/{DOMAIN}/ivrfallback/1"
HANGUP = {"mode": "always", "command": {"action": {"type": "hangup"}}}
MANAGE = f"/manage/{DOMAIN}/ivrfallback/1"
SIPREC = f"/platform/{DOMAIN}/siprecfallback/1"
SIPREC_RENEW = f"/manage/{DOMAIN}/siprecfallback/1/renew"
# The management writes of an IVR entry: a path under MANAGE and a body.
IVR_WRITES = {"restore": {"version": 1}, "renew": {"expiration": "WEEK"}}
MALFORMED_IF_MATCH = ["1", 'W/"1"', '"abc"', '"1", 2', '""']


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

    @pytest.mark.parametrize("value", MALFORMED_IF_MATCH)
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


class TestBothHeaders:
    """If-Match is evaluated first; when it holds the entry exists, so If-None-Match: *
    fails: together they never write."""

    @pytest.mark.parametrize("if_match", ['"1"', "*", '"7", "1"'])
    def test_a_matching_if_match_and_an_existing_entry_is_a_412(self, client, auth, stored,
                                                                 if_match):
        client.post(ENTRY, json=HANGUP, headers=auth)
        before = stored()
        response = client.post(ENTRY, json=calling(),
                               headers={**auth, "If-Match": if_match, "If-None-Match": "*"})
        assert_problem(response, 412, "exists")
        assert response.headers["etag"] == '"1"'
        assert stored() == before

    def test_a_stale_if_match_fails_first(self, client, auth, stored):
        client.post(ENTRY, json=HANGUP, headers=auth)
        client.post(ENTRY, json=HANGUP, headers=auth)
        before = stored()
        response = client.post(ENTRY, json=calling(),
                               headers={**auth, "If-Match": '"1"', "If-None-Match": "*"})
        assert_problem(response, 412, "no longer the version")
        assert response.headers["etag"] == '"2"'
        assert stored() == before

    @pytest.mark.parametrize("if_match", ['"1"', "*"])
    def test_no_entry_fails_the_if_match(self, client, auth, stored, if_match):
        response = client.post(ENTRY, json=HANGUP,
                               headers={**auth, "If-Match": if_match, "If-None-Match": "*"})
        assert_problem(response, 412, "no IVR fallback")
        assert "etag" not in response.headers
        assert stored()["ivr_fallback"] == [] and stored()["ivr_fallback_history"] == []

    def test_a_delete_with_both_is_a_412(self, client, auth, stored):
        client.post(ENTRY, json=HANGUP, headers=auth)
        before = stored()
        response = client.delete(ENTRY, headers={**auth, "If-Match": '"1"', "If-None-Match": "*"})
        assert_problem(response, 412, "exists")
        assert stored() == before


class TestDeleteIfNoneMatch:
    def test_an_existing_entry_is_a_412(self, client, auth, stored):
        client.post(ENTRY, json=HANGUP, headers=auth)
        before = stored()
        response = client.delete(ENTRY, headers={**auth, "If-None-Match": "*"})
        assert_problem(response, 412, "exists")
        assert response.headers["etag"] == '"1"'
        assert stored() == before

    def test_no_entry_is_the_404_it_would_be(self, client, auth, stored):
        assert_problem(client.delete(ENTRY, headers={**auth, "If-None-Match": "*"}), 404)
        assert stored()["ivr_fallback_history"] == []

    def test_only_a_star_is_understood(self, client, auth, stored):
        client.post(ENTRY, json=HANGUP, headers=auth)
        before = stored()
        response = client.delete(ENTRY, headers={**auth, "If-None-Match": '"1"'})
        assert_problem(response, 400, "If-None-Match")
        assert stored() == before


def two_versions(client, auth) -> None:
    """Versions "1" and "2" of the entry, both live."""
    for _ in range(2):
        assert client.post(ENTRY, json=HANGUP, headers=auth).status_code == 200


@pytest.mark.parametrize("write", sorted(IVR_WRITES))
class TestManagementIvrWrites:
    """Restore and renew honour the conditions as the public POST does."""

    @staticmethod
    def send(client, auth, write, **headers):
        return client.post(f"{MANAGE}/{write}", json=IVR_WRITES[write], headers={**auth, **headers})

    def test_a_stale_etag_is_a_412_with_the_current_one(self, client, auth, stored, write):
        two_versions(client, auth)
        before = stored()
        response = self.send(client, auth, write, **{"If-Match": '"1"'})
        assert_problem(response, 412, "no longer the version")
        assert response.headers["etag"] == '"2"'
        assert stored() == before

    def test_the_current_etag_writes_and_answers_the_new_one(self, client, auth, write):
        two_versions(client, auth)
        response = self.send(client, auth, write, **{"If-Match": '"2"'})
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == '"3"' == etag_of(client, auth)
        # The answer's ETag is enough for the next conditional write.
        chained = self.send(client, auth, write, **{"If-Match": response.headers["etag"]})
        assert chained.status_code == 200, chained.text
        assert chained.headers["etag"] == '"4"' == etag_of(client, auth)

    def test_without_a_condition_it_answers_the_new_etag_too(self, client, auth, write):
        two_versions(client, auth)
        response = self.send(client, auth, write)
        assert response.status_code == 200 and response.headers["etag"] == '"3"'

    @pytest.mark.parametrize("if_match", ['"7", "2"', "*"])
    def test_one_of_several_etags_or_a_star_matches(self, client, auth, write, if_match):
        two_versions(client, auth)
        assert self.send(client, auth, write, **{"If-Match": if_match}).status_code == 200

    @pytest.mark.parametrize("if_match", ['"1"', '"2"', "*"])
    def test_no_live_entry_matches_nothing(self, client, auth, stored, write, if_match):
        client.post(ENTRY, json=HANGUP, headers=auth)
        client.delete(ENTRY, headers=auth)
        before = stored()
        response = self.send(client, auth, write, **{"If-Match": if_match})
        assert_problem(response, 412, "no IVR fallback")
        assert "etag" not in response.headers
        assert stored() == before

    @pytest.mark.parametrize("value", MALFORMED_IF_MATCH)
    def test_a_malformed_if_match_is_the_public_apis_400(self, client, auth, stored, write,
                                                          value):
        two_versions(client, auth)
        before = stored()
        response = self.send(client, auth, write, **{"If-Match": value})
        assert_problem(response, 400, "If-Match")
        public = client.post(ENTRY, json=HANGUP, headers={**auth, "If-Match": value})
        assert response.json() == public.json()
        assert stored() == before

    @pytest.mark.parametrize("if_match", ['"2"', "*"])
    def test_both_headers_on_a_live_entry_are_a_412(self, client, auth, stored, write, if_match):
        two_versions(client, auth)
        before = stored()
        response = self.send(client, auth, write, **{"If-Match": if_match, "If-None-Match": "*"})
        assert_problem(response, 412, "exists")
        assert response.headers["etag"] == '"2"'
        assert stored() == before

    def test_if_none_match_on_a_live_entry_is_a_412(self, client, auth, stored, write):
        two_versions(client, auth)
        before = stored()
        response = self.send(client, auth, write, **{"If-None-Match": "*"})
        assert_problem(response, 412, "exists")
        assert response.headers["etag"] == '"2"'
        assert stored() == before

    def test_only_a_star_is_understood_in_if_none_match(self, client, auth, stored, write):
        two_versions(client, auth)
        before = stored()
        response = self.send(client, auth, write, **{"If-None-Match": '"1"'})
        assert_problem(response, 400, "If-None-Match")
        assert stored() == before


class TestIfNoneMatchWithoutAnEntry:
    def test_a_restore_brings_a_deleted_entry_back(self, client, auth):
        client.post(ENTRY, json=HANGUP, headers=auth)
        client.delete(ENTRY, headers=auth)
        response = client.post(f"{MANAGE}/restore", json={"version": 1},
                               headers={**auth, "If-None-Match": "*"})
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == '"3"' == etag_of(client, auth)

    def test_a_renew_is_the_404_it_would_be(self, client, auth, stored):
        client.post(ENTRY, json=HANGUP, headers=auth)
        client.delete(ENTRY, headers=auth)
        before = stored()
        response = client.post(f"{MANAGE}/renew", json={}, headers={**auth, "If-None-Match": "*"})
        assert_problem(response, 404)
        assert stored() == before


class TestSiprecRenew:
    """SIPRec entries have no versions (no ETag): `If-Match: *` holds when the entry
    exists, and no entity tag ever matches."""

    @staticmethod
    def send(client, auth, **headers):
        return client.post(SIPREC_RENEW, json={"expiration": "WEEK"}, headers={**auth, **headers})

    def test_a_star_renews_a_live_entry(self, client, auth, platform_auth):
        client.post(SIPREC, json={"expiration": "DAY"}, headers=platform_auth)
        response = self.send(client, auth, **{"If-Match": "*"})
        assert response.status_code == 200, response.text
        assert "etag" not in response.headers

    @pytest.mark.parametrize("if_match", ['"1"', '"1", "2"'])
    def test_an_entity_tag_never_matches(self, client, auth, platform_auth, stored, if_match):
        client.post(SIPREC, json={"expiration": "DAY"}, headers=platform_auth)
        before = stored()
        response = self.send(client, auth, **{"If-Match": if_match})
        assert_problem(response, 412, "no versions")
        assert "etag" not in response.headers
        assert stored() == before

    @pytest.mark.parametrize("if_match", ['"1"', "*"])
    def test_no_entry_matches_nothing(self, client, auth, stored, if_match):
        response = self.send(client, auth, **{"If-Match": if_match})
        assert_problem(response, 412)
        assert stored()["siprec_fallback"] == []

    @pytest.mark.parametrize("value", MALFORMED_IF_MATCH)
    def test_a_malformed_if_match_is_the_public_apis_400(self, client, auth, platform_auth,
                                                          stored, value):
        client.post(SIPREC, json={"expiration": "DAY"}, headers=platform_auth)
        before = stored()
        response = self.send(client, auth, **{"If-Match": value})
        public = client.post(ENTRY, json=HANGUP, headers={**auth, "If-Match": value})
        assert_problem(response, 400, "If-Match")
        assert response.json() == public.json()
        assert stored() == before

    @pytest.mark.parametrize("headers", [{"If-None-Match": "*"},
                                         {"If-None-Match": "*", "If-Match": "*"}])
    def test_if_none_match_on_a_live_entry_is_a_412(self, client, auth, platform_auth, stored,
                                                    headers):
        client.post(SIPREC, json={"expiration": "DAY"}, headers=platform_auth)
        before = stored()
        response = self.send(client, auth, **headers)
        assert_problem(response, 412, "exists")
        assert stored() == before

    def test_if_none_match_without_an_entry_is_the_404_it_would_be(self, client, auth, stored):
        assert_problem(self.send(client, auth, **{"If-None-Match": "*"}), 404)
        assert stored()["siprec_fallback"] == []

    def test_only_a_star_is_understood_in_if_none_match(self, client, auth, platform_auth,
                                                        stored):
        client.post(SIPREC, json={"expiration": "DAY"}, headers=platform_auth)
        before = stored()
        response = self.send(client, auth, **{"If-None-Match": '"1"'})
        assert_problem(response, 400, "If-None-Match")
        assert stored() == before


def test_without_the_headers_nothing_changes(client, auth):
    assert client.post(ENTRY, json=HANGUP, headers=auth).status_code == 200
    assert client.post(ENTRY, json=calling(), headers=auth).status_code == 200
    assert client.delete(ENTRY, headers=auth).status_code == 200
    assert_problem(client.delete(ENTRY, headers=auth), 404)
