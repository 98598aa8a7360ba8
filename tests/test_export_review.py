"""The office's review in the workbook (issue 11 on issue 14's layout): the status column of Chi
tiết, the guidance in Khó khăn – Đề xuất, targets in Tổng hợp, «Điển hình» with photos,
«Lịch sử duyệt». Reviews are made in chat, as the office makes them; the workbook is read back
with openpyxl."""
from openpyxl import load_workbook

from exports.rollup import write_rollup
from tests.support import Person
from tests.test_export_print import needs_office, overprinted, page_texts, page_words, render
from tests.test_export_print import shown_in_full, widest_receipt_codes
from tests.test_review import OFFICE_CHAT, only, setup_office, to_chat


def header(ws):
    row = next(r for r in ws.iter_rows(values_only=True) if r and r[0] in ("STT", "Mã biên nhận"))
    return list(row)


def table(ws):
    """Data rows as dicts by header, up to the first empty row."""
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r and r[0] in ("STT", "Mã biên nhận"))
    names = rows[start]
    out = []
    for row in rows[start + 1:]:
        if not any(v not in (None, "") for v in row):
            break
        out.append(dict(zip(names, row)))
    return out


async def report(services, org, user_id, name, content, photos=0, difficulties="Thiếu dụng cụ"):
    cadre = Person(services, user_id, name)
    await cadre.say(f"/start {org['CD-A1'].join_code}")
    asked = await cadre.say("/baocao")
    if any("Báo cáo hoạt động khác" in c.label for r in asked for c in r.choices):
        # the unit already has a report this week
        await cadre.tap("Báo cáo hoạt động khác")
    await cadre.tap("NV3")
    await cadre.say(content)
    await cadre.say("25")
    for seed in range(photos):
        await cadre.photo(seed=seed + 1)
    await cadre.tap("Xong")
    if difficulties:
        await cadre.say(difficulties)
    else:
        await cadre.tap("Không có")
    return cadre, to_chat(await cadre.tap("Gửi"), OFFICE_CHAT)


async def reviewed_book(cli, services, engine, org, tmp_path,
                        guidance="Huyện đoàn hỗ trợ bao tay"):
    """Three reports of Chi đoàn ấp 1 in week 47: one commended with three photos and guidance,
    one returned, revised and approved, one left waiting. Targets for the branch and, by
    level, for every branch; one for the district."""
    targets = tmp_path / "t.csv"
    targets.write_text("Mã đơn vị,Mã nhiệm vụ,Năm,Số hoạt động\nCD-A1,NV3,2026,4\n"
                       "CD-A1,NV1,2026,2\nHD-A,NV3,2026,10\n", encoding="utf-8")
    assert cli("targets", "import", str(targets)).exit_code == 0
    office = await setup_office(services, engine, org)
    _, posts = await report(services, org, "100", "An", "Dọn vệ sinh tuyến đường ấp 1", photos=3)
    office.last = posts
    await office.tap("Cho ý kiến")
    await office.say(guidance)
    office.last = posts
    await office.tap("Biểu dương")
    cadre, posts = await report(services, org, "101", "Bình", "Trồng cây xanh")
    office.last = posts
    await office.tap("Trả lại")
    done = await office.say("Thiếu ảnh minh chứng")
    cadre.last = [only(done, "101")]
    await cadre.tap("Sửa báo cáo")
    await cadre.tap("Sửa")
    await cadre.tap("Số người")
    await cadre.say("30")
    office.last = to_chat(await cadre.tap("Gửi"), OFFICE_CHAT)
    await office.tap("Duyệt")
    await report(services, org, "102", "Cường", "Sinh hoạt chuyên đề", difficulties="")
    return write_rollup(engine, tmp_path / "book.xlsx", "2026-W47",
                        media_root=services.media.root)


async def test_review_in_the_workbook(cli, org, services, engine, tmp_path):
    book = load_workbook(await reviewed_book(cli, services, engine, org, tmp_path))
    assert "Duyệt – Ý kiến" not in book.sheetnames  # folded into the sheets below

    # Chi tiết: every report's status, read in the same pass as the rest of its row.
    detail = {r["Nội dung"]: r for r in table(book["Chi tiết"])}
    assert {k: v["Tình trạng duyệt"] for k, v in detail.items()} == {
        "Dọn vệ sinh tuyến đường ấp 1": "Điển hình", "Trồng cây xanh": "Đã duyệt",
        "Sinh hoạt chuyên đề": "Chờ duyệt"}

    # Khó khăn – Đề xuất: the office's answer, who gave it and when.
    issues = {r["Mã biên nhận"]: r for r in table(book["Khó khăn – Đề xuất"]) if r["Mã biên nhận"]}
    commended_code = detail["Dọn vệ sinh tuyến đường ấp 1"]["Mã biên nhận"]
    answer = issues[commended_code]["Ý kiến trả lời của Văn phòng"]
    assert answer.startswith("Huyện đoàn hỗ trợ bao tay (Trần Văn Phòng, ")
    assert "/11/2026" in answer
    other = issues[detail["Trồng cây xanh"]["Mã biên nhận"]]
    assert other["Ý kiến trả lời của Văn phòng"] is None  # nobody answered that one

    # Lịch sử duyệt: the returned report's story, the return with its reason; reports
    # approved or commended at once have no story to tell (their status is in Chi tiết).
    history = table(book["Lịch sử duyệt"])
    returned_code = detail["Trồng cây xanh"]["Mã biên nhận"]
    assert [(h["Mã biên nhận"], h["Việc"]) for h in history] == [
        (returned_code, "Trả lại"), (returned_code, "Đã sửa (lần 2)"), (returned_code, "Duyệt")]
    assert history[0]["Lý do trả lại / ghi chú"] == "Thiếu ảnh minh chứng"
    assert history[0]["Người thực hiện"] == "Trần Văn Phòng"
    assert {h["Tình trạng hiện nay"] for h in history} == {"Đã duyệt"}

    # Điển hình: the commended report with two thumbnails and a link to all three photos.
    sheet = book["Điển hình"]
    commended = table(sheet)
    assert len(commended) == 1
    assert commended[0]["Mã biên nhận"] == commended_code
    assert commended[0]["Số ảnh (bấm để xem)"] == 3
    assert commended[0]["Ảnh"] is None  # the pictures are there instead of a note
    assert len(sheet._images) == 2
    link_cell = sheet.cell(row=sheet._images[0].anchor._from.row + 1, column=8)
    assert link_cell.hyperlink.location.startswith("'Minh chứng'!A")
    evidence_row = int(link_cell.hyperlink.location.split("!A")[1])
    assert book["Minh chứng"].cell(row=evidence_row, column=3).value == commended_code


async def test_targets_in_summary_match_the_target_sheet(cli, org, services, engine, tmp_path):
    book = load_workbook(await reviewed_book(cli, services, engine, org, tmp_path))
    per_task = list(book["Chỉ tiêu"].iter_rows(min_row=7, values_only=True))
    assert ("Chi đoàn ấp 1", "NV3", 4, 3, 0.75) in per_task
    assert ("Chi đoàn ấp 1", "NV1", 2, 0, 0) in per_task
    assert ("Huyện đoàn A", "NV3", 10, 3, 0.3) in per_task
    summary = book["Tổng hợp"]
    cols = header(summary)
    assert cols[-3:] == ["Chỉ tiêu", "Đã thực hiện", "Tỷ lệ"]
    rows = {r[2]: r for r in summary.iter_rows(values_only=True) if r and r[2]}
    assert rows["Chi đoàn ấp 1"][-3:] == (6, 3, 0.5)  # NV3 4 + NV1 2; 3 done
    assert rows["Huyện đoàn A"][-3:] == (10, 3, 0.3)  # the district's subtotal row
    assert rows["Chi đoàn ấp 2"][-3:] == (None, None, None)  # no target, no figures
    notes = [r[0] for r in summary.iter_rows(values_only=True) if r and r[0]
             and str(r[0]).startswith("Chỉ tiêu: tổng chỉ tiêu năm 2026")]
    assert notes and "đến hết tuần 47/2026" in notes[0]


async def test_no_review_no_targets_leaves_the_book_as_it_was(org, services, engine, tmp_path):
    await report(services, org, "100", "An", "Dọn vệ sinh")
    book = load_workbook(write_rollup(engine, tmp_path / "b.xlsx", "2026-W47"))
    for name in ("Lịch sử duyệt", "Điển hình", "Chỉ tiêu"):
        assert name not in book.sheetnames
    assert header(book["Tổng hợp"])[-1] == "Số tuần đang mở (chưa đến hạn)"
    assert [r["Tình trạng duyệt"] for r in table(book["Chi tiết"])] == ["Chờ duyệt"]


LONG_GUIDANCE = ("Huyện đoàn sẽ hỗ trợ bao tay, chổi và bao đựng rác cho chi đoàn; đề nghị "
                 "chi đoàn phối hợp với Ban nhân dân ấp vận động bà con cùng tham gia, "
                 "chụp ảnh trước và sau khi làm để báo cáo.")


@needs_office
async def test_new_columns_print_in_full(cli, org, services, engine, tmp_path):
    await reviewed_book(cli, services, engine, org, tmp_path, LONG_GUIDANCE)
    codes = widest_receipt_codes(engine)
    pdf = render(write_rollup(engine, tmp_path / "book.xlsx", "2026-W47",
                              media_root=services.media.root), tmp_path)
    texts, words = page_texts(pdf), page_words(pdf)

    def page(title):
        found = [i for i, t in enumerate(texts) if title in t]
        assert found, (title, [t.strip().splitlines()[:4] for t in texts])
        return found[0]

    detail = page("CHI TIẾT CÁC BÁO CÁO")
    for status in ("Tình trạng duyệt", "Chờ duyệt", "Đã duyệt", "Điển hình"):
        assert shown_in_full(words[detail], status), status
    issues = page("TỔNG HỢP KHÓ KHĂN")
    assert shown_in_full(words[issues], LONG_GUIDANCE + " (Trần Văn Phòng,")
    summary = page("BÁO CÁO KẾT QUẢ THỰC HIỆN")
    for text in ("Chỉ tiêu", "Đã thực hiện", "Tỷ lệ"):
        assert shown_in_full(words[summary], text), text
    note = page("Chỉ tiêu: tổng chỉ tiêu năm 2026")  # under the table, whole, not cut
    assert shown_in_full(words[note], "Chỉ tiêu: tổng chỉ tiêu năm 2026 (số hoạt động) của các "
                         "nhiệm vụ có chỉ tiêu; Đã thực hiện: số hoạt động các nhiệm vụ đó từ "
                         "đầu năm đến hết tuần 47/2026, kể cả đơn vị trực thuộc; chi tiết từng "
                         "nhiệm vụ ở trang «Chỉ tiêu».")
    commended = page("CÁC HOẠT ĐỘNG ĐIỂN HÌNH")
    assert shown_in_full(words[commended], "Dọn vệ sinh tuyến đường ấp 1")
    history = page("CÁC BÁO CÁO BỊ TRẢ LẠI")
    assert shown_in_full(words[history], "Thiếu ảnh minh chứng")
    evidence = page("MINH CHỨNG HOẠT ĐỘNG (ẢNH)")
    for number in (detail, issues, summary, note, commended, history, evidence):
        assert not overprinted(words[number]), (number, overprinted(words[number]))
    for number in (detail, issues, commended, history, evidence):  # each code on one line
        printed = {w[0] for w in words[number] if w[0].startswith("BC-")}
        assert printed and printed <= set(codes), (number, printed)
