"""Every sentence of office review, guidance, commendation and targets."""

POST_NEW = "📋 Báo cáo mới {receipt} – tuần {week} ({start}–{end})"
POST_REVISED = "✏️ Báo cáo {receipt} – Đã sửa (lần {revision}) – tuần {week} ({start}–{end})"
POST_BODY = ("Đơn vị: {unit}\nNhiệm vụ: {task}\nNội dung: {content}\n"
             "Số người tham gia: {participants}\nẢnh minh chứng: {photos}")
POST_DIFFICULTIES = "Khó khăn: {text}"
POST_PROPOSALS = "Đề xuất: {text}"
POST_STATUS = "Trạng thái: {status}"
POST_STATUS_BY = "Trạng thái: {status} – đồng chí {name}, {when}"
POST_REASON = "Lý do trả lại: {reason}"
POST_SHARED = "📣 Đã chia sẻ để nhân rộng ({when})."
POST_GUIDANCE = "💬 Ý kiến chỉ đạo ({name}, {when}): {text}"
POST_TYPED_HINT = "Trả lời bằng số thứ tự kèm mã báo cáo, ví dụ «1 {receipt}»."
NOT_GIVEN = "không ghi"

BTN_APPROVE = "✅ Duyệt"
BTN_RETURN = "↩️ Trả lại"
BTN_COMMEND = "🌟 Biểu dương"
BTN_GUIDE = "💬 Cho ý kiến"
BTN_SHARE = "📣 Chia sẻ để nhân rộng"
BTN_EDIT_REPORT = "✏️ Sửa báo cáo"

SHORT_LINE = "{icon} {receipt} ({unit}): {status} – đồng chí {name}."
SHARE_TYPED_HINT = "Gõ «5 {receipt}» để chia sẻ để nhân rộng tới các đơn vị cùng cấp."
SHORT_SHARED = "📣 {receipt} ({unit}): đã chia sẻ để nhân rộng tới {n} nhóm đơn vị."
SHORT_GUIDED = "💬 {receipt} ({unit}): đã gửi ý kiến chỉ đạo."
ICONS = {"approved": "✅", "returned": "↩️", "commended": "🌟"}

NOT_ALLOWED = ("Chỉ cán bộ Văn phòng phụ trách {unit} mới duyệt, trả lại, biểu dương hoặc cho ý "
               "kiến báo cáo này. Không có gì thay đổi.")
NO_REPORT = "Không tìm thấy báo cáo này. Không có gì thay đổi."
ALREADY_DONE = "Báo cáo {receipt} đã được xử lý trước đó ({status}). Không có gì thay đổi."
STALE = "Báo cáo {receipt} đã được sửa, đồng chí dùng tin nhắn mới nhất của báo cáo này."

ASK_REASON = ("Đồng chí nhập lý do trả lại báo cáo {receipt} của {unit} (trả lời tin nhắn này). "
              "Gõ /huy để thôi.")
ASK_GUIDANCE = ("Đồng chí nhập ý kiến chỉ đạo về khó khăn, đề xuất của {unit} trong báo cáo "
                "{receipt} (trả lời tin nhắn này). Gõ /huy để thôi.")
ANSWER_TYPED_HINT = "Trong nhóm, đồng chí gõ kèm mã báo cáo, ví dụ: «{receipt}: nội dung»."
EXPECT_TEXT = "Đồng chí vui lòng gõ nội dung bằng chữ (tối đa {max} ký tự), hoặc /huy để thôi."
REASON_MAX = GUIDANCE_MAX = 1000

TO_REPORTER_RETURNED = ("↩️ {office} trả lại báo cáo {receipt} của {unit} ({task}, tuần {week}).\n"
                        "Lý do: {reason}\n"
                        "Đồng chí bấm «Sửa báo cáo» để sửa rồi gửi lại.")
TO_REPORTER_TYPED = "Hoặc gõ: sua {receipt}"
GUIDANCE_TO_UNIT = "Ý kiến chỉ đạo của {office}: {text}\n(Về báo cáo {receipt} của {unit}: {topic})"
THANKS_TO_UNIT = ("🌟 {office} biểu dương {unit} về hoạt động «{content}» ({task}). "
                  "Cảm ơn các đồng chí, mong đơn vị tiếp tục phát huy!")
SHARE_TO_SIBLING = ("📣 Điển hình để nhân rộng: {unit} – {task}: «{content}» "
                    "({participants}). {office} đề nghị các đơn vị tham khảo, học tập và nhân rộng.")
PEOPLE = "{n} người tham gia"
PEOPLE_UNKNOWN = "chưa rõ số người"
EDIT_NOT_YOURS = "Chỉ người đã gửi báo cáo {receipt} mới sửa được báo cáo này."
EDIT_OPENED = "Mở lại báo cáo {receipt} để sửa:"
RETURN_DONE = "Đã trả lại báo cáo {receipt}, lý do đã gửi tới người báo cáo."
GUIDANCE_DONE = "Đã gửi ý kiến chỉ đạo về báo cáo {receipt} tới {unit}."

TARGET_LINE = "Năm {year} – {task}: {done}/{target} hoạt động"
TARGET_HEAD = "Chỉ tiêu năm {year}:"
REMINDER_TARGET = "📈 Chỉ tiêu cần tập trung: {line}."
