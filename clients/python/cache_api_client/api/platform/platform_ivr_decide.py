from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.decision import Decision
from ...models.outcome import Outcome
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    domain: str,
    number: str,
    *,
    outcome: Outcome,
    status: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_outcome = outcome.value
    params["outcome"] = json_outcome

    params["status"] = status

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/platform/{domain}/ivrfallback/{number}/decision".format(
            domain=quote(str(domain), safe=""),
            number=quote(str(number), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Decision | Problem | None:
    if response.status_code == 200:
        response_200 = Decision.from_dict(response.json())

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
) -> Response[Decision | Problem]:
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
    status: int | Unset = UNSET,
) -> Response[Decision | Problem]:
    """Decide whether the number's IVR fallback applies to a call

     Asked before every call to a number (`outcome=not-asked`) and again when
    the customer's system failed. Always 200 for a valid request: with
    `"apply": true`, the mode, `ttl` and the command exactly as stored;
    with `"apply": false`, the reason (`no-entry`: no unexpired entry;
    `customer-answered`: an `onError` entry, and the customer's system
    answered or was not asked yet). Each decision that applied is counted
    for the entry (see the management API's usage).

    Args:
        domain (str):
        number (str):
        outcome (Outcome): What became of asking the customer's system.
        status (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Decision | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        number=number,
        outcome=outcome,
        status=status,
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
    status: int | Unset = UNSET,
) -> Decision | Problem | None:
    """Decide whether the number's IVR fallback applies to a call

     Asked before every call to a number (`outcome=not-asked`) and again when
    the customer's system failed. Always 200 for a valid request: with
    `"apply": true`, the mode, `ttl` and the command exactly as stored;
    with `"apply": false`, the reason (`no-entry`: no unexpired entry;
    `customer-answered`: an `onError` entry, and the customer's system
    answered or was not asked yet). Each decision that applied is counted
    for the entry (see the management API's usage).

    Args:
        domain (str):
        number (str):
        outcome (Outcome): What became of asking the customer's system.
        status (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Decision | Problem
    """

    return sync_detailed(
        domain=domain,
        number=number,
        client=client,
        outcome=outcome,
        status=status,
    ).parsed


async def asyncio_detailed(
    domain: str,
    number: str,
    *,
    client: AuthenticatedClient,
    outcome: Outcome,
    status: int | Unset = UNSET,
) -> Response[Decision | Problem]:
    """Decide whether the number's IVR fallback applies to a call

     Asked before every call to a number (`outcome=not-asked`) and again when
    the customer's system failed. Always 200 for a valid request: with
    `"apply": true`, the mode, `ttl` and the command exactly as stored;
    with `"apply": false`, the reason (`no-entry`: no unexpired entry;
    `customer-answered`: an `onError` entry, and the customer's system
    answered or was not asked yet). Each decision that applied is counted
    for the entry (see the management API's usage).

    Args:
        domain (str):
        number (str):
        outcome (Outcome): What became of asking the customer's system.
        status (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Decision | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        number=number,
        outcome=outcome,
        status=status,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    domain: str,
    number: str,
    *,
    client: AuthenticatedClient,
    outcome: Outcome,
    status: int | Unset = UNSET,
) -> Decision | Problem | None:
    """Decide whether the number's IVR fallback applies to a call

     Asked before every call to a number (`outcome=not-asked`) and again when
    the customer's system failed. Always 200 for a valid request: with
    `"apply": true`, the mode, `ttl` and the command exactly as stored;
    with `"apply": false`, the reason (`no-entry`: no unexpired entry;
    `customer-answered`: an `onError` entry, and the customer's system
    answered or was not asked yet). Each decision that applied is counted
    for the entry (see the management API's usage).

    Args:
        domain (str):
        number (str):
        outcome (Outcome): What became of asking the customer's system.
        status (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Decision | Problem
    """

    return (
        await asyncio_detailed(
            domain=domain,
            number=number,
            client=client,
            outcome=outcome,
            status=status,
        )
    ).parsed
