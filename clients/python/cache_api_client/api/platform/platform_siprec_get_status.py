from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.siprec_call_status import SiprecCallStatus
from ...types import Response


def _get_kwargs(
    domain: str,
    number: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/platform/{domain}/siprecfallback/{number}".format(
            domain=quote(str(domain), safe=""),
            number=quote(str(number), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | SiprecCallStatus | None:
    if response.status_code == 200:
        response_200 = SiprecCallStatus.from_dict(response.json())

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
) -> Response[Problem | SiprecCallStatus]:
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
) -> Response[Problem | SiprecCallStatus]:
    """Whether to record a call to the number now

     `inCache` is true while the number has an unexpired SIPRec entry; `ttl`
    (present only then) is when it expires, in unix seconds.

    Args:
        domain (str):
        number (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SiprecCallStatus]
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
) -> Problem | SiprecCallStatus | None:
    """Whether to record a call to the number now

     `inCache` is true while the number has an unexpired SIPRec entry; `ttl`
    (present only then) is when it expires, in unix seconds.

    Args:
        domain (str):
        number (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SiprecCallStatus
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
) -> Response[Problem | SiprecCallStatus]:
    """Whether to record a call to the number now

     `inCache` is true while the number has an unexpired SIPRec entry; `ttl`
    (present only then) is when it expires, in unix seconds.

    Args:
        domain (str):
        number (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SiprecCallStatus]
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
) -> Problem | SiprecCallStatus | None:
    """Whether to record a call to the number now

     `inCache` is true while the number has an unexpired SIPRec entry; `ttl`
    (present only then) is when it expires, in unix seconds.

    Args:
        domain (str):
        number (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SiprecCallStatus
    """

    return (
        await asyncio_detailed(
            domain=domain,
            number=number,
            client=client,
        )
    ).parsed
