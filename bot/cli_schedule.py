"""`fieldreport schedule ...`, `fieldreport remind --now`, `fieldreport deliveries`: reminders
for office staff. Output is Vietnamese; dates are dd/mm/yyyy."""
from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import date, datetime
from typing import AsyncIterator, Optional

import click

from bot.cli_common import engine_from_settings as engine
from bot.cli_common import fail, settings, unit_id_of
from bot.cli_vi import command, group
from bot.delivery import LEASE
from handlers.weekly.calendar import DAY_NAMES, SlotError, parse_slot
from handlers.weekly.schedule import OFF, load_calendar
from storage import repo
from storage import reminders as store
from storage.clock import fmt_local, iso_week, utcnow
from storage.db import session_scope
from storage.reminders import DeliveryKind, DeliveryStatus
from storage.weeks import load_week_rules, week_name

S, K = DeliveryStatus, DeliveryKind
STATUS_LABELS = {
    S.PENDING: "chờ gửi", S.SENDING: "đang gửi", S.RETRY: "chờ gửi lại", S.SENT: "đã gửi",
    S.FAILED: "lỗi", S.BLOCKED: "bị chặn/xóa khỏi nhóm", S.MISSED: "lỡ hạn",
    S.OUTSIDE_WINDOW: "cần tương tác (cán bộ cần nhắn cho OA)",
    S.SKIPPED: "bỏ qua (đã báo cáo)", S.UNKNOWN: "không rõ (tiến trình dừng giữa chừng)",
}
KIND_LABELS = {K.REMINDER: "nhắc", K.FOLLOWUP: "nhắc lần hai", K.DIGEST: "tổng hợp",
               K.MANUAL: "nhắc thủ công", K.ALERT: "báo Văn phòng"}
AUDIENCE_LABELS = {"group": "nhóm", "private": "riêng", "office": "nhóm VP"}


ZALO_NOT_READY = ("Zalo chưa sẵn sàng (getMe trả lỗi {code}): kiểm tra ZALO_BOT_TOKEN và "
                  "ZALO_API_URL. Đợt này không gửi qua Zalo; không nhóm, cán bộ nào bị thay đổi.")


def parse_day(text: str) -> date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            pass
    fail(f"Không đọc được ngày «{text}». Viết theo dạng dd/mm/yyyy, ví dụ 30/12/2026.")


# --- schedule -------------------------------------------------------------------------------

@group("schedule")
def schedule() -> None:
    """Lịch nhắc báo cáo: xem, đổi, tạm dừng, ngày nghỉ."""


def _slot_option(name: str, what: str):
    return click.option(f"--{name}", default=None, metavar="GIỜ",
                        help=f"{what}: «T6 16:30», «CN 09:00»; «off» để tắt; «inherit» để theo cấp trên.")


@schedule.command("set")
@click.option("--unit", "unit_code", default=None, metavar="MÃ_ĐƠN_VỊ",
              help="Áp dụng cho đơn vị này và cấp dưới (bỏ trống: toàn hệ thống).")
@_slot_option("reminder", "Giờ nhắc báo cáo")
@_slot_option("followup", "Giờ nhắc lần hai")
@_slot_option("deadline", "Hạn báo cáo")
@_slot_option("digest", "Giờ gửi tổng hợp cho Văn phòng")
@click.option("--grace", default=None, metavar="GIỜ",
              help="Hết thời gian báo cáo bù cho tuần trước, tính trong tuần sau: «T2 12:00» "
                   "(mặc định: Thứ Hai 12:00 tuần sau); «inherit» để theo cấp trên.")
def schedule_set(unit_code, reminder, followup, deadline, digest, grace) -> None:
    """Đổi lịch nhắc cho một nhánh của tổ chức."""
    changes: dict[str, Optional[str]] = {}
    for column, text in (("reminder", reminder), ("followup", followup),
                         ("deadline", deadline), ("digest", digest), ("grace", grace)):
        if text is None:
            continue
        word = text.strip().lower()
        if word == "inherit":
            changes[column] = None
        elif word == OFF:
            if column == "deadline":
                fail("Hạn báo cáo không tắt được; đặt một giờ khác, ví dụ «CN 21:00».")
            if column == "grace":
                fail("Thời gian báo cáo bù không tắt được; đặt một giờ khác, ví dụ «T2 12:00».")
            changes[column] = OFF
        else:
            try:
                changes[column] = parse_slot(text).key
            except SlotError as exc:
                fail(str(exc))
    if not changes:
        fail("Chưa có gì để đổi. Ví dụ: fieldreport schedule set --unit HD-A --reminder \"T5 17:00\"")
    with session_scope(engine()) as s:
        store.set_schedule(s, unit_id_of(s, unit_code), changes, by="cli")
    click.echo("Đã lưu lịch nhắc. Bot đang chạy sẽ áp dụng trong vòng 5 phút.")
    _print_schedule(unit_code, weeks=4)


@schedule.command("show")
@click.option("--unit", "unit_code", default=None, metavar="MÃ_ĐƠN_VỊ", help="Mã đơn vị (bỏ trống: toàn hệ thống).")
@click.option("--weeks", default=4, metavar="SỐ_TUẦN", show_default=True, help="Số tuần tới cần xem.")
def schedule_show(unit_code, weeks) -> None:
    """Xem lịch nhắc đang áp dụng và các tuần tới (ngày lễ, tuần nghỉ)."""
    _print_schedule(unit_code, weeks)


def _print_schedule(unit_code: Optional[str], weeks: int) -> None:
    from handlers.weekly.texts import schedule_text
    with session_scope(engine()) as s:
        unit_id = unit_id_of(s, unit_code)
        cal = load_calendar(s)
        unit = cal.units.get(unit_id) if unit_id else None
        click.echo(schedule_text(cal, unit, utcnow(), weeks))
        click.echo('Đổi lịch: fieldreport schedule set --unit MÃ_ĐƠN_VỊ --reminder "T5 17:00"')
        if unit_id is None:
            custom = [(cal.units[uid].code, row) for uid, row in cal.rows.items()
                      if uid is not None and uid in cal.units]
            if custom:
                click.echo("Các nhánh có lịch riêng: "
                           + ", ".join(code for code, _ in sorted(custom)))
            paused = [cal.units[uid].code for uid in cal.pauses if uid in cal.units]
            if paused:
                click.echo("Đang tạm dừng: " + ", ".join(sorted(paused)))


@schedule.command("pause")
@click.argument("unit_code", metavar="MÃ_ĐƠN_VỊ")
@click.option("--until", "until", default=None, metavar="NGÀY", help="Tạm dừng đến hết ngày này (dd/mm/yyyy).")
@click.option("--note", default="", metavar="GHI_CHÚ", help="Lý do (hiện trong /lichnhac).")
def schedule_pause(unit_code, until, note) -> None:
    """Tạm dừng nhắc một đơn vị (và các đơn vị cấp dưới)."""
    day = parse_day(until) if until else None
    with session_scope(engine()) as s:
        store.pause_unit(s, unit_id_of(s, unit_code), day, note)
    click.echo(f"Đã tạm dừng nhắc {unit_code}"
               + (f" đến hết ngày {day:%d/%m/%Y}." if day else " cho đến khi mở lại."))


@schedule.command("resume")
@click.argument("unit_code", metavar="MÃ_ĐƠN_VỊ")
def schedule_resume(unit_code) -> None:
    """Mở lại việc nhắc một đơn vị đã tạm dừng."""
    with session_scope(engine()) as s:
        found = store.resume_unit(s, unit_id_of(s, unit_code))
    click.echo(f"Đã mở lại việc nhắc {unit_code}." if found else f"{unit_code} không bị tạm dừng.")


@schedule.group("dayoff")
def dayoff() -> None:
    """Ngày nghỉ do Văn phòng thêm (ngoài ngày lễ, Tết)."""


@dayoff.command("add")
@click.argument("day", metavar="NGÀY")
@click.option("--note", default="", metavar="GHI_CHÚ", help="Lý do, ví dụ «Đại hội Đoàn tỉnh».")
def dayoff_add(day, note) -> None:
    """Thêm một ngày nghỉ: không nhắc vào ngày đó."""
    when = parse_day(day)
    with session_scope(engine()) as s:
        store.add_day_off(s, when, note)
    click.echo(f"Đã thêm ngày nghỉ {DAY_NAMES[when.weekday()]} {when:%d/%m/%Y}.")


@dayoff.command("remove")
@click.argument("day", metavar="NGÀY")
def dayoff_remove(day) -> None:
    """Bỏ một ngày nghỉ đã thêm."""
    when = parse_day(day)
    with session_scope(engine()) as s:
        found = store.remove_day_off(s, when)
    click.echo(f"Đã bỏ ngày nghỉ {when:%d/%m/%Y}." if found
               else f"{when:%d/%m/%Y} không có trong danh sách ngày nghỉ do Văn phòng thêm.")


@dayoff.command("list")
def dayoff_list() -> None:
    """Các ngày nghỉ do Văn phòng thêm."""
    with session_scope(engine()) as s:
        days = sorted(store.office_days_off(s).items())
    if not days:
        click.echo("Chưa có ngày nghỉ nào do Văn phòng thêm (ngày lễ, Tết đã tự tính).")
    for day, note in days:
        click.echo(f"{DAY_NAMES[day.weekday()]} {day:%d/%m/%Y}  {note}")


# --- remind --now ---------------------------------------------------------------------------

@asynccontextmanager
async def open_senders(settings, services) -> AsyncIterator[dict]:
    """Senders for every platform whose token is set, for a round sent from the command line."""
    senders: dict = {}
    async with AsyncExitStack() as stack:
        if settings.telegram_bot_token:
            from telegram import Bot
            from telegram.request import HTTPXRequest
            from bot.bootstrap import set_telegram_username
            from bot.telegram.sender import TelegramSender
            api = settings.telegram_api_url.rstrip("/")
            # A pool, not PTB's default single connection: sends overlap to reach 30/s.
            bot = Bot(settings.telegram_bot_token.get_secret_value(), base_url=f"{api}/bot",
                      base_file_url=f"{api}/file/bot",
                      request=HTTPXRequest(connection_pool_size=32))
            await stack.enter_async_context(bot)
            if "telegram" not in services.deep_links:
                set_telegram_username(services, bot.username)
            senders["telegram"] = TelegramSender(bot)
        if getattr(settings, "zalo_bot_token", None):
            from bot.zalo.client import ZaloClient, ZaloError
            from bot.zalo.sender import ZaloSender
            client = ZaloClient(settings.zalo_bot_token.get_secret_value(), settings.zalo_api_url)
            await stack.enter_async_context(client)
            try:  # a wrong token or URL must not reach the round (issue 12)
                await client.get_me()
                senders["zalo"] = ZaloSender(client)
            except ZaloError as exc:
                click.echo(ZALO_NOT_READY.format(code=exc.code), err=True)
        yield senders


@command("remind")
@click.option("--now", "now_flag", is_flag=True, required=True,
              help="Gửi ngay một đợt nhắc (bắt buộc, để tránh gửi nhầm).")
@click.option("--unit", "unit_code", default=None, metavar="MÃ_ĐƠN_VỊ", help="Chỉ đơn vị này và cấp dưới.")
@click.option("--kind", type=click.Choice(["reminder", "followup", "digest"]), default="reminder",
              show_default=True, help="Loại tin: nhắc, nhắc lần hai, tổng hợp tuần trước.")
def remind(now_flag, unit_code, kind) -> None:
    """Gửi ngay một đợt nhắc báo cáo (mỗi nhóm nhận đúng một lần mỗi tuần)."""
    asyncio.run(_remind(settings(), unit_code, kind))


async def _remind(settings, unit_code: Optional[str], kind: str) -> None:
    from bot.bootstrap import build_services
    from bot.delivery import Scope
    from bot.scheduler import build_deliverer
    from handlers.weekly.calendar import shift_period
    from bot.scheduler import build_round
    services = build_services(settings)
    with session_scope(services.engine) as s:
        root_id = unit_id_of(s, unit_code)
    async with open_senders(settings, services) as senders:
        if not senders:
            fail("Chưa có token bot nào (TELEGRAM_BOT_TOKEN hoặc ZALO_BOT_TOKEN): không gửi được.")
        now = services.clock()
        period = iso_week(now) if kind != "digest" else shift_period(iso_week(now), -1)
        stored_kind = DeliveryKind.MANUAL if kind == "reminder" else DeliveryKind(kind)
        planned = build_round(services, stored_kind, period, now, sorted(senders), root_id=root_id)
        click.echo(f"Tuần {period}: {planned.units} đơn vị, {planned.added} tin mới cần gửi.")
        deliverer = build_deliverer(settings, services, senders)
        scope = Scope(kind=stored_kind, period=period)
        report = await deliverer.drain(scope, stop_in_quiet_hours=True)
    if report.stopped_for_quiet_hours:
        click.echo("Đang trong khung giờ yên lặng 21:30–06:30: các tin còn lại sẽ được bot "
                   "(fieldreport run) gửi từ 06:30.")
    for platform, until in report.paused.items():
        click.echo(f"{platform}: hết hạn mức gửi tin; bot (fieldreport run) tự gửi các tin còn "
                   f"lại từ {fmt_local(until)}.")
    for platform, reason in report.stopped.items():
        click.echo(f"{platform}: dừng gửi vì cấu hình sai ({reason}); các tin chờ gửi lại.")
    click.echo("Kết quả: " + _counts(report.results))


def _counts(results) -> str:
    parts = [f"{STATUS_LABELS.get(k, k)}: {v}" for k, v in sorted(results.items()) if v]
    return ", ".join(parts) or "không có tin nào cần gửi"


# --- deliveries -----------------------------------------------------------------------------

@command("deliveries")
@click.option("--period", default=None, metavar="TUẦN", help="Tuần dạng 2026-W47 (bỏ trống: tuần này).")
@click.option("--unit", "unit_code", default=None, metavar="MÃ_ĐƠN_VỊ", help="Chỉ đơn vị này và cấp dưới.")
@click.option("--kind", type=click.Choice(sorted(k.value for k in KIND_LABELS)), default=None,
              help="Chỉ loại tin này: reminder (nhắc), followup (nhắc lần hai), digest (tổng hợp), "
                   "manual (nhắc thủ công).")
def deliveries(period, unit_code, kind) -> None:
    """Nhật ký gửi tin nhắc: ai, tin gì, lúc nào, kết quả."""
    period = period or iso_week(utcnow())
    if not _valid_period(period):
        fail(f"Tuần «{period}» không đúng dạng, ví dụ đúng: 2026-W47.")
    with session_scope(engine()) as s:
        unit_ids = None
        if unit_code:
            unit_ids = sorted(repo.subtree_ids(s, unit_id_of(s, unit_code)))
        rows = store.deliveries(s, period, kind, unit_ids)
        names = {u.id: u.code for u in repo.all_units(s, include_retired=True)}
        root_id = unit_id_of(s, unit_code) if unit_code else None
        click.echo(_deadline_header(load_week_rules(s).for_unit(root_id), period))
    if not rows:
        click.echo(f"Tuần {period}: chưa có tin nhắc nào.")
        return
    counts: dict[str, int] = {}
    stale = utcnow() - LEASE
    for d in rows:
        if d.status == S.SENDING and d.claimed_at and d.claimed_at < stale:
            d.status = S.UNKNOWN  # its process died mid-send; the next round settles the row
        counts[d.status] = counts.get(d.status, 0) + 1
        when = fmt_local(d.finished_at or d.due_at)
        who = f"{d.platform}:{d.chat_id}" + (f" «{d.recipient}»" if d.recipient else "")
        line = (f"{when}  {names.get(d.unit_id, d.unit_id)}  {KIND_LABELS.get(d.kind, d.kind)}"
                f"  {AUDIENCE_LABELS.get(d.audience, d.audience)} {who}  → "
                f"{STATUS_LABELS.get(d.status, d.status)}")
        if d.attempts > 1:
            line += f" (lần thử: {d.attempts})"
        if d.error and d.status != S.SENT:
            line += f" – {d.error[:120]}"
        click.echo(line)
    click.echo(f"Tổng {len(rows)} tin: " + _counts(counts))


def _deadline_header(rule, period: str) -> str:
    """The week's deadline by the one rule (storage.weeks), so the log reads against it."""
    from handlers.weekly.texts import fmt_deadline
    state = "chưa đến hạn" if rule.is_open(period, utcnow()) else "đã qua hạn"
    return (f"{week_name(period)}: hạn báo cáo {fmt_deadline(rule.deadline(period))} ({state}); "
            f"nhận báo cáo bù đến {fmt_deadline(rule.grace_end(period))}.")


def _valid_period(period: str) -> bool:
    try:
        year, week = period.split("-W")
        date.fromisocalendar(int(year), int(week), 1)
        return True
    except ValueError:
        return False


COMMANDS = (schedule, remind, deliveries)
