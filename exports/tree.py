"""The rows of the per-unit sheets: units in tree order, a subtotal after each parent's
subtree, and a grand total."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from storage.models import Unit


@dataclass(frozen=True)
class Line:
    kind: str  # unit | subtotal | total
    label: str
    depth: int
    members: tuple[int, ...]  # unit ids whose figures the line adds up
    unit: Optional[Unit] = None


def tree_lines(ordered: list[tuple[Unit, int]]) -> list[Line]:
    """`ordered` is storage.repo.tree_order output (depth-first, with depths).

    A single root's subtotal would repeat the grand total, so it is left out.
    """
    lines: list[Line] = []
    open_parents: list[tuple[Unit, int, list[int]]] = []  # (unit, depth, ids in its subtree)

    def close_until(depth: int) -> None:
        while open_parents and open_parents[-1][1] >= depth:
            unit, d, members = open_parents.pop()
            if open_parents:
                open_parents[-1][2].extend(members)
            if len(members) > 1 and not (d == 0 and single_root):
                lines.append(Line("subtotal", f"Cộng {unit.name}", d, tuple(members), unit))

    single_root = sum(1 for _, depth in ordered if depth == 0) == 1
    for unit, depth in ordered:
        close_until(depth)
        lines.append(Line("unit", unit.name, depth, (unit.id,), unit))
        open_parents.append((unit, depth, [unit.id]))
    close_until(0)
    lines.append(Line("total", "TỔNG CỘNG", 0, tuple(u.id for u, _ in ordered)))
    return lines
