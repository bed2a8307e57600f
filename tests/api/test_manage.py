"""The management API (openapi/manage.yaml), through the real app, on this run's engine."""

import json
import re

import pytest

from app.expiration import DAY_SECONDS
from tests.helpers import (
    DOMAIN, PLATFORM, READ, WRITE, assert_problem, bearer, calling, make_token, metric,
)

MANAGE = f"/manage/{DOMAIN}"
PUBLIC = f"/cache/{DOMAIN}/ivrfallback"
HANGUP = {"mode": "always", "command": {"action": {"type": "hangup"}}}
RICH_CALL = {
    "mode": "onError",
    "command": {
        "action": {
            "type": "call", "destAddr": "sip:desk@pbx.example.com",
            "sipRPID": "<sip:r@x>", "sipFrom": "sip:f@x", "sipPAI": "sip:pai@x", "sipTo": "sip:t@x",
            "sipDiversion": "<sip:d@x>", "maxRingTime": 25,
            "pHeaders": {"P-Second": "2", "P-First": "1"},
            "xHeaders": {"X-Zeta": "z", "X-Alpha": "a"},
            "contactParameters": {"transport": "tls"},
            "contactUserParameters": {"cpc": "emergency"},
            "copyHeaders": ["User-Agent", "Call-Info"],
        },
        "phrases": [{"fileName": "first.wav", "format": "wav"},
                    {"awsTTSParameters": {"Text": "second"}}],
    },
}


def post(client, auth, number, body):
    response = client.post(f"{PUBLIC}/{number}", json=body, headers=auth)
    assert response.status_code == 200, response.text
    return response


def tts(text: str) -> dict:
    """A hangup that first speaks `text` (the text-to-speech parameters are free-form)."""
    return {"mode": "always", "command": {"action": {"type": "hangup"},
                                          "phrases": [{"awsTTSParameters": {"Text": text}}]}}


def versions(client, auth, number):
    response = client.get(f"{MANAGE}/ivrfallback/{number}/history", headers=auth)
    assert response.status_code == 200, response.text
    return response.json()["data"]


class TestDryRun:
    @pytest.mark.parametrize("outcome", ["not-asked", "answered", "timeout", "error",
                                         "unreachable", "invalid"])
    @pytest.mark.parametrize("mode", ["always", "onError"])
    def test_answers_what_the_platform_decides(self, client, auth, platform_auth, mode, outcome):
        post(client, auth, "1", {**RICH_CALL, "mode": mode})
        platform = client.get(f"/platform/{DOMAIN}/ivrfallback/1/decision?outcome={outcome}",
                              headers=platform_auth).json()
        dry = client.get(f"{MANAGE}/ivrfallback/1/dry-run?outcome={outcome}", headers=auth)
        assert dry.status_code == 200
        answer = dry.json()
        sip_request = answer.pop("sipRequest")
        assert answer == platform
        assert (sip_request is not None) == platform["apply"]

    def test_is_counted_nowhere(self, app, client, auth, platform_auth):
        post(client, auth, "1", RICH_CALL)
        for _ in range(3):
            client.get(f"{MANAGE}/ivrfallback/1/dry-run?outcome=timeout", headers=auth)
        app.app.extensions["cache_usage"].flush()
        assert client.get(f"{MANAGE}/ivrfallback/1/usage", headers=auth).json()["count"] == 0

    def test_shows_the_sip_request_in_the_order_it_is_built(self, client, auth):
        post(client, auth, "1", RICH_CALL)
        sip = client.get(f"{MANAGE}/ivrfallback/1/dry-run?outcome=error",
                         headers=auth).json()["sipRequest"]
        assert sip["method"] == "INVITE"
        assert sip["target"] == "sip:desk@pbx.example.com"
        assert [(h["name"], h.get("value")) for h in sip["headers"]] == [
            ("From", "sip:f@x"), ("To", "sip:t@x"), ("Diversion", "<sip:d@x>"),
            ("P-Asserted-Identity", "sip:pai@x"), ("Remote-Party-ID", "<sip:r@x>"),
            ("X-Zeta", "z"), ("X-Alpha", "a"), ("P-Second", "2"), ("P-First", "1"),
            ("Contact", None), ("User-Agent", None), ("Call-Info", None),
        ]
        contact = sip["headers"][9]
        assert contact["userParameters"] == {"cpc": "emergency"}
        assert contact["uriParameters"] == {"transport": "tls"}
        assert all(h["copiedFromIncomingCall"] for h in sip["headers"][10:])
        assert sip["phrases"] == RICH_CALL["command"]["phrases"]
        assert sip["maxRingTime"] == 25

    def test_a_hangup_makes_no_request(self, client, auth):
        post(client, auth, "1", HANGUP)
        answer = client.get(f"{MANAGE}/ivrfallback/1/dry-run?outcome=timeout", headers=auth).json()
        assert answer["apply"] is True and answer["sipRequest"] is None

    def test_a_call_without_optional_fields(self, client, auth):
        post(client, auth, "1", calling())
        sip = client.get(f"{MANAGE}/ivrfallback/1/dry-run?outcome=timeout",
                         headers=auth).json()["sipRequest"]
        assert sip == {"method": "INVITE", "target": "sip:a@example.com", "headers": [],
                       "phrases": [], "maxRingTime": None}

    def test_no_entry(self, client, auth):
        answer = client.get(f"{MANAGE}/ivrfallback/1/dry-run?outcome=timeout", headers=auth).json()
        assert answer == {"apply": False, "reason": "no-entry", "sipRequest": None}

    @pytest.mark.parametrize("query", ["", "?outcome=late", "?outcome=timeout&status=500",
                                       "?outcome=TIMEOUT"])
    def test_bad_outcome_is_a_400_naming_it(self, client, auth, query):
        response = client.get(f"{MANAGE}/ivrfallback/1/dry-run{query}", headers=auth)
        assert_problem(response, 400, "outcome" if "status" not in query else "status")


class TestUsage:
    def test_counts_applied_decisions(self, app, client, auth, platform_auth, frozen_clock):
        post(client, auth, "1", RICH_CALL)
        used = client.get(f"{MANAGE}/ivrfallback/1/usage", headers=auth)
        assert used.json() == {"count": 0, "lastUsedAt": None, "lastOutcome": None}
        for outcome in ("timeout", "answered", "unreachable"):
            # A second apart: lastUsedAt is to the second, and of outcomes within one
            # second any may be the last (the spec says so).
            frozen_clock.advance(1)
            client.get(f"/platform/{DOMAIN}/ivrfallback/1/decision?outcome={outcome}",
                       headers=platform_auth)
        app.app.extensions["cache_usage"].flush()
        used = client.get(f"{MANAGE}/ivrfallback/1/usage", headers=auth).json()
        assert used == {"count": 2, "lastUsedAt": frozen_clock.now, "lastOutcome": "unreachable"}

    def test_absent_or_expired_entry_is_a_404(self, client, auth, frozen_clock):
        assert_problem(client.get(f"{MANAGE}/ivrfallback/1/usage", headers=auth), 404)
        post(client, auth, "1", {**HANGUP, "expiration": "DAY"})
        frozen_clock.advance(DAY_SECONDS)
        assert_problem(client.get(f"{MANAGE}/ivrfallback/1/usage", headers=auth), 404)


OTHER_DOMAIN = "other.example"
HOUR = 3600


def decide(client, number, outcome, domain=DOMAIN):
    token = bearer(make_token(domains=[domain], scopes=(PLATFORM,)))
    answer = client.get(f"/platform/{domain}/ivrfallback/{number}/decision?outcome={outcome}",
                        headers=token).json()
    assert answer["apply"] is True


def fields(response) -> set[str]:
    """The fields a 400 names (Connexion's own answer for a missing required parameter
    names it in `detail` only)."""
    assert_problem(response, 400)
    body = response.json()
    if "errors" not in body:
        missing = re.fullmatch(r"Missing query parameter '(\w+)'", body["detail"])
        assert missing, body
        return {missing[1]}
    return {error["field"] for error in body["errors"]}


@pytest.fixture
def day_start(frozen_clock):
    """Yesterday's start (UTC), unix seconds; the clock stays where it was."""
    return frozen_clock.now - frozen_clock.now % DAY_SECONDS - DAY_SECONDS


@pytest.fixture
def outage(app, client, auth, frozen_clock, day_start):
    """Use of "1" and "2" over two hours of yesterday and one of tomorrow, and of another
    domain's "1" in the same hour."""
    now = frozen_clock.now
    post(client, auth, "1", RICH_CALL)
    post(client, auth, "2", RICH_CALL)
    other = bearer(make_token(domains=[OTHER_DOMAIN]))
    assert client.post(f"/cache/{OTHER_DOMAIN}/ivrfallback/1", json=RICH_CALL,
                       headers=other).status_code == 200
    for at, number, outcome in (
            (day_start + 10, "1", "timeout"), (day_start + 11, "1", "timeout"),
            (day_start + 20, "2", "timeout"),
            (day_start + HOUR + 5, "1", "unreachable"), (day_start + HOUR + 6, "1", "timeout"),
            (day_start + 2 * DAY_SECONDS + 7, "1", "error")):
        frozen_clock.now = at
        decide(client, number, outcome)
    frozen_clock.now = day_start + 30
    decide(client, "1", "timeout", domain=OTHER_DOMAIN)
    frozen_clock.now = now
    app.app.extensions["cache_usage"].flush()


@pytest.mark.usefixtures("outage")
class TestUseOverTime:
    def test_an_entry_s_series_per_hour(self, client, auth, day_start):
        used = client.get(f"{MANAGE}/ivrfallback/1/usage?from={day_start}"
                          f"&to={day_start + 2 * HOUR}", headers=auth)
        assert used.status_code == 200
        assert used.json() == {
            "count": 5, "lastUsedAt": day_start + 2 * DAY_SECONDS + 7, "lastOutcome": "error",
            "series": [
                {"at": day_start, "count": 2, "outcomes": {"timeout": 2}},
                {"at": day_start + HOUR, "count": 2,
                 "outcomes": {"timeout": 1, "unreachable": 1}},
            ],
        }

    def test_an_entry_s_series_per_day(self, client, auth, day_start):
        used = client.get(f"{MANAGE}/ivrfallback/1/usage?from={day_start}"
                          f"&to={day_start + 3 * DAY_SECONDS}&bucket=day", headers=auth).json()
        assert used["series"] == [
            {"at": day_start, "count": 4, "outcomes": {"timeout": 3, "unreachable": 1}},
            {"at": day_start + 2 * DAY_SECONDS, "count": 1, "outcomes": {"error": 1}},
        ]

    @pytest.mark.parametrize("start, end, hours", [
        (HOUR + 1800, HOUR + 1801, [HOUR]),  # every hour that overlaps the range
        (-HOUR, 0, []),  # `to` is not in the range
        (1, HOUR, [0]),
        (HOUR, 2 * HOUR, [HOUR]),
        (2 * HOUR, DAY_SECONDS, []),
    ])
    def test_a_range_takes_the_hours_it_overlaps(self, client, auth, day_start, start, end,
                                                  hours):
        used = client.get(f"{MANAGE}/ivrfallback/1/usage?from={day_start + start}"
                          f"&to={day_start + end}", headers=auth).json()
        assert [item["at"] - day_start for item in used["series"]] == hours

    def test_without_a_range_there_is_no_series(self, client, auth, day_start):
        assert client.get(f"{MANAGE}/ivrfallback/1/usage", headers=auth).json() == {
            "count": 5, "lastUsedAt": day_start + 2 * DAY_SECONDS + 7, "lastOutcome": "error"}

    def test_the_domain_s_series_and_top_numbers(self, client, auth, day_start):
        used = client.get(f"{MANAGE}/usage?from={day_start}&to={day_start + 3 * DAY_SECONDS}",
                          headers=auth)
        assert used.status_code == 200
        assert used.json() == {
            "series": [
                {"at": day_start, "count": 3, "outcomes": {"timeout": 3}},
                {"at": day_start + HOUR, "count": 2,
                 "outcomes": {"timeout": 1, "unreachable": 1}},
                {"at": day_start + 2 * DAY_SECONDS, "count": 1, "outcomes": {"error": 1}},
            ],
            "top": [{"number": "1", "count": 5}, {"number": "2", "count": 1}],
        }

    def test_the_domain_s_series_per_day_and_in_part_of_the_range(self, client, auth,
                                                                  day_start):
        used = client.get(f"{MANAGE}/usage?from={day_start + HOUR}&to={day_start + DAY_SECONDS}"
                          "&bucket=day", headers=auth).json()
        assert used == {
            "series": [{"at": day_start, "count": 2,
                        "outcomes": {"timeout": 1, "unreachable": 1}}],
            "top": [{"number": "1", "count": 2}],
        }

    def test_another_domain_s_use_is_its_own(self, client, day_start):
        other = bearer(make_token(domains=[OTHER_DOMAIN]))
        used = client.get(f"/manage/{OTHER_DOMAIN}/usage?from={day_start}"
                          f"&to={day_start + DAY_SECONDS}", headers=other).json()
        assert used == {"series": [{"at": day_start, "count": 1, "outcomes": {"timeout": 1}}],
                        "top": [{"number": "1", "count": 1}]}
        entry = client.get(f"/manage/{OTHER_DOMAIN}/ivrfallback/1/usage", headers=other).json()
        assert entry["count"] == 1

    def test_a_deleted_entry_s_use_stays_in_the_domain_s_series_only(self, client, auth,
                                                                    day_start):
        assert client.delete(f"{PUBLIC}/1", headers=auth).status_code == 200
        post(client, auth, "1", RICH_CALL)
        query = f"?from={day_start}&to={day_start + 3 * DAY_SECONDS}"
        assert client.get(f"{MANAGE}/ivrfallback/1/usage{query}", headers=auth).json() == {
            "count": 0, "lastUsedAt": None, "lastOutcome": None, "series": []}
        domain = client.get(f"{MANAGE}/usage{query}", headers=auth).json()
        assert domain["top"] == [{"number": "1", "count": 5}, {"number": "2", "count": 1}]

    def test_a_replaced_entry_keeps_its_series(self, client, auth, day_start):
        post(client, auth, "1", HANGUP)
        query = f"?from={day_start}&to={day_start + 3 * DAY_SECONDS}&bucket=day"
        used = client.get(f"{MANAGE}/ivrfallback/1/usage{query}", headers=auth).json()
        assert used["count"] == 5 and len(used["series"]) == 2

    def test_an_empty_range(self, client, auth, day_start):
        query = f"?from={day_start - DAY_SECONDS}&to={day_start}"
        assert client.get(f"{MANAGE}/usage{query}", headers=auth).json() == {
            "series": [], "top": []}
        assert client.get(f"{MANAGE}/ivrfallback/2/usage{query}", headers=auth).json() == {
            "count": 1, "lastUsedAt": day_start + 20, "lastOutcome": "timeout", "series": []}


def test_top_lists_the_20_numbers_used_most(app, client, auth, frozen_clock):
    numbers = [f"n{index:02d}" for index in range(22)]
    for number in numbers:
        post(client, auth, number, HANGUP)
        decide(client, number, "timeout")
    for _ in range(2):
        decide(client, "n21", "answered")
    app.app.extensions["cache_usage"].flush()
    now = frozen_clock.now
    top = client.get(f"{MANAGE}/usage?from={now - HOUR}&to={now + 1}", headers=auth).json()["top"]
    # Most first, then by number: n20 is the 21st.
    assert top == [{"number": "n21", "count": 3}] + [
        {"number": number, "count": 1} for number in numbers[:19]]


RANGE_ERRORS = [
    ("from=10", {"to"}),
    ("to=10", {"from"}),
    ("from=10&to=10", {"to"}),
    ("from=10&to=5", {"to"}),
    (f"from=10&to={10 + 90 * DAY_SECONDS + 1}", {"to"}),
    ("from=abc&to=10", {"from"}),
    ("from=-1&to=10", {"from"}),
    ("from=1.5&to=10", {"from"}),
    ("from=10&to=253402300800", {"to"}),
    ("from=10&to=20&bucket=week", {"bucket"}),
    ("from=10&to=20&bucket=", {"bucket"}),
    ("from=10&from=11&to=20", {"from"}),
    ("from=10&to=20&step=hour", {"step"}),
]


class TestUseOverTimeRefusals:
    @pytest.mark.parametrize("query, named", RANGE_ERRORS + [("bucket=day", {"from"})])
    def test_an_entry_s_bad_range_is_a_400_naming_it(self, client, auth, query, named):
        post(client, auth, "1", HANGUP)
        assert fields(client.get(f"{MANAGE}/ivrfallback/1/usage?{query}", headers=auth)) == named

    @pytest.mark.parametrize("query, named", RANGE_ERRORS + [
        ("", {"from"}), ("bucket=day", {"from"}), ("from=10&bucket=day", {"to"})])
    def test_the_domain_s_bad_range_is_a_400_naming_it(self, client, auth, query, named):
        assert fields(client.get(f"{MANAGE}/usage?{query}", headers=auth)) == named

    def test_90_days_is_the_longest_range(self, client, auth):
        post(client, auth, "1", HANGUP)
        query = f"from=10&to={10 + 90 * DAY_SECONDS}"
        assert client.get(f"{MANAGE}/usage?{query}", headers=auth).status_code == 200
        used = client.get(f"{MANAGE}/ivrfallback/1/usage?{query}", headers=auth)
        assert used.json()["series"] == []


class TestHistory:
    def test_every_change_is_a_version_newest_first(self, client, frozen_clock):
        alice = bearer(make_token(sub="alice"))
        bob = bearer(make_token(sub="bob"))
        start = frozen_clock.now
        post(client, alice, "1", HANGUP)
        frozen_clock.advance(10)
        post(client, bob, "1", RICH_CALL)
        frozen_clock.advance(10)
        assert client.post(f"{MANAGE}/ivrfallback/1/renew", json={"expiration": "WEEK"},
                           headers=alice).status_code == 200
        frozen_clock.advance(10)
        assert client.delete(f"{PUBLIC}/1", headers=bob).status_code == 200
        frozen_clock.advance(10)
        restored = client.post(f"{MANAGE}/ivrfallback/1/restore", json={"version": 1},
                               headers=alice)
        assert restored.json() == {"success": True, "version": 5}
        frozen_clock.advance(10)
        client.post(f"{MANAGE}/ivrfallback/import",
                    json={"entries": [{"number": "1", **calling()}]}, headers=bob)

        data = versions(client, alice, "1")
        assert [(v["version"], v["action"], v["by"], v["at"]) for v in data] == [
            (6, "import", "bob", start + 50), (5, "restore", "alice", start + 40),
            (4, "delete", "bob", start + 30), (3, "renew", "alice", start + 20),
            (2, "set", "bob", start + 10), (1, "set", "alice", start),
        ]
        half_year = 182 * DAY_SECONDS
        assert data[5] == {"version": 1, "at": start, "by": "alice", "action": "set",
                           "mode": "always", "command": HANGUP["command"], "ttl": start + half_year}
        assert data[3]["ttl"] == start + 20 + 7 * DAY_SECONDS
        assert data[3]["command"] == RICH_CALL["command"]
        assert data[2] == {"version": 4, "at": start + 30, "by": "bob", "action": "delete",
                           "mode": None, "command": None, "ttl": None}
        assert data[1]["command"] == HANGUP["command"] and data[1]["ttl"] == start + half_year

    def test_outlives_a_delete(self, client, auth):
        post(client, auth, "1", HANGUP)
        client.delete(f"{PUBLIC}/1", headers=auth)
        assert [v["action"] for v in versions(client, auth, "1")] == ["delete", "set"]

    def test_a_refused_or_empty_change_leaves_no_version(self, client, auth):
        post(client, auth, "1", HANGUP)
        client.post(f"{PUBLIC}/1", json={"mode": "always"}, headers=auth)
        client.delete(f"{PUBLIC}/2", headers=auth)
        client.post(f"{MANAGE}/ivrfallback/2/renew", headers=auth)
        assert [v["version"] for v in versions(client, auth, "1")] == [1]
        assert versions(client, auth, "2") == []
        # The next real change is version 2: nothing was spent on the refusals.
        post(client, auth, "1", HANGUP)
        assert [v["version"] for v in versions(client, auth, "1")] == [2, 1]

    def test_numbers_and_domains_are_apart(self, client, auth):
        post(client, auth, "1", HANGUP)
        other = bearer(make_token(domains=["other.example"]))
        client.post("/cache/other.example/ivrfallback/1", json=HANGUP, headers=other)
        post(client, auth, "2", HANGUP)
        assert len(versions(client, auth, "1")) == 1
        assert versions(client, auth, "1")[0]["version"] == 1


class TestRestore:
    def test_restores_an_old_version_as_a_new_one(self, client, auth):
        post(client, auth, "1", RICH_CALL)
        post(client, auth, "1", HANGUP)
        response = client.post(f"{MANAGE}/ivrfallback/1/restore", json={"version": 1},
                               headers=auth)
        assert response.status_code == 200
        assert response.json() == {"success": True, "version": 3}
        entry = client.get(f"{PUBLIC}/1", headers=auth)
        assert entry.json()["data"]["command"] == RICH_CALL["command"]
        assert entry.headers["etag"] == '"3"'

    def test_restores_a_deleted_entry(self, client, auth):
        post(client, auth, "1", HANGUP)
        client.delete(f"{PUBLIC}/1", headers=auth)
        client.post(f"{MANAGE}/ivrfallback/1/restore", json={"version": 1}, headers=auth)
        assert client.get(f"{PUBLIC}/1", headers=auth).status_code == 200

    def test_unknown_version_is_a_404(self, client, auth, stored):
        post(client, auth, "1", HANGUP)
        before = stored()
        for number, version in (("1", 2), ("2", 1)):
            response = client.post(f"{MANAGE}/ivrfallback/{number}/restore",
                                   json={"version": version}, headers=auth)
            assert_problem(response, 404, "version")
        assert stored() == before

    def test_an_expired_version_needs_an_expiration(self, client, auth, frozen_clock, stored):
        post(client, auth, "1", {**HANGUP, "expiration": "DAY"})
        frozen_clock.advance(2 * DAY_SECONDS)
        before = stored()
        response = client.post(f"{MANAGE}/ivrfallback/1/restore", json={"version": 1},
                               headers=auth)
        assert_problem(response, 400, "expiration")
        assert response.json()["errors"][0]["field"] == "expiration"
        assert stored() == before
        response = client.post(f"{MANAGE}/ivrfallback/1/restore",
                               json={"version": 1, "expiration": "WEEK"}, headers=auth)
        assert response.status_code == 200
        assert client.get(f"{PUBLIC}/1", headers=auth).json()["data"]["ttl"] == (
            frozen_clock.now + 7 * DAY_SECONDS)

    def test_a_delete_version_cannot_be_restored(self, client, auth, stored):
        post(client, auth, "1", HANGUP)
        client.delete(f"{PUBLIC}/1", headers=auth)
        before = stored()
        response = client.post(f"{MANAGE}/ivrfallback/1/restore", json={"version": 2},
                               headers=auth)
        assert_problem(response, 400, "version")
        assert stored() == before

    @pytest.mark.parametrize("body, field", [
        ({}, "version"), ({"version": 0}, "version"), ({"version": "1"}, "version"),
        ({"version": 1.5}, "version"), ({"version": True}, "version"),
        ({"version": 1, "expiration": "YEAR"}, "expiration"),
        ({"version": 1, "expiration": 1}, "expiration"),
        ({"version": 1, "extra": 1}, "extra"), ({"version": None}, "version"),
    ])
    def test_bad_bodies_are_400s_naming_the_field(self, client, auth, stored, body, field):
        post(client, auth, "1", HANGUP)
        post(client, auth, "1", RICH_CALL)
        before = stored()
        response = client.post(f"{MANAGE}/ivrfallback/1/restore", json=body, headers=auth)
        assert_problem(response, 400, field)
        assert stored() == before


class TestExpiring:
    def test_lists_both_caches_soonest_first(self, client, auth, platform_auth, frozen_clock):
        now = frozen_clock.now
        post(client, auth, "week", {**HANGUP, "expiration": "WEEK"})
        post(client, auth, "day", {**HANGUP, "expiration": "DAY"})
        post(client, auth, "later", {**HANGUP, "expiration": "MONTH"})
        client.post(f"/platform/{DOMAIN}/siprecfallback/rec", json={"expiration": now + 3600},
                    headers=platform_auth)
        client.post(f"/platform/{DOMAIN}/siprecfallback/far", headers=platform_auth)
        other = bearer(make_token(domains=["other.example"]))
        client.post("/cache/other.example/ivrfallback/x", json={**HANGUP, "expiration": "DAY"},
                    headers=other)

        response = client.get(f"{MANAGE}/expiring?within=7", headers=auth)
        assert response.status_code == 200
        assert response.json() == {"success": True, "data": [
            {"cache": "siprec", "number": "rec", "ttl": now + 3600},
            {"cache": "ivr", "number": "day", "ttl": now + DAY_SECONDS},
            {"cache": "ivr", "number": "week", "ttl": now + 7 * DAY_SECONDS},
        ]}
        limited = client.get(f"{MANAGE}/expiring?within=7&limit=1", headers=auth).json()["data"]
        assert [entry["number"] for entry in limited] == ["rec"]
        frozen_clock.advance(2 * DAY_SECONDS)
        response = client.get(f"{MANAGE}/expiring?within=1", headers=auth)
        assert response.json()["data"] == []

    @pytest.mark.parametrize("query, name", [
        ("", "within"), ("?within=0", "within"), ("?within=367", "within"),
        ("?within=week", "within"), ("?within=1.5", "within"), ("?within=7&limit=0", "limit"),
        ("?within=7&days=1", "days"),
    ])
    def test_bad_queries_are_400s_naming_the_parameter(self, client, auth, query, name):
        assert_problem(client.get(f"{MANAGE}/expiring{query}", headers=auth), 400, name)


class TestRenew:
    def test_ivr_renew_keeps_the_command(self, client, auth, frozen_clock):
        post(client, auth, "1", {**RICH_CALL, "expiration": "DAY"})
        etag = client.get(f"{PUBLIC}/1", headers=auth).headers["etag"]
        response = client.post(f"{MANAGE}/ivrfallback/1/renew", json={"expiration": "QUARTER"},
                               headers=auth)
        assert response.json() == {"success": True, "ttl": frozen_clock.now + 91 * DAY_SECONDS}
        entry = client.get(f"{PUBLIC}/1", headers=auth)
        assert entry.json()["data"] == {"mode": "onError", "command": RICH_CALL["command"],
                                        "ttl": frozen_clock.now + 91 * DAY_SECONDS}
        assert entry.headers["etag"] != etag

    def test_renew_defaults_to_half_a_year(self, client, auth, platform_auth, frozen_clock):
        post(client, auth, "1", {**HANGUP, "expiration": "DAY"})
        client.post(f"/platform/{DOMAIN}/siprecfallback/1", json={"expiration": "DAY"},
                    headers=platform_auth)
        half_year = frozen_clock.now + 182 * DAY_SECONDS
        for cache in ("ivrfallback", "siprecfallback"):
            response = client.post(f"{MANAGE}/{cache}/1/renew", headers=auth)
            assert response.json() == {"success": True, "ttl": half_year}
        ttl = client.get(f"/platform/{DOMAIN}/siprecfallback/1", headers=platform_auth).json()
        assert ttl == {"inCache": True, "ttl": half_year}

    @pytest.mark.parametrize("cache", ["ivrfallback", "siprecfallback"])
    def test_absent_or_expired_is_a_404(self, client, auth, platform_auth, frozen_clock, stored,
                                        cache):
        assert_problem(client.post(f"{MANAGE}/{cache}/1/renew", headers=auth), 404)
        post(client, auth, "1", {**HANGUP, "expiration": "DAY"})
        client.post(f"/platform/{DOMAIN}/siprecfallback/1", json={"expiration": "DAY"},
                    headers=platform_auth)
        frozen_clock.advance(DAY_SECONDS)
        before = stored()
        assert_problem(client.post(f"{MANAGE}/{cache}/1/renew", headers=auth), 404)
        assert stored() == before

    @pytest.mark.parametrize("cache", ["ivrfallback", "siprecfallback"])
    @pytest.mark.parametrize("body, field", [
        ({"expiration": "YEAR"}, "expiration"), ({"expiration": 5}, "expiration"),
        ({"expiration": None}, "expiration"), ({"expiration": True}, "expiration"),
        ({"ttl": 5}, "ttl"), ([], "body"),
    ])
    def test_bad_bodies_are_400s_naming_the_field(self, client, auth, platform_auth, stored,
                                                  cache, body, field):
        post(client, auth, "1", HANGUP)
        client.post(f"/platform/{DOMAIN}/siprecfallback/1", headers=platform_auth)
        before = stored()
        response = client.post(f"{MANAGE}/{cache}/1/renew", json=body, headers=auth)
        assert_problem(response, 400, *(() if field == "body" else (field,)))
        assert stored() == before

    def test_a_body_that_is_not_json_is_a_415(self, client, auth, stored):
        post(client, auth, "1", HANGUP)
        before = stored()
        response = client.post(f"{MANAGE}/ivrfallback/1/renew", content=b"DAY",
                               headers={**auth, "Content-Type": "text/plain"})
        assert_problem(response, None)
        assert stored() == before


class TestExportImport:
    def test_an_export_imports_into_another_domain_unchanged(self, client, auth):
        post(client, auth, "2", RICH_CALL)
        post(client, auth, "1", {**HANGUP, "expiration": "WEEK"})
        exported = client.get(f"{MANAGE}/ivrfallback/export", headers=auth)
        assert exported.status_code == 200
        document = exported.json()
        assert [entry["number"] for entry in document["entries"]] == ["1", "2"]
        assert document["entries"][1]["command"] == RICH_CALL["command"]

        other = bearer(make_token(domains=["other.example"]))
        imported = client.post("/manage/other.example/ivrfallback/import", json=document,
                               headers=other)
        assert imported.json() == {"success": True, "results": [
            {"number": "1", "written": True}, {"number": "2", "written": True}]}
        again = client.get("/manage/other.example/ivrfallback/export", headers=other).json()
        assert again == document

    def test_each_item_is_judged_alone_in_order(self, client, auth, frozen_clock):
        entries = [
            {"number": "ok", **calling(), "expiration": "DAY"},
            {"number": "hangup-dest", "mode": "always",
             "command": {"action": {"type": "hangup", "destAddr": "sip:x@y"}}},
            {"number": "no mode!", **HANGUP},
            {"number": "no-mode", "command": HANGUP["command"]},
            {"number": "bad-mode", "mode": "sometimes", "command": HANGUP["command"]},
            {"number": "x-header", **calling(xHeaders={"Y-Bad": "1"})},
            {"number": "past", **HANGUP, "ttl": frozen_clock.now - 1},
            {"number": "both", **HANGUP, "ttl": frozen_clock.now + 60, "expiration": "DAY"},
            {"number": "extra", **HANGUP, "color": "red"},
            {"number": "null", **calling(sipFrom=None)},
            "not an object",
            {"number": "ttl", **HANGUP, "ttl": frozen_clock.now + 60},
        ]
        response = client.post(f"{MANAGE}/ivrfallback/import", json={"entries": entries},
                               headers=auth)
        assert response.status_code == 200
        body = response.json()
        assert body["success"] is False
        results = body["results"]
        assert [(r["number"], r["written"]) for r in results] == [
            ("ok", True), ("hangup-dest", False), ("no mode!", False), ("no-mode", False),
            ("bad-mode", False), ("x-header", False), ("past", False), ("both", False),
            ("extra", False), ("null", False), (None, False), ("ttl", True),
        ]
        details = [r.get("detail", "") for r in results]
        for index, field in [(1, "command.action.destAddr"), (2, "number"), (3, "mode"),
                             (4, "mode"), (5, "command.action.xHeaders.Y-Bad"), (6, "ttl"),
                             (7, "ttl"), (8, "color"), (9, "command.action.sipFrom"),
                             (10, "item")]:
            assert details[index].startswith(field), (index, details[index])
        listed = client.get(PUBLIC, headers=auth).json()["data"]
        assert listed == ["ok", "ttl"]
        assert client.get(f"{PUBLIC}/ttl", headers=auth).json()["data"]["ttl"] == (
            frozen_clock.now + 60)

    def test_an_import_keeps_usage_of_live_entries_and_the_order_of_keys(
            self, app, client, auth, platform_auth, frozen_clock):
        post(client, auth, "live", HANGUP)
        post(client, auth, "lapsed", {**HANGUP, "expiration": "DAY"})
        for number in ("live", "lapsed"):
            client.get(f"/platform/{DOMAIN}/ivrfallback/{number}/decision?outcome=timeout",
                       headers=platform_auth)
        app.app.extensions["cache_usage"].flush()
        frozen_clock.advance(DAY_SECONDS)
        entries = [{"number": number, **RICH_CALL} for number in ("live", "lapsed")]
        client.post(f"{MANAGE}/ivrfallback/import", json={"entries": entries}, headers=auth)
        assert client.get(f"{MANAGE}/ivrfallback/live/usage", headers=auth).json()["count"] == 1
        assert client.get(f"{MANAGE}/ivrfallback/lapsed/usage", headers=auth).json() == {
            "count": 0, "lastUsedAt": None, "lastOutcome": None}
        for read in (client.get(f"{PUBLIC}/live", headers=auth).json()["data"]["command"],
                     versions(client, auth, "live")[0]["command"]):
            assert json.dumps(read) == json.dumps(RICH_CALL["command"])

    def test_a_repeated_number_is_written_once_as_its_last_item(self, client, auth):
        entries = [{"number": "1", **HANGUP}, {"number": "1", **calling()}]
        results = client.post(f"{MANAGE}/ivrfallback/import", json={"entries": entries},
                              headers=auth).json()["results"]
        assert results[0] == {"number": "1", "written": False,
                              "detail": "number: listed again as item 1, the copy that counts"}
        assert results[1] == {"number": "1", "written": True}
        assert client.get(f"{PUBLIC}/1", headers=auth).json()["data"]["command"] == (
            calling()["command"])
        assert [v["action"] for v in versions(client, auth, "1")] == ["import"]

    @pytest.mark.parametrize("results_of", ["import", "dry run"])
    def test_the_last_copy_of_a_number_decides_even_when_it_is_refused(
            self, client, auth, stored, results_of):
        query = "?dryRun=true" if results_of == "dry run" else ""
        entries = [{"number": "1", **HANGUP}, {"number": "2", **HANGUP},
                   {"number": "1", **calling()}, {"number": "1", "mode": "never",
                                                   "command": HANGUP["command"]}]
        before = stored()
        body = client.post(f"{MANAGE}/ivrfallback/import{query}", json={"entries": entries},
                           headers=auth).json()
        first, second, third, last = body["results"]
        assert body["success"] is False
        assert last["written"] is False and last["detail"].startswith("mode:")
        for earlier in (first, third):
            assert earlier["written"] is False
            assert earlier["detail"] == ("number: listed again as item 3, the copy that "
                                         "counts, which is refused: nothing is written for it")
        assert second["written"] is (results_of == "import")
        if results_of == "import":
            assert client.get(f"{PUBLIC}/1", headers=auth).status_code == 404
            assert versions(client, auth, "1") == []
            assert client.get(PUBLIC, headers=auth).json()["data"] == ["2"]
        else:
            assert stored() == before

    def test_an_earlier_refused_copy_does_not_stop_the_last(self, client, auth):
        entries = [{"number": "1", "mode": "never", "command": HANGUP["command"]},
                   {"number": "1", **HANGUP}]
        results = client.post(f"{MANAGE}/ivrfallback/import", json={"entries": entries},
                              headers=auth).json()["results"]
        assert results == [
            {"number": "1", "written": False,
             "detail": "number: listed again as item 1, the copy that counts"},
            {"number": "1", "written": True}]
        assert client.get(f"{PUBLIC}/1", headers=auth).json()["data"]["command"] == (
            HANGUP["command"])

    def test_dry_run_writes_nothing(self, client, auth, stored):
        post(client, auth, "1", HANGUP)
        before = stored()
        entries = [{"number": "1", **calling()}, {"number": "2", **HANGUP}]
        response = client.post(f"{MANAGE}/ivrfallback/import?dryRun=true",
                               json={"entries": entries}, headers=auth)
        assert response.status_code == 200
        body = response.json()
        assert body["success"] is True
        assert [r["written"] for r in body["results"]] == [False, False]
        assert "dry run" in body["results"][0]["detail"]
        assert stored() == before
        bad = client.post(f"{MANAGE}/ivrfallback/import?dryRun=true",
                          json={"entries": [{"number": "3"}]}, headers=auth).json()
        assert bad["success"] is False and bad["results"][0]["detail"].startswith("mode")

    @pytest.mark.parametrize("body, field", [
        ({}, "entries"), ({"entries": []}, "entries"), ({"entries": {}}, "entries"),
        ({"entries": [], "extra": 1}, "extra"), ([], "body"),
    ])
    def test_a_malformed_document_is_a_400_and_writes_nothing(self, client, auth, stored,
                                                              body, field):
        response = client.post(f"{MANAGE}/ivrfallback/import", json=body, headers=auth)
        assert_problem(response, 400, *(() if field == "body" else (field,)))
        assert stored()["ivr_fallback"] == []

    def test_bad_dry_run_parameter_is_a_400(self, client, auth):
        response = client.post(f"{MANAGE}/ivrfallback/import?dryRun=maybe",
                               json={"entries": [{"number": "1", **HANGUP}]}, headers=auth)
        assert_problem(response, 400, "dryRun")

    @pytest.mark.parametrize("oversized", [
        # Every map and list at its most, each value at its longest: valid but for its size.
        {"mode": "always", "command": {
            "action": {**calling()["command"]["action"],
                       "xHeaders": {f"X-{n}": "x" * 1024 for n in range(64)},
                       "pHeaders": {f"P-{n}": "p" * 1024 for n in range(64)},
                       "contactParameters": {f"c{n}": "c" * 1024 for n in range(64)},
                       "contactUserParameters": {f"u{n}": "u" * 1024 for n in range(64)}},
            "phrases": [{"fileName": "f" * 1024} for _ in range(32)]}},
        tts("t" * 7_000_000),
    ], ids=["300 KB command", "7 MB text-to-speech value"])
    def test_an_entry_the_public_post_refuses_as_too_large_is_refused(
            self, client, auth, stored, oversized):
        assert_problem(client.post(f"{PUBLIC}/1", json=oversized, headers=auth), 413)
        for query in ("?dryRun=true", ""):
            results = client.post(f"{MANAGE}/ivrfallback/import{query}",
                                  json={"entries": [{"number": "1", **oversized}]},
                                  headers=auth).json()["results"]
            assert results[0]["written"] is False
            assert results[0]["detail"].startswith("item: over 64 KiB"), results[0]
        assert stored()["ivr_fallback"] == []

    @pytest.mark.parametrize("pad", ["p", "\u00e9"], ids=["ASCII", "two bytes in UTF-8"])
    def test_an_entry_is_held_to_the_public_posts_size_to_the_byte(self, client, auth, pad):
        """The same body, written compactly, that the public POST takes: an entry as large
        as the POST's limit is written both ways, one a byte larger by neither."""
        def size(body: dict) -> int:
            return len(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())

        padding = pad * ((64 * 1024 - size(tts(""))) // len(pad.encode()))
        padding += "p" * (64 * 1024 - size(tts(padding)))
        for body, fits in ((tts(padding), True), (tts(padding + "p"), False)):
            content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            posted = client.post(f"{PUBLIC}/posted", content=content,
                                 headers={**auth, "Content-Type": "application/json"})
            assert (posted.status_code == 200) is fits, (len(content), posted.text)
            imported = client.post(f"{MANAGE}/ivrfallback/import", headers=auth,
                                   json={"entries": [{"number": "imported", **body}]})
            assert imported.json()["results"][0]["written"] is fits, len(content)

    def test_the_import_has_its_own_body_limit(self, settings_overrides, auth):
        from app import create_app

        app = create_app({**settings_overrides, "max_import_body_bytes": 200 * 1024})
        entry = {"number": "1", **calling(xHeaders={"X-Pad": "p" * 1000})}
        # About 100 KiB: over the usual 64 KiB, under this import limit.
        entries = [{**entry, "number": str(n)} for n in range(95)]
        with app.test_client() as client:
            fits = client.post(f"{MANAGE}/ivrfallback/import", json={"entries": entries},
                               headers=auth)
            assert fits.status_code == 200 and fits.json()["success"] is True
            too_big = client.post(f"{MANAGE}/ivrfallback/import",
                                  json={"entries": entries * 3}, headers=auth)
            assert_problem(too_big, 413)
            # The raised limit is the import's alone.
            other = client.post(f"{MANAGE}/ivrfallback/1/restore",
                                content=json.dumps({"version": 1, "x": "p" * 70_000}),
                                headers={**auth, "Content-Type": "application/json"})
            assert_problem(other, 413)


# Every new operation: (method, path, body). Entry "1" exists in both caches of DOMAIN.
OPERATIONS = [
    ("get", "/ivrfallback?limit=5&contains=1", None),
    ("get", "/ivrfallback/1/dry-run?outcome=timeout", None),
    ("get", "/ivrfallback/1/usage", None),
    ("get", "/ivrfallback/1/usage?from=0&to=3600&bucket=day", None),
    ("get", "/usage?from=0&to=3600", None),
    ("get", "/ivrfallback/1/history", None),
    ("post", "/ivrfallback/1/restore", {"version": 1}),
    ("post", "/ivrfallback/1/renew", {"expiration": "DAY"}),
    ("post", "/siprecfallback/1/renew", {"expiration": "DAY"}),
    ("get", "/expiring?within=7", None),
    ("get", "/ivrfallback/export", None),
    ("post", "/ivrfallback/import", {"entries": [{"number": "1", **HANGUP}]}),
]
OPERATION_IDS = [f"{method} {path}" for method, path, _ in OPERATIONS]


@pytest.fixture
def entry_in_both_caches(client, auth, platform_auth):
    post(client, auth, "1", HANGUP)
    client.post(f"/platform/{DOMAIN}/siprecfallback/1", headers=platform_auth)


@pytest.mark.usefixtures("entry_in_both_caches")
class TestAccess:
    @pytest.mark.parametrize("method, path, body", OPERATIONS, ids=OPERATION_IDS)
    def test_another_domains_token_learns_nothing(self, client, stored, method, path, body):
        other = bearer(make_token(domains=["other.example"]))
        before = stored()
        response = client.request(method, f"{MANAGE}{path}", json=body, headers=other)
        absent = client.request(method, f"{MANAGE}{path}".replace("/1", "/2"), json=body,
                                headers=other)
        assert_problem(response, 403, "domain")
        assert response.json() == absent.json()
        assert stored() == before

    @pytest.mark.parametrize("method, path, body", OPERATIONS, ids=OPERATION_IDS)
    def test_reads_need_read_and_changes_need_write(self, client, stored, method, path, body):
        needed, other_scope = (READ, WRITE) if method == "get" else (WRITE, READ)
        before = stored()
        refused = client.request(method, f"{MANAGE}{path}", json=body,
                                 headers=bearer(make_token(scopes=(other_scope,))))
        assert_problem(refused, 403, needed)
        assert stored() == before
        allowed = client.request(method, f"{MANAGE}{path}", json=body,
                                 headers=bearer(make_token(scopes=(needed,))))
        assert allowed.status_code == 200, allowed.text

    @pytest.mark.parametrize("method, path, body", OPERATIONS, ids=OPERATION_IDS)
    def test_no_token_is_a_401(self, client, method, path, body):
        response = client.request(method, f"{MANAGE}{path}", json=body)
        assert_problem(response, 401)

    @pytest.mark.parametrize("method, path, body", OPERATIONS, ids=OPERATION_IDS)
    def test_a_preflight_needs_no_token(self, client, method, path, body):
        response = client.options(f"{MANAGE}{path.split('?')[0]}", headers={
            "Origin": "https://app.example", "Access-Control-Request-Method": method.upper()})
        assert response.status_code == 200
        assert response.json() == {}
        assert response.headers["access-control-allow-origin"] == "*"
        assert response.headers["access-control-allow-methods"] == f"{method.upper()}, OPTIONS"

    @pytest.mark.parametrize("path", ["/ivrfallback/bad%20number/usage",
                                      "/ivrfallback/" + "1" * 65 + "/history"])
    def test_a_bad_number_is_a_400(self, client, auth, path):
        assert_problem(client.get(f"{MANAGE}{path}", headers=auth), 400)


def test_metrics_count_entries_expiring_within_a_week(client, auth, platform_auth, frozen_clock):
    post(client, auth, "1", {**HANGUP, "expiration": "WEEK"})
    post(client, auth, "2", {**HANGUP, "expiration": "MONTH"})
    client.post(f"/platform/{DOMAIN}/siprecfallback/1", json={"expiration": "DAY"},
                headers=platform_auth)
    text = client.get("/metrics").text
    assert metric(text, "cache_entries_expiring_soon", cache="ivr") == 1
    assert metric(text, "cache_entries_expiring_soon", cache="siprec") == 1
    frozen_clock.advance(24 * DAY_SECONDS)
    text = client.get("/metrics").text
    assert metric(text, "cache_entries_expiring_soon", cache="ivr") == 1
    assert metric(text, "cache_entries_expiring_soon", cache="siprec") == 0
