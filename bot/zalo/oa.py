"""Zalo Official Account API v3: webhook signature, access-token refresh, CS and group messages.

Facts relied on (developers.zalo.me OA docs as quoted by integrators):
* webhook header `X-ZEvent-Signature: mac=<hex>`, hex = SHA-256 of app_id + raw body +
  timestamp (the body's `timestamp` field) + the OA secret key (not the app secret);
* POST {oauth}/v4/oa/access_token, header `secret_key: <app secret>`, form refresh_token,
  app_id, grant_type=refresh_token -> access_token, refresh_token, expires_in (seconds); a
  refresh token works once (error -14020 when reused or expired);
* POST {api}/v3.0/oa/message/cs {recipient.user_id} and /v3.0/oa/group/message
  {recipient.group_id} (Group Message Framework), header `access_token`; success is
  HTTP 200 with "error": 0; what other answers mean is the table in bot/zalo/errors.py
  (-216 or HTTP 401: the access token is invalid, refresh once);
* POST {api}/v3.0/oa/message/transaction: a transaction (template) message, which the OA may
  send outside the consultation window once Zalo approved its templates (zalo-java-sdk
  SendTransactionMessage).
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Optional

import aiohttp
from sqlalchemy.engine import Engine

from bot.zalo.errors import Api, Meaning, codes
from storage import zalo as tokens_db
from storage.clock import utcnow
from storage.db import session_scope
from storage.zalo import TokenPair

log = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(minutes=5)  # refresh this long before the access token expires
TOKEN_INVALID = codes(Api.OA, Meaning.TOKEN)
REFRESH_TOKEN_DEAD = codes(Api.OAUTH, Meaning.REAUTHORIZE)  # reused, invalid or expired
DEFAULT_EXPIRES_IN = 3600


class OaError(Exception):
    def __init__(self, code: int, message: str = "", status: int = 200):
        super().__init__(f"Zalo OA error {code}: {message}".strip())
        self.code, self.message, self.status = code, message, status


class OaNotAuthorized(OaError):
    """No usable refresh token: an OA admin must authorize the app again."""

    def __init__(self, message: str):
        super().__init__(-14020, message)


# --- webhook signature ------------------------------------------------------------------------

def signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    data = app_id.encode() + raw_body + str(timestamp).encode() + oa_secret_key.encode()
    return hashlib.sha256(data).hexdigest()


def verify_signature(header: str, raw_body: bytes, app_id: str, oa_secret_key: str) -> bool:
    """True only for a well-formed body whose `X-ZEvent-Signature` matches, in constant time."""
    given = (header or "").strip()
    if given.lower().startswith("mac="):
        given = given[4:].strip()
    try:
        body = json.loads(raw_body)
    except ValueError:
        return False
    if not isinstance(body, dict) or not given or "timestamp" not in body:
        return False
    expected = signature(app_id, raw_body, str(body["timestamp"]), oa_secret_key)
    return hmac.compare_digest(given.lower().encode(), expected.encode())


# --- tokens -----------------------------------------------------------------------------------

class OaTokens:
    """The current access token, refreshed ahead of expiry; the chain lives in storage/zalo.py."""

    def __init__(self, engine: Engine, app_id: str, app_secret: str, oauth_url: str,
                 session: Callable[[], aiohttp.ClientSession],
                 clock: Callable[[], datetime] = utcnow, seed_refresh_token: str = "",
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep):
        self.engine, self.app_id, self._app_secret = engine, app_id, app_secret
        self.url = f"{oauth_url.rstrip('/')}/v4/oa/access_token"
        self._session, self.clock, self._sleep = session, clock, sleep
        self._seed = seed_refresh_token
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"OaTokens(app_id={self.app_id!r})"

    def ensure_seeded(self) -> None:
        """Start the chain from ZALO_OA_REFRESH_TOKEN once; the database is the truth after."""
        if not self._seed:
            return
        from sqlmodel import select
        with session_scope(self.engine) as s:
            if tokens_db.active(s, self.app_id) is not None:
                return
            known = s.exec(select(tokens_db.ZaloOaToken.id).where(
                tokens_db.ZaloOaToken.app_id == self.app_id,
                tokens_db.ZaloOaToken.refresh_token == self._seed)).first()
            if known is None:
                tokens_db.seed(s, self.app_id, self._seed, now=self.clock())
                log.info("Zalo OA token chain seeded from the environment")

    async def current(self) -> TokenPair:
        self.ensure_seeded()
        with session_scope(self.engine) as s:
            pair = tokens_db.active(s, self.app_id)
        if pair is None:
            raise OaNotAuthorized("no Zalo OA refresh token stored")
        if pair.access_token and pair.expires_at - self.clock() > REFRESH_MARGIN:
            return pair
        try:
            return await self.refresh(pair)
        except OaNotAuthorized:
            raise
        except OaError:
            fallback = self._previous()
            if fallback is None:
                raise
            log.warning("Zalo OA refresh failed; using the previous access token until it expires")
            return fallback

    def _previous(self) -> Optional[TokenPair]:
        with session_scope(self.engine) as s:
            return tokens_db.previous_usable(s, self.app_id, self.clock() + REFRESH_MARGIN)

    def proven(self, pair: TokenPair) -> None:
        if not pair.proven:
            with session_scope(self.engine) as s:
                tokens_db.mark_proven(s, pair.id, self.clock())

    async def refresh(self, stale: TokenPair) -> TokenPair:
        """Spend `stale`'s refresh token once; if another caller already did, use its result."""
        async with self._lock:
            current = await self._lease(stale)
            if current.id != stale.id:
                return current
            try:
                data = await self._request(current.refresh_token)
            except OaError:
                with session_scope(self.engine) as s:
                    tokens_db.release_lease(s, current.id)
                raise
            if data.get("access_token") and data.get("refresh_token"):
                now = self.clock()
                expires = now + timedelta(seconds=_seconds(data.get("expires_in")))
                with session_scope(self.engine) as s:  # one commit, before any use
                    new = tokens_db.rotate(s, self.app_id, current.id, data["access_token"],
                                           data["refresh_token"], expires, now)
                log.info("Zalo OA access token refreshed")
                return new
            return self._refused(current, data)

    async def _lease(self, stale: TokenPair) -> TokenPair:
        """The active pair, leased to us when it is still `stale`; waits out another holder."""
        for _ in range(int(tokens_db.LEASE.total_seconds()) + 5):
            with session_scope(self.engine) as s:
                current = tokens_db.active(s, self.app_id)
                if current is None:
                    raise OaNotAuthorized("no Zalo OA refresh token stored")
                if current.id != stale.id:
                    return current  # rotated by someone else meanwhile
                if tokens_db.take_lease(s, current.id, self.clock()):
                    return current
            await self._sleep(1)
        raise OaError(-1, "another process holds the refresh lease")

    def _refused(self, current: TokenPair, data: dict) -> TokenPair:
        code = _int(data.get("error"), -1)
        reason = str(data.get("error_name") or data.get("error_description")
                     or data.get("message") or "")[:200]
        with session_scope(self.engine) as s:
            if code in REFRESH_TOKEN_DEAD:
                tokens_db.reject(s, current.id, self.clock())
            else:
                tokens_db.release_lease(s, current.id)
        if code in REFRESH_TOKEN_DEAD:
            log.error("Zalo OA refresh token refused (%s %s): authorize the app again and run "
                      "`fieldreport zalo oa-token`", code, reason)
            raise OaNotAuthorized(reason or "refresh token refused")
        raise OaError(code, reason)

    async def _request(self, refresh_token: str) -> dict:
        form = {"refresh_token": refresh_token, "app_id": self.app_id,
                "grant_type": "refresh_token"}
        try:
            async with self._session().post(self.url, data=form,
                                            headers={"secret_key": self._app_secret},
                                            timeout=aiohttp.ClientTimeout(total=30)) as resp:
                body = await resp.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise OaError(-1, f"token request failed: {type(exc).__name__}") from None
        if not isinstance(body, dict):
            raise OaError(-1, "token answer is not an object")
        return body


def _seconds(value: Any) -> int:
    return _int(value, DEFAULT_EXPIRES_IN) or DEFAULT_EXPIRES_IN


def _int(value: Any, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# --- the API ----------------------------------------------------------------------------------

class OaClient:
    """Customer-service messages to users and group messages (GMF) to OA-owned groups."""

    def __init__(self, tokens: OaTokens, api_url: str = "https://openapi.zalo.me",
                 session: Optional[aiohttp.ClientSession] = None):
        self.tokens = tokens
        self.api = api_url.rstrip("/")
        self._session = session

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def send_text(self, user_id: str, text: str) -> dict:
        return await self.post("/v3.0/oa/message/cs",
                               {"recipient": {"user_id": user_id}, "message": {"text": text}})

    async def send_transaction(self, user_id: str, template_id: str, title: str,
                               text: str) -> dict:
        """A transaction message from the OA's approved template `template_id`."""
        elements = [{"type": "header", "align": "left", "content": title[:100]},
                    {"type": "text", "align": "left", "content": text}]
        payload = {"template_type": "transaction_event", "template_id": template_id,
                   "language": "VI", "elements": elements}
        return await self.post("/v3.0/oa/message/transaction", {
            "recipient": {"user_id": user_id},
            "message": {"attachment": {"type": "template", "payload": payload}}})

    async def send_group_text(self, group_id: str, text: str) -> dict:
        return await self.post("/v3.0/oa/group/message",
                               {"recipient": {"group_id": group_id}, "message": {"text": text}})

    async def post(self, path: str, payload: dict) -> dict:
        """POST with the current access token; on an invalid token refresh once and retry once."""
        pair = await self.tokens.current()
        for first in (True, False):
            status, body = await self._post(path, payload, pair.access_token)
            invalid = status == 401 or _int(body.get("error"), 0) in TOKEN_INVALID
            if invalid and first:
                pair = await self.tokens.refresh(pair)
                continue
            if status == 200 and _int(body.get("error"), -1) == 0:
                self.tokens.proven(pair)
                return body.get("data") or {}
            code = 429 if status == 429 else _int(body.get("error"), status)
            raise OaError(code, str(body.get("message") or "")[:200], status)
        raise AssertionError("unreachable")

    async def _post(self, path: str, payload: dict, access_token: str) -> tuple[int, dict]:
        try:
            async with self.session().post(self.api + path, json=payload,
                                           headers={"access_token": access_token},
                                           timeout=aiohttp.ClientTimeout(total=30)) as resp:
                try:
                    body = await resp.json(content_type=None)
                except ValueError:
                    body = None
                return resp.status, body if isinstance(body, dict) else {"error": resp.status}
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            raise OaError(-1, f"request failed: {type(exc).__name__}") from None
