"""Why a file was refused, in Vietnamese: the readers give their reasons in English
(indexer/readers/, for logs and the CLI); the page and the API's `reason_vi` say them to a
civil servant. A reason no pattern knows is still shown, after a Vietnamese lead-in."""
from __future__ import annotations

import re

# (pattern over the English reason, Vietnamese; \1 … from the pattern's groups), first match wins
_REASONS: tuple[tuple[str, str], ...] = (
    (r"^empty file$", "Tệp rỗng (0 byte)."),
    (r"no text found|empty document", "Tệp không có chữ nào để lập chỉ mục."),
    (r"^unsupported file type ([^\s;]+)(?:; supported: (.*))?", r"Không hỗ trợ loại tệp \1. Các loại được nhận: \2."),
    (r"^the content is (\S+), not (\S+); rename it (\S+)", r"Nội dung là tệp \1 chứ không phải \2: hãy đổi tên thành \3."),
    (r"^the content is (\S+), not (\S+)", r"Nội dung là tệp \1 chứ không phải \2."),
    (r"not a PDF", "Tệp không phải PDF (thiếu chữ ký %PDF-)."),
    (r"not a valid \.docx|so not a \.docx", "Tệp không phải .docx hợp lệ (hỏng hoặc không phải tệp Word)."),
    (r"so not an? (\.\w+)", r"Tệp không phải \1 hợp lệ (hỏng hoặc sai định dạng)."),
    (r"encrypted PDF", "PDF có mật khẩu: không đọc được nội dung."),
    (r"broken PDF", "Tệp PDF bị hỏng, không đọc được."),
    (r"^binary data", "Dữ liệu nhị phân, không phải tệp văn bản."),
    (r"^undecodable text", "Không giải mã được chữ (không phải UTF-8 hay bảng mã quen thuộc)."),
    (r"file too large \(([\d.]+) MB > limit ([\d.]+)", r"Tệp quá lớn (\1 MB; tối đa \2 MB)."),
    (r"^hidden file name", "Tên tệp bắt đầu bằng dấu chấm (tệp ẩn): hãy đổi tên."),
    (r"control or invisible characters", "Tên tệp chứa ký tự điều khiển hoặc ký tự ẩn: hãy đổi tên."),
    (r"file name too long", "Tên tệp quá dài: hãy đặt tên ngắn hơn."),
    (r"^no file name", "Tệp không có tên."),
    (r"file name and contents type differ", "Phần mở rộng của tên tệp không khớp với nội dung."),
    (r"cannot parse|not parseable", "Không phân tích được nội dung tệp (tệp hỏng?)."),
    (r"refused: (\d+) pages, more than (\w+)=(\d+)", r"Tệp có \1 trang, vượt giới hạn \3 trang (\2): hãy tách tệp."),
    (r"refused: more than (\w+)=(\d+) passages", r"Văn bản dài hơn giới hạn \2 đoạn (\1): hãy tách tệp."),
    (r"expands to .* uncompressed|expands \d+:1", "Tệp nén bung ra quá lớn: bị từ chối để bảo vệ máy chủ."),
    (r"not a valid (\.\w+)", r"Tệp không phải \1 hợp lệ (hỏng hoặc sai định dạng)."),
    (r"cannot read image", "Không đọc được ảnh (tệp ảnh hỏng?)."),
    (r"no text layer \(a scan\) and", "PDF là bản quét và không nhận dạng được chữ ở trang nào."),
    (r"no text layer", "PDF không có lớp chữ (bản quét chưa nhận dạng ký tự)."),
    (r"duplicate", "Trùng với văn bản đã có trong kho."),
)


def vietnamese_reason(reason: str) -> str:
    for pattern, text in _REASONS:
        match = re.search(pattern, reason or "", re.IGNORECASE)
        if match:
            return re.sub(r" Các loại được nhận: \.$", "", match.expand(text))
    return f"Không lập chỉ mục được tệp này ({reason})."
