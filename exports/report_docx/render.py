"""Filling a template (the default one or the office's own) with docxtpl, and refusing a
broken template with a Vietnamese message that names the faulty placeholder."""
from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path
from typing import Optional

from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from jinja2 import Environment, StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError

from exports.report_docx.form import default_template_bytes

HELP = "Các chỗ điền dùng được có trong docs/REPORT_TEMPLATE.md."
_TAG = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
_CLOSER = {"{{": "}}", "{%": "%}", "{#": "#}"}


class TemplateProblem(ValueError):
    """A template that cannot make a report; the message is for the office (Vietnamese)."""


def write_default_template(path: Path) -> Path:
    """Save the default template for the office to edit; an existing file is never replaced."""
    path = Path(path)
    if path.suffix.lower() != ".docx":
        raise TemplateProblem(f"Tệp mẫu cần đuôi .docx (đồng chí ghi «{path.name}»).")
    if path.exists():
        raise TemplateProblem(f"Tệp «{path}» đã có; để không mất phần đồng chí đã sửa, "
                              "chương trình không ghi đè. Đồng chí chọn tên tệp khác.")
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as out:
        out.write(default_template_bytes())
    return path


def render_docx(context: dict, out_path: Path, template: Optional[Path] = None) -> Path:
    """Fill `template` (None: the default) with `context` and write `out_path` atomically.
    Raises TemplateProblem for a missing or broken template; nothing is written then."""
    out_path = Path(out_path)
    if template is not None:
        template = Path(template)
        if not template.is_file():
            raise TemplateProblem(f"Không tìm thấy tệp mẫu báo cáo «{template}».")
        if out_path.exists() and out_path.resolve() == template.resolve():
            raise TemplateProblem(f"Tệp báo cáo «{out_path.name}» trùng với tệp mẫu; mẫu không "
                                  "bao giờ bị ghi đè. Đồng chí chọn tên tệp khác cho báo cáo.")
        source = template.read_bytes()
        name = template.name
    else:
        source = default_template_bytes()
        name = "mặc định"
    doc = _open(source, name)
    env = Environment(undefined=StrictUndefined, autoescape=True)
    unknown = []
    if template is not None:  # the built-in template is checked by the tests
        check_tags(doc.get_docx(), name)
        try:
            unknown = sorted(doc.get_undeclared_template_variables(env) - context.keys())
        except TemplateSyntaxError:
            pass  # the render below names the place
    if unknown:
        names = ", ".join(f"«{{{{ {n} }}}}»" for n in unknown)
        raise TemplateProblem(f"Mẫu báo cáo «{name}» dùng chỗ điền không có: {names}. {HELP} "
                              "Chưa lập báo cáo.")
    try:
        doc.render(context, env, autoescape=True)
    except UndefinedError as exc:
        raise TemplateProblem(f"Mẫu báo cáo «{name}» dùng chỗ điền không có: "
                              f"«{_undefined_name(exc)}». {HELP} Chưa lập báo cáo.") from None
    except TemplateError as exc:
        raise TemplateProblem(f"Mẫu báo cáo «{name}» có chỗ điền viết sai gần "
                              f"«{_near(exc)}». {HELP} Chưa lập báo cáo.") from None
    out_path.parent.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(suffix=".docx", dir=out_path.parent)
    os.close(handle)
    try:
        doc.save(partial)
        os.replace(partial, out_path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return out_path


def _open(source: bytes, name: str) -> DocxTemplate:
    try:
        doc = DocxTemplate(io.BytesIO(source))
        doc.init_docx()
        return doc
    except Exception:
        raise TemplateProblem(f"Tệp mẫu «{name}» không phải tệp Word (.docx) đọc được.") from None


def paragraph_texts(document):
    """The text of every paragraph of the body (tables included), headers and footers: a
    placeholder Word split over several runs reads whole here."""
    parts = [document.element.body]
    for section in document.sections:
        for part in (section.header, section.footer, section.first_page_header,
                     section.first_page_footer):
            if not part.is_linked_to_previous:
                parts.append(part._element)
    for element in parts:
        for paragraph in element.iter(qn("w:p")):
            yield "".join(t.text or "" for t in paragraph.iter(qn("w:t")))


def check_tags(document, name: str) -> None:
    """Every {{ }}, {% %} and {# #} opened in a paragraph is closed in it (docxtpl needs a
    tag within one paragraph); the message quotes the unclosed one."""
    for text in paragraph_texts(document):
        opened, start = None, 0
        for match in _TAG.finditer(text):
            token = match.group()
            if opened is None and token in _CLOSER:
                opened, start = token, match.start()
            elif opened is not None and token == _CLOSER[opened]:
                opened = None
            elif opened is not None and token in _CLOSER:
                break  # a new tag opens before the last one closed
        if opened is not None:
            snippet = text[start:start + 40].strip()
            raise TemplateProblem(
                f"Mẫu báo cáo «{name}» có chỗ điền chưa đóng: «{snippet}» (thiếu "
                f"«{_CLOSER[opened]}»). Chưa lập báo cáo; đồng chí sửa mẫu rồi chạy lại.")
        if opened is None and text.count("}}") > text.count("{{"):
            snippet = text[max(0, text.find("}}") - 30):text.find("}}") + 2].strip()
            raise TemplateProblem(f"Mẫu báo cáo «{name}» có chỗ điền thiếu «{{{{»: «{snippet}». "
                                  "Chưa lập báo cáo; đồng chí sửa mẫu rồi chạy lại.")


def _undefined_name(exc: UndefinedError) -> str:
    message = str(exc)
    match = re.search(r"has no attribute '([^']+)'", message)
    if match:
        return match.group(1)
    match = re.search(r"'([^']+)' is undefined", message)
    return match.group(1) if match else message


def _near(exc: TemplateError) -> str:
    lines = [line.strip() for line in getattr(exc, "docx_context", []) or []]
    tagged = [line for line in lines if "{{" in line or "{%" in line]
    return (tagged[len(tagged) // 2] if tagged else str(exc))[:60]
