"""PTB's HTTP transport on aiohttp (the server's own HTTP library) instead of httpx.

Under load httpx/httpcore cost more CPU per Bot API call than the rest of a dialog step
(measured with cProfile in benchmarks/webhook_load.py: a per-request import probe and a pool
scan per request); aiohttp keeps one connection pool per process at a fraction of that.
PTB supports replacing its transport through BaseRequest.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any, Optional

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

DEFAULT_TIMEOUT = 20.0
JSON_HEADERS = {"Content-Type": "application/json"}


class JsonRequestData(RequestData):
    """Request data from plain JSON values (no Telegram objects to convert)."""

    def __init__(self, params: dict[str, Any]):
        super().__init__()
        self._plain = params

    @property
    def parameters(self) -> dict[str, Any]:
        return dict(self._plain)

    @property
    def json_parameters(self) -> dict[str, str]:
        return {k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
                for k, v in self._plain.items()}

    @property
    def json_payload(self) -> bytes:
        return json.dumps(self._plain, ensure_ascii=False).encode()


class AiohttpRequest(BaseRequest):
    def __init__(self, connections: int = 100, timeout: float = DEFAULT_TIMEOUT):
        self.connections, self.timeout = connections, timeout
        self._session: Optional[aiohttp.ClientSession] = None

    @property
    def read_timeout(self) -> Optional[float]:
        return self.timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.connections, limit_per_host=0),
                headers={"User-Agent": self.USER_AGENT})

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(self, url: str, method: str, request_data: Optional[RequestData] = None,
                         read_timeout=BaseRequest.DEFAULT_NONE,
                         write_timeout=BaseRequest.DEFAULT_NONE,
                         connect_timeout=BaseRequest.DEFAULT_NONE,
                         pool_timeout=BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        data = None
        if request_data is not None:
            if request_data.contains_files:
                data = aiohttp.FormData()
                for name, value in request_data.json_parameters.items():
                    data.add_field(name, value)
                for name, part in request_data.multipart_data.items():
                    filename, content, *rest = part
                    data.add_field(name, content, filename=filename,
                                   content_type=rest[0] if rest else None)
            else:  # one JSON body: cheaper to build than a urlencoded form
                data = request_data.json_payload
        total = read_timeout if isinstance(read_timeout, (int, float)) else self.timeout
        # A long poll's read timeout comes on top of the usual time for the round trip.
        timeout = aiohttp.ClientTimeout(total=total + self.timeout if total else None)
        try:
            headers = JSON_HEADERS if isinstance(data, bytes) else None
            async with self._session.request(method, url, data=data, headers=headers,
                                             timeout=timeout) as resp:
                return resp.status, await resp.read()
        except asyncio.TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
