"""Per-message context: the open transaction, the services, the user's dialog state."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Optional

from sqlmodel import Session

from handlers.messages import Incoming, Reply
from storage import repo
from storage.models import DialogState
from storage.media import StoredPhoto
from handlers.services import Services


@dataclass
class Ctx:
    s: Session
    svc: Services
    msg: Incoming
    state: Optional[DialogState]
    photo: Optional[StoredPhoto] = None  # stored before the transaction opened
    photo_error: bool = False

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
        self.state = repo.save_state(self.s, *self.key, flow=flow, step=step, data=data,
                                     state=self.state)
        return [reply]

    def end_dialog(self) -> None:
        repo.clear_state(self.s, *self.key)
        self.state = None

    def with_choice(self, data: str) -> "Ctx":
        self.msg = replace(self.msg, kind="choice", choice=data)
        return self
