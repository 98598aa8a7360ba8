"""Tables of the reporting core. Times are aware UTC (see storage.clock)."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.clock import utcnow


class Unit(SQLModel, table=True):
    """A node of the organisation tree (provincial union, district union, branch...)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=255)
    parent_id: Optional[int] = Field(default=None, foreign_key="unit.id", index=True)
    level: Optional[str] = Field(default=None, max_length=64)
    contact: Optional[str] = Field(default=None, max_length=255)
    members: Optional[int] = None  # the unit's size (units import), to question odd head counts
    join_code: str = Field(max_length=16, unique=True)
    position: int = 0  # tree order from the last import
    active: bool = True
    retired_at: Optional[datetime] = None
    created_at: datetime = Field(default_factory=utcnow)


class Member(SQLModel, table=True):
    """A chat user linked to a unit (a cadre); role `secretary` may bind the unit's group."""

    __table_args__ = (UniqueConstraint("platform", "user_id", "unit_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=64)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    display_name: str = Field(default="", max_length=255)
    chat_id: str = Field(max_length=64)  # private chat, for reminders
    role: str = Field(default="member", max_length=16)
    active: bool = True
    joined_at: datetime = Field(default_factory=utcnow)


class Admin(SQLModel, table=True):
    """Office staff; `unit_id` limits them to a subtree, None means the whole tree."""

    __table_args__ = (UniqueConstraint("platform", "user_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=64)
    unit_id: Optional[int] = Field(default=None, foreign_key="unit.id")
    created_at: datetime = Field(default_factory=utcnow)


class ChatBinding(SQLModel, table=True):
    """A group chat bound to a unit (`purpose` unit) or used as a unit's office chat."""

    __tablename__ = "chat_binding"
    __table_args__ = (UniqueConstraint("platform", "chat_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=64)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    purpose: str = Field(default="unit", max_length=16)
    title: str = Field(default="", max_length=255)
    bound_by: str = Field(default="", max_length=64)
    active: bool = True
    bound_at: datetime = Field(default_factory=utcnow)
    deactivated_at: Optional[datetime] = None  # the bot was removed from the chat


class Plan(SQLModel, table=True):
    """A year's task catalog; exactly one is active."""

    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=255)
    active: bool = True
    imported_at: datetime = Field(default_factory=utcnow)


class Task(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("plan_id", "code"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    code: str = Field(max_length=32)
    label: str = Field(max_length=64)  # short, fits a button
    title: str = Field(max_length=500)
    group_name: str = Field(default="", max_length=255)
    suggestion: str = Field(default="", max_length=500)  # a concrete 30-minute action
    position: int = 0


class Report(SQLModel, table=True):
    __table_args__ = (Index("ix_report_unit_period", "unit_id", "period"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    receipt_code: str = Field(max_length=16, unique=True)
    unit_id: int = Field(foreign_key="unit.id")
    task_id: int = Field(foreign_key="task.id")
    platform: str = Field(max_length=16)
    reporter_id: str = Field(max_length=64)
    reporter_name: str = Field(default="", max_length=255)
    content: str
    participants: Optional[int] = None
    difficulties: Optional[str] = None
    proposals: Optional[str] = None
    period: str = Field(max_length=10, index=True)  # ISO week, e.g. 2026-W47
    revision: int = 1
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class Media(SQLModel, table=True):
    """A stored photo, addressed by the SHA-256 of its bytes."""

    sha256: str = Field(primary_key=True, max_length=64)
    path: str = Field(max_length=255)  # relative to MEDIA_DIR
    thumb_path: str = Field(max_length=255)
    width: int
    height: int
    size_bytes: int
    created_at: datetime = Field(default_factory=utcnow)


class ReportPhoto(SQLModel, table=True):
    __tablename__ = "report_photo"
    id: Optional[int] = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    sha256: str = Field(foreign_key="media.sha256", index=True, max_length=64)
    position: int = 0
    reused_from: Optional[str] = Field(default=None, max_length=16)  # receipt code of an earlier report


class DialogState(SQLModel, table=True):
    """Where a user is in a dialog; survives restarts."""

    __tablename__ = "dialog_state"
    platform: str = Field(primary_key=True, max_length=16)
    chat_id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(primary_key=True, max_length=64)
    flow: str = Field(max_length=32)
    step: str = Field(max_length=32)
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class ProcessedUpdate(SQLModel, table=True):
    """Platform update ids already handled, so a repeated delivery has no second effect."""

    __tablename__ = "processed_update"
    platform: str = Field(primary_key=True, max_length=16)
    update_key: str = Field(primary_key=True, max_length=128)
    created_at: datetime = Field(default_factory=utcnow, index=True)
