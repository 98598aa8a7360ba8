"""What the Zalo adapters say themselves (the core's sentences live in handlers/texts.py)."""

NO_FILES = ("Zalo chưa cho phép bot gửi tệp, nên tệp «{name}» chưa gửi được qua Zalo. "
            "Đồng chí dùng lệnh này trên Telegram hoặc nhờ Văn phòng gửi tệp trực tiếp.")
NO_PHOTO = "(Ảnh kèm theo chưa gửi được qua Zalo.)"
