"""The rows of the per-unit sheets: units in tree order, each parent unit as a subtotal row of
its subtree (placed before its units, never as a unit with zeros), and a grand total."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

from storage.models import Unit


@dataclass(frozen=True)
class Line:
    kind: str  # unit | subtotal | total
    label: str
    depth: int
    members: tuple[int, ...]  # unit ids whose figures the line adds up
    unit: Optional[Unit] = None


OWN_ACTIVITIES = "{name} (hoạt động của cơ quan)"


def tree_lines(ordered: list[tuple[Unit, int]],
               has_reports: Callable[[int], bool] = lambda _uid: False) -> list[Line]:
    """`ordered` is storage.repo.tree_order output (depth-first, with depths).

    A parent's own reports (a district union's office acting itself) get a unit row of their
    own under its subtotal. A single root's subtotal would repeat the grand total, so it is
    left out.
    """
    subtree = subtrees(ordered)
    single_root = sum(1 for _, depth in ordered if depth == 0) == 1
    lines: list[Line] = []
    for unit, depth in ordered:
        members = subtree[unit.id]
        if len(members) == 1:
            lines.append(Line("unit", unit.name, depth, (unit.id,), unit))
            continue
        if not (depth == 0 and single_root):
            lines.append(Line("subtotal", unit.name, depth, tuple(members), unit))
        if has_reports(unit.id):
            lines.append(Line("unit", OWN_ACTIVITIES.format(name=unit.name), depth + 1,
                              (unit.id,), unit))
    lines.append(Line("total", "TỔNG CỘNG", 0, tuple(u.id for u, _ in ordered)))
    return lines


def subtrees(ordered) -> dict[int, list[int]]:
    """Each unit id -> its own id and its descendants' ids, from tree order with depths."""
    out: dict[int, list[int]] = {}
    stack: list[tuple[Unit, int]] = []
    for unit, depth in ordered:
        while stack and stack[-1][1] >= depth:
            stack.pop()
        for ancestor, _ in stack:
            out[ancestor.id].append(unit.id)
        out[unit.id] = [unit.id]
        stack.append((unit, depth))
    return out
