"""A thin aiohttp client of the Zalo Bot API (POST <ZALO_API_URL>/bot<TOKEN>/<method>).

Every answer is checked for `ok`. getUpdates answers 408 when nothing new arrived; 5xx are
retried with back-off. 429 is not retried: on Zalo it means the plan's quota is used up, which
no short wait fixes (bot/zalo/errors.py; delivery pauses Zalo until the next quota period).
The token is part of every URL, so no URL, and no aiohttp exception that could carry one, ever
reaches a log line or an error message.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Optional

import aiohttp

log = logging.getLogger(__name__)

TEXT_LIMIT = 2000  # characters per sendMessage / caption, per the Bot API docs
POLL_TIMEOUT = 30  # seconds getUpdates holds the request open (the documented default)
MAX_DOWNLOAD = 20 * 1024 * 1024


class ZaloError(Exception):
    """A Bot API call failed; `code` is the API's error_code or the HTTP status."""

    def __init__(self, method: str, code: int, description: str = "", status: int = 0):
        super().__init__(f"Zalo {method} failed: {code} {description}".strip())
        self.method, self.code, self.description = method, code, description
        self.status = status or code  # the HTTP status of the answer


class ZaloRateLimited(ZaloError):
    """429: the plan's quota is used up (`retry_after` only if Zalo named one)."""

    def __init__(self, method: str, retry_after: float, status: int = 429):
        super().__init__(method, 429, "quota exceeded", status)
        self.retry_after = retry_after


class ZaloNetworkError(ZaloError):
    """No usable HTTP answer (connection, timeout, not JSON) after the retries."""


class ZaloClient:
    def __init__(self, token: str, base_url: str = "https://bot-api.zaloplatforms.com",
                 session: Optional[aiohttp.ClientSession] = None, attempts: int = 4,
                 backoff: float = 1.0, max_backoff: float = 30.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self._token = token
        self._base = f"{base_url.rstrip('/')}/bot{token}/"
        self._session = session
        self._own_session = session is None
        self.attempts, self.backoff, self.max_backoff = attempts, backoff, max_backoff
        self._sleep = sleep

    def __repr__(self) -> str:  # never show the token, even in a debugger or a traceback
        return "ZaloClient(token=***)"

    async def __aenter__(self) -> "ZaloClient":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
            self._own_session = True
        return self._session

    async def close(self) -> None:
        if self._own_session and self._session is not None and not self._session.closed:
            await self._session.close()

    # --- methods ----------------------------------------------------------------------------

    async def get_me(self) -> dict:
        return await self.call("getMe")

    async def get_updates(self, timeout: int = POLL_TIMEOUT) -> Optional[dict]:
        """One update, or None when nothing new arrived within `timeout` seconds (408)."""
        try:
            result = await self.call("getUpdates", {"timeout": str(timeout)},
                                     http_timeout=timeout + 15)
        except ZaloError as exc:
            if exc.code == 408:
                return None
            raise
        return result or None

    async def set_webhook(self, url: str, secret_token: str) -> dict:
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> dict:
        return await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict:
        return await self.call("getWebhookInfo")

    async def send_message(self, chat_id: str, text: str) -> dict:
        return await self.call("sendMessage", {"chat_id": chat_id, "text": text})

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> dict:
        params = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            params["caption"] = caption[:TEXT_LIMIT]
        return await self.call("sendPhoto", params)

    async def download(self, url: str, limit: int = MAX_DOWNLOAD) -> bytes:
        """The bytes behind a photo_url (no token is sent: the link carries its own access)."""
        return await fetch_bytes(self.session, url, limit)

    # --- the one request path ---------------------------------------------------------------

    async def call(self, method: str, params: Optional[dict] = None,
                   http_timeout: float = 30) -> Any:
        """POST `params` as JSON; the `result` of an ok answer, else ZaloError."""
        delay = self.backoff
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts
            try:
                status, body = await self._post(method, params or {}, http_timeout)
            except ZaloNetworkError as exc:
                if last:
                    raise
                log.warning("Zalo %s: %s, retrying in %.0fs", method, exc.description, delay)
                await self._sleep(delay)
                delay = min(delay * 2, self.max_backoff)
                continue
            if body.get("ok") is True and status < 400:
                return body.get("result")
            code = _error_code(status, body)
            description = str(body.get("description") or "")[:200]
            if code == 429:
                raise ZaloRateLimited(method, _retry_after(body) or 0.0, status)
            if code >= 500:
                retry_after = _retry_after(body) or delay
                if last:
                    raise ZaloError(method, code, description, status)
                log.warning("Zalo %s: %s, retrying in %.0fs", method, code, retry_after)
                await self._sleep(min(retry_after, self.max_backoff))
                delay = min(delay * 2, self.max_backoff)
                continue
            raise ZaloError(method, code, description, status)
        raise AssertionError("unreachable")

    async def _post(self, method: str, params: dict, http_timeout: float) -> tuple[int, dict]:
        try:
            async with self.session.post(self._base + method, json=params,
                                         timeout=aiohttp.ClientTimeout(total=http_timeout)) as resp:
                try:
                    body = await resp.json(content_type=None)
                except ValueError:
                    body = None
                if not isinstance(body, dict):
                    # 408/5xx may come from a proxy with an HTML page: keep the status
                    body = {"ok": False, "error_code": resp.status,
                            "description": "answer is not JSON"}
                    if resp.status < 400:
                        raise ZaloNetworkError(method, resp.status, "answer is not JSON")
                return resp.status, body
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            # aiohttp messages may quote the URL, which holds the token: keep only the type
            raise ZaloNetworkError(method, 0, type(exc).__name__) from None


def _error_code(status: int, body: dict) -> int:
    code = body.get("error_code")
    try:
        return int(code) if code is not None else status
    except (TypeError, ValueError):
        return status


def _retry_after(body: dict) -> Optional[float]:
    for holder in (body, body.get("parameters") or {}):
        value = holder.get("retry_after") if isinstance(holder, dict) else None
        if isinstance(value, (int, float)) and value >= 0:
            return float(value)
    return None


async def fetch_bytes(session: aiohttp.ClientSession, url: str, limit: int = MAX_DOWNLOAD) -> bytes:
    """GET a photo link with a size cap; errors never quote the link."""
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=60)) as resp:
            if resp.status != 200:
                raise ZaloError("download", resp.status, "photo link not available")
            data = bytearray()
            async for chunk in resp.content.iter_chunked(64 * 1024):
                data.extend(chunk)
                if len(data) > limit:
                    raise ZaloError("download", 413, "photo too large")
            return bytes(data)
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise ZaloNetworkError("download", 0, type(exc).__name__) from None
