"""Per-message context: the open transaction, the services, the user's dialog state."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

from sqlmodel import Session

from handlers.messages import Incoming, Reply
from storage import repo
from storage.media import StoredPhoto
from handlers.services import Services


@dataclass
class Ctx:
    s: Session
    svc: Services
    msg: Incoming
    state: Optional[repo.ActiveDialog]
    photo: Optional[StoredPhoto] = None  # stored before the transaction opened
    photo_error: bool = False
    state_changed: bool = field(default=False, repr=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.msg.platform, self.msg.chat_id, self.msg.user_id)

    @property
    def data(self) -> dict:
        return dict(self.state.data) if self.state else {}

    def ask(self, flow: str, step: str, data: dict, reply: Reply) -> list[Reply]:
        """Move the dialog to `step`, remembering the offered choices for typed answers."""
        data = dict(data)
        data["_choices"] = [[c.label, c.data] for c in reply.choices if c.data]
        data["_menu"] = reply.menu
        self.move(flow, step, data)
        return [reply]

    def move(self, flow: str, step: str, data: dict) -> None:
        """Set the dialog's position; stored once, when the step's handling ends."""
        self.state, self.state_changed = repo.ActiveDialog(flow, step, dict(data)), True

    def end_dialog(self) -> None:
        self.state, self.state_changed = None, True

    def store_state(self) -> None:
        """Write the dialog's position if the step changed it (one statement at most)."""
        if not self.state_changed:
            return
        if self.state is None:
            repo.clear_state(self.s, *self.key)
        else:
            repo.save_state(self.s, *self.key, self.state.flow, self.state.step, self.state.data)
        self.state_changed = False

    def with_choice(self, data: str) -> "Ctx":
        self.msg = replace(self.msg, kind="choice", choice=data)
        return self
