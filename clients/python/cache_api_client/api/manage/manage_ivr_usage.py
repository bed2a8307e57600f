from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.usage import Usage
from ...types import Response


def _get_kwargs(
    domain: str,
    number: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/manage/{domain}/ivrfallback/{number}/usage".format(
            domain=quote(str(domain), safe=""),
            number=quote(str(number), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | Usage | None:
    if response.status_code == 200:
        response_200 = Usage.from_dict(response.json())

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

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | Usage]:
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
) -> Response[Problem | Usage]:
    """How often the platform applied the number's fallback

     Counted for each call-time decision that applied the entry: how many,
    when last (unix seconds) and for which outcome. Counts may lag a few
    seconds behind the calls. An entry never used has count 0 and nulls;
    replacing a live entry keeps its counts; a deleted or expired entry
    has none (404).

    Args:
        domain (str):
        number (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Usage]
    """

    kwargs = _get_kwargs(
        domain=domain,
        number=number,
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
) -> Problem | Usage | None:
    """How often the platform applied the number's fallback

     Counted for each call-time decision that applied the entry: how many,
    when last (unix seconds) and for which outcome. Counts may lag a few
    seconds behind the calls. An entry never used has count 0 and nulls;
    replacing a live entry keeps its counts; a deleted or expired entry
    has none (404).

    Args:
        domain (str):
        number (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Usage
    """

    return sync_detailed(
        domain=domain,
        number=number,
        client=client,
    ).parsed


async def asyncio_detailed(
    domain: str,
    number: str,
    *,
    client: AuthenticatedClient,
) -> Response[Problem | Usage]:
    """How often the platform applied the number's fallback

     Counted for each call-time decision that applied the entry: how many,
    when last (unix seconds) and for which outcome. Counts may lag a few
    seconds behind the calls. An entry never used has count 0 and nulls;
    replacing a live entry keeps its counts; a deleted or expired entry
    has none (404).

    Args:
        domain (str):
        number (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Usage]
    """

    kwargs = _get_kwargs(
        domain=domain,
        number=number,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    domain: str,
    number: str,
    *,
    client: AuthenticatedClient,
) -> Problem | Usage | None:
    """How often the platform applied the number's fallback

     Counted for each call-time decision that applied the entry: how many,
    when last (unix seconds) and for which outcome. Counts may lag a few
    seconds behind the calls. An entry never used has count 0 and nulls;
    replacing a live entry keeps its counts; a deleted or expired entry
    has none (404).

    Args:
        domain (str):
        number (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Usage
    """

    return (
        await asyncio_detailed(
            domain=domain,
            number=number,
            client=client,
        )
    ).parsed
