"""The specs state the contract's facts, and the code agrees with them."""

import time
from pathlib import Path

import pytest
import yaml

from app.contract.security import DOMAIN_PATTERN

SPECS = Path(__file__).resolve().parent.parent / "openapi"


def load(name: str) -> dict:
    return yaml.safe_load((SPECS / name).read_text())


def test_public_spec_serves_the_three_paths_under_cache():
    spec = load("cache.yaml")
    assert spec["servers"] == [{"url": "/cache"}]
    assert {path: sorted(ops.keys() - {"parameters"}) for path, ops in spec["paths"].items()} == {
        "/{domain}/ivrfallback": ["get", "options"],
        "/{domain}/ivrfallback/{number}": ["delete", "get", "options", "post"],
        "/{domain}/siprecfallback/{number}": ["delete", "get", "options"],
    }


def test_every_operation_but_options_needs_jwt_authorizer():
    spec = load("cache.yaml")
    assert spec["security"] == [{"jwtAuthorizer": []}]
    assert spec["components"]["securitySchemes"]["jwtAuthorizer"]["scheme"] == "bearer"
    for operations in spec["paths"].values():
        for method, operation in operations.items():
            if method == "options":
                assert operation["security"] == []
            elif method != "parameters":
                assert "security" not in operation


def test_platform_spec_has_its_own_base_path_and_scheme():
    spec = load("platform.yaml")
    assert spec["servers"] == [{"url": "/platform"}]
    assert spec["security"] == [{"platformAuthorizer": []}]


def test_domain_pattern_in_code_is_the_spec_pattern():
    domain = load("cache.yaml")["components"]["parameters"]["domain"]["schema"]
    assert DOMAIN_PATTERN.pattern == domain["pattern"]
    assert domain["maxLength"] == 253


def numeric_expirations(node):
    """Every number given as `expiration` or `ttl` in the spec's examples."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("expiration", "ttl") and isinstance(value, (int, float)) \
                    and not isinstance(value, bool):
                yield value
            else:
                yield from numeric_expirations(value)
    elif isinstance(node, list):
        for item in node:
            yield from numeric_expirations(item)


@pytest.mark.parametrize("name", ["cache.yaml", "platform.yaml"])
def test_example_instants_stay_valid_for_years(name):
    """"Try it out" with an example must not start failing: instants at least three years
    ahead, and under the ten-year limit on `expiration`."""
    now = time.time()
    instants = list(numeric_expirations(load(name)["paths"]))
    assert name == "platform.yaml" or instants, "the cache spec's examples hold no instant"
    for instant in instants:
        assert now + 3 * 365 * 86400 < instant < now + 10 * 365 * 86400, instant


def test_the_management_specs_request_examples_stay_valid_for_years():
    """The same for the management spec's request bodies (its answers' instants are
    examples of the past: a history, a last use)."""
    now = time.time()
    bodies = [operation.get("requestBody", {})
              for item in load("manage.yaml")["paths"].values()
              for operation in item.values() if isinstance(operation, dict)]
    instants = list(numeric_expirations(bodies))
    assert instants, "the management spec's request examples hold no instant"
    for instant in instants:
        assert now + 3 * 365 * 86400 < instant < now + 10 * 365 * 86400, instant
