from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.dry_run import DryRun
from ...models.outcome import Outcome
from ...models.problem import Problem
from ...types import UNSET, Response


def _get_kwargs(
    domain: str,
    number: str,
    *,
    outcome: Outcome,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_outcome = outcome.value
    params["outcome"] = json_outcome

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/manage/{domain}/ivrfallback/{number}/dry-run".format(
            domain=quote(str(domain), safe=""),
            number=quote(str(number), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DryRun | Problem | None:
    if response.status_code == 200:
        response_200 = DryRun.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[DryRun | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    domain: str,
    number: str,
    *,
    client: AuthenticatedClient,
    outcome: Outcome,
) -> Response[DryRun | Problem]:
    """What the platform would do for a call to the number

     The platform's call-time decision for `outcome`, made by the very same
    code, counted nowhere (usage is not touched), plus `sipRequest`: the
    INVITE the platform would send when the fallback applies and the action
    is a `call`. Its headers come in the order added: From (`sipFrom`), To
    (`sipTo`), Diversion, P-Asserted-Identity, Remote-Party-ID, the
    `xHeaders` then the `pHeaders` as posted, a Contact entry with the
    `contactUserParameters` and `contactParameters` (the Contact address
    itself is the platform's), then the `copyHeaders`, whose values are
    copied from the incoming call at call time. `phrases` are played in
    that order before the call rings for at most `maxRingTime` seconds
    (null: the platform's default). `sipRequest` is null when the fallback
    does not apply, or when its action is a `hangup` (no call is made).

    Args:
        domain (str):
        number (str):
        outcome (Outcome): What became of asking the customer's system.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DryRun | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        number=number,
        outcome=outcome,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    domain: str,
    number: str,
    *,
    client: AuthenticatedClient,
    outcome: Outcome,
) -> DryRun | Problem | None:
    """What the platform would do for a call to the number

     The platform's call-time decision for `outcome`, made by the very same
    code, counted nowhere (usage is not touched), plus `sipRequest`: the
    INVITE the platform would send when the fallback applies and the action
    is a `call`. Its headers come in the order added: From (`sipFrom`), To
    (`sipTo`), Diversion, P-Asserted-Identity, Remote-Party-ID, the
    `xHeaders` then the `pHeaders` as posted, a Contact entry with the
    `contactUserParameters` and `contactParameters` (the Contact address
    itself is the platform's), then the `copyHeaders`, whose values are
    copied from the incoming call at call time. `phrases` are played in
    that order before the call rings for at most `maxRingTime` seconds
    (null: the platform's default). `sipRequest` is null when the fallback
    does not apply, or when its action is a `hangup` (no call is made).

    Args:
        domain (str):
        number (str):
        outcome (Outcome): What became of asking the customer's system.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DryRun | Problem
    """

    return sync_detailed(
        domain=domain,
        number=number,
        client=client,
        outcome=outcome,
    ).parsed


async def asyncio_detailed(
    domain: str,
    number: str,
    *,
    client: AuthenticatedClient,
    outcome: Outcome,
) -> Response[DryRun | Problem]:
    """What the platform would do for a call to the number

     The platform's call-time decision for `outcome`, made by the very same
    code, counted nowhere (usage is not touched), plus `sipRequest`: the
    INVITE the platform would send when the fallback applies and the action
    is a `call`. Its headers come in the order added: From (`sipFrom`), To
    (`sipTo`), Diversion, P-Asserted-Identity, Remote-Party-ID, the
    `xHeaders` then the `pHeaders` as posted, a Contact entry with the
    `contactUserParameters` and `contactParameters` (the Contact address
    itself is the platform's), then the `copyHeaders`, whose values are
    copied from the incoming call at call time. `phrases` are played in
    that order before the call rings for at most `maxRingTime` seconds
    (null: the platform's default). `sipRequest` is null when the fallback
    does not apply, or when its action is a `hangup` (no call is made).

    Args:
        domain (str):
        number (str):
        outcome (Outcome): What became of asking the customer's system.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DryRun | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        number=number,
        outcome=outcome,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    domain: str,
    number: str,
    *,
    client: AuthenticatedClient,
    outcome: Outcome,
) -> DryRun | Problem | None:
    """What the platform would do for a call to the number

     The platform's call-time decision for `outcome`, made by the very same
    code, counted nowhere (usage is not touched), plus `sipRequest`: the
    INVITE the platform would send when the fallback applies and the action
    is a `call`. Its headers come in the order added: From (`sipFrom`), To
    (`sipTo`), Diversion, P-Asserted-Identity, Remote-Party-ID, the
    `xHeaders` then the `pHeaders` as posted, a Contact entry with the
    `contactUserParameters` and `contactParameters` (the Contact address
    itself is the platform's), then the `copyHeaders`, whose values are
    copied from the incoming call at call time. `phrases` are played in
    that order before the call rings for at most `maxRingTime` seconds
    (null: the platform's default). `sipRequest` is null when the fallback
    does not apply, or when its action is a `hangup` (no call is made).

    Args:
        domain (str):
        number (str):
        outcome (Outcome): What became of asking the customer's system.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DryRun | Problem
    """

    return (
        await asyncio_detailed(
            domain=domain,
            number=number,
            client=client,
            outcome=outcome,
        )
    ).parsed
