"""`fieldreport shell`: chat with the real handlers in the terminal, as one cadre, offline."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Optional

from bot.bootstrap import build_services
from bot.settings import Settings
from bot.simulate import SimulatedUser, generated_photo
from bot.textrender import render_text
from storage import repo
from storage.db import session_scope

BANNER = """Trò chuyện với bot như một cán bộ (gõ lệnh như trong Telegram/Zalo).
  /anh [đường dẫn ảnh]  – gửi một ảnh (không có đường dẫn: ảnh tạo sẵn)
  /nhan                 – gửi một nhãn dán
  số hoặc tên mục       – chọn trong danh sách
  Ctrl-D hoặc /thoat    – thoát"""


async def run_shell(settings: Settings, unit_code: Optional[str], user_id: str, name: str,
                    lines=None, out=print) -> None:
    """Read lines (from `lines` if given, else the terminal) and print the bot's answers."""
    services = build_services(settings)
    user = SimulatedUser(services, user_id, name, platform="shell")
    out(BANNER)
    if unit_code:
        with session_scope(services.engine) as s:
            unit = repo.unit_by_code(s, unit_code)
        if unit is None:
            out(f"Không có đơn vị mã {unit_code}.")
            return
        await show(user, await user.say(f"/start {unit.join_code}"), out)
    seed = 0
    source = iter(lines) if lines is not None else None
    while True:
        try:
            line = next(source) if source else await asyncio.to_thread(input, "bạn> ")
        except (EOFError, StopIteration, KeyboardInterrupt):
            break
        line = line.strip()
        if not line:
            continue
        if line in ("/thoat", "/exit"):
            break
        if line.startswith("/anh"):
            path = line[4:].strip()
            seed += 1
            data = Path(path).expanduser().read_bytes() if path else generated_photo(seed)
            replies = await user.photo(data)
        elif line == "/nhan":
            replies = await user.send(user.message("sticker"))
        else:
            replies = await user.say(line)
        await show(user, replies, out)
    services.engine.dispose()


async def show(user: SimulatedUser, replies, out) -> None:
    for reply in replies:
        where = "" if reply.chat_id in (None, user.chat_id) else f"[nhóm {reply.chat_id}] "
        out(f"bot> {where}{render_text(reply)}")
