"""What a user typed, made safe to store: the core's entry cleans every Incoming once.

PostgreSQL refuses NUL in text, and other control characters only garble exports and chats;
a text made only of zero-width characters looks empty to people, so it is empty to us too.
"""
from __future__ import annotations

import re
from dataclasses import replace

from handlers.messages import Incoming

# C0/C1 controls except tab and line feed (carriage returns become line feeds first),
# and lone surrogates that no database encoding accepts.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Characters with no width: invisible on every screen.
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e]")


def clean_text(text: str) -> str:
    """Text without control characters; "" when nothing visible is left."""
    if not text:
        return text
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not _INVISIBLE.sub("", text).strip():
        return ""
    return text


def clean_incoming(msg: Incoming) -> Incoming:
    fields = ("text", "args", "choice", "command", "user_name", "chat_title")
    changes = {name: clean_text(getattr(msg, name)) for name in fields}
    changes = {name: value for name, value in changes.items() if value != getattr(msg, name)}
    return replace(msg, **changes) if changes else msg
