"""Properties: expiration resolution, command validation and exact round trips, on drawn inputs.

The app-level properties go through the real app and database. Examples need no
cleaning between them: each reads back only what it wrote itself, or compares the
stored rows with a snapshot taken in the same example.
"""

import json
import math
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from app.expiration import ExpirationError, resolve
from tests.helpers import DOMAIN
from tests.strategies import (
    CALL_ONLY_VALUES, PERIODS, TOKEN_CHARACTERS, commands, numbers, p_header_names, sip_tokens,
    x_header_names,
)

DAY = 86_400
# "More than ten years away" (the contract), counted in Julian years.
TEN_YEARS = int(10 * 365.25 * DAY)
BASE = f"/cache/{DOMAIN}/ivrfallback"

APP_EXAMPLES = settings(max_examples=60, deadline=None,
                        suppress_health_check=[HealthCheck.function_scoped_fixture])
PURE_EXAMPLES = settings(max_examples=100, deadline=None)

# Any instant from 2001 to 2106: the service's clock.
nows = st.integers(min_value=1_000_000_000, max_value=2**32)


# --- expiration -----------------------------------------------------------------------------


@PURE_EXAMPLES
@given(nows, st.sampled_from(sorted(PERIODS)))
def test_a_period_is_that_many_days_from_now(now, period):
    assert resolve(period, now) == now + PERIODS[period] * DAY


@PURE_EXAMPLES
@given(nows, st.text(max_size=12).filter(lambda text: text not in PERIODS))
def test_any_other_string_is_refused(now, text):
    with pytest.raises(ExpirationError, match="must be one of"):
        resolve(text, now)


@PURE_EXAMPLES
@given(nows, st.integers(min_value=1, max_value=TEN_YEARS))
def test_an_integer_timestamp_within_ten_years_is_the_expiry(now, ahead):
    assert resolve(now + ahead, now) == now + ahead


@PURE_EXAMPLES
@given(nows, st.integers(min_value=1, max_value=TEN_YEARS - 1),
       st.floats(min_value=0, max_value=1, exclude_max=True))
def test_a_fractional_timestamp_is_floored(now, ahead, fraction):
    timestamp = now + ahead + fraction
    # A float has no exact fraction that far from zero; whatever it holds is floored.
    assert resolve(timestamp, now) == math.floor(timestamp)
    assert isinstance(resolve(timestamp, now), int)


@PURE_EXAMPLES
@given(nows, st.one_of(st.integers(max_value=0),
                       st.floats(max_value=0.999, allow_nan=False, allow_infinity=False)))
def test_a_timestamp_not_in_the_future_is_refused(now, offset):
    with pytest.raises(ExpirationError, match="not in the future"):
        resolve(now + offset, now)


@PURE_EXAMPLES
@given(nows, st.one_of(st.integers(min_value=TEN_YEARS + 1),
                       st.floats(min_value=TEN_YEARS + 1, allow_infinity=False)))
def test_more_than_ten_years_ahead_is_refused_as_milliseconds(now, ahead):
    assume(math.floor(now + ahead) - now > TEN_YEARS)
    with pytest.raises(ExpirationError, match="milliseconds"):
        resolve(now + ahead, now)


@PURE_EXAMPLES
@given(nows, st.integers(min_value=309, max_value=4000), st.booleans())
def test_integers_beyond_any_float_are_refused(now, digits, negative):
    """JSON integers have no size limit; 10**400 does not fit in a float."""
    expected = "not in the future" if negative else "milliseconds"
    with pytest.raises(ExpirationError, match=expected):
        resolve(-(10**digits) if negative else 10**digits, now)


@PURE_EXAMPLES
@given(nows, st.integers(min_value=1, max_value=TEN_YEARS // 1000))
def test_a_timestamp_in_milliseconds_is_refused(now, ahead):
    with pytest.raises(ExpirationError, match="milliseconds"):
        resolve((now + ahead) * 1000, now)


@PURE_EXAMPLES
@given(nows, st.sampled_from([math.inf, -math.inf, math.nan, True, False, None, [], {}]))
def test_non_finite_and_non_numbers_are_refused(now, value):
    with pytest.raises(ExpirationError):
        resolve(value, now)


def path_of(number: str) -> str:
    # '.' too: clients drop the dot segments "." and ".." (RFC 3986), which are numbers here.
    return f"{BASE}/{quote(number, safe='').replace('.', '%2E')}"


def post(client, auth, number, body):
    return client.post(path_of(number), json=body, headers=auth)


@APP_EXAMPLES
@given(mode=st.sampled_from(["always", "onError"]), command=commands, number=numbers,
       expiration=st.sampled_from([None, *PERIODS]))
def test_any_valid_command_is_read_back_exactly(client, auth, mode, command, number, expiration):
    body = {"mode": mode, "command": command}
    if expiration is not None:
        body["expiration"] = expiration
    assert post(client, auth, number, body).status_code == 200

    response = client.get(path_of(number), headers=auth)

    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["mode"] == mode
    assert data["command"] == command
    # Same keys in the same order at every level, numbers as sent.
    assert json.dumps(data["command"]) == json.dumps(command)


@APP_EXAMPLES
@given(fields=st.lists(st.sampled_from(sorted(CALL_ONLY_VALUES)), min_size=1, unique=True)
       .flatmap(lambda names: st.fixed_dictionaries({name: CALL_ONLY_VALUES[name]
                                                     for name in names})))
def test_every_call_only_field_on_a_hangup_is_refused_by_name(client, auth, stored, fields):
    before = stored()
    body = {"mode": "always", "command": {"action": {"type": "hangup", **fields}}}

    response = post(client, auth, "1", body)

    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    for name in fields:
        assert f"command.action.{name}: only a 'call' action may carry it" in detail
    assert stored() == before


HEADER_MAPS = {"xHeaders": ("X-", x_header_names), "pHeaders": ("P-", p_header_names)}


@APP_EXAMPLES
@given(field=st.sampled_from(sorted(HEADER_MAPS)), data=st.data())
def test_header_names_that_are_prefixed_sip_tokens_are_accepted(client, auth, field, data):
    name = data.draw(HEADER_MAPS[field][1])
    action = {"type": "call", "destAddr": "sip:a@example.com", field: {name: "1"}}

    response = post(client, auth, "1", {"mode": "always", "command": {"action": action}})

    assert response.status_code == 200, response.text
    assert client.get(f"{BASE}/1", headers=auth).json()["data"]["command"]["action"] == action


def not_prefixed(prefix):
    return sip_tokens.filter(lambda name: not name.upper().startswith(prefix))


def with_a_non_token_character(prefix):
    outside = st.characters(exclude_characters=TOKEN_CHARACTERS, exclude_categories=["Cs"])
    return st.tuples(st.sampled_from([prefix, prefix.lower()]), st.text(TOKEN_CHARACTERS),
                     outside, st.text(TOKEN_CHARACTERS)).map("".join)


@APP_EXAMPLES
@given(field=st.sampled_from(sorted(HEADER_MAPS)), data=st.data())
def test_other_header_names_are_refused_by_name(client, auth, stored, field, data):
    prefix = HEADER_MAPS[field][0]
    name = data.draw(not_prefixed(prefix) | with_a_non_token_character(prefix))
    before = stored()
    action = {"type": "call", "destAddr": "sip:a@example.com", field: {name: "1"}}

    response = post(client, auth, "1", {"mode": "always", "command": {"action": action}})

    assert response.status_code == 400, response.text
    assert f"command.action.{field}.{name}: a header name must start with '{prefix}'" in (
        response.json()["detail"])
    assert stored() == before
