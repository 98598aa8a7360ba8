"""Replies as plain text, for platforms without buttons (Zalo, the terminal shell)."""
from __future__ import annotations

from handlers.messages import Reply

HINT_TYPE = "Gõ số thứ tự hoặc tên mục để chọn."
HINT_FREE = "Hoặc gõ: {labels}"


def render_text(reply: Reply) -> str:
    """Menus become numbered lines; other buttons become a hint; links are written out."""
    lines = [reply.text]
    menu = [c for c in reply.choices if c.data and reply.menu]
    extra = [c for c in reply.choices if c.data and not reply.menu]
    links = [c for c in reply.choices if c.url]
    if menu:
        lines.append("")
        lines.extend(f"{i}. {c.label}" for i, c in enumerate(menu, start=1))
        lines.append(HINT_TYPE)
    if extra:
        lines.append(HINT_FREE.format(labels=", ".join(f"«{_plain(c.label)}»" for c in extra)))
    for c in links:
        lines.append(f"{c.label}: {c.url}")
    return "\n".join(lines)


def _plain(label: str) -> str:
    return "".join(ch for ch in label if ch.isalnum() or ch.isspace() or ch in "&-,.").strip()


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at line boundaries where possible."""
    pieces, current = [], ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single over-long line: cut it hard
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces
