"""The import judges an entry exactly as the public POST does.

The import's fast schema check (fastjsonschema) must agree with jsonschema, the
validator Connexion runs on the public POST, on valid bodies and on bodies with
any one value replaced by any JSON value.
"""

import jsonschema
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from app import transfer
from tests.live_server import ROOT
from tests.strategies import PERIODS, commands, json_values, paths, replaced

bodies = st.fixed_dictionaries(
    {"mode": st.sampled_from(["always", "onError"]), "command": commands},
    optional={"expiration": st.sampled_from(sorted(PERIODS)) | st.integers(0, 2**33)},
)


def fast_accepts(body) -> bool:
    try:
        transfer._spec_check()(body)
    except transfer.fastjsonschema.JsonSchemaException:
        return False
    return True


@settings(max_examples=400)
@given(body=bodies, data=st.data())
def test_the_fast_check_agrees_with_connexions_validator(body, data):
    path = data.draw(st.sampled_from(list(paths(body))))
    mutated = replaced(body, path, data.draw(json_values))
    for candidate in (body, mutated):
        assert fast_accepts(candidate) == transfer._spec_validator().is_valid(candidate), candidate


def test_the_inlined_schema_is_the_specs():
    """The import's validator and the spec's own (with $refs) judge alike."""
    spec = yaml.safe_load((ROOT / "openapi" / "cache.yaml").read_text())
    referenced = jsonschema.Draft4Validator(
        {"$ref": "#/components/schemas/FallbackSettings", "components": spec["components"]})
    for body in ({"mode": "always", "command": {"action": {"type": "hangup"}}},
                 {"mode": "always", "command": {"action": {"type": "call", "maxRingTime": 0}}},
                 {"mode": "never", "command": {"action": {"type": "hangup"}}}):
        assert referenced.is_valid(body) == transfer._spec_validator().is_valid(body)
