"""openapi/manage.yaml: its own base path and scheme, and what every operation states."""

from pathlib import Path

import yaml

SPEC = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "openapi" / "manage.yaml").read_text())
HANDLERS = Path(__file__).resolve().parent.parent / "app" / "api"


def operations():
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, method, operation


def test_the_management_spec_has_its_own_base_path_and_scheme_on_public_rules():
    assert SPEC["servers"] == [{"url": "/manage"}]
    assert SPEC["security"] == [{"manageAuthorizer": []}]
    scheme = SPEC["components"]["securitySchemes"]["manageAuthorizer"]
    assert scheme["x-bearerInfoFunc"] == "app.contract.security.authorize_public"


def test_every_path_can_be_preflighted_without_a_token():
    for path, item in SPEC["paths"].items():
        assert item["options"]["security"] == [], path
        assert item["options"]["operationId"].startswith("preflight.manage_"), path


def test_every_operation_is_tagged_named_and_answers_the_shared_problems():
    ids = []
    for path, method, operation in operations():
        ids.append(operation["operationId"])
        assert operation["tags"], (path, method)
        module, function = operation["operationId"].split(".")
        source = (HANDLERS / f"{module}.py").read_text()
        assert f"def {function}(" in source, operation["operationId"]
        if method == "options":
            continue
        responses = operation["responses"]
        for status in ("400", "401", "403", "503"):
            assert responses[status]["$ref"].startswith("cache.yaml#/components/responses/"), (
                path, method, status)
        success = responses["200"]
        if "$ref" not in success:
            content = success["content"]["application/json"]
            assert "example" in content or "examples" in content, (path, method)
        body = operation.get("requestBody")
        if body:
            content = body["content"]["application/json"]
            assert "example" in content or "examples" in content, (path, method)
    assert len(ids) == len(set(ids))
