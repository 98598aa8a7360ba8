"""Each unit's effective schedule (nearest subtree setting wins), pauses and days off, from the DB."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from sqlmodel import Session

from handlers.weekly.calendar import DEFAULT_SCHEDULE, KINDS, DaysOff, Slot, WeeklySchedule
from storage import repo
from storage import reminders as store
from storage.models import Unit
from storage.weeks import WeekRules, week_rules_from

OFF = "off"


def schedule_from_specs(specs: dict[str, Optional[str]]) -> WeeklySchedule:
    """Stored slot specs -> WeeklySchedule; a missing spec means the default, 'off' means none."""
    values = {}
    for column in store.SLOT_COLUMNS:
        spec = specs.get(column)
        if spec is None:
            values[column] = getattr(DEFAULT_SCHEDULE, column)
        elif spec == OFF:
            # The deadline and the grace window cannot be switched off: defaults then.
            values[column] = (getattr(DEFAULT_SCHEDULE, column) if column in ("deadline", "grace")
                              else None)
        else:
            values[column] = Slot.from_key(spec)
    return WeeklySchedule(**values)


@dataclass
class Calendar:
    """What the reminder machinery needs to know about the tree, read once per round."""

    units: dict[int, Unit]
    parents: dict[int, Optional[int]]
    rows: dict
    pauses: dict
    days_off: DaysOff
    _kids: Optional[dict] = None
    _rules: Optional[WeekRules] = None

    @property
    def rules(self) -> WeekRules:
        """Each unit's deadline rule, from the same rows (storage.weeks, the one rule)."""
        if self._rules is None:
            self._rules = week_rules_from(self.rows, self.parents)
        return self._rules

    def schedule_of(self, unit_id: Optional[int]) -> WeeklySchedule:
        """The unit's effective weekly schedule (None: the whole-tree default)."""
        chain = store.ancestors(self.parents, unit_id) if unit_id is not None else []
        return schedule_from_specs(store.effective_specs(self.rows, chain))

    def pause(self, unit_id: int, day: date) -> Optional[store.ReminderPause]:
        return store.paused_by(self.pauses, store.ancestors(self.parents, unit_id), day)

    def slots_in_use(self) -> set[tuple[str, str]]:
        """(kind, slot key) pairs some active unit is scheduled on."""
        used = set()
        for unit_id in self.units:
            plan = self.schedule_of(unit_id)
            for kind in KINDS:
                slot = plan.slot(kind)
                if slot is not None:
                    used.add((kind, slot.key))
        return used

    def units_on(self, kind: str, slot_key: Optional[str], day: date) -> list[Unit]:
        """Active units scheduled on this slot (any slot when None) and not paused on `day`."""
        chosen = []
        for unit_id, unit in self.units.items():
            slot = self.schedule_of(unit_id).slot(kind)
            if slot is None or (slot_key is not None and slot.key != slot_key):
                continue
            if self.pause(unit_id, day) is None:
                chosen.append(unit)
        return chosen

    def children(self, unit_id: Optional[int]) -> list[Unit]:
        if self._kids is None:
            self._kids = {}
            for unit in sorted(self.units.values(), key=lambda u: (u.position, u.id)):
                self._kids.setdefault(unit.parent_id, []).append(unit)
        return self._kids.get(unit_id, [])

    def descendants(self, unit_id: int) -> list[Unit]:
        """Everything below the unit, in tree order (parents before their children)."""
        out, stack = [], list(reversed(self.children(unit_id)))
        while stack:
            unit = stack.pop()
            out.append(unit)
            stack.extend(reversed(self.children(unit.id)))
        return out


def load_calendar(s: Session) -> Calendar:
    units = {u.id: u for u in repo.all_units(s)}
    return Calendar(units=units, parents=store.parent_map(s), rows=store.schedule_rows(s),
                    pauses=store.pauses(s), days_off=DaysOff(store.office_days_off(s)))


def load_days_off(s: Session) -> DaysOff:
    return DaysOff(store.office_days_off(s))
