from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.domain_usage import DomainUsage
from ...models.manage_usage_domain_usage_bucket import ManageUsageDomainUsageBucket
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    domain: str,
    *,
    from_: int,
    to: int,
    bucket: ManageUsageDomainUsageBucket | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["from"] = from_

    params["to"] = to

    json_bucket: str | Unset = UNSET
    if not isinstance(bucket, Unset):
        json_bucket = bucket.value

    params["bucket"] = json_bucket

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/manage/{domain}/usage".format(
            domain=quote(str(domain), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DomainUsage | Problem | None:
    if response.status_code == 200:
        response_200 = DomainUsage.from_dict(response.json())

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
) -> Response[DomainUsage | Problem]:
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
    from_: int,
    to: int,
    bucket: ManageUsageDomainUsageBucket | Unset = UNSET,
) -> Response[DomainUsage | Problem]:
    """The domain's fallback use per hour or day, and its numbers used most

     Every IVR fallback of the domain applied at call time in the hours
    that overlap `[from, to)`: `series` per `bucket` (UTC hour, the
    default, or day) as in an entry's usage, and `top`, the (at most 20)
    numbers used most in the range, most first (then by number). Use of
    entries deleted since stays here. Use reaches this answer within a few
    seconds and is kept for 90 days by default (`CACHE_USAGE_DAYS`).

    Args:
        domain (str):
        from_ (int): Unix seconds (up to the end of year 9999).
        to (int): Unix seconds (up to the end of year 9999).
        bucket (ManageUsageDomainUsageBucket | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DomainUsage | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        from_=from_,
        to=to,
        bucket=bucket,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    domain: str,
    *,
    client: AuthenticatedClient,
    from_: int,
    to: int,
    bucket: ManageUsageDomainUsageBucket | Unset = UNSET,
) -> DomainUsage | Problem | None:
    """The domain's fallback use per hour or day, and its numbers used most

     Every IVR fallback of the domain applied at call time in the hours
    that overlap `[from, to)`: `series` per `bucket` (UTC hour, the
    default, or day) as in an entry's usage, and `top`, the (at most 20)
    numbers used most in the range, most first (then by number). Use of
    entries deleted since stays here. Use reaches this answer within a few
    seconds and is kept for 90 days by default (`CACHE_USAGE_DAYS`).

    Args:
        domain (str):
        from_ (int): Unix seconds (up to the end of year 9999).
        to (int): Unix seconds (up to the end of year 9999).
        bucket (ManageUsageDomainUsageBucket | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DomainUsage | Problem
    """

    return sync_detailed(
        domain=domain,
        client=client,
        from_=from_,
        to=to,
        bucket=bucket,
    ).parsed


async def asyncio_detailed(
    domain: str,
    *,
    client: AuthenticatedClient,
    from_: int,
    to: int,
    bucket: ManageUsageDomainUsageBucket | Unset = UNSET,
) -> Response[DomainUsage | Problem]:
    """The domain's fallback use per hour or day, and its numbers used most

     Every IVR fallback of the domain applied at call time in the hours
    that overlap `[from, to)`: `series` per `bucket` (UTC hour, the
    default, or day) as in an entry's usage, and `top`, the (at most 20)
    numbers used most in the range, most first (then by number). Use of
    entries deleted since stays here. Use reaches this answer within a few
    seconds and is kept for 90 days by default (`CACHE_USAGE_DAYS`).

    Args:
        domain (str):
        from_ (int): Unix seconds (up to the end of year 9999).
        to (int): Unix seconds (up to the end of year 9999).
        bucket (ManageUsageDomainUsageBucket | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DomainUsage | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        from_=from_,
        to=to,
        bucket=bucket,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    domain: str,
    *,
    client: AuthenticatedClient,
    from_: int,
    to: int,
    bucket: ManageUsageDomainUsageBucket | Unset = UNSET,
) -> DomainUsage | Problem | None:
    """The domain's fallback use per hour or day, and its numbers used most

     Every IVR fallback of the domain applied at call time in the hours
    that overlap `[from, to)`: `series` per `bucket` (UTC hour, the
    default, or day) as in an entry's usage, and `top`, the (at most 20)
    numbers used most in the range, most first (then by number). Use of
    entries deleted since stays here. Use reaches this answer within a few
    seconds and is kept for 90 days by default (`CACHE_USAGE_DAYS`).

    Args:
        domain (str):
        from_ (int): Unix seconds (up to the end of year 9999).
        to (int): Unix seconds (up to the end of year 9999).
        bucket (ManageUsageDomainUsageBucket | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DomainUsage | Problem
    """

    return (
        await asyncio_detailed(
            domain=domain,
            client=client,
            from_=from_,
            to=to,
            bucket=bucket,
        )
    ).parsed
