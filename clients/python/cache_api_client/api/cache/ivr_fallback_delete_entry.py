from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.ivr_fallback_delete_entry_if_none_match import (
    IvrFallbackDeleteEntryIfNoneMatch,
)
from ...models.problem import Problem
from ...models.success import Success
from ...types import UNSET, Response, Unset


def _get_kwargs(
    domain: str,
    number: str,
    *,
    if_match: str | Unset = UNSET,
    if_none_match: IvrFallbackDeleteEntryIfNoneMatch | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = str(if_none_match)

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/cache/{domain}/ivrfallback/{number}".format(
            domain=quote(str(domain), safe=""),
            number=quote(str(number), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | Success | None:
    if response.status_code == 200:
        response_200 = Success.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | Success]:
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
    if_match: str | Unset = UNSET,
    if_none_match: IvrFallbackDeleteEntryIfNoneMatch | Unset = UNSET,
) -> Response[Problem | Success]:
    """Delete IVR fallback configuration for a specific number from cache

     Deletes the number's fallback object; an absent or expired number is a 404.
    Optionally conditional: with `If-Match` only if the object is still
    that version (412 otherwise). `If-None-Match: *` holds only when there
    is no object (so it is a 412, or the 404 the delete would be).

    Args:
        domain (str):
        number (str):
        if_match (str | Unset):
        if_none_match (IvrFallbackDeleteEntryIfNoneMatch | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Success]
    """

    kwargs = _get_kwargs(
        domain=domain,
        number=number,
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
    if_match: str | Unset = UNSET,
    if_none_match: IvrFallbackDeleteEntryIfNoneMatch | Unset = UNSET,
) -> Problem | Success | None:
    """Delete IVR fallback configuration for a specific number from cache

     Deletes the number's fallback object; an absent or expired number is a 404.
    Optionally conditional: with `If-Match` only if the object is still
    that version (412 otherwise). `If-None-Match: *` holds only when there
    is no object (so it is a 412, or the 404 the delete would be).

    Args:
        domain (str):
        number (str):
        if_match (str | Unset):
        if_none_match (IvrFallbackDeleteEntryIfNoneMatch | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Success
    """

    return sync_detailed(
        domain=domain,
        number=number,
        client=client,
        if_match=if_match,
        if_none_match=if_none_match,
    ).parsed


async def asyncio_detailed(
    domain: str,
    number: str,
    *,
    client: AuthenticatedClient,
    if_match: str | Unset = UNSET,
    if_none_match: IvrFallbackDeleteEntryIfNoneMatch | Unset = UNSET,
) -> Response[Problem | Success]:
    """Delete IVR fallback configuration for a specific number from cache

     Deletes the number's fallback object; an absent or expired number is a 404.
    Optionally conditional: with `If-Match` only if the object is still
    that version (412 otherwise). `If-None-Match: *` holds only when there
    is no object (so it is a 412, or the 404 the delete would be).

    Args:
        domain (str):
        number (str):
        if_match (str | Unset):
        if_none_match (IvrFallbackDeleteEntryIfNoneMatch | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Success]
    """

    kwargs = _get_kwargs(
        domain=domain,
        number=number,
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
    if_match: str | Unset = UNSET,
    if_none_match: IvrFallbackDeleteEntryIfNoneMatch | Unset = UNSET,
) -> Problem | Success | None:
    """Delete IVR fallback configuration for a specific number from cache

     Deletes the number's fallback object; an absent or expired number is a 404.
    Optionally conditional: with `If-Match` only if the object is still
    that version (412 otherwise). `If-None-Match: *` holds only when there
    is no object (so it is a 412, or the 404 the delete would be).

    Args:
        domain (str):
        number (str):
        if_match (str | Unset):
        if_none_match (IvrFallbackDeleteEntryIfNoneMatch | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Success
    """

    return (
        await asyncio_detailed(
            domain=domain,
            number=number,
            client=client,
            if_match=if_match,
            if_none_match=if_none_match,
        )
    ).parsed
