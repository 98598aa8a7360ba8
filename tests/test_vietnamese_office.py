"""The office reads Vietnamese everywhere: every `--help`, click's own messages, and chat texts
that never send office staff to a terminal."""
from __future__ import annotations

import importlib
import pkgutil
import re

import click
import pytest
from click.testing import CliRunner

import handlers
from bot.cli import main
from tests.support import Person

# Words click or a lazy docstring would print in English.
ENGLISH = re.compile(r"Usage|Options|Commands|Show this message|Error|\[OPTIONS\]|\bCOMMAND\b|"
                     r"\bARGS\b|\bTEXT\b|\bPATH\b|\bINTEGER\b|\bFILE\b|\bCODE\b|default:|"
                     r"\[required\]|\b(?:the|and|or|of|with|for|to|from|Write|Print|Run)\b")


def command_paths(command: click.Command, path: tuple[str, ...] = ()):
    yield path
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from command_paths(sub, path + (name,))


PATHS = list(command_paths(main))


def test_every_command_is_walked():
    names = {" ".join(p) for p in PATHS}
    assert {"", "units codes", "schedule dayoff add", "export", "zalo oa-token", "shell"} <= names


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "fieldreport")
def test_help_is_vietnamese(path):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Cách dùng: fieldreport")
    assert "Xem hướng dẫn này rồi thoát." in result.output
    english = ENGLISH.findall(re.sub(r"--[\w-]+", "", result.output))  # option names stay
    assert not english, f"English in `fieldreport {' '.join(path)} --help`: {english}\n{result.output}"
    assert CliRunner().invoke(main, [*path, "-h"]).output == result.output


@pytest.mark.parametrize("args, expected", [
    (["units", "codes"], "Lỗi: Thiếu tùy chọn '--out'."),
    (["units", "xoa"], "Lỗi: Không có lệnh 'xoa'."),
    (["schedule", "show", "--weeks", "bốn"], "'bốn' không phải là số hợp lệ."),
    (["export", "--bogus"], "Lỗi: Không có tùy chọn '--bogus'."),
    (["remind", "--now", "--kind", "x"], "Giá trị không hợp lệ cho '--kind'"),
])
def test_click_messages_are_vietnamese(args, expected):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert expected in result.output, result.output
    assert "Xem hướng dẫn: fieldreport" in result.output
    assert not ENGLISH.findall(result.output.replace("--help", "")), result.output


def text_constants():
    modules = [importlib.import_module(f"handlers.{m.name}")
               for m in pkgutil.iter_modules(handlers.__path__)]
    modules.append(importlib.import_module("bot.zalo.texts"))
    for module in modules:
        for name, value in vars(module).items():
            values = value if isinstance(value, (tuple, list)) else (value,)
            for item in values:
                if isinstance(item, str) and name.isupper():
                    yield f"{module.__name__}.{name}", item


def test_no_chat_text_names_a_terminal_command():
    offending = [name for name, text in text_constants()
                 if re.search(r"fieldreport\s|python3?\s|\s--[a-z]", text)]
    assert offending == []


async def test_lichnhac_says_in_words_how_to_change_the_schedule(services, engine, org):
    from storage import repo
    from storage.db import session_scope
    with session_scope(engine) as s:
        repo.add_admin(s, "telegram", "900", None)
    office = Person(services, "900", "Văn phòng").in_group("-3000", "Văn phòng Tỉnh đoàn")
    await office.say(f"/dangky {org['TD'].join_code} vanphong")
    await office.say("/lichnhac")
    assert "Lịch nhắc báo cáo" in office.text()
    assert "fieldreport" not in office.text()
    assert "Muốn đổi lịch, đồng chí báo người quản trị bot của Văn phòng." in office.text()
