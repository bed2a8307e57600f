"""Every operation of the three specs through the Python client, against a live gunicorn.

Each test calls one operation as a customer would (its generated module with a
`CacheClient`), once allowed and once refused, the refusal checked as the typed
`ProblemError`. `test_every_operation_has_a_test` keeps the list whole.
"""

import asyncio
import importlib
import inspect
import pkgutil
import time

import httpx
import pytest

pytest.importorskip(
    "cache_api_client",
    reason="the Python client is not installed: pip install ./clients/python "
    "(tox -e clients-python does)",
)

import cache_api_client.api  # noqa: E402
from cache_api_client import CacheClient, ProblemError, etag, models  # noqa: E402
from cache_api_client.api.cache import (  # noqa: E402
    ivr_fallback_delete_entry,
    ivr_fallback_get_entry,
    ivr_fallback_list_numbers,
    ivr_fallback_set_entry,
    siprec_fallback_delete_entry,
    siprec_fallback_get_status,
)
from cache_api_client.api.manage import (  # noqa: E402
    manage_expiry_list_expiring,
    manage_ivr_dry_run,
    manage_ivr_list_history,
    manage_ivr_renew,
    manage_ivr_restore,
    manage_ivr_usage,
    manage_numbers_list_numbers,
    manage_siprec_renew,
    manage_transfer_export_entries,
    manage_transfer_import_entries,
    manage_usage_domain_usage,
)
from cache_api_client.api.platform import (  # noqa: E402
    platform_ivr_decide,
    platform_siprec_get_status,
    platform_siprec_set_entries,
    platform_siprec_set_entry,
)

DOMAIN = "example.com"
NUMBER = "+46701234567"
OTHER = "+46707654321"
DESK = "sip:desk@pbx.example.com"
# The operations the tests below call; the preflights are called by one test.
TESTED: set[str] = set()


def covers(*modules):
    TESTED.update(module.__name__ for module in modules)
    return lambda test: test


def preflights() -> list:
    found = []
    for api in pkgutil.iter_modules(cache_api_client.api.__path__, "cache_api_client.api."):
        package = importlib.import_module(api.name)
        for operation in pkgutil.iter_modules(package.__path__, f"{api.name}."):
            if operation.name.rsplit(".", 1)[1].startswith("preflight_"):
                found.append(importlib.import_module(operation.name))
    return found


PREFLIGHTS = preflights()


@pytest.fixture
def connect(live_server, database_url):
    """A function making a `CacheClient` of the live server; each is closed after the test."""
    made = []

    def connect(token, **options) -> CacheClient:
        client = CacheClient(live_server.url, token=token, **options)
        made.append(client)
        return client

    yield connect
    for client in made:
        client.close()


@pytest.fixture
def customer(connect, tokens):
    return connect(tokens["read-write"])


@pytest.fixture
def platform(connect, tokens):
    return connect(tokens["platform"])


def settings(mode=models.Mode.ONERROR, **action) -> models.FallbackSettings:
    """A prompt, then the call forwarded to the desk, for a week."""
    return models.FallbackSettings(
        mode=mode,
        expiration=models.ExpirationPeriod.WEEK,
        command=models.FallbackInstruction(
            action=models.Action(type_=models.ActionType.CALL, dest_addr=DESK, max_ring_time=30,
                                 **action),
            phrases=[models.FilePhrase(file_name="closed.wav", format_="wav")],
        ),
    )


def refused(call, status: int, *fields: str) -> ProblemError:
    """Call; check that it raised the typed problem `status` naming exactly `fields`."""
    with pytest.raises(ProblemError) as raised:
        call()
    error = raised.value
    assert error.status == status, error
    assert isinstance(error.problem, models.Problem) and error.problem.success is False
    assert error.problem.status == status and error.detail == error.problem.detail
    assert error.fields == list(fields), error
    return error


# --- /cache


@covers(ivr_fallback_set_entry)
def test_set_entry(customer):
    hangup_with_a_target = models.FallbackSettings(
        mode=models.Mode.ALWAYS,
        command=models.FallbackInstruction(
            action=models.Action(type_=models.ActionType.HANGUP, dest_addr="sip:x@y")))

    answer = ivr_fallback_set_entry.sync(DOMAIN, NUMBER, client=customer, body=settings())

    assert isinstance(answer, models.Success) and answer.success is True
    refused(lambda: ivr_fallback_set_entry.sync(
        DOMAIN, NUMBER, client=customer, body=hangup_with_a_target), 400, "command.action.destAddr")


@covers(ivr_fallback_get_entry)
def test_get_entry(customer):
    body = settings(x_headers=models.HeaderMap.from_dict({"X-Fallback": "true"}))
    body.command.phrases += [  # each kind of phrase, typed
        models.GoogleTTSPhrase(
            google_tts_parameters=models.GoogleTTSParameters.from_dict(
                {"languageCode": "en-US", "text": "We are closed."}),
            cache_time_to_live="86400", refresh_cache=False),
        models.AwsTTSPhrase(
            aws_tts_parameters=models.AwsTTSParameters.from_dict({"Text": "Goodbye."})),
    ]
    ivr_fallback_set_entry.sync(DOMAIN, NUMBER, client=customer, body=body)

    entry = ivr_fallback_get_entry.sync(DOMAIN, NUMBER, client=customer)

    assert isinstance(entry, models.FallbackEntry)
    assert entry.data.mode == models.Mode.ONERROR
    assert [type(phrase) for phrase in entry.data.command.phrases] == [
        models.FilePhrase, models.GoogleTTSPhrase, models.AwsTTSPhrase]
    assert entry.data.command.to_dict() == body.command.to_dict()
    assert isinstance(entry.data.ttl, int)
    refused(lambda: ivr_fallback_get_entry.sync(DOMAIN, OTHER, client=customer), 404)


@covers(ivr_fallback_list_numbers)
def test_list_numbers(customer, connect, tokens):
    for number in (OTHER, NUMBER):
        ivr_fallback_set_entry.sync(DOMAIN, number, client=customer, body=settings())

    listed = ivr_fallback_list_numbers.sync(DOMAIN, client=customer)

    assert listed.data == [NUMBER, OTHER]
    stranger = connect(tokens["other-domain"])
    refused(lambda: ivr_fallback_list_numbers.sync(DOMAIN, client=stranger), 403)


@covers(ivr_fallback_delete_entry)
def test_delete_entry(customer):
    ivr_fallback_set_entry.sync(DOMAIN, NUMBER, client=customer, body=settings())

    deleted = ivr_fallback_delete_entry.sync(DOMAIN, NUMBER, client=customer)

    assert deleted.success is True
    refused(lambda: ivr_fallback_delete_entry.sync(DOMAIN, NUMBER, client=customer), 404)


@covers(siprec_fallback_get_status)
def test_siprec_get_status(customer):
    status = siprec_fallback_get_status.sync(DOMAIN, NUMBER, client=customer)

    assert status.in_cache is False
    refused(lambda: siprec_fallback_get_status.sync(DOMAIN, "a b", client=customer), 400, "number")


@covers(siprec_fallback_delete_entry)
def test_siprec_delete_entry(customer, platform, connect, tokens):
    platform_siprec_set_entry.sync(DOMAIN, NUMBER, client=platform)
    reader = connect(tokens["read"])

    refused(lambda: siprec_fallback_delete_entry.sync(DOMAIN, NUMBER, client=reader), 403)
    assert siprec_fallback_delete_entry.sync(DOMAIN, NUMBER, client=customer).deleted is True
    assert siprec_fallback_delete_entry.sync(DOMAIN, NUMBER, client=customer).deleted is False


# --- /platform


@covers(platform_ivr_decide)
def test_decide(customer, platform):
    body = settings()
    ivr_fallback_set_entry.sync(DOMAIN, NUMBER, client=customer, body=body)

    failed = platform_ivr_decide.sync(DOMAIN, NUMBER, client=platform,
                                      outcome=models.Outcome.ERROR, status=503)
    answered = platform_ivr_decide.sync(DOMAIN, NUMBER, client=platform,
                                        outcome=models.Outcome.ANSWERED)

    assert failed.apply is True and failed.mode == models.Mode.ONERROR
    assert failed.command.to_dict() == body.command.to_dict()
    assert (answered.apply, answered.reason) == (False, models.DecisionReason.CUSTOMER_ANSWERED)
    refused(lambda: platform_ivr_decide.sync(DOMAIN, NUMBER, client=platform,
                                             outcome=models.Outcome.ERROR, status=99),
            400, "status")


@covers(platform_siprec_set_entry)
def test_platform_siprec_set_entry(platform):
    month = models.SiprecSettings(expiration=models.ExpirationPeriod.MONTH)

    assert platform_siprec_set_entry.sync(DOMAIN, NUMBER, client=platform, body=month).success
    assert platform_siprec_set_entry.sync(DOMAIN, OTHER, client=platform).success  # no body
    refused(lambda: platform_siprec_set_entry.sync(
        DOMAIN, NUMBER, client=platform, body=models.SiprecSettings(expiration=1.0)),
        400, "expiration")


@covers(platform_siprec_set_entries)
def test_platform_siprec_set_entries(platform):
    body = models.SiprecBulkSettings(numbers=[NUMBER, OTHER, "not a number"],
                                     expiration=models.ExpirationPeriod.DAY)

    answer = platform_siprec_set_entries.sync(DOMAIN, client=platform, body=body)

    assert answer.success is False
    assert [(result.number, result.written) for result in answer.results] == [
        (NUMBER, True), (OTHER, True), ("not a number", False)]
    refused(lambda: platform_siprec_set_entries.sync(
        DOMAIN, client=platform, body=models.SiprecBulkSettings(numbers=[])), 400, "numbers")


@covers(platform_siprec_get_status)
def test_platform_siprec_get_status(platform, customer):
    platform_siprec_set_entry.sync(DOMAIN, NUMBER, client=platform)

    status = platform_siprec_get_status.sync(DOMAIN, NUMBER, client=platform)

    assert status.in_cache is True and isinstance(status.ttl, int)
    refused(lambda: platform_siprec_get_status.sync(DOMAIN, NUMBER, client=customer), 403)


# --- /manage


@covers(manage_ivr_dry_run)
def test_dry_run(customer, connect, tokens):
    ivr_fallback_set_entry.sync(DOMAIN, NUMBER, client=customer, body=settings())

    dry_run = manage_ivr_dry_run.sync(DOMAIN, NUMBER, client=customer,
                                      outcome=models.Outcome.TIMEOUT)

    assert dry_run.apply is True
    assert dry_run.sip_request.target == DESK and dry_run.sip_request.max_ring_time == 30
    stranger = connect(tokens["other-domain"])
    refused(lambda: manage_ivr_dry_run.sync(DOMAIN, NUMBER, client=stranger,
                                            outcome=models.Outcome.TIMEOUT), 403)


@covers(manage_ivr_usage)
def test_usage(customer, connect, tokens):
    ivr_fallback_set_entry.sync(DOMAIN, NUMBER, client=customer, body=settings())

    usage = manage_ivr_usage.sync(DOMAIN, NUMBER, client=customer)

    assert (usage.count, usage.last_used_at, usage.last_outcome) == (0, None, None)
    writer = connect(tokens["write"])
    refused(lambda: manage_ivr_usage.sync(DOMAIN, NUMBER, client=writer), 403)


@covers(manage_numbers_list_numbers)
def test_list_numbers_a_page_at_a_time(customer, connect, tokens):
    for number in (OTHER, NUMBER):
        ivr_fallback_set_entry.sync(DOMAIN, number, client=customer, body=settings())

    first = manage_numbers_list_numbers.sync(DOMAIN, client=customer, limit=1)
    rest = manage_numbers_list_numbers.sync(DOMAIN, client=customer, limit=1, after=first.next_)
    searched = manage_numbers_list_numbers.sync(DOMAIN, client=customer, contains="4321")

    assert [(item.number, item.mode) for item in first.data] == [(NUMBER, models.Mode.ONERROR)]
    assert first.next_ == NUMBER
    assert [item.number for item in rest.data] == [OTHER] and rest.next_ is None
    assert [item.number for item in searched.data] == [OTHER]
    refused(lambda: manage_numbers_list_numbers.sync(DOMAIN, client=customer, limit=501), 400,
            "limit")
    stranger = connect(tokens["other-domain"])
    refused(lambda: manage_numbers_list_numbers.sync(DOMAIN, client=stranger), 403)


@covers(manage_usage_domain_usage)
def test_domain_usage(customer, platform, connect, tokens):
    # A number of its own: the other tests' decisions on the shared server count too.
    number = "+46700000421"
    ivr_fallback_set_entry.sync(DOMAIN, number, client=customer,
                                body=settings(mode=models.Mode.ALWAYS))
    platform_ivr_decide.sync(DOMAIN, number, client=platform, outcome=models.Outcome.TIMEOUT)
    now = int(time.time())

    def used():
        return manage_usage_domain_usage.sync(DOMAIN, client=customer, from_=now - 3600,
                                              to=now + 3600)

    def counted() -> dict:
        return {item.number: item.count for item in used().top}
    # The platform's tally reaches the database within a flush window.
    deadline = time.monotonic() + 15
    while number not in counted() and time.monotonic() < deadline:
        time.sleep(0.2)

    answer = used()
    assert counted()[number] == 1
    assert sum(bucket.count for bucket in answer.series) >= counted()[number]
    refused(lambda: manage_usage_domain_usage.sync(DOMAIN, client=customer, from_=now,
                                                   to=now - 1), 400, "to")
    writer = connect(tokens["write"])
    refused(lambda: manage_usage_domain_usage.sync(DOMAIN, client=writer, from_=now - 60,
                                                   to=now), 403)


@covers(manage_ivr_list_history)
def test_history(customer):
    ivr_fallback_set_entry.sync(DOMAIN, NUMBER, client=customer, body=settings())
    ivr_fallback_set_entry.sync(DOMAIN, NUMBER, client=customer,
                                body=settings(mode=models.Mode.ALWAYS))

    history = manage_ivr_list_history.sync(DOMAIN, NUMBER, client=customer)

    assert [(version.version, version.action, version.by) for version in history.data] == [
        (2, models.VersionAction.SET, "tester"), (1, models.VersionAction.SET, "tester")]
    refused(lambda: manage_ivr_list_history.sync(DOMAIN, "#" * 65, client=customer),
            400, "number")


@covers(manage_ivr_restore)
def test_restore(customer):
    ivr_fallback_set_entry.sync(DOMAIN, NUMBER, client=customer, body=settings())
    ivr_fallback_set_entry.sync(DOMAIN, NUMBER, client=customer,
                                body=settings(mode=models.Mode.ALWAYS))

    restored = manage_ivr_restore.sync(DOMAIN, NUMBER, client=customer,
                                       body=models.RestoreSettings(version=1))

    assert (restored.success, restored.version) == (True, 3)
    assert ivr_fallback_get_entry.sync(DOMAIN, NUMBER, client=customer).data.mode == \
        models.Mode.ONERROR
    refused(lambda: manage_ivr_restore.sync(DOMAIN, NUMBER, client=customer,
                                            body=models.RestoreSettings(version=99)), 404)


@covers(manage_ivr_renew)
def test_ivr_renew(customer):
    ivr_fallback_set_entry.sync(DOMAIN, NUMBER, client=customer, body=settings())
    week = ivr_fallback_get_entry.sync(DOMAIN, NUMBER, client=customer).data.ttl

    renewed = manage_ivr_renew.sync(DOMAIN, NUMBER, client=customer, body=models.RenewSettings(
        expiration=models.ExpirationPeriod.MONTH))

    assert renewed.success is True and renewed.ttl >= week + 23 * 86400
    refused(lambda: manage_ivr_renew.sync(DOMAIN, OTHER, client=customer), 404)


@covers(manage_siprec_renew)
def test_siprec_renew(customer, platform):
    platform_siprec_set_entry.sync(DOMAIN, NUMBER, client=platform, body=models.SiprecSettings(
        expiration=models.ExpirationPeriod.DAY))

    renewed = manage_siprec_renew.sync(DOMAIN, NUMBER, client=customer)  # HALF-YEAR

    assert renewed.ttl == platform_siprec_get_status.sync(DOMAIN, NUMBER, client=platform).ttl
    refused(lambda: manage_siprec_renew.sync(DOMAIN, OTHER, client=customer), 404)


@covers(manage_expiry_list_expiring)
def test_expiring(customer, platform):
    ivr_fallback_set_entry.sync(DOMAIN, NUMBER, client=customer, body=settings())  # a week
    platform_siprec_set_entry.sync(DOMAIN, OTHER, client=platform, body=models.SiprecSettings(
        expiration=models.ExpirationPeriod.DAY))

    expiring = manage_expiry_list_expiring.sync(DOMAIN, client=customer, within=30)

    assert [(item.cache, item.number) for item in expiring.data] == [
        (models.ExpiringDataItemCache.SIPREC, OTHER), (models.ExpiringDataItemCache.IVR, NUMBER)]
    refused(lambda: manage_expiry_list_expiring.sync(DOMAIN, client=customer, within=0),
            400, "within")


@covers(manage_transfer_export_entries, manage_transfer_import_entries)
def test_export_then_import(customer, connect, tokens):
    ivr_fallback_set_entry.sync(DOMAIN, NUMBER, client=customer, body=settings())
    exported = manage_transfer_export_entries.sync(DOMAIN, client=customer)
    ivr_fallback_delete_entry.sync(DOMAIN, NUMBER, client=customer)
    document = models.ImportDocument(entries=[entry.to_dict() for entry in exported.entries])

    checked = manage_transfer_import_entries.sync(DOMAIN, client=customer, body=document,
                                                  dry_run=True)
    refused(lambda: ivr_fallback_get_entry.sync(DOMAIN, NUMBER, client=customer), 404)
    imported = manage_transfer_import_entries.sync(DOMAIN, client=customer, body=document)

    assert [entry.number for entry in exported.entries] == [NUMBER]
    assert [(result.number, result.written) for result in checked.results] == [(NUMBER, False)]
    assert [(result.number, result.written) for result in imported.results] == [(NUMBER, True)]
    again = manage_transfer_export_entries.sync(DOMAIN, client=customer)
    assert again.to_dict() == exported.to_dict()
    writer = connect(tokens["write"])
    refused(lambda: manage_transfer_export_entries.sync(DOMAIN, client=writer), 403)
    refused(lambda: manage_transfer_import_entries.sync(
        DOMAIN, client=customer, body=models.ImportDocument(entries=[])), 400, "entries")


# --- the preflights (OPTIONS) of every path, which need no token


@pytest.mark.parametrize("operation", PREFLIGHTS, ids=lambda module: module.__name__.rsplit(".")[-1])
def test_preflight(operation, connect):
    anonymous = connect(None)
    takes_number = "number" in inspect.signature(operation.sync).parameters
    valid = (DOMAIN, NUMBER) if takes_number else (DOMAIN,)
    # The path's last variable part made invalid: the number, or else the domain.
    invalid, field = ((DOMAIN, "a b"), "number") if takes_number else (("exa_mple..com",), "domain")

    answer = operation.sync(*valid, client=anonymous)

    assert isinstance(answer, models.PreflightAnswer) and answer.to_dict() == {}
    refused(lambda: operation.sync(*invalid, client=anonymous), 400, field)


covers(*PREFLIGHTS)


def test_every_operation_has_a_test(live_server):
    """Each operation of each spec the server publishes: one module, and a test above."""
    published = set()
    for api in ("cache", "platform", "manage"):
        spec = httpx.get(f"{live_server.url}/{api}/openapi.json").json()
        published |= {
            f"cache_api_client.api.{api}.{operation['operationId'].replace('.', '_')}"
            for item in spec["paths"].values() for operation in item.values()
            if isinstance(operation, dict) and "operationId" in operation
        }
    generated = {
        operation.name
        for api in pkgutil.iter_modules(cache_api_client.api.__path__, "cache_api_client.api.")
        for operation in pkgutil.iter_modules(
            importlib.import_module(api.name).__path__, f"{api.name}.")
    }

    assert generated == published, sorted(generated ^ published)
    assert TESTED == published, sorted(TESTED ^ published)


# --- what the hand-written layer adds


def test_etags_on_reads_and_conditions_on_writes(customer):
    ivr_fallback_set_entry.sync(DOMAIN, NUMBER, client=customer, body=settings())
    read = ivr_fallback_get_entry.sync_detailed(DOMAIN, NUMBER, client=customer)
    version = etag(read)

    written = ivr_fallback_set_entry.sync_detailed(
        DOMAIN, NUMBER, client=customer, body=settings(mode=models.Mode.ALWAYS), if_match=version)
    stale = refused(lambda: ivr_fallback_set_entry.sync(
        DOMAIN, NUMBER, client=customer, body=settings(), if_match=version), 412)
    exists = refused(lambda: ivr_fallback_set_entry.sync(
        DOMAIN, NUMBER, client=customer, body=settings(),
        if_none_match=models.IvrFallbackSetEntryIfNoneMatch.VALUE_0), 412)

    assert version is not None and written.status_code == 200
    current = etag(ivr_fallback_get_entry.sync_detailed(DOMAIN, NUMBER, client=customer))
    assert current != version and stale.etag == current and exists.etag == current
    refused(lambda: ivr_fallback_delete_entry.sync(DOMAIN, NUMBER, client=customer,
                                                   if_match=version), 412)
    assert ivr_fallback_delete_entry.sync(DOMAIN, NUMBER, client=customer,
                                          if_match=current).success is True


def test_the_management_writes_take_conditions_and_answer_etags(customer, platform):
    ivr_fallback_set_entry.sync(DOMAIN, NUMBER, client=customer, body=settings())
    first = etag(ivr_fallback_get_entry.sync_detailed(DOMAIN, NUMBER, client=customer))

    restored = manage_ivr_restore.sync_detailed(
        DOMAIN, NUMBER, client=customer, body=models.RestoreSettings(version=1), if_match=first)
    renewed = manage_ivr_renew.sync_detailed(DOMAIN, NUMBER, client=customer,
                                             if_match=etag(restored))
    stale = refused(lambda: manage_ivr_renew.sync(DOMAIN, NUMBER, client=customer,
                                                  if_match=first), 412)
    exists = refused(lambda: manage_ivr_restore.sync(
        DOMAIN, NUMBER, client=customer, body=models.RestoreSettings(version=1),
        if_none_match=models.ManageIvrRestoreIfNoneMatch.VALUE_0), 412)

    current = etag(ivr_fallback_get_entry.sync_detailed(DOMAIN, NUMBER, client=customer))
    assert (etag(restored), etag(renewed), current) == ('"2"', '"3"', '"3"')
    assert stale.etag == current and exists.etag == current
    # A SIPRec entry has no ETag: `*` holds while it exists, a tag never.
    platform_siprec_set_entry.sync(DOMAIN, NUMBER, client=platform, body=models.SiprecSettings(
        expiration=models.ExpirationPeriod.DAY))
    assert manage_siprec_renew.sync(DOMAIN, NUMBER, client=customer, if_match="*").success
    assert refused(lambda: manage_siprec_renew.sync(DOMAIN, NUMBER, client=customer,
                                                    if_match=current), 412).etag is None


def test_async_calls_and_their_refusals(connect, tokens):
    async def run(client):
        async with client:
            await ivr_fallback_set_entry.asyncio(DOMAIN, NUMBER, client=client, body=settings())
            entry, missing = await asyncio.gather(
                ivr_fallback_get_entry.asyncio(DOMAIN, NUMBER, client=client),
                ivr_fallback_get_entry.asyncio(DOMAIN, OTHER, client=client),
                return_exceptions=True)
            return entry, missing

    entry, missing = asyncio.run(run(connect(tokens["read-write"])))

    assert isinstance(entry, models.FallbackEntry) and entry.data.mode == models.Mode.ONERROR
    assert isinstance(missing, ProblemError) and missing.status == 404


def test_a_token_callable_is_asked_for_each_request(connect, tokens):
    asked = []

    def token() -> str:
        asked.append(True)
        return tokens["read-write"] if len(asked) == 1 else tokens["other-domain"]

    client = connect(token)

    assert ivr_fallback_list_numbers.sync(DOMAIN, client=client).data == []
    refused(lambda: ivr_fallback_list_numbers.sync(DOMAIN, client=client), 403)
    assert len(asked) == 2


def test_an_answer_without_a_token_is_a_401_problem(connect):
    error = refused(lambda: ivr_fallback_list_numbers.sync(DOMAIN, client=connect(None)), 401)

    assert error.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_package_is_installed_with_its_own_version():
    from importlib.metadata import version

    assert version("cache-api-client") == cache_api_client.__version__
    assert version("cache-api-client") != version("cache-api")
