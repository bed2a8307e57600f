from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.number_page import NumberPage
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    domain: str,
    *,
    limit: int | Unset = 50,
    after: str | Unset = UNSET,
    contains: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["after"] = after

    params["contains"] = contains

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/manage/{domain}/ivrfallback".format(
            domain=quote(str(domain), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> NumberPage | Problem | None:
    if response.status_code == 200:
        response_200 = NumberPage.from_dict(response.json())

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
) -> Response[NumberPage | Problem]:
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
    limit: int | Unset = 50,
    after: str | Unset = UNSET,
    contains: str | Unset = UNSET,
) -> Response[NumberPage | Problem]:
    """A page of the domain's IVR fallback numbers, searched

     The numbers of the domain that have an unexpired IVR fallback, in
    plain string order as the public list has them, at most `limit` at a
    time, each with its `mode` and `ttl`. The public list
    (`GET /cache/{domain}/ivrfallback`) answers every number at once; this
    one answers a page, however many numbers the domain has.

    Pages follow each other by the number: `next` is the last number of
    this page when more follow (null on the last page), and sent back as
    `after` it gives the page after it. Between two calls, a number
    written after `after` in order shows on a later page, a deleted one on
    none; no number is shown twice. With `contains`, only the numbers that hold that text
    (compared exactly, as numbers are) are listed and paged.

    Args:
        domain (str):
        limit (int | Unset):  Default: 50.
        after (str | Unset):
        contains (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NumberPage | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        limit=limit,
        after=after,
        contains=contains,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    domain: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 50,
    after: str | Unset = UNSET,
    contains: str | Unset = UNSET,
) -> NumberPage | Problem | None:
    """A page of the domain's IVR fallback numbers, searched

     The numbers of the domain that have an unexpired IVR fallback, in
    plain string order as the public list has them, at most `limit` at a
    time, each with its `mode` and `ttl`. The public list
    (`GET /cache/{domain}/ivrfallback`) answers every number at once; this
    one answers a page, however many numbers the domain has.

    Pages follow each other by the number: `next` is the last number of
    this page when more follow (null on the last page), and sent back as
    `after` it gives the page after it. Between two calls, a number
    written after `after` in order shows on a later page, a deleted one on
    none; no number is shown twice. With `contains`, only the numbers that hold that text
    (compared exactly, as numbers are) are listed and paged.

    Args:
        domain (str):
        limit (int | Unset):  Default: 50.
        after (str | Unset):
        contains (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NumberPage | Problem
    """

    return sync_detailed(
        domain=domain,
        client=client,
        limit=limit,
        after=after,
        contains=contains,
    ).parsed


async def asyncio_detailed(
    domain: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 50,
    after: str | Unset = UNSET,
    contains: str | Unset = UNSET,
) -> Response[NumberPage | Problem]:
    """A page of the domain's IVR fallback numbers, searched

     The numbers of the domain that have an unexpired IVR fallback, in
    plain string order as the public list has them, at most `limit` at a
    time, each with its `mode` and `ttl`. The public list
    (`GET /cache/{domain}/ivrfallback`) answers every number at once; this
    one answers a page, however many numbers the domain has.

    Pages follow each other by the number: `next` is the last number of
    this page when more follow (null on the last page), and sent back as
    `after` it gives the page after it. Between two calls, a number
    written after `after` in order shows on a later page, a deleted one on
    none; no number is shown twice. With `contains`, only the numbers that hold that text
    (compared exactly, as numbers are) are listed and paged.

    Args:
        domain (str):
        limit (int | Unset):  Default: 50.
        after (str | Unset):
        contains (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[NumberPage | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        limit=limit,
        after=after,
        contains=contains,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    domain: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 50,
    after: str | Unset = UNSET,
    contains: str | Unset = UNSET,
) -> NumberPage | Problem | None:
    """A page of the domain's IVR fallback numbers, searched

     The numbers of the domain that have an unexpired IVR fallback, in
    plain string order as the public list has them, at most `limit` at a
    time, each with its `mode` and `ttl`. The public list
    (`GET /cache/{domain}/ivrfallback`) answers every number at once; this
    one answers a page, however many numbers the domain has.

    Pages follow each other by the number: `next` is the last number of
    this page when more follow (null on the last page), and sent back as
    `after` it gives the page after it. Between two calls, a number
    written after `after` in order shows on a later page, a deleted one on
    none; no number is shown twice. With `contains`, only the numbers that hold that text
    (compared exactly, as numbers are) are listed and paged.

    Args:
        domain (str):
        limit (int | Unset):  Default: 50.
        after (str | Unset):
        contains (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        NumberPage | Problem
    """

    return (
        await asyncio_detailed(
            domain=domain,
            client=client,
            limit=limit,
            after=after,
            contains=contains,
        )
    ).parsed
