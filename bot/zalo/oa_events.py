"""Official Account webhook events -> ZaloEvent, and neutral replies -> OA messages.

Private chats are the user's id (replies go by customer-service message); an OA-owned group is
`group:<group_id>` (replies go through the Group Message Framework), so a chat binding made by
/dangky in the group lets reminders and confirmations reach that group.
"""
from __future__ import annotations

import logging
from typing import Optional

from bot.outbox import ChatUnavailable, RetryLater, SendError
from bot.zalo.adapter import ZaloEvent
from bot.zalo.oa import OaClient, OaError
from bot.zalo.sender import render
from handlers.messages import Reply

log = logging.getLogger(__name__)

PLATFORM = "zalo_oa"
GROUP_PREFIX = "group:"
KINDS = {"text": "text", "image": "photo", "sticker": "sticker", "file": "document"}
GONE_WORDS = ("not follow", "not interact", "blocked", "not exist", "not found", "removed")
LIMIT_WORDS = ("quota", "limit", "too many")


def parse_oa_event(body: object) -> Optional[ZaloEvent]:
    """A user's message to the OA or to an OA group; None for follows, OA echoes and the rest."""
    if not isinstance(body, dict):
        return None
    name = str(body.get("event_name", ""))
    if not name.startswith("user_send_"):
        return None
    in_group = name.startswith("user_send_group_")
    kind = KINDS.get(name.removeprefix("user_send_group_" if in_group else "user_send_"), "other")
    message = body.get("message") if isinstance(body.get("message"), dict) else {}
    sender = body.get("sender") if isinstance(body.get("sender"), dict) else {}
    recipient = body.get("recipient") if isinstance(body.get("recipient"), dict) else {}
    user_id = str(sender.get("id") or "")
    if not user_id or (in_group and not recipient.get("id")):
        return None
    photo_url = _image_url(message) if kind == "photo" else ""
    if kind == "photo" and not photo_url:
        kind = "other"
    return ZaloEvent(
        platform=PLATFORM,
        message_id=str(message.get("msg_id") or f"{name}:{user_id}:{body.get('timestamp')}"),
        chat_id=f"{GROUP_PREFIX}{recipient['id']}" if in_group else user_id,
        user_id=user_id,
        kind=kind,
        chat_type="group" if in_group else "private",
        text=str(message.get("text") or ""),
        photo_url=photo_url,
    )


def _image_url(message: dict) -> str:
    for attachment in message.get("attachments") or []:
        payload = attachment.get("payload") if isinstance(attachment, dict) else None
        if isinstance(payload, dict) and payload.get("url"):
            return str(payload["url"])
    return ""


class OaSender:
    """The outbox Sender for the Official Account: users by CS message, groups by GMF."""

    platform = PLATFORM

    def __init__(self, client: OaClient):
        self.client = client

    async def send(self, chat_id: str, reply: Reply) -> None:
        try:
            for piece in render(reply):
                if chat_id.startswith(GROUP_PREFIX):
                    await self.client.send_group_text(chat_id[len(GROUP_PREFIX):], piece)
                else:
                    await self.client.send_text(chat_id, piece)
        except OaError as exc:
            text = exc.message.lower()
            if exc.code == 429 or any(w in text for w in LIMIT_WORDS):
                raise RetryLater(60.0, str(exc)) from None
            if any(w in text for w in GONE_WORDS):
                raise ChatUnavailable(str(exc)) from None
            raise SendError(str(exc)) from None
