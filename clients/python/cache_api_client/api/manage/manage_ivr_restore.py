from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.manage_ivr_restore_if_none_match import ManageIvrRestoreIfNoneMatch
from ...models.problem import Problem
from ...models.restore_settings import RestoreSettings
from ...models.restored import Restored
from ...types import UNSET, Response, Unset


def _get_kwargs(
    domain: str,
    number: str,
    *,
    body: RestoreSettings,
    if_match: str | Unset = UNSET,
    if_none_match: ManageIvrRestoreIfNoneMatch | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = str(if_none_match)

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/manage/{domain}/ivrfallback/{number}/restore".format(
            domain=quote(str(domain), safe=""),
            number=quote(str(number), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | Restored | None:
    if response.status_code == 200:
        response_200 = Restored.from_dict(response.json())

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
) -> Response[Problem | Restored]:
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
    body: RestoreSettings,
    if_match: str | Unset = UNSET,
    if_none_match: ManageIvrRestoreIfNoneMatch | Unset = UNSET,
) -> Response[Problem | Restored]:
    """Make an old version of the number's IVR fallback current again

     Writes that version's `mode` and `command` as a new version (action
    `restore`) and answers its number. The entry keeps the old version's
    expiry unless `expiration` is sent; a version whose expiry has passed
    needs one (400 naming `expiration` without it). A version that is a
    delete cannot be restored (400); an unknown version is a 404.

    Optionally conditional, as the public API's writes: with `If-Match`
    only if the entry is still that version (the `ETag` of the public
    `GET`, or of the last write's answer), with `If-None-Match: *` only if
    there is no live entry (bringing a deleted or expired one back); 412
    otherwise, nothing written. `If-Match` is judged first, so both
    together are always a 412. The answer's `ETag` is the new version.

    Args:
        domain (str):
        number (str):
        if_match (str | Unset):
        if_none_match (ManageIvrRestoreIfNoneMatch | Unset):
        body (RestoreSettings):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Restored]
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
    body: RestoreSettings,
    if_match: str | Unset = UNSET,
    if_none_match: ManageIvrRestoreIfNoneMatch | Unset = UNSET,
) -> Problem | Restored | None:
    """Make an old version of the number's IVR fallback current again

     Writes that version's `mode` and `command` as a new version (action
    `restore`) and answers its number. The entry keeps the old version's
    expiry unless `expiration` is sent; a version whose expiry has passed
    needs one (400 naming `expiration` without it). A version that is a
    delete cannot be restored (400); an unknown version is a 404.

    Optionally conditional, as the public API's writes: with `If-Match`
    only if the entry is still that version (the `ETag` of the public
    `GET`, or of the last write's answer), with `If-None-Match: *` only if
    there is no live entry (bringing a deleted or expired one back); 412
    otherwise, nothing written. `If-Match` is judged first, so both
    together are always a 412. The answer's `ETag` is the new version.

    Args:
        domain (str):
        number (str):
        if_match (str | Unset):
        if_none_match (ManageIvrRestoreIfNoneMatch | Unset):
        body (RestoreSettings):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Restored
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
    body: RestoreSettings,
    if_match: str | Unset = UNSET,
    if_none_match: ManageIvrRestoreIfNoneMatch | Unset = UNSET,
) -> Response[Problem | Restored]:
    """Make an old version of the number's IVR fallback current again

     Writes that version's `mode` and `command` as a new version (action
    `restore`) and answers its number. The entry keeps the old version's
    expiry unless `expiration` is sent; a version whose expiry has passed
    needs one (400 naming `expiration` without it). A version that is a
    delete cannot be restored (400); an unknown version is a 404.

    Optionally conditional, as the public API's writes: with `If-Match`
    only if the entry is still that version (the `ETag` of the public
    `GET`, or of the last write's answer), with `If-None-Match: *` only if
    there is no live entry (bringing a deleted or expired one back); 412
    otherwise, nothing written. `If-Match` is judged first, so both
    together are always a 412. The answer's `ETag` is the new version.

    Args:
        domain (str):
        number (str):
        if_match (str | Unset):
        if_none_match (ManageIvrRestoreIfNoneMatch | Unset):
        body (RestoreSettings):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Restored]
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
    body: RestoreSettings,
    if_match: str | Unset = UNSET,
    if_none_match: ManageIvrRestoreIfNoneMatch | Unset = UNSET,
) -> Problem | Restored | None:
    """Make an old version of the number's IVR fallback current again

     Writes that version's `mode` and `command` as a new version (action
    `restore`) and answers its number. The entry keeps the old version's
    expiry unless `expiration` is sent; a version whose expiry has passed
    needs one (400 naming `expiration` without it). A version that is a
    delete cannot be restored (400); an unknown version is a 404.

    Optionally conditional, as the public API's writes: with `If-Match`
    only if the entry is still that version (the `ETag` of the public
    `GET`, or of the last write's answer), with `If-None-Match: *` only if
    there is no live entry (bringing a deleted or expired one back); 412
    otherwise, nothing written. `If-Match` is judged first, so both
    together are always a 412. The answer's `ETag` is the new version.

    Args:
        domain (str):
        number (str):
        if_match (str | Unset):
        if_none_match (ManageIvrRestoreIfNoneMatch | Unset):
        body (RestoreSettings):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Restored
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
