"""Server logs: one JSON object per line with LOG_FORMAT=json, and no token ever written."""
import json
import logging

import pytest

from bot.logs import configure_logging
from bot.settings import Settings

TOKEN = "7000000009:SECRET-token-value-xyz"


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_one_line_per_event_and_tokens_masked(fmt, capsys, restore_logging):
    configure_logging(Settings(_env_file=None, TELEGRAM_BOT_TOKEN=TOKEN, LOG_FORMAT=fmt))
    log = logging.getLogger("fieldreport.test")
    log.info("POST https://api.telegram.org/bot%s/sendMessage", TOKEN)
    try:
        raise RuntimeError(f"bad url /bot{TOKEN}/getMe\nsecond line")
    except RuntimeError:
        log.exception("request failed")
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert TOKEN not in err and "SECRET-token" not in err
    assert "/bot***/sendMessage" in lines[0]
    if fmt == "json":
        events = [json.loads(line) for line in lines]
        assert events[0]["level"] == "INFO" and events[1]["message"] == "request failed"
        assert "RuntimeError" in events[1]["exc"]
