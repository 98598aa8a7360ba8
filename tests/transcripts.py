"""Scripted dialogs shared by every adapter's tests, so platforms cannot drift apart.

A step is (action, expected): action is plain text or a command, `tap:<label part>` (a button;
on text platforms the driver types the label), `photo:<seed>`, `sticker` or `document`.
`{code}` stands for the join code of branch CD-A1. `expected` must appear in the bot's answer.
"""

LONG_TEXT = "Nội dung rất dài. " * 300  # about 5,400 characters

JOIN_AND_REPORT = [
    ("/start {code}", "đã tham gia Chi đoàn ấp 1"),
    ("/baocao", "nhiệm vụ nào"),
    ("tap:NV3", "Đồng chí đã làm gì"),
    ("sticker", "không phải nhãn dán"),
    (LONG_TEXT, "Nội dung quá dài"),
    ("Ra quân dọn vệ sinh tuyến đường ấp 1, trồng 20 cây xanh", "bao nhiêu người"),
    ("hai mươi", "chữ số"),
    ("25 người", "ảnh minh chứng"),
    ("document", "không phải tệp"),
    ("photo:1", "Đã nhận ảnh 1/10"),
    ("photo:2", "Đã nhận ảnh 2/10"),
    ("tap:Xong", "Khó khăn"),
    ("Thiếu dụng cụ lao động\nĐề xuất: hỗ trợ 10 bộ bao tay", "Đề xuất: hỗ trợ 10 bộ bao tay"),
    ("tap:Gửi", "Mã biên nhận: BC-"),
    ("/trangthai", "Chi đoàn ấp 1: 1 báo cáo"),
]

EDIT_AND_CANCEL = [
    ("/start {code}", "Chi đoàn ấp 1"),
    ("/huy", "không có báo cáo nào đang làm dở"),
    ("/sua", "chưa gửi báo cáo nào"),
    ("/baocao", "nhiệm vụ nào"),
    ("tap:NV6", "Đồng chí đã làm gì"),
    ("/huy", "Đã hủy báo cáo"),
    ("/baocao", "nhiệm vụ nào"),
    ("tap:NV6", "Đồng chí đã làm gì"),
    ("Thu gom rác thải nhựa khu phố", "bao nhiêu người"),
    ("tap:Bỏ qua", "ảnh minh chứng"),
    ("tap:Xong", "Khó khăn"),
    ("tap:Không có", "Số người tham gia: không ghi"),
    ("tap:Sửa", "sửa phần nào"),
    ("tap:Số người", "bao nhiêu người"),
    ("12", "Số người tham gia: 12"),
    ("tap:Gửi", "Mã biên nhận"),
    ("/sua", "Số người tham gia: 12"),
    ("tap:Sửa", "sửa phần nào"),
    ("tap:Nội dung", "Đồng chí đã làm gì"),
    ("Thu gom 30 kg rác thải nhựa khu phố", "Thu gom 30 kg"),
    ("tap:Gửi", "Đã cập nhật báo cáo BC-"),
    ("/trangthai", "1 báo cáo"),
]

STRANGERS_AND_HELP = [
    ("/baocao", "mã tham gia"),
    ("/start SAIMA123", "không đúng"),
    ("/giup", "/baocao"),
    ("xin chào", "/baocao"),
]

# Typed answers the way people type on a phone, and a second report of the same unit.
TYPED_ANSWERS = [
    ("/start {code}", "đã tham gia Chi đoàn ấp 1"),
    ("/baocao", "nhiệm vụ nào"),
    ("nv", "Đồng chí gõ số 1–10 hoặc tên nhiệm vụ, ví dụ «NV3»."),
    ("nong thon moi", "Đồng chí đã làm gì"),
    ("Trồng 50 cây xanh tuyến đường ấp 1", "bao nhiêu người"),
    ("khoảng 30 bạn", "ảnh minh chứng"),
    ("photo:3", "Đã nhận ảnh 1/10"),
    ("xong", "Khó khăn"),
    ("khong", "Khó khăn: không ghi"),
    ("gui", "Mã biên nhận: BC-"),
    ("/baocao", "đã có báo cáo"),
    ("tap:Báo cáo hoạt động khác", "nhiệm vụ nào"),
    ("DP1", "Đồng chí đã làm gì"),
    ("/huy", "Đã hủy"),
    ("/trangthai", "1 báo cáo"),
]

ALL = {"join_and_report": JOIN_AND_REPORT, "edit_and_cancel": EDIT_AND_CANCEL,
       "strangers_and_help": STRANGERS_AND_HELP, "typed_answers": TYPED_ANSWERS}
