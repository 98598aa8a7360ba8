"""Button payloads (`task:12`, `unit:4`, `field:content`...) parsed in one place.

Callback data comes back from the user's client and can be forged: anything that is not exactly
what we put on a button parses to None, and the step asks its question again.
"""
from __future__ import annotations

import re
from typing import Optional

_ID = re.compile(r"[1-9][0-9]{0,17}")


def choice_id(data: str, prefix: str) -> Optional[int]:
    """The id in `prefix:<id>` (a positive integer of ASCII digits), else None."""
    if not isinstance(data, str) or not data.startswith(prefix + ":"):
        return None
    value = data[len(prefix) + 1:]
    return int(value) if _ID.fullmatch(value) else None


def choice_key(data: str, prefix: str, allowed) -> Optional[str]:
    """The key in `prefix:<key>` when it is one of `allowed`, else None."""
    if not isinstance(data, str) or not data.startswith(prefix + ":"):
        return None
    key = data[len(prefix) + 1:]
    return key if key in allowed else None
