"""Test helpers: a clock you set, a small organisation, people who chat with the core."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.simulate import SimulatedUser, generated_photo
from handlers.messages import Reply
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


ORG_REGISTERED = datetime(2026, 1, 5, 0, 0, tzinfo=timezone.utc)


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
        for unit in repo.all_units(s):  # registered long before the weeks the tests look at
            unit.created_at = ORG_REGISTERED
    with session_scope(engine) as s:
        return {u.code: u for u in repo.all_units(s)}


photo_bytes = generated_photo


class Person(SimulatedUser):
    """A simulated user whose missing button fails the test."""

    async def tap(self, label: str) -> list[Reply]:
        try:
            return await super().tap(label)
        except LookupError as exc:
            raise AssertionError(str(exc)) from None


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
