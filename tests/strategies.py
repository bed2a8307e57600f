"""Hypothesis strategies for what clients send: commands, phrases and numbers."""

import string

from hypothesis import strategies as st

# The periods an expiration may name, in days.
PERIODS = {"DAY": 1, "WEEK": 7, "MONTH": 30, "QUARTER": 91, "HALF-YEAR": 182}

TOKEN_CHARACTERS = string.ascii_letters + string.digits + ".!%*_+`'~-"
sip_tokens = st.text(alphabet=TOKEN_CHARACTERS, min_size=1, max_size=16)
# The spec's SipValue and phrase texts: no C0 control characters, no DEL
# (and no lone surrogates, which httpx cannot send).
printable = st.characters(exclude_categories=["Cs"],
                          exclude_characters=[chr(code) for code in range(32)] + ["\x7f"])
sip_values = st.text(alphabet=printable, min_size=1, max_size=24)
x_header_names = st.tuples(st.sampled_from(["X-", "x-"]), sip_tokens).map("".join)
p_header_names = st.tuples(st.sampled_from(["P-", "p-"]), sip_tokens).map("".join)


def header_maps_of(names):
    return st.dictionaries(names, sip_values, max_size=3)


CALL_ONLY_VALUES = {
    "destAddr": sip_values,
    "sipFrom": sip_values,
    "sipTo": sip_values,
    "sipDiversion": sip_values,
    "sipPAI": sip_values,
    "sipRPID": sip_values,
    "maxRingTime": st.integers(min_value=1, max_value=3600),
    "xHeaders": header_maps_of(x_header_names),
    "pHeaders": header_maps_of(p_header_names),
    "contactParameters": header_maps_of(sip_tokens),
    "contactUserParameters": header_maps_of(sip_tokens),
    "copyHeaders": st.lists(sip_tokens, max_size=3),
}
# Free-form text-to-speech parameters: any JSON value but null, NaN and Infinity.
tts_values = st.recursive(
    st.text(max_size=8) | st.booleans() | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)
tts_parameters = st.dictionaries(st.text(max_size=8), tts_values, max_size=4)
PHRASE_OPTIONS = {"cacheTimeToLive": st.text(printable, max_size=8), "refreshCache": st.booleans()}


def shuffled(dictionaries):
    """The same dictionaries with their keys in any order (order must survive too)."""
    return dictionaries.flatmap(lambda value: st.permutations(list(value.items())).map(dict))


phrases = st.one_of(
    st.fixed_dictionaries({"fileName": st.text(printable, min_size=1, max_size=16)},
                          optional={"format": st.text(printable, min_size=1, max_size=8),
                                    **PHRASE_OPTIONS}),
    st.fixed_dictionaries({"googleTTSParameters": tts_parameters}, optional=PHRASE_OPTIONS),
    st.fixed_dictionaries({"awsTTSParameters": tts_parameters}, optional=PHRASE_OPTIONS),
).flatmap(lambda phrase: shuffled(st.just(phrase)))
call_actions = shuffled(st.fixed_dictionaries(
    {"type": st.just("call"), "destAddr": sip_values},
    optional={name: values for name, values in CALL_ONLY_VALUES.items() if name != "destAddr"},
))
commands = shuffled(st.fixed_dictionaries(
    {"action": call_actions | st.just({"type": "hangup"})},
    optional={"phrases": st.lists(phrases, max_size=3)},
))
numbers = st.text(alphabet=string.ascii_letters + string.digits + "+*#._-", min_size=1,
                  max_size=64) | st.sampled_from([".", "..", "#", "+"])


# Any JSON value, leaning to the ones the specs name, to put in place of a part of a body.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=6) | st.sampled_from(["call", "hangup", "always", "onError", "DAY"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=6) | st.sampled_from(["type", "destAddr", "X-a"]),
                      children, max_size=3),
    max_leaves=6,
)


def paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


def replaced(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy
