"""Import the organisation tree from rows `code,name,parent_code[,level][,contact][,members]`."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from sqlmodel import Session

from storage import repo
from storage.clock import utcnow
from storage.models import Unit

REQUIRED = ("code", "name", "parent_code")
OPTIONAL = ("level", "contact", "members")
MEMBERS_MAX = 1_000_000


class UnitImportError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: int = 0


def parse_members(text: str) -> Optional[int]:
    """'32', '1.200' or '1,200', and '32.0' (a spreadsheet number read as text); else None."""
    text = text.strip()
    if re.fullmatch(r"\d+(?:\.0)?", text):
        return int(text.split(".")[0])
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", text):
        return int(re.sub(r"[.,]", "", text))
    return None


def validate(header: list[str], rows: list[list[str]], existing: dict[str, Optional[str]]
             ) -> list[dict]:
    """Rows as dicts, or UnitImportError naming every bad row (file rows count from 1 = header).
    Messages are Vietnamese: office staff read them.

    `existing` maps codes already in the database to their parent code.
    """
    names = [str(h or "").strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise UnitImportError([f"dòng 1: thiếu cột {', '.join(missing)} "
                               f"(dòng tiêu đề phải là {','.join(REQUIRED)}[,level][,contact][,members])"])
    problems, records, first_row = [], [], {}
    for number, raw in enumerate(rows, start=2):
        values = {name: str(raw[i] if i < len(raw) and raw[i] is not None else "").strip()
                  for i, name in enumerate(names) if name in REQUIRED + OPTIONAL}
        if not any(values.values()):
            continue  # blank line
        code, name = values["code"], values["name"]
        if not code:
            problems.append(f"dòng {number}: thiếu mã đơn vị (code)")
            continue
        if len(code) > 64:
            problems.append(f"dòng {number}: mã đơn vị dài quá 64 ký tự")
        if not name:
            problems.append(f"dòng {number}: đơn vị {code} chưa có tên (name)")
        if code in first_row:
            problems.append(f"dòng {number}: mã {code} bị trùng (đã có ở dòng {first_row[code]})")
            continue
        members = parse_members(values.get("members", ""))
        if values.get("members") and (members is None or members > MEMBERS_MAX):
            problems.append(f"dòng {number}: số đoàn viên (members) «{values['members'][:20]}» "
                            f"phải là một số nguyên từ 0 đến {MEMBERS_MAX:,}".replace(",", "."))
        values["members"] = members
        if values["parent_code"] == code:
            problems.append(f"dòng {number}: đơn vị {code} không thể là cấp trên của chính nó")
        first_row[code] = number
        records.append({**values, "row": number})
    parents = dict(existing)
    parents.update({r["code"]: r["parent_code"] or None for r in records})
    for r in records:
        if r["parent_code"] and r["parent_code"] not in parents:
            problems.append(f"dòng {r['row']}: không có đơn vị cấp trên mã {r['parent_code']} "
                            f"(parent_code) của đơn vị {r['code']}")
    for r in records:
        seen, code = [], r["code"]
        while code and code in parents and code not in seen:
            seen.append(code)
            code = parents[code]
        if code and code in seen and code == r["code"]:
            problems.append(f"dòng {r['row']}: đơn vị {r['code']} nằm trong vòng lặp cấp trên "
                            f"({' → '.join(seen + [code])})")
    if problems:
        raise UnitImportError(problems)
    return records


def import_units(s: Session, header: list[str], rows: list[list[str]],
                 retire_missing: bool = False) -> ImportResult:
    """Apply a whole file in the caller's transaction; on any problem nothing is written."""
    units = {u.code: u for u in repo.all_units(s, include_retired=True)}
    by_id = {u.id: u for u in units.values()}
    existing = {code: by_id[u.parent_id].code if u.parent_id in by_id else None
                for code, u in units.items()}
    records = validate(header, rows, existing)
    snapshot = lambda u, parent: (u.name, u.level, u.contact, u.members, u.active,  # noqa: E731
                                  parent)
    before = {code: snapshot(u, existing[code]) for code, u in units.items()}
    for position, r in enumerate(records):
        unit = units.get(r["code"])
        if unit is None:
            unit = units[r["code"]] = Unit(code=r["code"], name=r["name"],
                                           join_code=repo.new_join_code(s))
        unit.name, unit.position, unit.active, unit.retired_at = r["name"], position, True, None
        unit.level = r.get("level") or unit.level
        unit.contact = r.get("contact") or unit.contact
        unit.members = r["members"] if r["members"] is not None else unit.members
        s.add(unit)
    s.flush()  # new units get ids before parents are linked
    result = ImportResult()
    for r in records:
        unit, parent_code = units[r["code"]], r["parent_code"] or None
        unit.parent_id = units[parent_code].id if parent_code else None
        s.add(unit)
        if r["code"] not in before:
            result.added.append(r["code"])
        elif before[r["code"]] != snapshot(unit, parent_code):
            result.updated.append(r["code"])
        else:
            result.unchanged += 1
    if retire_missing:
        in_file = {r["code"] for r in records}
        for code, unit in units.items():
            if code not in in_file and unit.active:
                unit.active, unit.retired_at = False, utcnow()
                s.add(unit)
                result.retired.append(code)
    return result
