"""A Python client generated from the served specs works against the live server.

openapi-python-client (a generator many customers use) reads /cache/openapi.json
and /platform/openapi.json as downloaded; the round trip goes through its typed
models only, phrases included, so a spec that generators cannot type fails here.
"""

import importlib
import json
import subprocess
import sys

import httpx
import pytest

from tests.helpers import DOMAIN, PLATFORM, READ, WRITE, make_token

pytest.importorskip(
    "openapi_python_client",
    reason="openapi-python-client is not installed: pip install -e '.[client]' "
    "(tox -e contract does)",
)
NUMBER = "+46701234567"


@pytest.fixture(scope="module")
def generated(live_server, tmp_path_factory):
    """Generate one client package per served spec; return a function importing a module."""
    folder = tmp_path_factory.mktemp("clients")
    config = folder / "config.yaml"
    config.write_text("post_hooks: []\n")  # no ruff formatting: not needed to run
    for base in ("cache", "platform"):
        spec = folder / f"{base}.json"
        spec.write_text(httpx.get(f"{live_server.url}/{base}/openapi.json").text)
        result = subprocess.run(
            [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(spec),
             "--meta", "none", "--output-path", str(folder / f"{base}_client"),
             "--config", str(config)],
            capture_output=True, text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(folder))

    def load(name: str):
        """A module by dotted name; `package.api.<operation>` finds it under any tag."""
        package, _, rest = name.partition(".api.")
        if rest and "." not in rest:
            [found] = (folder / package / "api").glob(f"*/{rest}.py")
            name = f"{package}.api.{found.parent.name}.{rest}"
        return importlib.import_module(name)

    yield folder, load
    sys.path.remove(str(folder))


def test_each_named_schema_becomes_one_model(generated):
    """Components intact: one model per object or enum schema, not one per use."""
    folder, _ = generated
    for base in ("cache", "platform"):
        schemas = json.loads((folder / f"{base}.json").read_text())["components"]["schemas"]
        models = {path.stem for path in (folder / f"{base}_client" / "models").glob("*.py")}
        models.discard("__init__")
        assert 0 < len(models) <= len(schemas), sorted(models)


def test_a_round_trip_through_the_generated_models(live_server, generated, database_url):
    _, load = generated
    models = load("cache_client.models")
    set_entry = load("cache_client.api.ivr_fallback_set_entry")
    get_entry = load("cache_client.api.ivr_fallback_get_entry")
    client = load("cache_client").AuthenticatedClient(
        base_url=f"{live_server.url}/cache", token=make_token(scopes=(READ, WRITE)))
    command = models.FallbackInstruction(
        action=models.Action(
            type_=models.ActionType.CALL, dest_addr="sip:desk@pbx.example.com",
            max_ring_time=30, x_headers=models.HeaderMap.from_dict({"X-Fallback": "true"})),
        phrases=[
            models.FilePhrase(file_name="closed.wav", format_="wav"),
            models.GoogleTTSPhrase(
                google_tts_parameters=models.GoogleTTSParameters.from_dict(
                    {"languageCode": "en-US", "text": "We are closed."}),
                cache_time_to_live="86400", refresh_cache=False),
            models.AwsTTSPhrase(
                aws_tts_parameters=models.AwsTTSParameters.from_dict({"Text": "Goodbye."})),
        ],
    )
    body = models.FallbackSettings(
        mode=models.Mode.ONERROR, expiration=models.ExpirationPeriod.WEEK, command=command)

    answer = set_entry.sync(DOMAIN, NUMBER, client=client, body=body)
    entry = get_entry.sync(DOMAIN, NUMBER, client=client)

    assert isinstance(answer, models.Success) and answer.success is True
    assert isinstance(entry, models.FallbackEntry), entry
    assert entry.data.mode == models.Mode.ONERROR
    assert [type(phrase).__name__ for phrase in entry.data.command.phrases] == [
        "FilePhrase", "GoogleTTSPhrase", "AwsTTSPhrase"]
    assert entry.data.command.to_dict() == command.to_dict()
    assert isinstance(entry.data.ttl, int)


def test_a_refusal_through_the_generated_models(live_server, generated):
    _, load = generated
    models = load("cache_client.models")
    set_entry = load("cache_client.api.ivr_fallback_set_entry")
    client = load("cache_client").AuthenticatedClient(
        base_url=f"{live_server.url}/cache", token=make_token(scopes=(READ, WRITE)))
    body = models.FallbackSettings(
        mode=models.Mode.ALWAYS, expiration=1.0,
        command=models.FallbackInstruction(action=models.Action(type_=models.ActionType.HANGUP)))

    problem = set_entry.sync(DOMAIN, "1", client=client, body=body)

    assert isinstance(problem, models.Problem), problem
    assert problem.status == 400 and problem.success is False
    assert [error.field for error in problem.errors] == ["expiration"]


def test_the_platform_client_writes_what_the_cache_client_reads(live_server, generated,
                                                                 database_url):
    _, load = generated
    platform = load("platform_client.models")
    write = load("platform_client.api.platform_siprec_set_entry")
    read = load("cache_client.api.siprec_fallback_get_status")
    platform_client = load("platform_client").AuthenticatedClient(
        base_url=f"{live_server.url}/platform", token=make_token(scopes=(PLATFORM,)))
    cache_client = load("cache_client").AuthenticatedClient(
        base_url=f"{live_server.url}/cache", token=make_token(scopes=(READ,)))

    written = write.sync(DOMAIN, NUMBER, client=platform_client, body=platform.SiprecSettings(
        expiration=platform.ExpirationPeriod.MONTH))
    status = read.sync(DOMAIN, NUMBER, client=cache_client)

    assert isinstance(written, platform.Success) and written.success is True
    assert status.in_cache is True
