"""app/contract/validation.py checks parameters with fastjsonschema first and asks jsonschema only
about a refused value: the fast check must never pass what jsonschema refuses, on every
parameter schema of the three specs (as served, references resolved). And each parameter
is checked once per request (app/contract/specs.py's `for_connexion`)."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator

from app.contract import specs, validation
from app.resources import data_folder
from tests.helpers import DOMAIN, PLATFORM, bearer, make_token


def resolved(document, node):
    if isinstance(node, dict):
        if "$ref" in node:
            target = document
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return resolved(document, target)
        return {key: resolved(document, value) for key, value in node.items()}
    if isinstance(node, list):
        return [resolved(document, value) for value in node]
    return node


def parameter_schemas() -> dict[str, dict]:
    found = {}
    for name in specs.SPEC_FILES:
        document = specs.bundle(data_folder("openapi") / name)
        for item in document["paths"].values():
            operations = [value for value in item.values() if isinstance(value, dict)]
            for parameter in item.get("parameters", []) + [
                    parameter for operation in operations
                    for parameter in operation.get("parameters", [])]:
                parameter = resolved(document, parameter)
                schema = parameter["schema"]
                found[json.dumps(schema, sort_keys=True)] = (parameter["name"], schema)
    return {f"{name} {key[:40]}": schema for key, (name, schema) in found.items()}


SCHEMAS = parameter_schemas()
# What Connexion hands the validator after its coercion: strings, and the numbers and
# booleans it made of them, with the edges of each schema and the usual hostile text
# (an absent parameter, None, is not validated here: Connexion checks `required`).
CORPUS = [
    "", " ", "a", "A", "0", "+", "*", "#", ".", "..", "-", "_", "+15550001", "example.com",
    "-example.com", "example-.com", "a..b", "a" * 63, "a" * 64, "a" * 65, "a." * 127, "a" * 254,
    "x\n", "x\r\n", "\n", "x\x00", "x\x7f", "é", "ｅxample.com", "\u212a", "١٢٣", "1 2",
    "*", " * ", '"1"', '"0"', '"1", "2"', '"123456789012345678"', '"1234567890123456789"',
    "not-asked", "answered", "timeout", "error", "unreachable", "invalid", "Timeout", "timeout ",
    0, 1, -1, 99, 100, 101, 365, 366, 367, 698, 699, 700, 999, 1000, 10000, 10001, 2**63,
    -(2**63), 5.5, 100.0, 1.0, 1e308, True, False, [], {}, ["timeout"],
]


@pytest.mark.parametrize("schema", SCHEMAS.values(), ids=SCHEMAS.keys())
def test_the_fast_check_agrees_with_jsonschema_on_the_corpus(schema):
    for value in CORPUS:
        assert_agree(schema, value)


@pytest.mark.parametrize("schema", SCHEMAS.values(), ids=SCHEMAS.keys())
@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.text(), st.from_regex(r"[A-Za-z0-9.+*#_-]{0,70}", fullmatch=True),
                       st.integers(), st.floats(allow_nan=False), st.booleans()))
def test_the_fast_check_agrees_with_jsonschema_on_drawn_values(schema, value):
    assert_agree(schema, value)


def assert_agree(schema, value):
    """The verdict is jsonschema's; and what the fast check passes, jsonschema passes (it
    may refuse more: it reads `$` as the very end, where Python's re allows a final
    newline; jsonschema then has the last word)."""
    fast, _ = validation._validators_for(schema)
    try:
        fast(value)
        fast_passes = True
    except validation.fastjsonschema.JsonSchemaException:
        fast_passes = False
    authority = Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)
    verdict = validation.NamingParameterValidator.validate_parameter(
        "path", value, {"name": "p", "schema": schema})
    assert (verdict is None) == authority.is_valid(value), (schema, value, verdict)
    assert not fast_passes or authority.is_valid(value), (schema, value)


def test_each_parameter_of_an_operation_is_checked_once_per_request(client, monkeypatch):
    """Connexion 3.3 added the path's parameters to an operation's own list once per
    middleware layer: the decision's `domain` and `number` were checked six times each."""
    checked = []
    check = validation.NamingParameterValidator.validate_parameter

    def counted(parameter_type, value, param, param_name=None):
        checked.append(param["name"])
        return check(parameter_type, value, param, param_name)

    monkeypatch.setattr(validation.NamingParameterValidator, "validate_parameter",
                        staticmethod(counted))
    response = client.get(f"/platform/{DOMAIN}/ivrfallback/+4611/decision?outcome=timeout",
                          headers=bearer(make_token(scopes=(PLATFORM,))))
    assert response.status_code == 200, response.text
    assert sorted(checked) == ["domain", "number", "outcome", "status"]


def test_connexion_gets_each_paths_parameters_in_its_operations_the_document_stays():
    document = {
        "components": {"parameters": {"domain": {"name": "domain", "in": "path"}}},
        "paths": {"/{domain}/{number}": {
            "summary": "kept",
            "parameters": [{"$ref": "#/components/parameters/domain"},
                           {"name": "number", "in": "path", "description": "the path's"}],
            "get": {"parameters": [{"name": "number", "in": "path", "description": "own"},
                                   {"name": "outcome", "in": "query"}]},
            "delete": {"responses": {}},
        }},
    }
    as_written = json.dumps(document, sort_keys=True)
    routed = specs.for_connexion(document)
    item = routed["paths"]["/{domain}/{number}"]
    assert "parameters" not in item and item["summary"] == "kept"
    # The operation's own `number` overrides the path's (OpenAPI 3.0), in its own place.
    assert item["get"]["parameters"] == [
        {"$ref": "#/components/parameters/domain"},
        {"name": "number", "in": "path", "description": "own"},
        {"name": "outcome", "in": "query"},
    ]
    assert item["delete"]["parameters"] == [
        {"$ref": "#/components/parameters/domain"},
        {"name": "number", "in": "path", "description": "the path's"},
    ]
    assert json.dumps(document, sort_keys=True) == as_written


@pytest.mark.parametrize("ref", ["#/paths/~1a/parameters/0", "#/components/parameters/none",
                                 "#/components/parameters/loop"])
def test_a_path_parameter_that_refers_elsewhere_is_refused_at_startup(ref):
    document = {
        "components": {"parameters": {"loop": {"$ref": "#/components/parameters/loop"}}},
        "paths": {"/a": {"parameters": [{"$ref": ref}], "get": {"parameters": [
            {"name": "q", "in": "query"}]}}},
    }
    with pytest.raises(specs.SpecError, match="refers to|cycle"):
        specs.for_connexion(document)


def test_a_chain_of_component_references_is_followed():
    document = {
        "components": {"parameters": {
            "alias": {"$ref": "#/components/parameters/a~1b"},
            "a/b": {"name": "number", "in": "path"}}},
        "paths": {"/{number}": {"parameters": [{"$ref": "#/components/parameters/alias"}],
                                "get": {"parameters": [{"name": "number", "in": "path"}]}}},
    }
    item = specs.for_connexion(document)["paths"]["/{number}"]
    assert item["get"]["parameters"] == [{"name": "number", "in": "path"}]  # overridden
