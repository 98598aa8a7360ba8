"""The default template: the Union's document form (Hướng dẫn 29-HD/TWĐTN-VP) built with
python-docx, with docxtpl placeholders where the figures go. `fieldreport report
--write-template` saves it for the office to edit in Word; docs/REPORT_TEMPLATE.md lists the
placeholders."""
from __future__ import annotations

import io
from functools import lru_cache

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

FONT = "Times New Roman"
BODY_PT = 14
CENTER, JUSTIFY, LEFT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY, WD_ALIGN_PARAGRAPH.LEFT

OFFICE_DIRECTION = (
    "Ban Thường vụ đề nghị các cơ sở Đoàn tiếp tục duy trì, nâng cao chất lượng hoạt động "
    "«30 phút hành động», gắn với các nhiệm vụ trọng tâm, đột phá của năm; kịp thời phản ánh "
    "khó khăn, vướng mắc để được hướng dẫn, hỗ trợ.")


@lru_cache(maxsize=1)
def default_template_bytes() -> bytes:
    """The default template as .docx bytes (built once per process)."""
    doc = Document()
    _page(doc)
    _styles(doc)
    _letterhead(doc)
    _title(doc)
    _body(doc)
    _closing(doc)
    doc.core_properties.title = "Mẫu báo cáo «30 phút hành động»"
    doc.core_properties.author = "fieldreport"
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _page(doc) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(20)
    section.header_distance = section.footer_distance = Mm(10)
    # Page numbers from page 2, centred at the top, as the guide places them.
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = CENTER
    _field(paragraph, "PAGE")


def _field(paragraph, instruction: str) -> None:
    run = paragraph.add_run()
    begin, text, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    end.set(qn("w:fldCharType"), "end")
    run._r.append(begin)
    run._r.append(text)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run._r.append(separate)
    number = OxmlElement("w:t")
    number.text = "2"
    run._r.append(number)
    run._r.append(end)


def _styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    fonts = normal.element.rPr.rFonts
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after, fmt.line_spacing = Pt(0), Pt(4), 1.1
    fmt.widow_control = True


def _para(container, text: str = "", *, align=JUSTIFY, bold=False, italic=False, size=None,
          indent=False, after=None, keep=False):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    if indent:
        paragraph.paragraph_format.first_line_indent = Cm(1)
    if after is not None:
        paragraph.paragraph_format.space_after = Pt(after)
    if keep:
        paragraph.paragraph_format.keep_with_next = True
    if text:
        _run(paragraph, text, bold=bold, italic=italic, size=size)
    return paragraph


def _run(paragraph, text: str, *, bold=False, italic=False, size=None):
    run = paragraph.add_run(text)
    run.bold, run.italic = bold or None, italic or None
    if size:
        run.font.size = Pt(size)
    return run


def _tag(container, tag: str):
    """A paragraph holding only a docxtpl block tag ({%p … %}): it disappears when rendered."""
    return _para(container, tag, align=LEFT, after=0)


def _rule(cell, width_cm: float, cell_cm: float) -> None:
    """A short centred rule: an empty tiny paragraph with a top border, indented from both
    sides so the border is width_cm long."""
    paragraph = cell.add_paragraph()
    side = Cm((cell_cm - width_cm) / 2)
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = side
    paragraph.paragraph_format.space_after = Pt(4)
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"),
                       ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    paragraph._p.get_or_add_pPr().append(borders)
    _run(paragraph, "", size=2)
    paragraph.paragraph_format.line_spacing = Pt(2)


def _two_columns(doc, left_cm: float, right_cm: float):
    table = doc.add_table(rows=1, cols=2)  # the default table style has no borders
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for cell, width in zip(table.rows[0].cells, (left_cm, right_cm)):
        cell.width = Cm(width)
    for column, width in zip(table.columns, (left_cm, right_cm)):
        column.width = Cm(width)
    left, right = table.rows[0].cells
    left.paragraphs[0]._p.getparent().remove(left.paragraphs[0]._p)
    right.paragraphs[0]._p.getparent().remove(right.paragraphs[0]._p)
    return left, right


def _letterhead(doc) -> None:
    left, right = _two_columns(doc, 6.8, 9.2)
    _tag(left, "{%p if issuer_parent %}")
    _para(left, "{{ issuer_parent }}", align=CENTER, size=13, after=0)
    _tag(left, "{%p endif %}")
    _para(left, "{{ issuer }}", align=CENTER, bold=True, size=13, after=0)
    _para(left, "***", align=CENTER, size=13, after=0)
    _para(left, "{{ number_line }}", align=CENTER, size=13, after=0)
    _para(right, "{{ heading }}", align=CENTER, bold=True, size=14, after=0)
    _rule(right, 5.8, 9.2)
    _para(right, "{{ date_line }}", align=CENTER, italic=True, size=14, after=0)


def _title(doc) -> None:
    _para(doc, "", after=6)
    _para(doc, "BÁO CÁO", align=CENTER, bold=True, size=15, after=0, keep=True)
    _para(doc, "{{ subject }}", align=CENTER, bold=True, size=14, after=0, keep=True)
    _para(doc, "-----", align=CENTER, after=10)
    _para(doc, "Thực hiện chương trình «30 phút hành động» của đoàn viên, thanh niên, "
               "{{ organisation }} báo cáo kết quả {{ period_name }} như sau:", indent=True)


def _heading(doc, text: str) -> None:
    _para(doc, text, bold=True, keep=True, after=3).paragraph_format.space_before = Pt(6)


def _lines(doc, name: str, item: str = "line") -> None:
    _tag(doc, f"{{%p for {item} in {name} %}}")
    _para(doc, f"{{{{ {item} }}}}", indent=True)
    _tag(doc, "{%p endfor %}")


def _note(doc, name: str) -> None:
    _tag(doc, f"{{%p if {name} %}}")
    _para(doc, f"{{{{ {name} }}}}", indent=True)
    _tag(doc, "{%p endif %}")


def _body(doc) -> None:
    _heading(doc, "I. KẾT QUẢ CHUNG")
    _lines(doc, "general")

    _heading(doc, "II. KẾT QUẢ THEO NHIỆM VỤ")
    _tag(doc, "{%p if task_rows %}")
    _task_table(doc)
    _para(doc, "", after=2)
    _tag(doc, "{%p endif %}")
    _note(doc, "tasks_note")

    _heading(doc, "III. MÔ HÌNH, CÁCH LÀM HAY")
    _tag(doc, "{%p if good_practices %}")
    _para(doc, "{{ good_practices_intro }}", indent=True)
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p for a in good_practices %}")
    paragraph = _para(doc, "- ", indent=True)
    _run(paragraph, "{{ a.unit }}", bold=True)
    _run(paragraph, " ({{ a.task }}; ngày {{ a.day }}; {{ a.participants }} người tham gia; "
                    "mã báo cáo {{ a.receipt_code }}): ")
    _run(paragraph, "{{ a.content }}", italic=True)
    _tag(doc, "{%p endfor %}")
    _note(doc, "good_practices_note")

    _heading(doc, "IV. KHÓ KHĂN, VƯỚNG MẮC VÀ ĐỀ XUẤT")
    _tag(doc, "{%p for g in difficulties %}")
    _para(doc, "{{ g.task }}", bold=True, italic=True, indent=True, keep=True, after=2)
    _tag(doc, "{%p for item in g.remarks %}")
    paragraph = _para(doc, "- ", indent=True)
    _run(paragraph, "{{ item.label }}: ", italic=True)
    _run(paragraph, "{{ item.text }} ({{ item.units }}).")
    _tag(doc, "{%p endfor %}")
    _tag(doc, "{%p if g.more %}")
    _para(doc, "{{ g.more }}", italic=True, indent=True)
    _tag(doc, "{%p endif %}")
    _tag(doc, "{%p endfor %}")
    _note(doc, "difficulties_note")

    _heading(doc, "V. ĐƠN VỊ CHƯA BÁO CÁO")
    _tag(doc, "{%p for m in missing %}")
    paragraph = _para(doc, "- ", indent=True)
    _run(paragraph, "{{ m.parent }}", bold=True)
    _run(paragraph, " ({{ m.count }} đơn vị): {{ m.units }}.")
    _tag(doc, "{%p endfor %}")
    _note(doc, "missing_note")

    _heading(doc, "VI. PHƯƠNG HƯỚNG")
    _lines(doc, "direction")
    _para(doc, OFFICE_DIRECTION, indent=True)

    paragraph = _para(doc, "", indent=True, after=12)
    _run(paragraph, "Phụ lục: ", bold=True, italic=True)
    _run(paragraph, "{{ annex }}", italic=True)


def _task_table(doc) -> None:
    widths = (1.4, 7.1, 2.4, 2.2, 2.9)
    header = ("STT", "Nhiệm vụ", "Số hoạt động", "Số đơn vị", "Số người tham gia")
    data = ("{{ t.number }}", "{{ t.name }}", "{{ t.activities }}",
            "{{ t.units }}", "{{ t.participants }}")
    total = ("", "Cộng", "{{ task_total.activities }}", "{{ task_total.units }}",
             "{{ task_total.participants }}")
    table = doc.add_table(rows=5, cols=5)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = Cm(width)
    rows = (header, ("{%tr for t in task_rows %}",) + ("",) * 4, data,
            ("{%tr endfor %}",) + ("",) * 4, total)
    for row, texts in zip(table.rows, rows):
        if texts is header:
            _repeat_header(row)
        for index, (cell, text) in enumerate(zip(row.cells, texts)):
            cell.width = Cm(widths[index])
            paragraph = cell.paragraphs[0]
            paragraph.alignment = LEFT if index == 1 and texts is data else CENTER
            paragraph.paragraph_format.space_after = Pt(1)
            if text:
                _run(paragraph, text, bold=texts in (header, total), size=13)
    for tag_row in (table.rows[1], table.rows[3]):  # one wide cell: readable when editing
        cells = tag_row.cells
        cells[0].merge(cells[-1]).paragraphs[0].alignment = LEFT


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _closing(doc) -> None:
    left, right = _two_columns(doc, 7.5, 8.5)
    paragraph = _para(left, "", align=LEFT, after=0)
    _run(paragraph, "Nơi nhận:", bold=True, italic=True, size=12)
    _tag(left, "{%p for r in recipients %}")
    _para(left, "- {{ r }}", align=LEFT, size=11, after=0)
    _tag(left, "{%p endfor %}")
    _para(right, "{{ signer_on_behalf }}", align=CENTER, bold=True, after=0)
    _para(right, "{{ signer_title }}", align=CENTER, bold=True, after=0)
    for _ in range(4):
        _para(right, "", after=0)
    _para(right, "{{ signer_name }}", align=CENTER, bold=True, after=0)
    # The closing stays on one page with the last body lines rather than alone.
    for row in doc.tables[-1].rows:
        properties = row._tr.get_or_add_trPr()
        properties.append(OxmlElement("w:cantSplit"))
