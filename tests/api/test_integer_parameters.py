"""Integer query and path parameters are plain ASCII digits (issue 22, defect 8).

Connexion converts them with Python's int(), which also takes `2_00`, full-width and
other scripts' digits, surrounding spaces and a sign: each of those is a 400 naming the
parameter, on every operation that takes an integer, before anything is read or written.
"""

import pytest

from app.contract import specs
from app.resources import data_folder
from tests.helpers import DOMAIN, PLATFORM, assert_problem, bearer, make_token

NUMBER = "+4610"
# Every integer parameter of the three specs, with a request that is valid but for it.
CASES = {
    ("platform.yaml", "status"): (
        f"/platform/{DOMAIN}/ivrfallback/{NUMBER}/decision?outcome=error&status={{}}",
        "503", PLATFORM),
    ("manage.yaml", "within"): (f"/manage/{DOMAIN}/expiring?within={{}}", "30", "read"),
    ("manage.yaml", "limit"): (f"/manage/{DOMAIN}/expiring?within=30&limit={{}}", "100", "read"),
}


def odd(digits: str) -> list[str]:
    """`digits` spelt in every way int() takes and a plain digit reader does not."""
    grouped = f"{digits[0]}_{digits[1:]}"
    full_width = "".join(chr(ord(digit) - ord("0") + ord("０")) for digit in digits)
    arabic_indic = "".join(chr(ord(digit) - ord("0") + 0x0660) for digit in digits)
    return [grouped, full_width, arabic_indic, f" {digits}", f"{digits} ", f"{digits}\n",
            f"+{digits}", f"\t{digits}\t"]


def integer_parameters() -> set[tuple[str, str]]:
    found = set()
    for name in specs.SPEC_FILES:
        document = specs.bundle(data_folder("openapi") / name)
        for item in document["paths"].values():
            parameters = list(item.get("parameters", []))
            for operation in item.values():
                if isinstance(operation, dict):
                    parameters += operation.get("parameters", [])
            for parameter in parameters:
                while "$ref" in parameter:
                    target = document
                    for part in parameter["$ref"].removeprefix("#/").split("/"):
                        target = target[part]
                    parameter = target
                if parameter["in"] in ("query", "path") and \
                        parameter["schema"].get("type") == "integer":
                    found.add((name, parameter["name"]))
    return found


def test_every_integer_parameter_of_the_specs_is_tried_here():
    assert integer_parameters() == set(CASES)


def auth_for(scope: str) -> dict:
    scopes = (PLATFORM,) if scope == PLATFORM else ("cache/read", "cache/write")
    return bearer(make_token(scopes=scopes))


@pytest.mark.parametrize("case", sorted(CASES), ids=lambda case: case[1])
def test_plain_digits_are_taken(client, case):
    template, digits, scope = CASES[case]
    response = client.get(template.format(digits), headers=auth_for(scope))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("case", sorted(CASES), ids=lambda case: case[1])
def test_any_other_spelling_is_a_400_naming_the_parameter(client, stored, case):
    template, digits, scope = CASES[case]
    before = stored()
    for spelling in odd(digits):
        response = client.get(template.format(spelling.replace("\n", "%0A")
                                              .replace("\t", "%09").replace(" ", "%20")
                                              .replace("+", "%2B")),
                              headers=auth_for(scope))
        assert_problem(response, 400, case[1])
        assert [error["field"] for error in response.json()["errors"]] == [case[1]], spelling
    assert stored() == before
