"""`fieldreport demo`: a scripted week on a local SQLite database, through the real dialogs."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from typing import Optional

from bot.bootstrap import build_services
from bot.settings import Settings
from bot.simulate import SimulatedUser, generated_photo
from bot.textrender import render_text
from exports.tables import read_table, write_table
from storage import repo
from storage.clock import LOCAL_TZ, iso_week, utcnow, week_bounds
from storage.db import session_scope
from storage.units_import import import_units

INTERMEDIATE = [
    ("DK", "Đoàn Khối các cơ quan và doanh nghiệp tỉnh", ["Chi đoàn Sở {}", ["Tài chính", "Y tế",
     "Giáo dục", "Nội vụ", "Tư pháp", "Công Thương", "Xây dựng", "Văn hóa"]]),
    ("DX-TO", "Đoàn xã Trà Ôn", ["Chi đoàn ấp {}", ["Mỹ Định", "Phú Thạnh", "Tân Thạnh", "Long Hòa",
     "Đông Hậu", "Vĩnh Xuân", "Thiện Mỹ", "Hòa Bình", "Xuân Hiệp"]]),
    ("DP-LC", "Đoàn phường Long Châu", ["Chi đoàn khóm {}", ["1", "2", "3", "4", "5", "6", "7",
     "8"]]),
]
CONTENTS = [
    ("NV6", "Ra quân 30 phút thu gom rác thải nhựa dọc tuyến đường {place}"),
    ("NV3", "Trồng {n} cây xanh trên tuyến đường nông thôn mới {place}"),
    ("NV5", "Hướng dẫn người dân cài đặt ứng dụng VNeID và nộp hồ sơ dịch vụ công trực tuyến"),
    ("NV1", "Sinh hoạt chuyên đề học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh"),
    ("NV4", "Giới thiệu việc làm tại khu công nghiệp cho thanh niên chưa có việc làm"),
    ("ĐP2", "Hỗ trợ người dân làm thủ tục hành chính tại bộ phận một cửa cuối giờ chiều"),
]
DIFFICULTIES = [None, None, "Thiếu dụng cụ lao động\nĐề xuất: cấp thêm bao tay, bao đựng rác",
                "Đoàn viên đi làm xa, khó tập trung đông", None]
NAMES = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Nam", "Phạm Minh Thư", "Huỳnh Quốc Bảo",
         "Võ Thị Mai", "Đặng Thanh Tùng", "Bùi Ngọc Hân", "Đỗ Gia Huy", "Ngô Thảo Vy"]


class DemoClock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def sample_org() -> list[list[str]]:
    rows = [["code", "name", "parent_code", "level"], ["TD-VL", "Tỉnh đoàn Vĩnh Long", "", "Tỉnh"]]
    for code, name, (pattern, places) in INTERMEDIATE:
        rows.append([code, name, "TD-VL", "Cơ sở"])
        rows += [[f"{code}-{i + 1:02d}", pattern.format(p), code, "Chi đoàn"]
                 for i, p in enumerate(places)]
    return rows


async def run_demo(folder: Optional[Path], verbose: bool = True, out=print) -> dict:
    folder = Path(folder or f"demo-{datetime.now():%Y%m%d-%H%M%S}").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "fieldreport.db"
    if db_path.exists():
        raise SystemExit(f"{db_path} đã có; hãy chọn thư mục khác (--dir).")
    settings = Settings(DATABASE_URL=f"sqlite:///{db_path}", MEDIA_DIR=str(folder / "media"),
                        TELEGRAM_BOT_USERNAME="fieldreport_demo_bot", FIELDREPORT_ADMINS="telegram:900")
    # Last full week, so nothing is dated in the future.
    monday, sunday = week_bounds(iso_week(utcnow() - timedelta(days=7)))
    clock = DemoClock(_at(monday, 8, 0))
    services = build_services(settings, clock=clock)
    rng = random.Random(2026)

    org_file = folder / "don-vi.csv"
    write_table(org_file, sample_org()[0], sample_org()[1:])
    header, rows = read_table(org_file)
    with session_scope(services.engine) as s:
        result = import_units(s, header, rows)
        # The office registered the units the day before the week, so the week is owed.
        for unit in repo.all_units(s):
            unit.created_at = _at(monday - timedelta(days=1), 8, 0)
        branches = [u for u in repo.all_units(s) if u.level == "Chi đoàn"]
    out(f"Đã nạp {len(result.added)} đơn vị từ {org_file.name}: 1 Tỉnh đoàn, "
        f"{len(INTERMEDIATE)} đoàn cơ sở, {len(branches)} chi đoàn.")

    def say(who: str, replies) -> None:
        for r in replies if verbose else []:
            target = "nhóm" if r.chat_id and r.chat_id.startswith("-") else who
            out(f"  bot → {target}: " + render_text(r).replace("\n", "\n      "))

    # The office binds the first branch's Telegram group.
    office = SimulatedUser(services, "900", "Văn phòng Tỉnh đoàn").in_group("-1001", "Nhóm " + branches[0].name)
    if verbose:
        out(f"\nVăn phòng gắn nhóm Telegram với {branches[0].name}: /dangky {branches[0].join_code}")
    say("nhóm", await office.say(f"/dangky {branches[0].join_code}"))

    reporting = rng.sample(branches, k=round(len(branches) * 0.72))
    # Most units report on Friday after the reminder; a few earlier in the week.
    when = sorted(_at(monday + timedelta(days=rng.choice([0, 1, 2, 3, 4, 4, 4, 5])), 16,
                      30 + rng.randint(0, 50)) for _ in reporting)
    reporting = [branches[0]] + [u for u in reporting if u is not branches[0]][:len(when) - 1]
    reports = 0
    for i, unit in enumerate(reporting):
        clock.now = when[i]
        cadre = SimulatedUser(services, str(1000 + i), NAMES[i % len(NAMES)])
        transcript = verbose and i == 0
        if transcript:
            out(f"\n— Hội thoại mẫu: {cadre.name}, {unit.name}, {clock.now.astimezone(LOCAL_TZ):%d/%m/%Y %H:%M} —")
        task, content = rng.choice(CONTENTS)
        content = content.format(place=unit.name.split(" ", 2)[-1], n=rng.randint(10, 40))
        steps = [f"/start {unit.join_code}", "/baocao", f"tap:{task}"]
        if transcript:
            steps += ["sticker", content, "hai mươi"]
        else:
            steps += [content]
        steps += [str(rng.randint(5, 45))]
        steps += [f"photo:{i * 10 + k}" for k in range(rng.randint(1 if i % 4 else 0, 3))]
        steps += ["tap:Xong"]
        difficulty = rng.choice(DIFFICULTIES)
        steps += [difficulty] if difficulty else ["tap:Không có"]
        steps += ["tap:Gửi"]
        for step in steps:
            replies = await _act(cadre, step, unit.name)
            if transcript:
                out(f"  {cadre.name}: {_show(step)}")
                say(cadre.name, replies)
        reports += 1
        if not transcript and verbose:
            out(f"{clock.now.astimezone(LOCAL_TZ):%d/%m %H:%M}  {unit.name}: {cadre.text().splitlines()[0]}")
        if i == 1:  # one cadre corrects the head count later that evening
            clock.now += timedelta(hours=2)
            for step in ("/sua", "tap:Sửa", "tap:Số người", "40", "tap:Gửi"):
                await _act(cadre, step, unit.name)
            if verbose:
                out(f"{'':12}{unit.name}: /sua → {cadre.text().splitlines()[0]}")

    week = iso_week(clock.now)
    # The week is over by now (it was last week): both files count it closed, at one instant.
    clock.now = max(clock.now, utcnow())
    workbook = folder / f"bao-cao-{week}.xlsx"
    export_workbook(services, workbook, monday, sunday)
    report = write_week_report(services, settings, folder / f"bao-cao-{week}.docx", week)
    services.engine.dispose()
    missing = len(branches) - len(reporting)
    out(f"""
Xong tuần {week} ({monday:%d/%m}–{sunday:%d/%m/%Y}): {reports} báo cáo từ \
{len(reporting)}/{len(branches)} chi đoàn, {missing} chi đoàn chưa báo cáo.
  Cơ sở dữ liệu : {db_path}
  Ảnh minh chứng: {folder / 'media'}
  Bảng Excel    : {workbook}
  Báo cáo (Word): {report}
Trò chuyện thử với bot trên dữ liệu này:
  DATABASE_URL=sqlite:///{db_path} MEDIA_DIR={folder / 'media'} fieldreport shell --unit {branches[-1].code}""")
    return {"folder": folder, "database": db_path, "workbook": workbook, "report": report,
            "reports": reports,
            "units_reported": len(reporting), "branches": len(branches)}


def export_workbook(services, out: Path, monday, sunday) -> None:
    from exports.periods import iso_week_of
    from exports.rollup import write_rollup
    with session_scope(services.engine) as s:
        write_rollup(s, out, iso_week_of(monday), media_root=services.media.root,
                     generated_at=services.clock())


def write_week_report(services, settings: Settings, out: Path, week: str) -> Path:
    """The week's báo cáo, with the letterhead from REPORT_* settings (place: Vĩnh Long)."""
    from dataclasses import replace

    from exports.letterhead import letterhead_from_settings
    from exports.report_docx import write_report
    letterhead = letterhead_from_settings(settings)
    letterhead = replace(letterhead, place=letterhead.place or "Vĩnh Long")
    return write_report(services.engine, out, week, letterhead=letterhead,
                        as_of=services.clock()).path


async def _act(cadre: SimulatedUser, step: str, unit_name: str):
    if step.startswith("tap:"):
        return await cadre.tap(step[4:])
    if step.startswith("photo:"):
        return await cadre.photo(generated_photo(int(step[6:]), caption=unit_name))
    if step == "sticker":
        return await cadre.send(cadre.message("sticker"))
    return await cadre.say(step)


def _show(step: str) -> str:
    if step.startswith("tap:"):
        return f"[bấm «{step[4:]}»]"
    if step.startswith("photo:"):
        return "[gửi ảnh]"
    if step == "sticker":
        return "[gửi nhãn dán 👍]"
    return step


def _at(day, hour: int, minute: int) -> datetime:
    local = datetime.combine(day, time(hour, 0), LOCAL_TZ) + timedelta(minutes=minute)
    return local.astimezone(timezone.utc)
