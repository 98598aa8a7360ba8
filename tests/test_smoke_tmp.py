from storage import repo
from storage.db import session_scope
from tests.support import Person, run_script


async def test_flow(services, org):
    code = org["CD-A1"].join_code
    p = Person(services, "100", "Nguyễn Văn An")
    await run_script(p, [
        (f"/start {code}", "Chi đoàn ấp 1"),
        ("/baocao", "nhiệm vụ nào"),
        ("tap:NV3", "Đồng chí đã làm gì"),
        ("sticker", "không phải nhãn dán"),
        ("Dọn vệ sinh tuyến đường ấp 1", "bao nhiêu người"),
        ("hai mươi", "chữ số"),
        ("20 người", "ảnh minh chứng"),
        ("photo:1", "Đã nhận ảnh 1/10"),
        ("photo:2", "Đã nhận ảnh 2/10"),
        ("xong", "Khó khăn"),
        ("Thiếu dụng cụ\nĐề xuất: hỗ trợ bao tay", "kiểm tra lại"),
        ("tap:Gửi", "Mã biên nhận"),
    ])
    print(p.text())
