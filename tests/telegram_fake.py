"""A PTB request object that answers Bot API calls locally and records them, plus Update JSON."""
from __future__ import annotations

import itertools
import json
from typing import Any, Optional

from telegram.request import BaseRequest, RequestData

BOT_ID = 7000000001
BOT_USERNAME = "fieldreport_test_bot"
TOKEN = "7000000001:TEST-TOKEN-not-real"


class RecordingRequest(BaseRequest):
    """Answers like the Bot API would; `calls` keeps (method, parameters) of every request."""

    def __init__(self):
        self.calls: list[tuple[str, dict]] = []
        self.files: dict[str, bytes] = {}  # file_id -> bytes, served by getFile + download
        self.fail_next: dict[str, tuple[int, dict]] = {}  # method -> (HTTP status, error body)
        self._message_ids = itertools.count(1000)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    @property
    def read_timeout(self) -> Optional[float]:
        return None

    async def do_request(self, url: str, method: str, request_data: Optional[RequestData] = None,
                         read_timeout=None, write_timeout=None, connect_timeout=None,
                         pool_timeout=None) -> tuple[int, bytes]:
        if "/file/bot" in url:
            file_id = url.rsplit("/", 1)[-1].split(".")[0]
            return 200, self.files[file_id]
        name = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        self.calls.append((name, params))
        if name in self.fail_next:
            status, body = self.fail_next.pop(name)
            return status, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": self.result(name, params)}).encode()

    def result(self, name: str, params: dict) -> Any:
        if name == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Báo cáo Đoàn",
                    "username": BOT_USERNAME, "can_join_groups": True,
                    "can_read_all_group_messages": False, "supports_inline_queries": False}
        if name == "getFile":
            file_id = params["file_id"]
            return {"file_id": file_id, "file_unique_id": f"u{file_id}",
                    "file_size": len(self.files.get(file_id, b"")), "file_path": f"photos/{file_id}.jpg"}
        if name in ("sendMessage", "sendPhoto", "sendDocument"):
            chat_id = int(params["chat_id"])
            return {"message_id": next(self._message_ids), "date": 1763460000,
                    "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                    "text": params.get("text", "")}
        return True  # answerCallbackQuery, setMyCommands, deleteWebhook...

    # What a test looks at ------------------------------------------------------------------
    def sent(self, chat_id: Optional[int] = None) -> list[dict]:
        """Parameters of sendMessage/sendPhoto/sendDocument calls, optionally to one chat."""
        return [p for name, p in self.calls
                if name in ("sendMessage", "sendPhoto", "sendDocument")
                and (chat_id is None or int(p["chat_id"]) == chat_id)]

    def texts(self, chat_id: Optional[int] = None) -> list[str]:
        return [p.get("text") or p.get("caption") or "" for p in self.sent(chat_id)]

    def buttons(self) -> list[dict]:
        """Inline buttons of the latest message that had any."""
        for params in reversed(self.sent()):
            markup = params.get("reply_markup")
            if markup:
                markup = json.loads(markup) if isinstance(markup, str) else markup
                return [b for row in markup["inline_keyboard"] for b in row]
        return []


_UPDATE_IDS = itertools.count(500000)  # one bot's update ids are unique across all its chats
_MESSAGE_IDS = itertools.count(1)


class Updates:
    """Builds real Update JSON as the Bot API sends it."""

    _ids = _UPDATE_IDS
    _messages = _MESSAGE_IDS

    @staticmethod
    def user(user_id: int, first: str, last: str = "") -> dict:
        return {"id": user_id, "is_bot": False, "first_name": first, "last_name": last,
                "language_code": "vi"}

    @staticmethod
    def chat(chat_id: int, title: str = "") -> dict:
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "x"}
        return {"id": chat_id, "type": "supergroup", "title": title or "Nhóm chi đoàn"}

    def _message(self, user: dict, chat_id: int, **extra) -> dict:
        return {"update_id": next(self._ids), "message": {
            "message_id": next(self._messages), "date": 1763460000,
            "chat": self.chat(chat_id), "from": user, **extra}}

    def text(self, user: dict, text: str, chat_id: Optional[int] = None) -> dict:
        extra: dict = {"text": text}
        if text.startswith("/"):
            extra["entities"] = [{"type": "bot_command", "offset": 0,
                                  "length": len(text.split()[0])}]
        return self._message(user, chat_id or user["id"], **extra)

    def photo(self, user: dict, file_id: str, chat_id: Optional[int] = None,
              caption: str = "") -> dict:
        sizes = [{"file_id": f"{file_id}_s", "file_unique_id": f"{file_id}_s", "width": 90,
                  "height": 67, "file_size": 1000},
                 {"file_id": file_id, "file_unique_id": file_id, "width": 640, "height": 480,
                  "file_size": 30000}]
        extra = {"caption": caption} if caption else {}
        return self._message(user, chat_id or user["id"], photo=sizes, **extra)

    def sticker(self, user: dict, chat_id: Optional[int] = None) -> dict:
        return self._message(user, chat_id or user["id"], sticker={
            "file_id": "CAACAgIAAxk", "file_unique_id": "AgADsticker", "type": "regular",
            "width": 512, "height": 512, "is_animated": False, "is_video": False, "emoji": "👍"})

    def document(self, user: dict, chat_id: Optional[int] = None) -> dict:
        return self._message(user, chat_id or user["id"], document={
            "file_id": "BQACAgIAAxk", "file_unique_id": "AgADdoc", "file_name": "anh.jpg",
            "mime_type": "image/jpeg", "file_size": 50000})

    def tap(self, user: dict, data: str, chat_id: Optional[int] = None) -> dict:
        chat = chat_id or user["id"]
        return {"update_id": next(self._ids), "callback_query": {
            "id": str(next(self._ids)), "from": user, "chat_instance": "ci", "data": data,
            "message": {"message_id": 1, "date": 1763460000, "chat": self.chat(chat),
                        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Báo cáo Đoàn"},
                        "text": "…"}}}
