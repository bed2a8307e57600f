"""Request heads over the limits are refused by both servers, before the app, with a problem."""

import json
import socket
import sys
from pathlib import Path

import pytest

from app.serving.worker import MAX_HEAD_BYTES, MAX_HEADER_FIELDS, MAX_TARGET_BYTES
from tests.helpers import DOMAIN, make_token
from tests.live_server import LiveServer, free_port, server_on

ITEM = f"/cache/{DOMAIN}/ivrfallback/1"


@pytest.fixture(scope="module", params=["gunicorn", "cache-api serve"])
def server(request, database_url, tmp_path_factory):
    folder = tmp_path_factory.mktemp("heads")
    live = server_on(database_url, folder, workers=1)
    if request.param == "cache-api serve":
        live = LiveServer(live.env, port=(port := free_port()), log_path=live.log_path,
                          command=[str(Path(sys.executable).parent / "cache-api"), "serve",
                                   "--port", str(port)])
    with live:
        yield live


def exchange(server, *chunks: bytes, sent: list | None = None) -> tuple[int, dict, bytes]:
    """Send the chunks one by one on a new connection; return the answer's status, headers
    and body, read until the server closes or the body is complete. `sent`, if given, gets
    whether every chunk could be sent before the server closed."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
        try:
            for chunk in chunks:
                connection.sendall(chunk)
            complete = True
        except (BrokenPipeError, ConnectionResetError):
            complete = False  # refused before all was sent: the answer is already there
        if sent is not None:
            sent.append(complete)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.partition(b"\r\n\r\n")[2]) < _length(answer):
            data = connection.recv(65536)
            if not data:
                break
            answer += data
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def _length(answer: bytes) -> int:
    for line in answer.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 1 << 30


def request(target: str = ITEM, fields: list[str] = (), token: str | None = None) -> bytes:
    lines = [f"GET {target} HTTP/1.1", "Host: localhost", *fields]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def assert_refused(answer, status: int, *mentions: str) -> None:
    code, headers, body = answer
    assert code == status, answer
    assert headers["content-type"] == "application/problem+json"
    assert headers["access-control-allow-origin"] == "*"
    assert headers["connection"] == "close"
    problem = json.loads(body)
    assert problem["status"] == status and problem["success"] is False
    for mention in mentions:
        assert mention in problem["detail"], problem


def test_a_head_of_usual_size_is_served(server):
    # The largest a client needs: a token near its 8 KiB limit, beside a few fields.
    token = make_token(padding="p" * 5_000)
    assert len(token) > 6_000
    fields = [f"X-Field-{index}: value" for index in range(MAX_HEADER_FIELDS - 2)]
    code, _, body = exchange(server, request(fields=fields, token=token))
    assert code == 404, body  # the app's answer: no such entry


def test_a_huge_header_is_refused_without_being_read_whole(server):
    value = b"a" * (64 * 1024 * 1024)
    sent = []
    answer = exchange(server, request()[:-2], b"X-Big: ", value, b"\r\n\r\n", sent=sent)
    assert_refused(answer, 431, f"{MAX_HEAD_BYTES // 1024} KiB")
    assert sent == [False]  # the server closed long before the header's end


def test_many_small_fields_over_the_size_are_refused(server):
    # Fewer fields than the count limit, sent one read at a time: the size counts over reads.
    chunks = [request()[:-2]] + [f"X-Field-{index}: {'v' * 1000}\r\n".encode()
                                 for index in range(40)] + [b"\r\n"]
    assert_refused(exchange(server, *chunks), 431, "header fields")


def test_too_many_fields_are_refused(server):
    fields = [f"X-F{index}: v" for index in range(MAX_HEADER_FIELDS)]  # and Host
    assert_refused(exchange(server, request(fields=fields)), 431, str(MAX_HEADER_FIELDS))


def test_a_long_target_is_refused(server):
    target = f"{ITEM}?{'q' * MAX_TARGET_BYTES}"
    assert_refused(exchange(server, request(target)), 414, f"{MAX_TARGET_BYTES // 1024} KiB")


def test_the_server_answers_again_after_refusals(server):
    for _ in range(3):
        exchange(server, request(fields=[f"X-F{index}: v" for index in range(200)]))
    code, _, _ = exchange(server, request(token=make_token()))
    assert code == 404
