"""Simulated chat users that talk to the real core: the demo's cadres, the shell, the tests."""
from __future__ import annotations

import io
import itertools
import uuid
from typing import Optional

from PIL import Image, ImageDraw

from handlers.dispatch import handle
from handlers.messages import Incoming, Reply
from handlers.services import Services
from handlers.textutil import parse_command

_update_keys = itertools.count(1)
# Update keys are claimed in the database once; a second process (a second `fieldreport shell`
# on the same database) must not reuse the first one's, or all it says is dropped as a repeat.
_RUN = uuid.uuid4().hex[:12]


def generated_photo(seed: int = 0, size=(640, 480), caption: str = "") -> bytes:
    """A distinct JPEG per seed, drawn locally (evidence photos for demos and tests)."""
    colour = ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256)
    image = Image.new("RGB", size, colour)
    if caption:
        ImageDraw.Draw(image).text((20, 20), caption, fill=(255, 255, 255))
    buf = io.BytesIO()
    image.save(buf, "JPEG")
    return buf.getvalue()


class SimulatedUser:
    """Someone chatting with the neutral core, as an adapter would present them."""

    def __init__(self, services: Services, user_id: str, name: str, platform: str = "telegram",
                 chat_id: Optional[str] = None, chat_type: str = "private", chat_title: str = ""):
        self.services, self.user_id, self.name = services, user_id, name
        self.platform, self.chat_type, self.chat_title = platform, chat_type, chat_title
        self.chat_id = chat_id or user_id
        self.last: list[Reply] = []

    def in_group(self, chat_id: str, title: str = "Nhóm chi đoàn") -> "SimulatedUser":
        return type(self)(self.services, self.user_id, self.name, self.platform, chat_id, "group",
                          title)

    def message(self, kind: str, **fields) -> Incoming:
        key = fields.pop("update_key", f"sim-{self.platform}-{_RUN}-{next(_update_keys)}")
        return Incoming(platform=self.platform, chat_id=self.chat_id, user_id=self.user_id,
                        update_key=key, kind=kind, chat_type=self.chat_type, user_name=self.name,
                        chat_title=self.chat_title, **fields)

    async def send(self, msg: Incoming) -> list[Reply]:
        self.last = await handle(msg, self.services)
        return self.last

    async def say(self, text: str) -> list[Reply]:
        command = parse_command(text)
        if command:
            return await self.send(self.message("command", text=text, command=command[0],
                                                args=command[1]))
        return await self.send(self.message("text", text=text))

    async def tap(self, label: str) -> list[Reply]:
        """Press the button whose label contains `label` in the latest replies."""
        for reply in reversed(self.last):
            for choice in reply.choices:
                if label in choice.label and choice.data:
                    return await self.send(self.message("choice", choice=choice.data))
        offered = [c.label for r in self.last for c in r.choices]
        raise LookupError(f"no button {label!r} among {offered}")

    async def photo(self, data: Optional[bytes] = None, seed: int = 0) -> list[Reply]:
        payload = data if data is not None else generated_photo(seed)

        async def load() -> bytes:
            return payload
        return await self.send(self.message("photo", load_photo=load))

    def text(self) -> str:
        return "\n".join(r.text for r in self.last)
