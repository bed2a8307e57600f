"""The compiled body check never accepts what Connexion's validator refuses, on every body.

A JSON request body is checked first by its schema compiled with fastjsonschema, and
only a body that check refuses goes to Connexion's validator (app/contract/validation.py).
So the compiled check must never pass a body Connexion would refuse: drawn here from each
operation's examples with any one part replaced by any JSON value, for every JSON request
body of the three specs, as Connexion resolves them.
"""

import fastjsonschema
import pytest
from connexion.http_facts import METHODS
from connexion.json_schema import Draft4RequestValidator, resolve_refs
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator

from app.contract import specs
from app.contract.validation import _body_check
from tests.live_server import ROOT
from tests.strategies import json_values, paths, replaced


def json_bodies():
    """(operation, schema as Connexion hands it over, example bodies) for every JSON body."""
    for name in specs.SPEC_FILES:
        document = resolve_refs(specs.bundle(ROOT / "openapi" / name))
        for path, item in document["paths"].items():
            for method, operation in item.items():
                if method not in METHODS:
                    continue  # the path's own `parameters`
                content = operation.get("requestBody", {}).get("content", {})
                for media_type, definition in content.items():
                    if "json" not in media_type or "schema" not in definition:
                        continue
                    examples = [example["value"] for example in
                                definition.get("examples", {}).values() if "value" in example]
                    if "example" in definition:
                        examples.append(definition["example"])
                    schema = {**definition["schema"], "components": document["components"]}
                    yield pytest.param(schema, examples,
                                       id=f"{name} {method.upper()} {path}")


BODIES = list(json_bodies())


def compiled_accepts(schema, body) -> bool:
    try:
        _body_check(schema)(body)
    except fastjsonschema.JsonSchemaException:
        return False
    return True


def connexion_accepts(schema, body) -> bool:
    return Draft4RequestValidator(schema,
                                  format_checker=Draft4Validator.FORMAT_CHECKER).is_valid(body)


def test_every_json_body_of_the_specs_is_checked():
    # The public POST, the platform's two SIPRec writes, restore, the two renews, import.
    assert len(BODIES) >= 7, [body.id for body in BODIES]
    assert all(examples for _schema, examples in (body.values for body in BODIES))


@pytest.mark.parametrize("schema, examples", BODIES)
def test_the_examples_pass_the_compiled_check(schema, examples):
    """A good body takes the fast way (a body without examples takes it too, or not:
    either is right, only slower)."""
    for example in examples:
        assert connexion_accepts(schema, example), example
        assert compiled_accepts(schema, example), example


@pytest.mark.parametrize("schema, examples", BODIES)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_the_compiled_check_never_passes_what_connexion_refuses(schema, examples, data):
    body = data.draw(st.sampled_from(examples))
    path = data.draw(st.sampled_from(list(paths(body))))
    candidate = replaced(body, path, data.draw(json_values))
    if compiled_accepts(schema, candidate):
        assert connexion_accepts(schema, candidate), candidate
