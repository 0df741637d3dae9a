"""A misbehaving Neon on a real socket: the hostile upstreams of issue 14, for the client tests.

Why this exists: the bounds on response size, paging and time only mean something against a real
server that misbehaves over real HTTP (a chunked body that never ends, bytes trickled slower than
any per-read timeout, a project list whose cursors never run out). `hostile_server(behaviour)` is
an asyncio server on a free localhost port, in the test's own event loop, that answers every
request with one behaviour and counts what it sent.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.neon.fakes import list_item

Behaviour = Callable[["Exchange"], Awaitable[None]]
CHUNK = b"x" * 65_536


@dataclass
class Exchange:
    """One request as the server read it, and the writer to answer on."""

    method: str
    path: str
    query: dict[str, list[str]]
    writer: asyncio.StreamWriter
    server: HostileServer

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()
        self.server.bytes_sent += len(data)


@dataclass
class HostileServer:
    port: int = 0
    requests: list[str] = field(default_factory=list)
    bytes_sent: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v2"


@asynccontextmanager
async def hostile_server(behaviour: Behaviour) -> AsyncIterator[HostileServer]:
    state = HostileServer()
    tasks: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
            url = urlsplit(target)
            state.requests.append(f"{method} {url.path}")
            await behaviour(Exchange(method, url.path, parse_qs(url.query), writer, state))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client hung up: that is what the bounds are for
        finally:
            writer.close()
            tasks.discard(task)

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


def _head(status: str, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode()


async def endless_chunked_body(exchange: Exchange) -> None:
    """200, chunked, and the chunks never stop."""
    await exchange.send(
        _head("200 OK", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"})
    )
    chunk = f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n"
    while True:
        await exchange.send(chunk)


def trickled_body(every_seconds: float) -> Behaviour:
    """200 with a Content-Length, then one byte every `every_seconds`: each read is quick."""

    async def answer(exchange: Exchange) -> None:
        body = json.dumps({"project": {"id": "tenant-a"}}).encode()
        await exchange.send(
            _head("200 OK", {"Content-Type": "application/json", "Content-Length": str(len(body))})
        )
        for byte in body:
            await asyncio.sleep(every_seconds)
            await exchange.send(bytes([byte]))

    return answer


async def declared_huge_body(exchange: Exchange) -> None:
    """200 announcing a 10 GB body."""
    await exchange.send(
        _head("200 OK", {"Content-Type": "application/json", "Content-Length": str(10**10)})
    )
    while True:
        await exchange.send(CHUNK)


async def never_ending_project_list(exchange: Exchange) -> None:
    """Full pages of projects, each with a fresh cursor: the list never ends."""
    limit = int(exchange.query.get("limit", ["10"])[0])
    page = int(exchange.query.get("cursor", ["p-0"])[0].removeprefix("p-")) + 1
    template = list_item("tenant-template")
    projects = [{**template, "id": f"tenant-{page:05d}-{n:03d}"} for n in range(limit)]
    body: dict[str, Any] = {
        "projects": projects,
        "applications": {},
        "integrations": {},
        "pagination": {"cursor": f"p-{page}"},
    }
    data = json.dumps(body).encode()
    await exchange.send(
        _head("200 OK", {"Content-Type": "application/json", "Content-Length": str(len(data))})
    )
    await exchange.send(data)
