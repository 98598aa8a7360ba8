"""How adapters deliver neutral replies, and the errors that tell a caller what to do next."""
from __future__ import annotations

from typing import Protocol

from handlers.messages import Reply


class SendError(Exception):
    """A reply could not be delivered."""


class RetryLater(SendError):
    """The platform asked us to slow down (HTTP 429); try again after `retry_after` seconds."""

    def __init__(self, retry_after: float, detail: str = ""):
        super().__init__(detail or f"retry after {retry_after}s")
        self.retry_after = retry_after


class ChatUnavailable(SendError):
    """The chat blocked the bot, removed it, or does not exist (403 / chat not found)."""


class Sender(Protocol):
    """One platform's way of putting a reply into a chat."""

    platform: str

    async def send(self, chat_id: str, reply: Reply) -> None: ...
