"""A province of many units and a year of reports, bulk-inserted (for the báo cáo's page count
test and benchmarks/report_docx.py)."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from storage.clock import LOCAL_TZ
from storage.models import Report, Task, Unit

DIFFICULTIES = ["Đoàn viên đi làm ăn xa, khó tập trung đông",
                "đoàn viên đi làm ăn xa, khó tập trung  đông.",
                "Thiếu kinh phí tổ chức hoạt động", "thieu kinh phi to chuc hoat dong",
                "Thời tiết mưa nhiều", "Thiếu dụng cụ lao động"]
PROPOSALS = ["Đề nghị hỗ trợ kinh phí mua dụng cụ", "Đề nghị tập huấn chuyển đổi số"]
WORDS = ("dọn vệ sinh tuyến đường trồng cây xanh thu gom rác thải hỗ trợ người dân cài đặt "
         "ứng dụng VNeID tuyên truyền pháp luật thăm hỏi gia đình chính sách sửa chữa cầu "
         "tre thắp sáng đường quê").split()


def seed_province(engine, *, units: int, reports: int, year: int = 2026, seed: int = 48,
                  districts: int = 25) -> None:
    """`units` units (a province, `districts` district unions, branches), `reports` reports
    spread over the year's weeks; a tenth with a difficulty, some with a proposal."""
    rng = random.Random(seed)
    created = datetime(year - 1, 12, 1, tzinfo=LOCAL_TZ)
    rows = [dict(id=1, code="TD", name="Tỉnh đoàn Vĩnh Long", parent_id=None, level="Tỉnh")]
    for d in range(districts):
        rows.append(dict(id=2 + d, code=f"HD{d + 1:02d}", name=f"Huyện đoàn số {d + 1}",
                         parent_id=1, level="Huyện"))
    for b in range(units - 1 - districts):
        parent = 2 + b % districts
        rows.append(dict(id=len(rows) + 1, code=f"CD{b + 1:04d}",
                         name=f"Chi đoàn ấp {b // districts + 1} – huyện {parent - 1}",
                         parent_id=parent, level="Chi đoàn"))
    for i, row in enumerate(rows):
        row.update(contact=None, join_code=f"J{i:07d}", position=i, active=True,
                   retired_at=None, created_at=created)
    branches = [r["id"] for r in rows if r["level"] == "Chi đoàn"]
    weeks = datetime(year, 12, 28).isocalendar()[1]
    with engine.begin() as conn:
        conn.execute(insert(Unit), rows)
        tasks = [t for (t,) in conn.execute(select(Task.id))]
        batch = []
        for i in range(reports):
            week = 1 + i % weeks
            monday = datetime.fromisocalendar(year, week, 1).replace(tzinfo=LOCAL_TZ)
            late = rng.random() < 0.03
            at = monday + (timedelta(days=6, hours=21, minutes=rng.randint(1, 170)) if late
                           else timedelta(days=rng.randint(0, 6), hours=rng.randint(7, 20)))
            batch.append(dict(
                receipt_code=f"BC-{i:06d}", unit_id=rng.choice(branches),
                task_id=rng.choice(tasks), platform="telegram", reporter_id=str(i % 900),
                reporter_name=f"Đoàn viên {i % 900}",
                content=" ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 40))).capitalize(),
                participants=rng.randint(3, 60),
                difficulties=rng.choice(DIFFICULTIES) if rng.random() < 0.1 else None,
                proposals=rng.choice(PROPOSALS) if rng.random() < 0.04 else None,
                period=f"{year}-W{week:02d}", revision=1, created_at=at, updated_at=at))
            if len(batch) == 5000:
                conn.execute(insert(Report), batch)
                batch = []
        if batch:
            conn.execute(insert(Report), batch)
