"""The weekly cycle, one feature: remind, follow up, digest.

- `calendar`: when messages are due (slots, public holidays and office days off, quiet hours).
- `schedule`: each unit's effective schedule, pauses and days off, read from the database.
- `rounds`: who gets which message in a round (delivery rows, written before anything is sent).
- `texts`: what the messages say, and the schedule as people read it.
- `commands`: its chat commands (/lichnhac, `/dangky <code> vanphong`).

Adapters: `bot/scheduler.py` (when rounds are built, and the transaction they are built in)
and `bot/delivery.py` (sending the rows). Tables: `storage/reminders.py`.

The one deadline rule (deadline and grace window of a week) lives in `storage/weeks.py`, not
here: exports use it too and must not import handlers. This package uses it
(`WeeklySchedule.rule`, `Calendar.rules`).
"""
