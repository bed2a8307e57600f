"""The spec and the service agree on what a phrase may hold.

A regression of a tests/contract finding: schemathesis sent phrases that
openapi/cache.yaml allowed and the service refused with a 400 (two sources, or
none). The spec now states the rule, so a client built from it cannot send
such a phrase unknowingly.
"""

from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.helpers import DOMAIN

SPEC = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi" / "cache.yaml").read_text())
ENTRY = f"/cache/{DOMAIN}/ivrfallback/1"


def spec_accepts(body: dict) -> bool:
    """Whether the body is valid under the spec's own FallbackSettings schema."""
    schema = {"$ref": "#/components/schemas/FallbackSettings", "components": SPEC["components"]}
    return jsonschema.Draft4Validator(schema).is_valid(body)


PHRASES = {
    "a file": ({"fileName": "closed.wav", "format": "wav", "refreshCache": True}, True),
    "google text": ({"googleTTSParameters": {"text": "Hej", "voice": {"name": "sv-SE-A"},
                                             "rate": 1.25, "tags": ["a", True, 0]}}, True),
    "aws text": ({"awsTTSParameters": {"Text": "Hello"}, "cacheTimeToLive": "60"}, True),
    "file and google text": ({"fileName": "a.wav", "googleTTSParameters": {}}, False),
    "all three sources": ({"fileName": "a.wav", "googleTTSParameters": {},
                           "awsTTSParameters": {}}, False),
    "no source": ({"format": "wav", "refreshCache": True}, False),
}


@pytest.mark.parametrize("phrase, valid", PHRASES.values(), ids=PHRASES)
def test_the_spec_and_the_service_agree_on_phrases(client, auth, stored, phrase, valid):
    body = {"mode": "always", "command": {"action": {"type": "hangup"}, "phrases": [phrase]}}

    response = client.post(ENTRY, json=body, headers=auth)

    assert spec_accepts(body) is valid
    if valid:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 400, response.text
        assert "phrases.0" in response.json()["detail"]
        assert stored()["ivr_fallback"] == []
