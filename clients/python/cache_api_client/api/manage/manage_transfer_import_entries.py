from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.import_document import ImportDocument
from ...models.import_results import ImportResults
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    domain: str,
    *,
    body: ImportDocument,
    dry_run: bool | Unset = False,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    params: dict[str, Any] = {}

    params["dryRun"] = dry_run

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/manage/{domain}/ivrfallback/import".format(
            domain=quote(str(domain), safe=""),
        ),
        "params": params,
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ImportResults | Problem | None:
    if response.status_code == 200:
        response_200 = ImportResults.from_dict(response.json())

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
) -> Response[ImportResults | Problem]:
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
    body: ImportDocument,
    dry_run: bool | Unset = False,
) -> Response[ImportResults | Problem]:
    """Write many IVR fallback entries, each judged alone

     Each entry is what the public POST takes (`mode`, `command`, and
    `expiration` under the same rules) plus its `number`; an exported
    entry's `ttl` (an absolute expiry) may stand for `expiration`. Each is
    judged by every rule of the public POST and reported in the order sent:
    a refused entry says which field is wrong in `detail` while the others
    are written (each as a new version, action `import`). The rules include
    the POST's body limit (64 KiB): an entry's `mode`, `command` and
    expiry, in compact JSON, must fit in it. Of a number listed more than
    once, the last entry counts: it is written if it is valid, and nothing
    is written for the number if it is refused; each earlier entry is not
    written and says `number: listed again as item N` (items counted from
    0). `success` is true when every entry was written (with `dryRun`, when
    every entry is valid).

    Up to 10,000 entries and 8 MiB; `cache-api import --domain D FILE`
    takes files of any size. Entries are written in transactions of 250,
    so a failure midway (a 503) leaves the batches before it written;
    importing the same document again is harmless.

    Args:
        domain (str):
        dry_run (bool | Unset):  Default: False.
        body (ImportDocument):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ImportResults | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        body=body,
        dry_run=dry_run,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    domain: str,
    *,
    client: AuthenticatedClient,
    body: ImportDocument,
    dry_run: bool | Unset = False,
) -> ImportResults | Problem | None:
    """Write many IVR fallback entries, each judged alone

     Each entry is what the public POST takes (`mode`, `command`, and
    `expiration` under the same rules) plus its `number`; an exported
    entry's `ttl` (an absolute expiry) may stand for `expiration`. Each is
    judged by every rule of the public POST and reported in the order sent:
    a refused entry says which field is wrong in `detail` while the others
    are written (each as a new version, action `import`). The rules include
    the POST's body limit (64 KiB): an entry's `mode`, `command` and
    expiry, in compact JSON, must fit in it. Of a number listed more than
    once, the last entry counts: it is written if it is valid, and nothing
    is written for the number if it is refused; each earlier entry is not
    written and says `number: listed again as item N` (items counted from
    0). `success` is true when every entry was written (with `dryRun`, when
    every entry is valid).

    Up to 10,000 entries and 8 MiB; `cache-api import --domain D FILE`
    takes files of any size. Entries are written in transactions of 250,
    so a failure midway (a 503) leaves the batches before it written;
    importing the same document again is harmless.

    Args:
        domain (str):
        dry_run (bool | Unset):  Default: False.
        body (ImportDocument):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ImportResults | Problem
    """

    return sync_detailed(
        domain=domain,
        client=client,
        body=body,
        dry_run=dry_run,
    ).parsed


async def asyncio_detailed(
    domain: str,
    *,
    client: AuthenticatedClient,
    body: ImportDocument,
    dry_run: bool | Unset = False,
) -> Response[ImportResults | Problem]:
    """Write many IVR fallback entries, each judged alone

     Each entry is what the public POST takes (`mode`, `command`, and
    `expiration` under the same rules) plus its `number`; an exported
    entry's `ttl` (an absolute expiry) may stand for `expiration`. Each is
    judged by every rule of the public POST and reported in the order sent:
    a refused entry says which field is wrong in `detail` while the others
    are written (each as a new version, action `import`). The rules include
    the POST's body limit (64 KiB): an entry's `mode`, `command` and
    expiry, in compact JSON, must fit in it. Of a number listed more than
    once, the last entry counts: it is written if it is valid, and nothing
    is written for the number if it is refused; each earlier entry is not
    written and says `number: listed again as item N` (items counted from
    0). `success` is true when every entry was written (with `dryRun`, when
    every entry is valid).

    Up to 10,000 entries and 8 MiB; `cache-api import --domain D FILE`
    takes files of any size. Entries are written in transactions of 250,
    so a failure midway (a 503) leaves the batches before it written;
    importing the same document again is harmless.

    Args:
        domain (str):
        dry_run (bool | Unset):  Default: False.
        body (ImportDocument):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ImportResults | Problem]
    """

    kwargs = _get_kwargs(
        domain=domain,
        body=body,
        dry_run=dry_run,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    domain: str,
    *,
    client: AuthenticatedClient,
    body: ImportDocument,
    dry_run: bool | Unset = False,
) -> ImportResults | Problem | None:
    """Write many IVR fallback entries, each judged alone

     Each entry is what the public POST takes (`mode`, `command`, and
    `expiration` under the same rules) plus its `number`; an exported
    entry's `ttl` (an absolute expiry) may stand for `expiration`. Each is
    judged by every rule of the public POST and reported in the order sent:
    a refused entry says which field is wrong in `detail` while the others
    are written (each as a new version, action `import`). The rules include
    the POST's body limit (64 KiB): an entry's `mode`, `command` and
    expiry, in compact JSON, must fit in it. Of a number listed more than
    once, the last entry counts: it is written if it is valid, and nothing
    is written for the number if it is refused; each earlier entry is not
    written and says `number: listed again as item N` (items counted from
    0). `success` is true when every entry was written (with `dryRun`, when
    every entry is valid).

    Up to 10,000 entries and 8 MiB; `cache-api import --domain D FILE`
    takes files of any size. Entries are written in transactions of 250,
    so a failure midway (a 503) leaves the batches before it written;
    importing the same document again is harmless.

    Args:
        domain (str):
        dry_run (bool | Unset):  Default: False.
        body (ImportDocument):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ImportResults | Problem
    """

    return (
        await asyncio_detailed(
            domain=domain,
            client=client,
            body=body,
            dry_run=dry_run,
        )
    ).parsed
