from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.manage_siprec_renew_if_none_match import ManageSiprecRenewIfNoneMatch
from ...models.problem import Problem
from ...models.renew_settings import RenewSettings
from ...models.renewed import Renewed
from ...types import UNSET, Response, Unset


def _get_kwargs(
    domain: str,
    number: str,
    *,
    body: RenewSettings | Unset = UNSET,
    if_match: str | Unset = UNSET,
    if_none_match: ManageSiprecRenewIfNoneMatch | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = str(if_none_match)

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/manage/{domain}/siprecfallback/{number}/renew".format(
            domain=quote(str(domain), safe=""),
            number=quote(str(number), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | Renewed | None:
    if response.status_code == 200:
        response_200 = Renewed.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 412:
        response_412 = Problem.from_dict(response.json())

        return response_412

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
) -> Response[Problem | Renewed]:
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
    body: RenewSettings | Unset = UNSET,
    if_match: str | Unset = UNSET,
    if_none_match: ManageSiprecRenewIfNoneMatch | Unset = UNSET,
) -> Response[Problem | Renewed]:
    """Set a new expiry of the number's SIPRec fallback

     The number stays in the SIPRec cache until `expiration` (default
    `HALF-YEAR`). An absent or expired entry is a 404: only the platform
    puts numbers in that cache. The body is optional.

    Optionally conditional, with the public API's headers. A SIPRec entry
    has no versions (no `ETag`): `If-Match: *` holds when the entry exists
    (412 instead of the 404 otherwise), and an entity tag such as `"3"`
    never matches (412, nothing written). `If-None-Match: *` never holds
    with an entry (412) and without one the answer is the 404.

    Args:
        domain (str):
        number (str):
        if_match (str | Unset):
        if_none_match (ManageSiprecRenewIfNoneMatch | Unset):
        body (RenewSettings | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Renewed]
    """

    kwargs = _get_kwargs(
        domain=domain,
        number=number,
        body=body,
        if_match=if_match,
        if_none_match=if_none_match,
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
    body: RenewSettings | Unset = UNSET,
    if_match: str | Unset = UNSET,
    if_none_match: ManageSiprecRenewIfNoneMatch | Unset = UNSET,
) -> Problem | Renewed | None:
    """Set a new expiry of the number's SIPRec fallback

     The number stays in the SIPRec cache until `expiration` (default
    `HALF-YEAR`). An absent or expired entry is a 404: only the platform
    puts numbers in that cache. The body is optional.

    Optionally conditional, with the public API's headers. A SIPRec entry
    has no versions (no `ETag`): `If-Match: *` holds when the entry exists
    (412 instead of the 404 otherwise), and an entity tag such as `"3"`
    never matches (412, nothing written). `If-None-Match: *` never holds
    with an entry (412) and without one the answer is the 404.

    Args:
        domain (str):
        number (str):
        if_match (str | Unset):
        if_none_match (ManageSiprecRenewIfNoneMatch | Unset):
        body (RenewSettings | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Renewed
    """

    return sync_detailed(
        domain=domain,
        number=number,
        client=client,
        body=body,
        if_match=if_match,
        if_none_match=if_none_match,
    ).parsed


async def asyncio_detailed(
    domain: str,
    number: str,
    *,
    client: AuthenticatedClient,
    body: RenewSettings | Unset = UNSET,
    if_match: str | Unset = UNSET,
    if_none_match: ManageSiprecRenewIfNoneMatch | Unset = UNSET,
) -> Response[Problem | Renewed]:
    """Set a new expiry of the number's SIPRec fallback

     The number stays in the SIPRec cache until `expiration` (default
    `HALF-YEAR`). An absent or expired entry is a 404: only the platform
    puts numbers in that cache. The body is optional.

    Optionally conditional, with the public API's headers. A SIPRec entry
    has no versions (no `ETag`): `If-Match: *` holds when the entry exists
    (412 instead of the 404 otherwise), and an entity tag such as `"3"`
    never matches (412, nothing written). `If-None-Match: *` never holds
    with an entry (412) and without one the answer is the 404.

    Args:
        domain (str):
        number (str):
        if_match (str | Unset):
        if_none_match (ManageSiprecRenewIfNoneMatch | Unset):
        body (RenewSettings | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Renewed]
    """

    kwargs = _get_kwargs(
        domain=domain,
        number=number,
        body=body,
        if_match=if_match,
        if_none_match=if_none_match,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    domain: str,
    number: str,
    *,
    client: AuthenticatedClient,
    body: RenewSettings | Unset = UNSET,
    if_match: str | Unset = UNSET,
    if_none_match: ManageSiprecRenewIfNoneMatch | Unset = UNSET,
) -> Problem | Renewed | None:
    """Set a new expiry of the number's SIPRec fallback

     The number stays in the SIPRec cache until `expiration` (default
    `HALF-YEAR`). An absent or expired entry is a 404: only the platform
    puts numbers in that cache. The body is optional.

    Optionally conditional, with the public API's headers. A SIPRec entry
    has no versions (no `ETag`): `If-Match: *` holds when the entry exists
    (412 instead of the 404 otherwise), and an entity tag such as `"3"`
    never matches (412, nothing written). `If-None-Match: *` never holds
    with an entry (412) and without one the answer is the 404.

    Args:
        domain (str):
        number (str):
        if_match (str | Unset):
        if_none_match (ManageSiprecRenewIfNoneMatch | Unset):
        body (RenewSettings | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Renewed
    """

    return (
        await asyncio_detailed(
            domain=domain,
            number=number,
            client=client,
            body=body,
            if_match=if_match,
            if_none_match=if_none_match,
        )
    ).parsed
