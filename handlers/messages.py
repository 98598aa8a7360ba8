"""Neutral incoming messages and replies that every platform adapter translates to and from."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Awaitable, Callable, Literal, Optional

Kind = Literal["text", "command", "choice", "photo", "document", "sticker", "voice", "other",
               "unsupported"]


@dataclass(frozen=True)
class Incoming:
    """One thing a user did: typed text or a command, tapped a choice, sent a photo..."""

    platform: str
    chat_id: str
    user_id: str
    update_key: str  # unique per platform delivery; repeats are ignored
    kind: Kind
    chat_type: Literal["private", "group"] = "private"
    user_name: str = ""
    chat_title: str = ""
    text: str = ""
    command: str = ""  # without slash or @bot, lower case
    args: str = ""
    choice: str = ""  # data of a tapped button
    message_id: str = ""  # the bot's message whose button was tapped (platforms that edit)
    # Reads the photo's bytes from the platform; adapters bind it to getFile or a URL.
    load_photo: Optional[Callable[[], Awaitable[bytes]]] = field(default=None, compare=False)


@dataclass(frozen=True)
class Choice:
    """A button: `data` comes back as Incoming.choice; `url` opens a link instead."""

    label: str
    data: str = ""
    url: str = ""


@dataclass
class Reply:
    """Something to show. `chat_id` None means the chat the message came from."""

    text: str
    choices: list[Choice] = field(default_factory=list)
    # True when the choices are the only valid answers (a menu): text platforms number them.
    menu: bool = False
    photo: Optional[Path] = None
    document: Optional[Path] = None
    chat_id: Optional[str] = None
    platform: Optional[str] = None
    # (platform, chat id, message id): replace that message's text and buttons instead of
    # sending a new one. Only for platforms that can edit; others send it as a new message.
    edit_of: Optional[tuple[str, str, str]] = None
    # Ask the client to open a reply to this message (in groups, a bot in privacy mode only
    # hears replies to its own messages).
    force_reply: bool = False

    def target(self, msg: Incoming) -> tuple[str, str]:
        return (self.platform or msg.platform, self.chat_id or msg.chat_id)
