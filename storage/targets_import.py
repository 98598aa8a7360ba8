"""Import yearly targets (chỉ tiêu) from rows
`Mã đơn vị,Mã nhiệm vụ,Năm,Số hoạt động[,Số người tham gia]` (or the English header
`unit_code,task_code,year,activities[,participants]`).

A unit code sets that unit's target; a level name (`chi đoàn`) sets it for every active unit of
that level, and a unit's own row wins over its level's row. A bad file is rejected whole.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

from sqlmodel import Session

from storage import repo
from storage import review as store

COLUMNS = ("unit", "task", "year", "activities", "participants")
HEADERS = {
    "unit": ("Mã đơn vị", "unit_code"),
    "task": ("Mã nhiệm vụ", "task_code"),
    "year": ("Năm", "year"),
    "activities": ("Số hoạt động", "activities"),
    "participants": ("Số người tham gia", "participants"),
}
VI_HEADER = ",".join(h[0] for h in HEADERS.values())


class TargetImportError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class TargetImportResult:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    units: set = field(default_factory=set)


def _fold(text: str) -> str:
    """Accents and case ignored, đ = d (as handlers/textutil.py folds typed answers)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    stripped = "".join(c for c in unicodedata.normalize("NFD", text)
                       if unicodedata.category(c) != "Mn")
    return re.sub(r"\s+", " ", stripped).strip().lower()


_WHOLE = re.compile(r"^(\d{1,3}(?:[.,]\d{3})+|\d+)(?:\.0+)?$")  # 1.200, 12, 12.0 (xlsx)


def _number(text: str, what: str, number: int, problems: list[str], optional=False
            ) -> Optional[int]:
    text = text.strip()
    if not text:
        if not optional:
            problems.append(f"dòng {number}: thiếu {what}")
        return None
    match = _WHOLE.match(text)
    if not match:
        problems.append(f"dòng {number}: {what} «{text}» không phải số nguyên không âm")
        return None
    return int(re.sub(r"[.,]", "", match.group(1)))


def import_targets(s: Session, header: list[str], rows: list[list[str]], actor: str,
                   now: datetime) -> TargetImportResult:
    """Validate every row first; write only when the whole file is good."""
    folded = [_fold(str(h or "")) for h in header]
    positions = {}
    for key, names in HEADERS.items():
        for name in names:
            if _fold(name) in folded:
                positions[key] = folded.index(_fold(name))
    missing = [HEADERS[k][0] for k in COLUMNS[:4] if k not in positions]
    if missing:
        raise TargetImportError([f"dòng 1: thiếu cột {', '.join(missing)} (dòng tiêu đề phải là "
                                 f"{VI_HEADER}, cột cuối không bắt buộc)"])
    units = repo.all_units(s)
    by_code = {u.code.upper(): u for u in units}
    by_level: dict[str, list] = {}
    for u in units:
        if u.level:
            by_level.setdefault(_fold(u.level), []).append(u)
    tasks = {_fold(t.code): t.code for t in repo.active_tasks(s)}
    problems, seen = [], {}
    planned: dict[tuple[int, str, int], tuple[int, Optional[int], bool]] = {}
    for number, raw in enumerate(rows, start=2):
        cell = {k: str(raw[i] if i < len(raw) and raw[i] is not None else "").strip()
                for k, i in positions.items()}
        if not any(cell.values()):
            continue
        targets, specific = [], True
        unit_text = cell["unit"]
        if unit_text.upper() in by_code:
            targets = [by_code[unit_text.upper()]]
        elif _fold(unit_text) in by_level:
            targets, specific = by_level[_fold(unit_text)], False
        else:
            problems.append(f"dòng {number}: «{unit_text}» không phải mã đơn vị hay tên cấp "
                            "(ví dụ «chi đoàn») đang có")
        task = tasks.get(_fold(cell["task"]))
        if task is None:
            problems.append(f"dòng {number}: nhiệm vụ «{cell['task']}» không có trong kế hoạch")
        year = _number(cell["year"], "năm", number, problems)
        if year is not None and not 2000 <= year <= 2100:
            problems.append(f"dòng {number}: năm {year} không hợp lệ")
            year = None
        activities = _number(cell["activities"], "số hoạt động", number, problems)
        participants = _number(cell.get("participants", ""), "số người tham gia", number,
                               problems, optional=True)
        if not targets or task is None or year is None or activities is None:
            continue
        key = (_fold(unit_text), task, year)
        if key in seen:
            problems.append(f"dòng {number}: trùng với dòng {seen[key]} "
                            f"({unit_text}, {task}, {year})")
            continue
        seen[key] = number
        for unit in targets:
            slot = (unit.id, task, year)
            if slot in planned and planned[slot][2] and not specific:
                continue  # the unit's own row wins over its level's
            planned[slot] = (activities, participants, specific)
    if problems:
        raise TargetImportError(problems)
    if not planned:
        raise TargetImportError(["tệp không có dòng chỉ tiêu nào"])
    result = TargetImportResult()
    names = {u.id: u for u in units}
    for (unit_id, task, year), (activities, participants, _) in planned.items():
        _, old = store.set_target(s, unit_id, task, year, activities, participants, now)
        if old is not None and (old.activities, old.participants) == (activities, participants):
            result.unchanged += 1
            continue
        result.changed += old is not None
        result.added += old is None
        result.units.add(unit_id)
        before = f" (trước: {old.activities})" if old is not None else ""
        store.record(s, "target", actor, detail=f"{names[unit_id].code} {task} {year}: {activities} hoạt động{before}", unit_id=unit_id, now=now)
    return result
