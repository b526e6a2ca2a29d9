"""A lean HTTP/1.1 keep-alive client for the bench: one connection per simulated client.

httpx spends about a millisecond of Python per request; at a hundred requests a second that is a
tenth of a core taken from the servers under test on a 2-core machine. This client sends a
prepared request and reads one response (Content-Length or chunked), nothing else, so the load
generator costs both servers alike and little.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import orjson


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    path: str
    headers: dict[str, str] = field(default_factory=dict)

    def request(self, body: dict[str, object]) -> bytes:
        payload = orjson.dumps(body)
        lines = [f"POST {self.path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Content-Type: application/json",
                 "Accept: application/json", f"Content-Length: {len(payload)}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


class Connection:
    """One keep-alive connection; :meth:`post` returns (status, body)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post(self, request: bytes) -> tuple[int, bytes]:
        try:
            return await self._exchange(request)
        except (asyncio.IncompleteReadError, ConnectionError):  # the server closed an idle connection
            await self.close()
            return await self._exchange(request)

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.endpoint.host, self.endpoint.port)
        assert self._reader is not None
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers = {}
        for header in header_lines:
            name, _, value = header.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip().lower()
        if "content-length" in headers:
            body = await self._reader.readexactly(int(headers["content-length"]))
        else:  # chunked
            parts = []
            while True:
                size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await self._reader.readuntil(b"\r\n")
                    break
                parts.append(await self._reader.readexactly(size))
                await self._reader.readexactly(2)
            body = b"".join(parts)
        if headers.get("connection") == "close":
            await self.close()
        return status, body

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


async def post_json(connection: Connection, request: bytes) -> dict[str, object]:
    status, body = await connection.post(request)
    parsed: dict[str, object] = orjson.loads(body)
    if status != 200:
        raise RuntimeError(f"HTTP {status}: {body[:300]!r}")
    return parsed


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


async def load(endpoint: Endpoint, request: bytes, clients: int, seconds: float) -> LoadResult:
    """``clients`` connections each sending ``request`` back to back for ``seconds``."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        connection = Connection(endpoint)
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                status, body = await connection.post(request)
                if status != 200:
                    raise RuntimeError(f"HTTP {status}: {body[:300]!r}")
                latencies.append(time.perf_counter() - started)
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return LoadResult(len(latencies), time.perf_counter() - started, latencies)
