"""Click in Vietnamese: usage lines, section titles, metavars and click's own messages.

Click marks its messages for translation with gettext (`from gettext import gettext as _` in each
of its modules). Installing a catalog through gettext's global domain would need a compiled .mo
file and a `LANGUAGE=vi` environment; instead each click module's `_`/`ngettext` is pointed at
the small catalog below, once, when the CLI is imported. Unknown strings stay as click wrote them.
"""
from __future__ import annotations

import click

# Click's own strings (click 8.1-8.3); the keys must match click's source exactly.
CATALOG = {
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Positional arguments": "Tham số",
    "Show this message and exit.": "Xem hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Xem phiên bản rồi thoát.",
    "Error: {message}": "Lỗi: {message}",
    "Try '{command} {option}' for help.": "Xem hướng dẫn: {command} {option}",
    "Aborted!": "Đã dừng.",
    "Missing command.": "Thiếu lệnh.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "No such option {name!r}.": "Không có tùy chọn {name!r}.",
    "Missing argument": "Thiếu tham số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Missing {param_type}": "Thiếu {param_type}",
    "argument": "tham số",
    "option": "tùy chọn",
    "parameter": "tham số",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "unknown error": "lỗi không rõ",
    "default: {default}": "mặc định: {default}",
    "required": "bắt buộc",
    "env var: {var}": "biến môi trường: {var}",
    "deprecated": "không còn dùng",
    "Value must be an iterable.": "Giá trị phải là một danh sách.",
    "Option {name!r} does not take a value.": "Tùy chọn {name!r} không nhận giá trị.",
    "Argument {name!r} takes {nargs} values.": "Tham số {name!r} cần {nargs} giá trị.",
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "file": "Tệp",
    "directory": "Thư mục",
    "path": "Đường dẫn",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại.",
    "{name} {filename!r} is a file.": "{name} {filename!r} là một tệp.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là một thư mục.",
    "{name} {filename!r} is not readable.": "Không đọc được {filename!r}.",
    "{name} {filename!r} is not writable.": "Không ghi được {filename!r}.",
    "{name} {filename!r} is not executable.": "Không chạy được {filename!r}.",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải là số hợp lệ.",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} không phải giá trị có/không. Dùng: {states}",
    "Do you want to continue?": "Đồng chí có muốn tiếp tục?",
    "Error: invalid input": "Lỗi: giá trị không hợp lệ",
    "Repeat for confirmation": "Nhập lại để xác nhận",
}
PLURAL_CATALOG = {
    "Got unexpected extra argument ({args})": "Thừa tham số ({args})",
    "Got unexpected extra arguments ({args})": "Thừa tham số ({args})",
    "Option {name!r} requires an argument.": "Tùy chọn {name!r} cần một giá trị.",
    "Option {name!r} requires {nargs} arguments.": "Tùy chọn {name!r} cần {nargs} giá trị.",
    "{value!r} is not {choice}.": "{value!r} không phải là {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} không thuộc: {choices}.",
    "{value!r} does not match the format {format}.": "{value!r} không đúng dạng {format}.",
    "{value!r} does not match the formats {formats}.": "{value!r} không đúng dạng {formats}.",
    "Did you mean {possibility}?": "Có phải đồng chí muốn dùng {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Có phải một trong: {possibilities}?)",
}
# What an option's value is, shown after the option name ("--out TỆP").
METAVARS = {"text": "CHỮ", "path": "TỆP", "integer": "SỐ", "float": "SỐ", "boolean": "CÓ/KHÔNG",
            "datetime": "NGÀY", "filename": "TỆP", "directory": "THƯ_MỤC"}


def translate(message: str) -> str:
    return CATALOG.get(message, message)


def translate_plural(singular: str, plural: str, n: int) -> str:
    chosen = singular if n == 1 else plural
    return PLURAL_CATALOG.get(chosen, chosen)


def install() -> None:
    """Point click's gettext hooks at the Vietnamese catalog (idempotent)."""
    import importlib
    for name in ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = translate
        if hasattr(module, "ngettext"):
            module.ngettext = translate_plural


CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Command(click.Command):
    """A click command whose usage line and metavars are Vietnamese."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[TÙY_CHỌN]")
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        super().__init__(*args, **kwargs)
        localize_metavars(self)


class Group(click.Group):
    """A click group whose subcommands and subgroups are Vietnamese too."""

    command_class = Command
    group_class = type  # subgroups are of this class as well

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", "[TÙY_CHỌN]")
        kwargs.setdefault("subcommand_metavar", "LỆNH [THAM_SỐ]...")
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        super().__init__(*args, **kwargs)
        localize_metavars(self)


def localize_metavars(command: click.Command) -> None:
    for param in command.params:
        if param.metavar is not None or isinstance(param.type, click.Choice):
            continue
        if isinstance(param, click.Argument):
            param.metavar = param.name.upper()
        elif not getattr(param, "is_flag", False):
            param.metavar = METAVARS.get(param.type.name, param.type.name.upper())


def command(name: str | None = None, **kwargs):
    return click.command(name, cls=Command, **kwargs)


def group(name: str | None = None, **kwargs):
    return click.group(name, cls=Group, **kwargs)


install()
