from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.bulk_results import BulkResults
from ...models.problem import Problem
from ...models.siprec_bulk_settings import SiprecBulkSettings
from ...types import Response


def _get_kwargs(
    domain: str,
    *,
    body: SiprecBulkSettings,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/platform/{domain}/siprecfallback".format(
            domain=quote(str(domain), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BulkResults | Problem | None:
    if response.status_code == 200:
        response_200 = BulkResults.from_dict(response.json())

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

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[BulkResults | Problem]:
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
    body: SiprecBulkSettings,
) -> Response[BulkResults | Problem]:
    """Put many numbers in the SIPRec fallback cache

     Puts every valid number of the list in the cache with one expiry, in
    one transaction, idempotently (a number already there gets the new
    expiry; a number listed twice is written once). Each number is
    reported in the order sent; a number that is not 1 to 64 characters of
    `A-Z a-z 0-9 + * # . _ -` is reported as not written while the others
    are. A malformed document (no list, an empty list, over 5,000 numbers,
    a bad `expiration`, an unknown field) is refused whole and writes
    nothing. The body may be up to 512 KiB.

    Args:
        domain (str):
        body (SiprecBulkSettings):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BulkResults | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    domain: str,
    *,
    client: AuthenticatedClient,
    body: SiprecBulkSettings,
) -> BulkResults | Problem | None:
    """Put many numbers in the SIPRec fallback cache

     Puts every valid number of the list in the cache with one expiry, in
    one transaction, idempotently (a number already there gets the new
    expiry; a number listed twice is written once). Each number is
    reported in the order sent; a number that is not 1 to 64 characters of
    `A-Z a-z 0-9 + * # . _ -` is reported as not written while the others
    are. A malformed document (no list, an empty list, over 5,000 numbers,
    a bad `expiration`, an unknown field) is refused whole and writes
    nothing. The body may be up to 512 KiB.

    Args:
        domain (str):
        body (SiprecBulkSettings):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BulkResults | Problem
    """

    return sync_detailed(
        domain=domain,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    domain: str,
    *,
    client: AuthenticatedClient,
    body: SiprecBulkSettings,
) -> Response[BulkResults | Problem]:
    """Put many numbers in the SIPRec fallback cache

     Puts every valid number of the list in the cache with one expiry, in
    one transaction, idempotently (a number already there gets the new
    expiry; a number listed twice is written once). Each number is
    reported in the order sent; a number that is not 1 to 64 characters of
    `A-Z a-z 0-9 + * # . _ -` is reported as not written while the others
    are. A malformed document (no list, an empty list, over 5,000 numbers,
    a bad `expiration`, an unknown field) is refused whole and writes
    nothing. The body may be up to 512 KiB.

    Args:
        domain (str):
        body (SiprecBulkSettings):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BulkResults | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    domain: str,
    *,
    client: AuthenticatedClient,
    body: SiprecBulkSettings,
) -> BulkResults | Problem | None:
    """Put many numbers in the SIPRec fallback cache

     Puts every valid number of the list in the cache with one expiry, in
    one transaction, idempotently (a number already there gets the new
    expiry; a number listed twice is written once). Each number is
    reported in the order sent; a number that is not 1 to 64 characters of
    `A-Z a-z 0-9 + * # . _ -` is reported as not written while the others
    are. A malformed document (no list, an empty list, over 5,000 numbers,
    a bad `expiration`, an unknown field) is refused whole and writes
    nothing. The body may be up to 512 KiB.

    Args:
        domain (str):
        body (SiprecBulkSettings):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BulkResults | Problem
    """

    return (
        await asyncio_detailed(
            domain=domain,
            client=client,
            body=body,
        )
    ).parsed
