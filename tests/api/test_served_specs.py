"""The specs as served: components intact, self-contained, the same in JSON and YAML.

A client generator gets one model per named schema only if the `$ref`s are
served as written; a client of the platform spec must need no other document.
"""

import json
import re

import pytest
import yaml

from app import SPEC_DIR
from app.contract import specs

BASES = {"cache": "cache.yaml", "platform": "platform.yaml"}


def refs(node) -> list[str]:
    return re.findall(r'"\$ref": "([^"]*)"', json.dumps(node))


def resolve(document: dict, ref: str):
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


@pytest.mark.parametrize("base", BASES)
def test_the_served_spec_keeps_its_refs_and_needs_no_other_document(client, base):
    response = client.get(f"/{base}/openapi.json")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    served = response.json()
    assert refs(served["paths"]), "the operations' $refs were expanded"
    for ref in refs(served):
        assert ref.startswith("#/components/"), ref
        resolve(served, ref)


@pytest.mark.parametrize("base", BASES)
def test_every_served_component_is_used(client, base):
    served = client.get(f"/{base}/openapi.json").json()
    used = {ref.removeprefix("#/components/") for ref in refs(served)}
    declared = {f"{kind}/{name}" for kind, named in served["components"].items()
                if kind != "securitySchemes" for name in named}
    assert declared - used == set()


@pytest.mark.parametrize("base", BASES)
def test_the_yaml_and_the_json_are_one_document(client, base):
    as_yaml = client.get(f"/{base}/openapi.yaml")

    assert as_yaml.status_code == 200
    assert as_yaml.headers["content-type"] == "application/yaml"
    assert yaml.safe_load(as_yaml.text) == client.get(f"/{base}/openapi.json").json()


def test_the_served_cache_spec_is_the_source_as_written(client):
    source = yaml.safe_load((SPEC_DIR / "cache.yaml").read_text())
    assert client.get("/cache/openapi.json").json() == source


def test_the_platform_spec_carries_the_cache_components_it_uses(client):
    served = client.get("/platform/openapi.json").json()
    cache = yaml.safe_load((SPEC_DIR / "cache.yaml").read_text())["components"]

    assert served["components"]["schemas"]["Expiration"] == cache["schemas"]["Expiration"]
    assert served["components"]["responses"]["BadRequest"] == cache["responses"]["BadRequest"]
    assert served["components"]["securitySchemes"].keys() == {"platformAuthorizer"}


@pytest.mark.parametrize("base", [*BASES, "manage"])
def test_swagger_ui_reads_the_served_spec_without_the_preflights_and_says_so(client, base):
    page = client.get(f"/{base}/ui/")
    assert page.status_code == 200
    assert f'"/{base}/openapi-page.json"' in page.text

    whole = client.get(f"/{base}/openapi.json").json()
    shown = client.get(f"/{base}/openapi-page.json").json()
    # Everything but the OPTIONS operations, which stay in the spec Connexion routes from.
    assert any("options" in item for item in whole["paths"].values())
    assert shown["paths"] == {path: {method: operation for method, operation in item.items()
                                     if method != "options"}
                              for path, item in whole["paths"].items()}
    assert shown["components"] == whole["components"]
    assert shown["info"]["description"].startswith(whole["info"]["description"].rstrip("\n"))
    assert f"/{base}/openapi.json" in shown["info"]["description"].split("\n")[-1]


def test_bundling_refuses_a_reference_outside_components(tmp_path):
    (tmp_path / "other.yaml").write_text("paths: {}\ncomponents: {}\n")
    (tmp_path / "main.yaml").write_text(
        "openapi: 3.0.3\npaths:\n  /a:\n    $ref: 'other.yaml#/paths/~1a'\n")

    with pytest.raises(specs.SpecError, match="must point at a component"):
        specs.bundle(tmp_path / "main.yaml")


def test_bundling_refuses_two_components_of_one_name(tmp_path):
    (tmp_path / "other.yaml").write_text("components:\n  schemas:\n    A: {type: string}\n")
    (tmp_path / "main.yaml").write_text(
        "openapi: 3.0.3\npaths: {}\ncomponents:\n  schemas:\n    A: {type: integer}\n"
        "    B:\n      $ref: 'other.yaml#/components/schemas/A'\n")

    with pytest.raises(specs.SpecError, match="components.schemas.A exists in both"):
        specs.bundle(tmp_path / "main.yaml")


def test_bundling_copies_what_a_copied_component_refers_to(tmp_path):
    (tmp_path / "other.yaml").write_text(
        "components:\n  schemas:\n    A: {$ref: '#/components/schemas/B'}\n"
        "    B: {type: string}\n")
    (tmp_path / "main.yaml").write_text(
        "openapi: 3.0.3\npaths: {}\ncomponents:\n  schemas:\n"
        "    C: {$ref: 'other.yaml#/components/schemas/A'}\n")

    bundled = specs.bundle(tmp_path / "main.yaml")

    assert bundled["components"]["schemas"] == {
        "C": {"$ref": "#/components/schemas/A"},
        "A": {"$ref": "#/components/schemas/B"},
        "B": {"type": "string"},
    }
