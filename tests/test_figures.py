"""The office's figures: open weeks, the one deadline rule, activity weeks, honest titles, and
exports.figures.period_figures equal to the workbook (issue 14, items 2 and 4)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from openpyxl import load_workbook
from sqlmodel import select

from exports.figures import period_figures
from exports.periods import parse_period
from exports.rollup import write_rollup
from storage import reminders as store
from storage.clock import LOCAL_TZ
from storage.db import session_scope
from storage.models import Report, Task, Unit
from tests.test_export import HEADER, add_report, by_code, by_label, local, rows_of


def at(day, hour, minute=0, month=11):
    return datetime(2026, month, day, hour, minute, tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def export(engine, tmp_path, spec, as_of, unit_code=None):
    return load_workbook(write_rollup(engine, tmp_path / f"{spec}.xlsx", spec, unit_code,
                                      generated_at=as_of))


def test_month_titles_give_calendar_dates_and_say_how_weeks_count():
    assert parse_period("2026-11").title == "Tháng 11/2026 (01/11/2026 – 30/11/2026)"
    assert parse_period("2026-Q4").title == "Quý IV/2026 (01/10/2026 – 31/12/2026)"
    assert parse_period("2026-H1").title == "6 tháng đầu năm 2026 (01/01/2026 – 30/06/2026)"
    assert parse_period("2026").title == "Năm 2026 (01/01/2026 – 31/12/2026)"
    month = parse_period("2026-11")
    assert month.weeks == ("2026-W45", "2026-W46", "2026-W47", "2026-W48")  # weeks stay whole
    assert "thứ Năm" in month.week_note
    assert parse_period("2026-W48").week_note is None


def test_a_week_whose_deadline_is_ahead_is_open_not_missed(engine, org, services, tmp_path):
    """Taken on Monday 23/11, week 48's deadline (Sunday 29/11 21:00) is still ahead."""
    with session_scope(engine) as s:
        for code in ("CD-A1", "CD-A2", "CD-B1", "CD-B2"):
            add_report(s, services.media, s.get(Unit, org[code].id), "NV1", local(20, 9))
        add_report(s, services.media, s.get(Unit, org["CD-A1"].id), "NV1", local(23, 8))
    book = export(engine, tmp_path, "2026-11", at(23, 10))
    weeks = book["Theo tuần"]
    assert by_code(weeks)["CD-A2"][6] == "Đang mở"
    assert "Chưa" not in by_code(weeks)["CD-A2"][6:7]
    assert by_label(weeks)["TỔNG CỘNG"][6] == "Đang mở"
    assert not [r for r in rows_of(book["Chưa báo cáo"]) if r[1] and r[1].startswith("48/")]
    summary = book["Tổng hợp"]
    a2 = by_code(summary)["CD-A2"]
    assert a2[13] != "Chưa báo cáo" and a2[14] == 1  # one week open
    # Week 47 (all reported) is the only week owed in weeks 47-48 ... and the rate is not lowered.
    assert by_label(summary)["TỔNG CỘNG"][12] < 1  # weeks 45-46 were missed
    assert by_code(book["Theo tuần"])["CD-A1"][6] == 1  # an early report still shows


def test_the_workbook_judges_late_by_the_schedules_deadline(engine, org, services, tmp_path):
    with session_scope(engine) as s:
        store.set_schedule(s, None, {"deadline": "5 18:00"})  # Saturday 18:00
        add_report(s, services.media, s.get(Unit, org["CD-A1"].id), "NV1", local(21, 20))
        add_report(s, services.media, s.get(Unit, org["CD-B1"].id), "NV1", local(21, 17))
    summary = export(engine, tmp_path, "2026-W47", at(23, 9))["Tổng hợp"]
    assert by_code(summary)["CD-A1"][11:14] == [1, 1, "Trễ hạn"]  # Saturday 20:00 is late
    assert by_code(summary)["CD-B1"][11:14] == [0, 1, "Đúng hạn"]


def test_a_unit_schedule_deadline_is_judged_per_unit(engine, org, services, tmp_path):
    with session_scope(engine) as s:
        store.set_schedule(s, org["HD-B"].id, {"deadline": "4 17:00"})  # Friday 17:00
        add_report(s, services.media, s.get(Unit, org["CD-A1"].id), "NV1", local(21, 9))
        add_report(s, services.media, s.get(Unit, org["CD-B1"].id), "NV1", local(21, 9))
    summary = export(engine, tmp_path, "2026-W47", at(23, 9))["Tổng hợp"]
    assert by_code(summary)["CD-A1"][13] == "Đúng hạn"
    assert by_code(summary)["CD-B1"][13] == "Trễ hạn"


def test_reports_belong_to_their_activity_week(engine, org, services, tmp_path):
    """Sent on Monday 30/11 07:10 for week 48: counted in week 48, late (after Sunday 21:00)."""
    with session_scope(engine) as s:
        report = add_report(s, services.media, s.get(Unit, org["CD-A1"].id), "NV1",
                            local(30, 7, 10))
        report.period = "2026-W48"
    book = export(engine, tmp_path, "2026-W48", at(30, 12))
    a1 = by_code(book["Tổng hợp"])["CD-A1"]
    assert a1[3] == 1 and a1[13] == "Trễ hạn"
    assert [r[13] for r in rows_of(book["Chi tiết"])] == ["Trễ hạn"]  # the office sees which
    assert by_label(export(engine, tmp_path, "2026-W49", at(30, 12))["Tổng hợp"]
                    )["TỔNG CỘNG"][3] == 0


def test_units_are_expected_only_after_they_were_registered(engine, org, services, tmp_path):
    with session_scope(engine) as s:
        s.get(Unit, org["CD-B2"].id).created_at = at(11, 15)  # Wednesday of week 46
    summary = export(engine, tmp_path, "2026-11", at(30, 12))["Tổng hợp"]
    assert by_code(summary)["CD-B2"][10] == 2  # weeks 47 and 48, not 45 or 46
    assert by_code(summary)["CD-A2"][10] == 4


def test_figures_equal_the_workbook_and_compare_with_the_previous_week(
        engine, org, services, tmp_path):
    with session_scope(engine) as s:
        u = {code: s.get(Unit, unit.id) for code, unit in org.items()}
        add_report(s, services.media, u["CD-A1"], "NV3", local(25, 9), participants=20,
                   photos=[1], difficulties="Thiếu dụng cụ")
        add_report(s, services.media, u["CD-A1"], "NV1", local(26, 9), participants=5,
                   proposals="Cấp thêm bao tay")
        add_report(s, services.media, u["CD-B1"], "NV1", local(29, 22), participants=7)
        add_report(s, services.media, u["CD-B1"], "NV1", local(18, 9))  # week 47
        receipt = s.exec(select(Report.receipt_code).order_by(Report.id)).first()
    as_of = at(1, 9, month=12)
    figures = period_figures(engine, "2026-W48", as_of=as_of)
    h = figures.headline
    assert (h.expected, h.reported, h.on_time, h.late, h.not_reported, h.open) == (4, 2, 1, 1, 2, 0)
    assert h.completion_rate == 0.5 and (h.activities, h.participants, h.photos) == (3, 32, 1)
    total = by_label(export(engine, tmp_path, "2026-W48", as_of)["Tổng hợp"])["TỔNG CỘNG"]
    assert total[3:5] == [h.activities, h.participants] and total[6] == h.photos
    assert total[9:13] == [h.reported, h.expected, h.late, h.completion_rate]
    with session_scope(engine) as s:
        plan_order = [t.code for t in s.exec(select(Task).order_by(Task.position))]
    assert [t.code for t in figures.tasks] == plan_order[:len(figures.tasks)]
    nv1 = next(t for t in figures.tasks if t.code == "NV1")
    assert (nv1.activities, nv1.units, nv1.people) == (2, 2, 12)
    assert [(i.kind, i.unit, i.text, i.receipt_code) for i in figures.issues] == [
        ("difficulty", "Chi đoàn ấp 1", "Thiếu dụng cụ", receipt),
        ("proposal", "Chi đoàn ấp 1", "Cấp thêm bao tay", figures.issues[1].receipt_code)]
    assert [(g.parent, [(m.code, m.weeks_missed) for m in g.units]) for g in figures.missing] == [
        ("Huyện đoàn A", [("CD-A2", 1)]), ("Huyện đoàn B", [("CD-B2", 1)])]
    assert figures.previous_period.spec == "2026-W47"
    assert (figures.previous.reported, figures.previous.expected) == (1, 4)


def test_figures_count_a_unit_once_a_week_and_leave_open_weeks_out(engine, org, services):
    with session_scope(engine) as s:
        unit = s.get(Unit, org["CD-A1"].id)
        for hour in (8, 9, 10):
            add_report(s, services.media, unit, "NV1", local(24, hour))
    figures = period_figures(engine, "2026-W48", as_of=at(25, 12))
    h = figures.headline
    assert (h.activities, h.expected, h.reported, h.open, h.open_reported) == (3, 0, 0, 4, 1)
    assert h.completion_rate is None and figures.missing == ()
    month = period_figures(engine, "2026-11", unit_code="HD-A", as_of=at(25, 12))
    assert month.headline.expected == 6 and month.organisation == "Huyện đoàn A"
    assert [(m.code, m.weeks) for g in month.missing for m in g.units] == [
        ("CD-A1", ("2026-W45", "2026-W46", "2026-W47")),
        ("CD-A2", ("2026-W45", "2026-W46", "2026-W47"))]
