"""Official Account webhook events -> ZaloEvent, and neutral replies -> OA messages.

Private chats are the user's id (replies go by customer-service message); an OA-owned group is
`group:<group_id>` (replies go through the Group Message Framework), so a chat binding made by
/dangky in the group lets reminders and confirmations reach that group.
"""
from __future__ import annotations

import logging
from typing import Optional

from bot.zalo.adapter import ZaloEvent
from bot.zalo.errors import Api, Meaning, classify, send_error
from bot.zalo.oa import OaClient, OaError
from bot.zalo.sender import render
from handlers.messages import Reply

log = logging.getLogger(__name__)

PLATFORM = "zalo_oa"
GROUP_PREFIX = "group:"
KINDS = {"text": "text", "image": "photo", "sticker": "sticker", "file": "document",
         "audio": "voice", "voice": "voice"}
TEMPLATE_TITLE = "Nhắc báo cáo «30 phút hành động»"


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
        text=str(message.get("text") or ""),  # an image's caption too
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

    def __init__(self, client: OaClient, template_id: str = ""):
        self.client = client
        self.template_id = template_id  # ZALO_OA_REMINDER_TEMPLATE_ID: outside the window

    async def send(self, chat_id: str, reply: Reply, start: int = 0) -> None:
        """Send the reply's pieces from `start` on; an error carries how many arrived."""
        pieces, sent = render(reply), start
        try:
            for piece in pieces[start:]:
                if chat_id.startswith(GROUP_PREFIX):
                    await self.client.send_group_text(chat_id[len(GROUP_PREFIX):], piece)
                else:
                    await self.client.send_text(chat_id, piece)
                sent += 1
        except OaError as exc:
            meaning = classify(Api.OA, exc.status, exc.code)
            if meaning == Meaning.OUTSIDE_WINDOW and self.template_id:
                await self._as_template(chat_id, "\n".join(pieces[sent:]), exc)
                return
            raise send_error(meaning, str(exc), sent) from None

    async def _as_template(self, user_id: str, text: str, refused: OaError) -> None:
        """Outside the window: one transaction message from the approved template instead."""
        try:
            await self.client.send_transaction(user_id, self.template_id, TEMPLATE_TITLE, text)
        except OaError as exc:
            log.warning("template message to %s refused too: %s", user_id, exc)
            meaning = classify(Api.OA, exc.status, exc.code)
            if meaning in (Meaning.FAILED, Meaning.OUTSIDE_WINDOW):
                meaning = Meaning.OUTSIDE_WINDOW  # still waiting for the cadre to write
            raise send_error(meaning, f"{refused}; template: {exc}") from None
