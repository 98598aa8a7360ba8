"""Test helpers: a clock you set, a small organisation, people who chat with the core."""
from __future__ import annotations

import io
import itertools
from datetime import datetime, timedelta, timezone

from PIL import Image

from handlers.dispatch import handle
from handlers.messages import Incoming, Reply
from handlers.services import Services
from handlers.textutil import parse_command
from storage.db import session_scope
from storage.units_import import import_units

ORG_ROWS = [
    ["TD", "Tỉnh đoàn Vĩnh Long", "", "tỉnh"],
    ["HD-A", "Huyện đoàn A", "TD", "huyện"],
    ["HD-B", "Huyện đoàn B", "TD", "huyện"],
    ["CD-A1", "Chi đoàn ấp 1", "HD-A", "chi đoàn"],
    ["CD-A2", "Chi đoàn ấp 2", "HD-A", "chi đoàn"],
    ["CD-B1", "Chi đoàn khóm 1", "HD-B", "chi đoàn"],
    ["CD-B2", "Chi đoàn khóm 2", "HD-B", "chi đoàn"],
]


class FakeClock:
    """Now is what the test says; starts on Wednesday 18/11/2026 10:00 UTC (17:00 local)."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime(2026, 11, 18, 10, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


def make_org(engine) -> dict:
    from storage import repo
    with session_scope(engine) as s:
        import_units(s, ["code", "name", "parent_code", "level"], ORG_ROWS)
    with session_scope(engine) as s:
        return {u.code: u for u in repo.all_units(s)}


def photo_bytes(seed: int = 0, size=(640, 480)) -> bytes:
    """A distinct small JPEG per seed."""
    image = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    buf = io.BytesIO()
    image.save(buf, "JPEG")
    return buf.getvalue()


_keys = itertools.count(1)


class Person:
    """Someone chatting with the neutral core, as an adapter would present them."""

    def __init__(self, services: Services, user_id: str, name: str, platform: str = "telegram",
                 chat_id: str | None = None, chat_type: str = "private", chat_title: str = ""):
        self.services, self.user_id, self.name = services, user_id, name
        self.platform, self.chat_type, self.chat_title = platform, chat_type, chat_title
        self.chat_id = chat_id or user_id
        self.last: list[Reply] = []

    def in_group(self, chat_id: str, title: str = "Nhóm chi đoàn") -> "Person":
        return Person(self.services, self.user_id, self.name, self.platform, chat_id, "group", title)

    def message(self, kind: str, **fields) -> Incoming:
        return Incoming(platform=self.platform, chat_id=self.chat_id, user_id=self.user_id,
                        update_key=fields.pop("update_key", f"u{next(_keys)}"), kind=kind,
                        chat_type=self.chat_type, user_name=self.name,
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
        raise AssertionError(f"no button {label!r} in {[c.label for r in self.last for c in r.choices]}")

    async def photo(self, data: bytes | None = None, seed: int = 0) -> list[Reply]:
        payload = data if data is not None else photo_bytes(seed)

        async def load() -> bytes:
            return payload
        return await self.send(self.message("photo", load_photo=load))

    async def sticker(self) -> list[Reply]:
        return await self.send(self.message("sticker"))

    def text(self) -> str:
        return "\n".join(r.text for r in self.last)


async def run_script(person: Person, script: list[tuple[str, str]]) -> None:
    """Play (action, expected) pairs: action is text, 'tap:Label', 'photo:N', 'sticker' or 'document'."""
    for action, expected in script:
        if action.startswith("tap:"):
            await person.tap(action[4:])
        elif action.startswith("photo:"):
            await person.photo(seed=int(action[6:]))
        elif action in ("sticker", "document"):
            await person.send(person.message(action))
        else:
            await person.say(action)
        assert expected in person.text(), f"after {action!r}: expected {expected!r}, got:\n{person.text()}"
