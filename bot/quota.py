"""When a platform's message quota renews, and the one alert the office gets when it runs out.

Zalo's quotas are per plan and renew with the period (the documentation we could read gives no
numbers; integrators report the quota back "the next day"): ZALO_QUOTA_PERIOD says which.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

from storage import reminders as store
from storage.clock import LOCAL_TZ, iso_week, to_local
from sqlmodel import Session

PERIODS = ("day", "month")
PLATFORM_NAMES = {"zalo": "Zalo", "zalo_oa": "Zalo OA", "telegram": "Telegram"}
ALERT = ("⚠️ {platform} báo đã hết hạn mức gửi tin của gói hiện tại. Bot tạm dừng gửi tin "
         "{platform} đến {time} ngày {date} rồi tự gửi tiếp các tin còn lại, không tin nào gửi "
         "hai lần. Văn phòng không cần làm gì thêm; muốn gửi nhiều hơn thì nâng gói {platform}.")


def renews_at(now: datetime, period: str = "day") -> datetime:
    """The start of the next quota period (local midnight), as aware UTC."""
    local = to_local(now)
    if period == "month":
        first = (local.replace(day=1) + timedelta(days=32)).replace(day=1).date()
    else:
        first = local.date() + timedelta(days=1)
    return datetime.combine(first, time(0, 0), LOCAL_TZ).astimezone(now.tzinfo)


def alert_rows(s: Session, platform: str, until: datetime, now: datetime,
               senders: list[str]) -> list[dict]:
    """One notice to each office chat on a platform that still sends."""
    name = PLATFORM_NAMES.get(platform, platform)
    local = to_local(until)
    text = ALERT.format(platform=name, time=local.strftime("%H:%M"),
                        date=local.strftime("%d/%m/%Y"))
    others = [p for p in senders if p != platform]
    return [dict(unit_id=t.unit_id, period=iso_week(now), kind=store.DeliveryKind.ALERT,
                 platform=t.platform, chat_id=t.chat_id, audience=t.audience,
                 recipient=(t.recipient or "")[:255], text=text, due_at=now,
                 status=store.DeliveryStatus.PENDING, attempts=0, next_attempt_at=now,
                 claimed_by="", error="", created_at=now)
            for t in store.office_chats(s, others)]
