from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.expiring import Expiring
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    domain: str,
    *,
    within: int,
    limit: int | Unset = 1000,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["within"] = within

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/manage/{domain}/expiring".format(
            domain=quote(str(domain), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Expiring | Problem | None:
    if response.status_code == 200:
        response_200 = Expiring.from_dict(response.json())

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
) -> Response[Expiring | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    domain: str,
    *,
    client: AuthenticatedClient,
    within: int,
    limit: int | Unset = 1000,
) -> Response[Expiring | Problem]:
    """The domain's entries of both caches that expire soon, soonest first

     Unexpired IVR and SIPRec entries that expire within `within` days,
    soonest first (then by cache, then by number), each saying its
    `cache` (`ivr` or `siprec`) and `ttl` (unix seconds). At most `limit`
    of them (default 1000): the soonest.

    Args:
        domain (str):
        within (int):
        limit (int | Unset):  Default: 1000.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Expiring | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        within=within,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    domain: str,
    *,
    client: AuthenticatedClient,
    within: int,
    limit: int | Unset = 1000,
) -> Expiring | Problem | None:
    """The domain's entries of both caches that expire soon, soonest first

     Unexpired IVR and SIPRec entries that expire within `within` days,
    soonest first (then by cache, then by number), each saying its
    `cache` (`ivr` or `siprec`) and `ttl` (unix seconds). At most `limit`
    of them (default 1000): the soonest.

    Args:
        domain (str):
        within (int):
        limit (int | Unset):  Default: 1000.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Expiring | Problem
    """

    return sync_detailed(
        domain=domain,
        client=client,
        within=within,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    domain: str,
    *,
    client: AuthenticatedClient,
    within: int,
    limit: int | Unset = 1000,
) -> Response[Expiring | Problem]:
    """The domain's entries of both caches that expire soon, soonest first

     Unexpired IVR and SIPRec entries that expire within `within` days,
    soonest first (then by cache, then by number), each saying its
    `cache` (`ivr` or `siprec`) and `ttl` (unix seconds). At most `limit`
    of them (default 1000): the soonest.

    Args:
        domain (str):
        within (int):
        limit (int | Unset):  Default: 1000.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Expiring | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        within=within,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    domain: str,
    *,
    client: AuthenticatedClient,
    within: int,
    limit: int | Unset = 1000,
) -> Expiring | Problem | None:
    """The domain's entries of both caches that expire soon, soonest first

     Unexpired IVR and SIPRec entries that expire within `within` days,
    soonest first (then by cache, then by number), each saying its
    `cache` (`ivr` or `siprec`) and `ttl` (unix seconds). At most `limit`
    of them (default 1000): the soonest.

    Args:
        domain (str):
        within (int):
        limit (int | Unset):  Default: 1000.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Expiring | Problem
    """

    return (
        await asyncio_detailed(
            domain=domain,
            client=client,
            within=within,
            limit=limit,
        )
    ).parsed
