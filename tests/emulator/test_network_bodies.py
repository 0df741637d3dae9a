"""Request bodies are bounded: in size (413 in Neon's error shape) and in JSON nesting (400).

A 500 MB body once took 1.5 GB of the emulator's memory, and deeply nested JSON a 500 with a
RecursionError traceback. No body may do either now, over real HTTP or in-process.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from controller.emulator import EmulatorConfig, create_app
from controller.emulator.request_body import nesting_depth
from tests.support import raw_http
from tests.support.emulator_process import EmulatorProcess
from tests.support.fixtures_emulator import ServerFactory

MIB = 1 << 20
DEEP_ARRAYS = b'{"project":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
DEEP_OBJECTS = b'{"project":{"settings":' + b'{"a":' * 3000 + b"1" + b"}" * 3000 + b"}}"
LONG_NUMBER = b'{"project":{"name":' + b"9" * 5000 + b"}}"


def test_a_declared_oversized_body_is_refused_before_it_is_read(
    emulator_server: EmulatorProcess,
) -> None:
    head = raw_http.request_head(
        "POST",
        "/api/v2/projects",
        {**emulator_server.auth_headers, "Content-Length": str(500 * MIB)},
    )
    with raw_http.connect(emulator_server.host, emulator_server.port, timeout=5) as sock:
        sock.sendall(head + b'{"project": {')  # and nothing more of the 500 MB announced
        response = raw_http.read_response(sock)
        assert raw_http.read_until_closed(sock) == b""  # and the connection is closed
    assert response.status == 413
    assert response.json() == {
        "code": "",
        "message": "request body too large: 524288000 bytes; the limit is 1048576 bytes",
    }
    assert response.headers["connection"] == "close"


def test_a_streamed_body_is_cut_off_at_the_limit(emulator_server_factory: ServerFactory) -> None:
    server = emulator_server_factory(max_body_bytes=65536)
    total = 64 * MIB
    sent = 0

    def body() -> Iterator[bytes]:  # no length: sent chunked
        nonlocal sent
        chunk = b" " * 65536
        while sent < total:
            sent += len(chunk)
            yield chunk

    with httpx.Client(headers=server.auth_headers, trust_env=False, timeout=10) as http:
        try:
            status = http.post(server.base_url + "/projects", content=body()).status_code
        except httpx.TransportError:  # the server closed the connection while we were sending
            status = None
        assert status in (413, None)
        assert sent < total  # the server stopped reading long before the end
        assert http.get(server.base_url + "/projects").status_code == 200  # and still serves
    assert "Traceback" not in server.log()


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (DEEP_ARRAYS, "nested deeper than 32 levels"),
        (DEEP_OBJECTS, "nested deeper than 32 levels"),
        (LONG_NUMBER, "a number has more than 4300 digits"),
    ],
    ids=["deep-arrays", "deep-objects", "long-number"],
)
@pytest.mark.parametrize("path", ["/api/v2/projects", "/_emulator/faults"])
def test_json_no_decoder_can_take_gets_400_in_neons_shape(
    emulator_server: EmulatorProcess, body: bytes, reason: str, path: str
) -> None:
    log_before = len(emulator_server.log())
    headers = {**emulator_server.control_headers, "Content-Type": "application/json"}
    url = f"http://{emulator_server.host}:{emulator_server.port}{path}"
    response = httpx.post(url, content=body, headers=headers, trust_env=False, timeout=10)
    assert response.status_code == 400
    assert response.json() == {
        "code": "",
        "message": f"invalid request: decode application/json: {reason}",
    }
    assert "Traceback" not in emulator_server.log()[log_before:]


def test_in_process_a_body_is_refused_one_byte_over_the_limit() -> None:
    app = create_app(EmulatorConfig(api_key="k", operation_seconds=0, max_body_bytes=4096))
    create = b'{"project": {"name": "exactly-at-the-limit"}}'
    at_limit = create + b" " * (4096 - len(create))

    async def streamed(data: bytes) -> AsyncIterator[bytes]:
        for start in range(0, len(data), 1000):
            yield data[start : start + 1000]

    async def statuses() -> list[int]:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://emulator/api/v2",
            headers={"Authorization": "Bearer k"},
        ) as http:
            return [
                (await http.post("/projects", content=at_limit)).status_code,
                (await http.post("/projects", content=at_limit + b" ")).status_code,
                (await http.post("/projects", content=streamed(at_limit + b" "))).status_code,
            ]

    try:
        assert asyncio.run(statuses()) == [201, 413, 413]
    finally:
        app.emulator.close()


@pytest.mark.parametrize(
    ("document", "depth"),
    [
        (b"", 0),
        (b'{"a": 1}', 1),
        (b'{"a": [[{"b": {}}]]}', 5),
        (b'{"name": "[[[[{{{{\\"[[[["}', 1),  # brackets in strings, an escaped quote
        (b'{"a": "\\\\", "b": [[]]}', 3),  # an escaped backslash ends before the quote
        (b'"[[[[ never closed', 0),
        (b"[" * 50, 50),
    ],
)
def test_nesting_depth_counts_brackets_outside_strings(document: bytes, depth: int) -> None:
    assert nesting_depth(document) == depth
