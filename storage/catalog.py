"""The task catalog (a year's plan) as data: load from YAML, replace, seed the default."""
from __future__ import annotations

from pathlib import Path

import yaml
from sqlmodel import Session, select

from storage.models import Plan, Task

DEFAULT_PLAN = Path(__file__).with_name("default_plan.yaml")


class PlanError(ValueError):
    """The plan file is not usable; the message lists every problem."""


def load_plan(path: Path) -> dict:
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PlanError(f"không đọc được {path}: {exc}") from exc
    problems = []
    if not isinstance(doc, dict) or not isinstance(doc.get("tasks"), list) or not doc["tasks"]:
        raise PlanError("tệp cần có `name` và danh sách `tasks` không rỗng")
    seen = set()
    for i, task in enumerate(doc["tasks"], start=1):
        if not isinstance(task, dict):
            problems.append(f"nhiệm vụ thứ {i}: sai định dạng (cần code, label, title)")
            continue
        for key in ("code", "label", "title"):
            if not str(task.get(key) or "").strip():
                problems.append(f"nhiệm vụ thứ {i}: thiếu `{key}`")
        code = str(task.get("code") or "").strip()
        if code in seen:
            problems.append(f"nhiệm vụ thứ {i}: mã {code} bị trùng")
        seen.add(code)
        if len(str(task.get("label") or "")) > 40:
            problems.append(f"nhiệm vụ thứ {i}: nhãn (label) dài quá 40 ký tự, không vừa nút bấm")
    if problems:
        raise PlanError("\n".join(problems))
    return doc


def import_plan(s: Session, doc: dict) -> Plan:
    """Make `doc` the active plan. Old plans stay, so old reports keep their tasks."""
    s.info.pop("active_plan_id", None)  # repo.active_tasks' per-transaction memory
    for old in s.exec(select(Plan).where(Plan.active == True)):  # noqa: E712
        old.active = False
        s.add(old)
    plan = Plan(name=str(doc.get("name") or "Kế hoạch"), active=True)
    s.add(plan)
    s.flush()
    for position, task in enumerate(doc["tasks"]):
        s.add(Task(plan_id=plan.id, code=str(task["code"]).strip(), label=str(task["label"]).strip(),
                   title=str(task["title"]).strip(), group_name=str(task.get("group") or ""),
                   suggestion=str(task.get("suggestion") or ""), position=position))
    return plan


def ensure_default_plan(s: Session) -> None:
    if s.exec(select(Plan.id)).first() is None:
        import_plan(s, load_plan(DEFAULT_PLAN))


def task_name(code: str, label: str) -> str:
    """How a task prints: "ĐP1 Cán bộ"; a task whose code is its label ("Khác") prints once."""
    return label if code.strip().casefold() == label.strip().casefold() else f"{code} {label}"


def task_display(task: Task) -> str:
    """A task as people read it (the one place its label is built): see task_name."""
    return task_name(task.code, task.label)
