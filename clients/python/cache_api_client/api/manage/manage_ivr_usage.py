from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.manage_ivr_usage_bucket import ManageIvrUsageBucket
from ...models.problem import Problem
from ...models.usage import Usage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    domain: str,
    number: str,
    *,
    from_: int | Unset = UNSET,
    to: int | Unset = UNSET,
    bucket: ManageIvrUsageBucket | Unset = UNSET,
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
        "url": "/manage/{domain}/ivrfallback/{number}/usage".format(
            domain=quote(str(domain), safe=""),
            number=quote(str(number), safe=""),
        ),
        "params": params,
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
    from_: int | Unset = UNSET,
    to: int | Unset = UNSET,
    bucket: ManageIvrUsageBucket | Unset = UNSET,
) -> Response[Problem | Usage]:
    """How often the platform applied the number's fallback, and when

     Counted for each call-time decision that applied the entry: how many,
    when last (unix seconds) and for which outcome. Counts may lag a few
    seconds behind the calls. An entry never used has count 0 and nulls;
    replacing a live entry keeps its counts; a deleted or expired entry
    has none (404), and a new entry of the number starts from none.

    With `from` and `to` the answer also carries `series`: the entry's
    use per `bucket` (UTC hour, the default, or day) in the hours that
    overlap `[from, to)`, oldest first, one item per bucket that holds
    any use, with only the outcomes that occurred. `from` must be before
    `to`, at most 90 days apart; the series keeps 90 days by default
    (`CACHE_USAGE_DAYS`), and `count` counts older use too.

    Args:
        domain (str):
        number (str):
        from_ (int | Unset): Unix seconds (up to the end of year 9999).
        to (int | Unset): Unix seconds (up to the end of year 9999).
        bucket (ManageIvrUsageBucket | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Usage]
    """

    kwargs = _get_kwargs(
        domain=domain,
        number=number,
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
    number: str,
    *,
    client: AuthenticatedClient,
    from_: int | Unset = UNSET,
    to: int | Unset = UNSET,
    bucket: ManageIvrUsageBucket | Unset = UNSET,
) -> Problem | Usage | None:
    """How often the platform applied the number's fallback, and when

     Counted for each call-time decision that applied the entry: how many,
    when last (unix seconds) and for which outcome. Counts may lag a few
    seconds behind the calls. An entry never used has count 0 and nulls;
    replacing a live entry keeps its counts; a deleted or expired entry
    has none (404), and a new entry of the number starts from none.

    With `from` and `to` the answer also carries `series`: the entry's
    use per `bucket` (UTC hour, the default, or day) in the hours that
    overlap `[from, to)`, oldest first, one item per bucket that holds
    any use, with only the outcomes that occurred. `from` must be before
    `to`, at most 90 days apart; the series keeps 90 days by default
    (`CACHE_USAGE_DAYS`), and `count` counts older use too.

    Args:
        domain (str):
        number (str):
        from_ (int | Unset): Unix seconds (up to the end of year 9999).
        to (int | Unset): Unix seconds (up to the end of year 9999).
        bucket (ManageIvrUsageBucket | Unset):

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
        from_=from_,
        to=to,
        bucket=bucket,
    ).parsed


async def asyncio_detailed(
    domain: str,
    number: str,
    *,
    client: AuthenticatedClient,
    from_: int | Unset = UNSET,
    to: int | Unset = UNSET,
    bucket: ManageIvrUsageBucket | Unset = UNSET,
) -> Response[Problem | Usage]:
    """How often the platform applied the number's fallback, and when

     Counted for each call-time decision that applied the entry: how many,
    when last (unix seconds) and for which outcome. Counts may lag a few
    seconds behind the calls. An entry never used has count 0 and nulls;
    replacing a live entry keeps its counts; a deleted or expired entry
    has none (404), and a new entry of the number starts from none.

    With `from` and `to` the answer also carries `series`: the entry's
    use per `bucket` (UTC hour, the default, or day) in the hours that
    overlap `[from, to)`, oldest first, one item per bucket that holds
    any use, with only the outcomes that occurred. `from` must be before
    `to`, at most 90 days apart; the series keeps 90 days by default
    (`CACHE_USAGE_DAYS`), and `count` counts older use too.

    Args:
        domain (str):
        number (str):
        from_ (int | Unset): Unix seconds (up to the end of year 9999).
        to (int | Unset): Unix seconds (up to the end of year 9999).
        bucket (ManageIvrUsageBucket | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Usage]
    """

    kwargs = _get_kwargs(
        domain=domain,
        number=number,
        from_=from_,
        to=to,
        bucket=bucket,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    domain: str,
    number: str,
    *,
    client: AuthenticatedClient,
    from_: int | Unset = UNSET,
    to: int | Unset = UNSET,
    bucket: ManageIvrUsageBucket | Unset = UNSET,
) -> Problem | Usage | None:
    """How often the platform applied the number's fallback, and when

     Counted for each call-time decision that applied the entry: how many,
    when last (unix seconds) and for which outcome. Counts may lag a few
    seconds behind the calls. An entry never used has count 0 and nulls;
    replacing a live entry keeps its counts; a deleted or expired entry
    has none (404), and a new entry of the number starts from none.

    With `from` and `to` the answer also carries `series`: the entry's
    use per `bucket` (UTC hour, the default, or day) in the hours that
    overlap `[from, to)`, oldest first, one item per bucket that holds
    any use, with only the outcomes that occurred. `from` must be before
    `to`, at most 90 days apart; the series keeps 90 days by default
    (`CACHE_USAGE_DAYS`), and `count` counts older use too.

    Args:
        domain (str):
        number (str):
        from_ (int | Unset): Unix seconds (up to the end of year 9999).
        to (int | Unset): Unix seconds (up to the end of year 9999).
        bucket (ManageIvrUsageBucket | Unset):

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
            from_=from_,
            to=to,
            bucket=bucket,
        )
    ).parsed
