"""How adapters deliver neutral replies, and the errors that tell a caller what to do next."""
from __future__ import annotations

import asyncio
import logging
from typing import Mapping, Protocol

from handlers.messages import Incoming, Reply

log = logging.getLogger(__name__)


class SendError(Exception):
    """A reply could not be delivered. `pieces_sent`: how many of the reply's messages (a long
    reply is split) did arrive before the failure, so a retry sends only the rest."""

    pieces_sent: int = 0


class RetryLater(SendError):
    """The platform asked us to slow down (HTTP 429); try again after `retry_after` seconds."""

    def __init__(self, retry_after: float, detail: str = ""):
        super().__init__(detail or f"retry after {retry_after}s")
        self.retry_after = retry_after


class ChatUnavailable(SendError):
    """The chat blocked the bot, removed it, or does not exist (403 / chat not found)."""


class OutsideWindow(SendError):
    """The platform takes messages to this user only after they write to us again (Zalo OA's
    customer-service window). The chat is fine: do not deactivate it."""


class QuotaExhausted(SendError):
    """The plan's message quota is used up: nothing goes on this platform until it renews."""


class SenderMisconfigured(SendError):
    """Wrong API URL, method or token: stop this sender; no chat is at fault."""


def with_progress(error: SendError, pieces_sent: int) -> SendError:
    error.pieces_sent = pieces_sent
    return error


class Sender(Protocol):
    """One platform's way of putting a reply into a chat."""

    platform: str

    async def send(self, chat_id: str, reply: Reply) -> None: ...
    # Senders that split replies also take `start`: the number of pieces already sent.


MAX_INLINE_WAIT = 60.0  # seconds an interactive reply may wait out a 429


async def deliver_replies(msg: Incoming, replies: list[Reply], own: Sender,
                          others: Mapping[str, Sender]) -> None:
    """Send a handler's replies: to the message's chat through `own`, to chats on other
    platforms (a unit's Zalo OA group...) through their running senders."""
    for reply in replies:
        platform, chat_id = reply.target(msg)
        sender = own if platform == own.platform else others.get(platform)
        if sender is None:
            log.warning("no %s sender running; reply to chat %s dropped", platform, chat_id)
            continue
        await deliver(sender, chat_id, reply)


async def deliver(sender: Sender, chat_id: str, reply: Reply) -> None:
    """Send one interactive reply; wait out one rate limit; a gone chat or failure is logged."""
    try:
        try:
            await sender.send(chat_id, reply)
        except RetryLater as exc:
            await asyncio.sleep(min(exc.retry_after, MAX_INLINE_WAIT))
            await send_rest(sender, chat_id, reply, exc.pieces_sent)
    except ChatUnavailable as exc:
        log.warning("%s chat %s unavailable: %s", sender.platform, chat_id, exc)
    except SendError as exc:
        log.error("%s reply to %s not delivered: %s", sender.platform, chat_id, exc)


async def send_rest(sender: Sender, chat_id: str, reply: Reply, start: int = 0) -> None:
    """Send a reply, skipping the first `start` pieces that already arrived."""
    if start:
        await sender.send(chat_id, reply, start=start)  # type: ignore[call-arg]
    else:
        await sender.send(chat_id, reply)
