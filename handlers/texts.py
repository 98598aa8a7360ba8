"""Every sentence the bot says, in one place, so wording can be reviewed and edited together."""

GREETING_NEW = ("Chào đồng chí {name}! Đồng chí đã tham gia {unit}.\n"
                "Mỗi tuần, đồng chí báo cáo \"30 phút hành động\" của đơn vị bằng lệnh /baocao.")
GREETING_AGAIN = "Chào đồng chí {name}! Đồng chí đã là thành viên của {unit}."
GREETING_MEMBER = ("Chào đồng chí {name}! Đồng chí đang thuộc: {units}.\n"
                   "Gõ /baocao để báo cáo, /giup để xem hướng dẫn.")
NEED_JOIN_CODE = ("Chào đồng chí! Để bắt đầu, đồng chí cần mã tham gia của đơn vị "
                  "(Văn phòng đoàn cấp trên cung cấp). Gõ: /start <mã tham gia>")
BAD_JOIN_CODE = ("Mã tham gia «{code}» không đúng hoặc đơn vị đã ngừng hoạt động. "
                 "Đồng chí kiểm tra lại mã với Văn phòng.")

BIND_USAGE = "Cách dùng: /dangky <mã tham gia của đơn vị> (gõ trong nhóm của đơn vị)."
BIND_GROUP_ONLY = "Lệnh /dangky dùng trong nhóm chat của đơn vị, không dùng trong tin nhắn riêng."
BIND_NOT_ALLOWED = ("Chỉ cán bộ Văn phòng hoặc bí thư của {unit} mới gắn được nhóm với đơn vị. "
                    "Nhóm chưa được thay đổi.")
BIND_DONE = ("Đã gắn nhóm này với {unit}. Từ nay bot nhắc báo cáo hằng tuần tại đây; "
             "các đồng chí gõ /baocao để báo cáo.")

GROUP_NOT_BOUND = "Nhóm này chưa gắn với đơn vị nào. Bí thư hoặc Văn phòng gõ /dangky <mã tham gia>."
GROUP_REPORT_BUTTON = "Bấm nút dưới đây để báo cáo cho {unit} trong tin nhắn riêng với bot."
GROUP_REPORT_NO_LINK = "Đồng chí nhắn riêng cho bot lệnh /baocao để báo cáo cho {unit}."
BTN_REPORT = "📝 Báo cáo"
NOT_MEMBER = NEED_JOIN_CODE

ASK_UNIT = "Đồng chí báo cáo cho đơn vị nào?"
ASK_WEEK = "Hoạt động đồng chí báo cáo diễn ra trong tuần nào?"
EXISTING_ONE = ("{week}, {unit} đã có báo cáo {receipt}: {task} – do đồng chí {reporter} gửi.\n"
                "Đồng chí báo cáo thêm một hoạt động khác, hay sửa báo cáo đó?")
EXISTING_MANY = ("{week}, {unit} đã có {n} báo cáo:\n{lines}\n"
                 "Đồng chí báo cáo thêm một hoạt động khác, hay sửa một báo cáo đã gửi?")
EXISTING_LINE = "• {receipt}: {task} – {reporter}"
COUNT_CHECK = ("{unit} có {members} đoàn viên, đồng chí ghi {n} người tham gia. "
               "Con số này đúng chưa?")
ASK_TASK = "Bước 1/5 – Hoạt động thuộc nhiệm vụ nào?"
ASK_CONTENT = ("Bước 2/5 – Đồng chí đã làm gì? Mô tả ngắn gọn hoạt động "
               "(ví dụ: «Ra quân dọn vệ sinh tuyến đường ấp 3, trồng 20 cây xanh»).")
ASK_PARTICIPANTS = "Bước 3/5 – Có bao nhiêu người tham gia? Gõ một con số, ví dụ: 15."
ASK_PHOTOS = ("Bước 4/5 – Gửi ảnh minh chứng (tối đa {max} ảnh), gửi xong bấm «Xong».")
ASK_PHOTOS_REQUIRED = ("Bước 4/5 – Gửi ảnh minh chứng (ít nhất 1 ảnh, tối đa {max} ảnh), "
                       "gửi xong bấm «Xong».")
ASK_PHOTOS_AGAIN = "Gửi lại ảnh minh chứng (ảnh cũ sẽ được thay), gửi xong bấm «Xong»."
ASK_DIFFICULTIES = ("Bước 5/5 – Khó khăn, vướng mắc và đề xuất (nếu có). "
                    "Ghi «Đề xuất: …» ở dòng riêng để tách phần đề xuất.")
ASK_EDIT_FIELD = "Đồng chí muốn sửa phần nào?"

BTN_SKIP = "Bỏ qua"
BTN_DONE = "Xong"
BTN_NONE = "Không có"
BTN_SEND = "✅ Gửi"
BTN_EDIT = "✏️ Sửa"
BTN_CANCEL = "❌ Hủy"
BTN_BACK = "↩️ Quay lại"
BTN_OTHER_ACTIVITY = "Báo cáo hoạt động khác"
BTN_EDIT_THAT = "Sửa báo cáo đó"
BTN_EDIT_RECEIPT = "Sửa {receipt}"
BTN_COUNT_RIGHT = "Đúng, {n} người"
BTN_COUNT_RETYPE = "Nhập lại"
FIELD_LABELS = {"task": "Nhiệm vụ", "content": "Nội dung", "participants": "Số người",
                "photos": "Ảnh", "difficulties": "Khó khăn, đề xuất"}

PHOTO_RECEIVED = "Đã nhận ảnh {n}/{max}. Gửi thêm ảnh hoặc bấm «Xong»."
PHOTO_REUSED = "⚠️ Ảnh này đã được dùng trong báo cáo {receipt}. Ảnh vẫn được nhận, Văn phòng sẽ xem lại."
PHOTO_DUPLICATE_IN_REPORT = "Ảnh này đã có trong báo cáo đang làm. Gửi ảnh khác hoặc bấm «Xong»."
PHOTO_LIMIT = "Đã đủ {max} ảnh. Bấm «Xong» để sang bước tiếp theo."
PHOTO_REQUIRED = "Báo cáo cần ít nhất 1 ảnh minh chứng. Đồng chí gửi ảnh rồi bấm «Xong»."
PHOTO_UNREADABLE = "Không đọc được ảnh này. Đồng chí chụp hoặc chọn lại ảnh khác."

EXPECT_TEXT = "Bước này cần nội dung bằng chữ, không phải {what}. Đồng chí vui lòng gõ nội dung."
EXPECT_NUMBER = ("Số người tham gia cần viết bằng chữ số, ví dụ: 15 hoặc «khoảng 20 bạn» "
                 "(không viết «hai mươi»). "
                 "Nếu không rõ, bấm «Bỏ qua».")
EXPECT_NUMBER_KIND = "Bước này cần số người tham gia bằng chữ số, không phải {what}. Ví dụ: 15."
EXPECT_PHOTO = ("Bước này cần ảnh minh chứng, không phải {what}. "
                "Đồng chí gửi ảnh (chọn «Ảnh», không gửi dạng tệp) hoặc bấm «Xong».")
EXPECT_CHOICE = "Đồng chí vui lòng chọn một mục trong danh sách (bấm nút hoặc gõ số thứ tự)."
TOO_LONG = "Nội dung quá dài ({n} ký tự). Tối đa {max} ký tự, đồng chí vui lòng rút gọn rồi gửi lại."
TOO_SHORT = "Nội dung quá ngắn. Đồng chí mô tả rõ hơn hoạt động đã làm."
TOO_MANY = "Con số {n} quá lớn. Đồng chí kiểm tra lại số người tham gia."
# One line instead of the whole menu when a typed answer matches nothing (or several entries).
HINT_TASK = "Đồng chí gõ số 1–{n} hoặc tên nhiệm vụ, ví dụ «{example}»."
HINT_UNIT = "Đồng chí gõ số 1–{n} hoặc tên đơn vị, ví dụ «{example}»."
HINT_WEEK = "Đồng chí gõ 1 để chọn {first}, 2 để chọn {second}."
HINT_EXISTING_ONE = "Đồng chí gõ 1 để báo cáo hoạt động khác, 2 để sửa báo cáo đó."
HINT_EXISTING_MANY = ("Đồng chí gõ 1 để báo cáo hoạt động khác, hoặc số 2–{n} để sửa báo cáo "
                      "tương ứng.")
HINT_COUNT_CHECK = "Đồng chí gõ 1 nếu đúng {n} người, 2 để nhập lại, hoặc gõ ngay con số mới."
HINT_CONFIRM = "Đồng chí gõ 1 (Gửi), 2 (Sửa) hoặc 3 (Hủy)."
HINT_EDIT = "Đồng chí gõ số 1–{n} hoặc tên phần cần sửa, ví dụ «Số người»."
STALE_CHOICE = "Lựa chọn này không còn hiệu lực."
KIND_NAMES = {"sticker": "nhãn dán", "photo": "ảnh", "document": "tệp", "other": "loại tin này",
              "text": "chữ", "command": "lệnh", "choice": "nút bấm", "unsupported": "loại tin này",
              "voice": "tin nhắn thoại"}

SUMMARY = ("Đồng chí kiểm tra lại báo cáo{week}:\n"
           "• Đơn vị: {unit}\n• Nhiệm vụ: {task}\n• Nội dung: {content}\n"
           "• Số người tham gia: {participants}\n• Ảnh minh chứng: {photos}\n"
           "• Khó khăn: {difficulties}\n• Đề xuất: {proposals}")
NOT_GIVEN = "không ghi"
SAVED = ("✅ Đã lưu báo cáo {week} của {unit}. Mã biên nhận: {receipt}\n"
         "Đồng chí giữ mã này để tra cứu hoặc trao đổi với Văn phòng. Cảm ơn đồng chí!")
UPDATED = "✅ Đã cập nhật báo cáo {receipt} ({week}) của {unit}."
GROUP_CONFIRM = "✅ {unit} đã báo cáo: {task} – {participants}, {photos} ảnh ({receipt})."
GROUP_CONFIRM_UPDATED = "✏️ {unit} đã cập nhật báo cáo {receipt}: {task}."
PEOPLE = "{n} người tham gia"
PEOPLE_UNKNOWN = "chưa rõ số người"

CANCELLED = "Đã hủy báo cáo đang làm. Không có gì được lưu."
CANCELLED_EDIT = "Đã hủy việc sửa. Báo cáo {receipt} giữ nguyên như trước."
NOTHING_TO_CANCEL = "Đồng chí không có báo cáo nào đang làm dở."
NOTHING_TO_EDIT = ("Đồng chí chưa gửi báo cáo nào còn sửa được (báo cáo tuần trước sửa được "
                   "đến hạn báo cáo tuần này). Gõ /baocao để báo cáo.")
DIALOG_RESUMED = "Đồng chí đang làm dở một báo cáo, tiếp tục từ bước hiện tại:"
PRIVATE_ONLY = "Lệnh này dùng trong tin nhắn riêng với bot."
NO_TASKS = "Chưa có danh mục nhiệm vụ. Đồng chí báo Văn phòng nạp kế hoạch năm vào bot."

STATUS_HEADER = "Tuần {period} ({start}–{end}) – {unit}: {n} báo cáo"
STATUS_NONE = "Tuần {period} ({start}–{end}) – {unit}: chưa có báo cáo nào."
STATUS_LINE = "• {receipt} {when} – {task} – {reporter} – {participants}, {photos} ảnh"

IDLE_PRIVATE = "Đồng chí gõ /baocao để báo cáo, /giup để xem hướng dẫn."
UNKNOWN_COMMAND = "Lệnh /{command} không có. Gõ /giup để xem các lệnh."
VOICE_NOT_HEARD = "Bot chưa nghe được tin nhắn thoại, đồng chí gõ chữ giúp."
UNSUPPORTED_IN_DIALOG = ("Bot chưa đọc được loại tin này (tệp, thẻ liên kết, danh thiếp...). "
                         "Đồng chí trả lời bước đang làm:")
CAPTION_OFFER = ("Ảnh đồng chí gửi có chú thích: «{caption}». Muốn dùng chú thích này làm câu "
                 "trả lời, đồng chí chọn «{button}»; hoặc gõ câu trả lời khác.")
BTN_USE_CAPTION = "Dùng chú thích ảnh"
UNSUPPORTED_SENDER = ("Xin lỗi, bot chưa đọc được tin nhắn từ tài khoản này (tài khoản được bảo vệ "
                      "hoặc loại tin chưa hỗ trợ). Đồng chí nhờ bí thư chi đoàn báo cáo thay.")

HELP = """Hướng dẫn dùng bot báo cáo «30 phút hành động»:
/start <mã> – tham gia đơn vị bằng mã do Văn phòng cấp
/baocao – báo cáo hoạt động trong tuần (nhiệm vụ, nội dung, số người, ảnh, khó khăn)
/trangthai – xem các báo cáo tuần này của đơn vị
/sua – sửa báo cáo gần nhất của đồng chí (tuần trước: đến hạn báo cáo tuần này)
/huy – hủy báo cáo đang làm dở
/giup – xem hướng dẫn này
Trong nhóm của đơn vị: /dangky <mã> (bí thư hoặc Văn phòng) để gắn nhóm với đơn vị.
Cán bộ Văn phòng: /xuat – nhận báo cáo (Word) hoặc bảng tổng hợp Excel; /lichnhac – xem lịch nhắc báo cáo; /web – liên kết đăng nhập trang quản lý.
Nhóm Văn phòng (/dangky <mã> vanphong): mỗi báo cáo của cấp dưới được gửi vào đây kèm nút «Duyệt», «Trả lại», «Biểu dương», «Cho ý kiến»; trên Zalo gõ số thứ tự kèm mã báo cáo, ví dụ «1 BC-7K3QXM».
Mỗi báo cáo được cấp mã biên nhận (ví dụ BC-7K3QXM) để tra cứu."""
