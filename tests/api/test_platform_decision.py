"""The call-time decision, through the real app: the rule, the entry's life, bad queries."""

import pytest

from app.decision import OUTCOMES
from app.expiration import DAY_SECONDS
from tests.helpers import DOMAIN, PLATFORM, READ, WRITE, assert_problem, bearer, make_token

ENTRY = f"/cache/{DOMAIN}/ivrfallback/+4670"
DECISION = f"/platform/{DOMAIN}/ivrfallback/+4670/decision"
COMMAND = {
    "action": {"type": "call", "destAddr": "sip:desk@pbx.example.com", "maxRingTime": 30,
               "xHeaders": {"X-B": "2", "X-A": "1"}},
    "phrases": [{"fileName": "closed.wav", "format": "wav"},
                {"googleTTSParameters": {"text": "Hej", "languageCode": "sv-SE"}}],
}
FAILED = ("timeout", "error", "unreachable", "invalid")


def set_entry(client, auth, mode: str, command=COMMAND, path=ENTRY, **extra):
    response = client.post(path, json={"mode": mode, "command": command, **extra}, headers=auth)
    assert response.status_code == 200, response.text


def decide(client, headers, query: str, path=DECISION):
    return client.get(f"{path}?{query}", headers=headers)


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_always_applies_whatever_the_outcome(client, auth, platform_auth, frozen_clock, outcome):
    set_entry(client, auth, "always", expiration="WEEK")
    response = decide(client, platform_auth, f"outcome={outcome}")
    assert response.status_code == 200
    assert response.json() == {"apply": True, "reason": "always", "mode": "always",
                               "ttl": frozen_clock.now + 7 * DAY_SECONDS, "command": COMMAND}


@pytest.mark.parametrize("outcome", FAILED)
def test_on_error_applies_when_the_customer_failed(client, auth, platform_auth, frozen_clock,
                                                   outcome):
    set_entry(client, auth, "onError")
    answer = decide(client, platform_auth, f"outcome={outcome}").json()
    assert answer == {"apply": True, "reason": "customer-failed", "mode": "onError",
                      "ttl": frozen_clock.now + 182 * DAY_SECONDS, "command": COMMAND}


@pytest.mark.parametrize("outcome", ["answered", "not-asked"])
def test_on_error_does_not_apply_when_the_customer_answered(client, auth, platform_auth, outcome):
    set_entry(client, auth, "onError")
    response = decide(client, platform_auth, f"outcome={outcome}")
    assert response.status_code == 200
    assert response.json() == {"apply": False, "reason": "customer-answered"}


def test_error_outcome_takes_a_status(client, auth, platform_auth):
    set_entry(client, auth, "onError")
    for status in (100, 503, 699):
        assert decide(client, platform_auth, f"outcome=error&status={status}").json()["apply"]


def test_the_command_comes_back_exactly_as_posted(client, auth, platform_auth):
    """Key order too: the platform builds the SIP request from it."""
    set_entry(client, auth, "always")
    response = decide(client, platform_auth, "outcome=timeout")
    assert response.text.index('"X-B"') < response.text.index('"X-A"')
    assert response.json()["command"] == COMMAND


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_no_entry_is_a_200_that_does_not_apply(client, platform_auth, outcome):
    response = decide(client, platform_auth, f"outcome={outcome}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"apply": False, "reason": "no-entry"}


def test_expired_entry_is_no_entry(client, auth, platform_auth, frozen_clock):
    set_entry(client, auth, "always", expiration="DAY")
    frozen_clock.advance(DAY_SECONDS - 1)
    assert decide(client, platform_auth, "outcome=timeout").json()["apply"] is True
    frozen_clock.advance(1)
    assert decide(client, platform_auth, "outcome=timeout").json() == {
        "apply": False, "reason": "no-entry"}


def test_deleted_entry_is_no_entry(client, auth, platform_auth):
    set_entry(client, auth, "always")
    assert client.delete(ENTRY, headers=auth).status_code == 200
    assert decide(client, platform_auth, "outcome=timeout").json()["reason"] == "no-entry"


def test_replaced_entry_answers_its_new_mode_and_command(client, auth, platform_auth):
    set_entry(client, auth, "always")
    hangup = {"action": {"type": "hangup"}}
    set_entry(client, auth, "onError", command=hangup)
    assert decide(client, platform_auth, "outcome=answered").json()["reason"] == "customer-answered"
    assert decide(client, platform_auth, "outcome=timeout").json()["command"] == hangup


def test_domain_is_compared_case_insensitively(client, auth, platform_auth):
    set_entry(client, auth, "always", path="/cache/Example.COM/ivrfallback/+4670")
    response = decide(client, platform_auth, "outcome=timeout",
                      path="/platform/EXAMPLE.com/ivrfallback/+4670/decision")
    assert response.json()["apply"] is True


def test_number_is_compared_exactly(client, auth, platform_auth):
    set_entry(client, auth, "always")
    path = f"/platform/{DOMAIN}/ivrfallback/4670/decision"
    assert decide(client, platform_auth, "outcome=timeout", path=path).json()["apply"] is False


def test_another_domains_entry_does_not_apply(client, auth, platform_auth):
    set_entry(client, auth, "always")
    other = bearer(make_token(domains=["other.example"], scopes=(PLATFORM,)))
    path = "/platform/other.example/ivrfallback/+4670/decision"
    assert decide(client, other, "outcome=timeout", path=path).json() == {
        "apply": False, "reason": "no-entry"}


@pytest.mark.parametrize("query, field", [
    ("", "outcome"),
    ("outcome=", "outcome"),
    ("outcome=TIMEOUT", "outcome"),
    ("outcome=failed", "outcome"),
    ("outcome=timeout&outcome=answered", "outcome"),
    ("outcome=error&status=99", "status"),
    ("outcome=error&status=700", "status"),
    ("outcome=error&status=5.5", "status"),
    ("outcome=error&status=abc", "status"),
    ("outcome=error&status=", "status"),
    ("outcome=error&status=500&status=503", "status"),
    ("outcome=timeout&reason=x", "reason"),
])
def test_bad_query_is_a_400_naming_the_parameter(client, auth, platform_auth, stored, query,
                                                 field):
    set_entry(client, auth, "always")
    before = stored()
    response = decide(client, platform_auth, query)
    assert_problem(response, 400, field)
    assert stored() == before


def test_a_token_without_the_platform_scope_is_refused(client, auth):
    set_entry(client, auth, "always")
    customer = bearer(make_token(scopes=(READ, WRITE)))
    assert_problem(decide(client, customer, "outcome=timeout"), 403, PLATFORM)


def test_another_domains_token_learns_nothing(client, auth, platform_auth):
    """The refusal is the same whether the number has an entry or not."""
    set_entry(client, auth, "always")
    spy = bearer(make_token(domains=["other.example"], scopes=(PLATFORM,)))
    present = decide(client, spy, "outcome=timeout")
    absent = decide(client, spy, "outcome=timeout",
                    path=f"/platform/{DOMAIN}/ivrfallback/absent/decision")
    assert_problem(present, 403, "domain")
    assert present.json() == absent.json()


def test_a_wildcard_token_decides_for_every_domain(client, auth):
    set_entry(client, auth, "always")
    wildcard = bearer(make_token(domains=["*"], scopes=(PLATFORM,)))
    assert decide(client, wildcard, "outcome=timeout").json()["apply"] is True


def test_decisions_are_counted_in_metrics(client, auth, platform_auth):
    set_entry(client, auth, "onError")
    decide(client, platform_auth, "outcome=timeout")
    decide(client, platform_auth, "outcome=answered")
    metrics = client.get("/metrics").text
    assert 'cache_fallback_decisions_total{applied="true",outcome="timeout"}' in metrics
    assert 'cache_fallback_decisions_total{applied="false",outcome="answered"}' in metrics
