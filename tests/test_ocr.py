"""OCR and layout (issue 21, items 1 and 2): page images and scanned PDFs are read with
Tesseract, every PDF page goes through the same layout step, the header and signature
blocks become metadata.

OCR is slow on a shared machine (5-10 s a page), so each real file is read once per
session. The generated page runs everywhere Tesseract is installed (`make ocr`); the
real scans need ../shared and skip, saying why, without it.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import shared_path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
SCANNED = ("qn-01.pdf", "qn-03.pdf", "qn-04.pdf", "qn-05.pdf", "qn-06.pdf", "qn-07.pdf", "qn-08.pdf")


def _tesseract_vie() -> bool:
    if shutil.which("tesseract") is None:
        return False
    out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True).stdout
    return "vie" in out.split()


needs_tesseract = pytest.mark.skipif(not _tesseract_vie(), reason="Tesseract 5 with the Vietnamese model "
                                     "is not installed (`make ocr`: apt-get install tesseract-ocr tesseract-ocr-vie)")

# A one-page notice laid out as Nghị định 30 prescribes: two-column header, type, trích yếu,
# body paragraphs wrapped over several lines, "Nơi nhận" beside the signature block.
HEADER_LEFT = ["ỦY BAN NHÂN DÂN", "TỈNH QUẢNG NGÃI", "", "Số: 125/TB-UBND"]
HEADER_RIGHT = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "",
                "Quảng Ngãi, ngày 15 tháng 3 năm 2025"]
BODY = [
    ("Ngày 10 tháng 3 năm 2025, Ủy ban nhân dân tỉnh họp nghe báo cáo về tiến độ xây dựng "
     "trường học ở các xã miền núi và việc bố trí giáo viên cho năm học mới."),
    ("Giao Sở Giáo dục và Đào tạo chủ trì, phối hợp với Sở Tài chính rà soát nhu cầu phòng "
     "học, đề xuất kinh phí sửa chữa trước ngày 30 tháng 4 năm 2025."),
]


def _render_notice(path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    scale = 300 / 72  # points → pixels at 300 dpi
    image = Image.new("L", (int(595 * scale), int(842 * scale)), 255)
    draw = ImageDraw.Draw(image)
    regular = ImageFont.truetype(str(FONT), int(12 * scale))
    bold = ImageFont.truetype(str(FONT_BOLD if FONT_BOLD.exists() else FONT), int(12 * scale))
    pitch = 19 * scale

    def write(x_pt, y, text, font=regular):
        draw.text((x_pt * scale, y), text, font=font, fill=0)

    y = 60 * scale
    for left, right in zip(HEADER_LEFT, HEADER_RIGHT):
        write(60, y, left, bold if left.isupper() else regular)
        write(270, y, right, bold if right.isupper() else regular)
        y += pitch
    y += pitch
    write(250, y, "THÔNG BÁO", bold)
    y += pitch
    write(110, y, "Về việc sửa chữa trường học ở các xã miền núi", bold)
    y += 2.5 * pitch
    for paragraph in BODY:
        words, line, first = paragraph.split(), "", True
        for word in words:
            trial = (line + " " + word).strip()
            indent = 90 if first else 60
            if draw.textlength(trial, font=regular) > (535 - indent) * scale:
                write(indent, y, line)
                y += pitch
                line, first = word, False
            else:
                line = trial
        write(90 if first else 60, y, line)
        y += 1.6 * pitch
    y += pitch
    write(60, y, "Nơi nhận:", bold)
    write(340, y, "KT. CHỦ TỊCH", bold)
    write(60, y + pitch, "- Sở Giáo dục và Đào tạo;")
    write(340, y + pitch, "PHÓ CHỦ TỊCH", bold)
    write(60, y + 2 * pitch, "- Lưu: VT.")
    write(340, y + 4 * pitch, "Nguyễn Văn Bình", bold)
    image.save(path, dpi=(300, 300))


@pytest.fixture(scope="session")
def notice(tmp_path_factory):
    """The generated notice as a .png, read once (OCR)."""
    from indexer.readers import read_file

    if not FONT.exists():
        pytest.skip(f"{FONT} is absent (`make fonts`)")
    path = tmp_path_factory.mktemp("ocr") / "thong-bao-125.png"
    _render_notice(path)
    return read_file(path, path.name)


@needs_tesseract
def test_page_image_is_read_with_its_layout_and_header_block(notice):
    from indexer.metadata import extract_metadata

    paragraphs = [p for p in notice.text.split("\n\n") if p.strip()]
    # wrapped lines are one paragraph each, as printed
    first = next(p for p in paragraphs if p.startswith("Ngày 10"))
    assert first.endswith("năm học mới."), first
    assert "bố trí giáo viên" in first
    assert any(p.startswith("Giao Sở Giáo dục") and p.endswith("năm 2025.") for p in paragraphs), paragraphs
    # the header block is read column by column: issuing body, number, motto, place-date, type, trích yếu
    assert paragraphs[0] == "ỦY BAN NHÂN DÂN TỈNH QUẢNG NGÃI"
    assert notice.title == "Thông báo: Về việc sửa chữa trường học ở các xã miền núi"
    assert notice.extra["ocr"]["pages"]["1"] > 80  # mean word confidence of a clean page
    metadata = extract_metadata(notice.doc_id, notice.title, notice.text)
    assert metadata["doc_type"] == "thông báo"
    assert metadata["number"] == "125/TB-UBND"
    assert metadata["date"] == "2025-03-15"
    assert metadata["signer"] == "Nguyễn Văn Bình"
    assert metadata["signer_title"] == "PHÓ CHỦ TỊCH"
    assert metadata["subject"] == "Về việc sửa chữa trường học ở các xã miền núi"


@needs_tesseract
def test_passages_of_an_ocr_page_say_so(notice, tmp_path):
    from indexer.build import build_index
    from indexer.store import open_store

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    source = tmp_path / "notice.png"
    _render_notice(source)
    (corpus / "thong-bao-125.png").write_bytes(source.read_bytes())
    pytest.importorskip("onnxruntime")
    from conftest import MODEL_DIR
    if not (MODEL_DIR / ".complete").exists():
        pytest.skip("the model is not converted yet (`make model`)")
    from indexer.embedding import Encoder

    report = build_index(corpus, tmp_path / "index", encoder=Encoder(str(MODEL_DIR)))
    assert not report.rejected
    store = open_store(tmp_path / "index")
    passages = store.passages(store.passage_ids("thong-bao-125.png"))
    body = [p for p in passages if "bố trí giáo viên" in p["text"]]
    assert body and body[0]["ocr"] is True and body[0]["ocr_confidence"] > 80 and body[0]["page"] == 1


@needs_tesseract
def test_an_image_without_text_is_refused_saying_which_page(tmp_path):
    from PIL import Image

    from indexer.readers import IngestError, read_file

    path = tmp_path / "blank.png"
    Image.new("L", (1200, 1600), 255).save(path)
    with pytest.raises(IngestError) as err:
        read_file(path, path.name)
    assert "no readable page" in err.value.reason and "trang 1" in err.value.reason


def test_an_image_with_the_wrong_bytes_is_refused(tmp_path):
    from indexer.readers import IngestError, read_file

    path = tmp_path / "scan.png"
    path.write_bytes(b"%PDF-1.4 not an image")
    with pytest.raises(IngestError, match="rename it .pdf"):
        read_file(path, path.name)


# --- real documents (../shared) -------------------------------------------------------------
def test_text_layer_pdf_is_laid_out_as_printed_with_its_header_block():
    """qn-02.pdf: paragraphs as printed, no heading glued to every line, the header block and
    the signature block as metadata."""
    from indexer.build import document_record
    from indexer.readers import read_file

    path = shared_path("scanned-directives", "qn-02.pdf")
    doc = read_file(path, "qn-02.pdf")
    record, _ = document_record(doc)
    texts = [p["text"] for p in record["paragraphs"]]
    item = next(t for t in texts if t.startswith("1. Công ty TNHH MTV"))
    assert item.endswith("trước ngày 08/02/2025."), item  # the whole item, its wrapped lines joined
    assert not any(t.startswith("1. Công ty TNHH MTV Đầu tư, Xây dựng và Kinh doanh dịch vụ:") for t in texts)
    assert sum(t.startswith("1. Công ty") for t in texts) == 1
    assert any(t.startswith("2. Trên cơ sở báo cáo") and t.endswith("20/02/2025.") for t in texts)
    assert not any(re.fullmatch(r"\d{1,2}", t) for t in texts), "a page number or footnote digit alone"
    assert not any("ttcbth@" in t or "TRUNG TÂM CÔNG BÁO" in t for t in texts), "the e-signature stamp"
    metadata = record["metadata"]
    assert metadata["doc_type"] == "thông báo"
    assert metadata["subject"].endswith("trong thời gian qua và nhiệm vụ trọng tâm trong thời gian đến")
    assert metadata["subject"].startswith("Kết luận của Phó Chủ tịch UBND tỉnh Võ Phiên tại cuộc họp nghe báo cáo")
    assert metadata["signer"] == "Nguyễn Phước Bình"
    assert metadata["signer_title"] == "PHÓ CHÁNH VĂN PHÒNG"
    assert doc.title.startswith("Thông báo: Kết luận của Phó Chủ tịch")
    # number and day are written into the printed blanks by the e-signature service's widgets
    assert metadata["number"] == "11/TB-UBND"
    assert metadata["date"] == "2025-01-08"


@needs_tesseract
def test_text_layer_pages_ocrd_meet_the_word_and_character_error_bars():
    """Issue 21's bars, as eval/ocr_bench.py measures them: the text-layer pages of qn-02.pdf
    and qn-17.pdf rendered at 300 dpi and OCR'd lose at most 1.5 % of their words (bag of
    words) and 3 % of the characters of their body paragraphs, each page. qn-17's "- Như
    trên;" (read at confidence 6 on the page) is read again, its "TỈNH QUẢNG NGÃI" is the
    formula, and its "các cơ quan", "quản lý", "tổng hợp", "điều hành", "sửa đổi, bổ sung"
    are put right by the corpus's word pairs (indexer/readers/syllables.py, formulas.py)."""
    from eval.ocr_bench import DATASET, measure_text_layer_pages
    from indexer.readers.ocr import OCR_DPI

    shared_path("scanned-directives")
    assert DATASET.exists()
    pages = measure_text_layer_pages(OCR_DPI)
    assert [(p["file"], p["page"]) for p in pages] == [("qn-02.pdf", 1), ("qn-02.pdf", 2), ("qn-17.pdf", 1)]
    for page in pages:
        assert page["bag_of_words_error"] <= 0.015, page
        assert page["cer_body"] <= 0.03, page


def test_cong_van_title_is_its_v_v_line_not_the_national_header():
    from indexer.metadata import extract_metadata
    from indexer.readers import read_file

    doc = read_file(shared_path("scanned-directives", "qn-17.pdf"), "qn-17.pdf")
    assert doc.title.startswith("Công văn: V/v góp ý dự thảo Quyết định sửa đổi")
    assert doc.title.endswith("viễn thông công ích")
    metadata = extract_metadata(doc.doc_id, doc.title, doc.text)
    assert metadata["doc_type"] == "công văn" and metadata["signer"] == "Phùng Tô Long"
    assert metadata["number"] == "507/UBND-KGVX" and metadata["date"] == "2025-01-24"
    # the widget's digits only: not the signing service's stamp ("TRUNG TÂM CÔNG BÁO …", its time)
    assert "TRUNG TÂM" not in doc.text and "ttcbth@" not in doc.text


@pytest.fixture(scope="session")
def scanned_index(tmp_path_factory, encoder):
    """../shared/datasets/scanned-directives indexed once (OCR of ~20 pages)."""
    from indexer.build import build_index

    folder = shared_path("scanned-directives")
    if not _tesseract_vie():
        pytest.skip("Tesseract with the Vietnamese model is not installed (`make ocr`)")
    index_dir = tmp_path_factory.mktemp("scanned-index")
    report = build_index(folder, index_dir, encoder=encoder)
    return index_dir, report


def _second_paragraph_phrase(record: dict, others: list[str]) -> tuple[int, str]:
    """(paragraph, eight words) of the document's second body paragraph (after the header
    block and the addressee), as near its middle as a phrase no other document has (accents
    and case aside, punctuation too). qn-01 and qn-05 are two tờ trình whose second paragraphs cite the same
    decrees word for word: there the next paragraph with a phrase of its own is taken."""
    from indexer.textnorm import search_key

    def key(text: str) -> str:  # what the search sees: words, accents, case and "16/ 12" spacing aside
        return " ".join(re.findall(r"\w+", search_key(text)))

    header = {record["metadata"].get("subject")}
    body = [p["text"] for p in record["paragraphs"] if len(p["text"]) > 120 and p["text"] not in header
            and not p["text"].isupper() and not p["text"].startswith("Kính gửi")]
    others = [key(text) for text in others]
    for index in range(1, len(body)):
        words = body[index].split()
        for start in sorted(range(0, max(1, len(words) - 7)), key=lambda s: abs(s + 4 - len(words) // 2)):
            phrase = " ".join(words[start:start + 8])
            # its own: no four words of it in a row are in another document (OCR noise aside)
            shingles = [key(" ".join(words[i:i + 4])) for i in range(start, start + 5)]
            if not any(shingle in text for shingle in shingles for text in others):
                return index + 1, phrase
    raise AssertionError(f"no phrase of {record['doc_id']} is its own")


def test_every_scanned_directive_is_indexed_and_found_by_its_second_paragraph(scanned_index, encoder):
    from indexer.store import open_store
    from search.engine import SearchEngine

    index_dir, report = scanned_index
    assert not report.rejected, [str(e) for e in report.rejected]
    store = open_store(index_dir)
    engine = SearchEngine(index_dir, encoder=encoder)
    assert {d.doc_id for d in store.documents()} >= set(SCANNED) | {"qn-02.pdf", "qn-17.pdf"}
    texts = {d: store.document(d)["text"] for d in SCANNED + ("qn-02.pdf", "qn-17.pdf")}
    for doc_id in SCANNED:
        record = store.document(doc_id)
        assert record["extra"]["ocr"]["pages"], doc_id
        paragraph, phrase = _second_paragraph_phrase(record, [t for d, t in texts.items() if d != doc_id])
        assert paragraph == 2 or doc_id in ("qn-01.pdf", "qn-05.pdf"), (doc_id, paragraph)
        hits = engine.search(phrase, k=3)["results"]
        assert hits and hits[0]["doc_id"] == doc_id, (doc_id, phrase, [h["doc_id"] for h in hits])
    passages = store.passages(store.passage_ids("qn-04.pdf"))
    assert all(p.get("ocr") is True and p["ocr_confidence"] > 50 for p in passages)
    blank = [p for p in store.document("qn-05.pdf")["extra"].get("page_problems", []) if p.startswith("trang 2")]
    assert blank, "the blank second page of qn-05.pdf is reported by number"
    assert any(w.startswith("qn-05.pdf: trang 2") for w in engine.health()["scan_warnings"])


def test_scanned_numbers_are_read_where_the_blank_can_be_read_and_never_wrong(scanned_index):
    """The number's blank is read again as digits: qn-08's typed '53' and qn-07's handwritten
    '46' are read by Tesseract, the handwritten '01', '07', '24', '08' of qn-01, 04, 05, 06 by
    the digit reader; a number whose handwritten digits cannot be read keeps its code only, never
    OCR noise ('O{_ /TTr-UBND') nor wrong digits. Labels: eval/data/scanned_directives_meta.jsonl."""
    import json

    from indexer.store import open_store

    index_dir, _ = scanned_index
    store = open_store(index_dir)
    labels = Path(__file__).resolve().parents[1] / "eval" / "data" / "scanned_directives_meta.jsonl"
    numbers = {}
    for line in labels.read_text(encoding="utf-8").splitlines():
        label = json.loads(line)
        got = store.document(label["doc_id"])["metadata"].get("number")
        numbers[label["doc_id"]] = got
        code = label["number"][label["number"].index("/"):]
        # spaces as printed aside ("/TTr -UBND")
        assert got and re.sub(r"\s", "", got) in (label["number"], code), (label["doc_id"], got, label["number"])
    assert numbers["qn-08.pdf"] == "53/TB-UBND" and numbers["qn-07.pdf"] == "46/TB-UBND"
    # handwritten, read by indexer/readers/digits.py
    assert numbers["qn-01.pdf"] == "01/TTr-UBND" and numbers["qn-04.pdf"] == "07/CT-UBND"
    # qn-05's code is printed "/TTr -UBND": one code all the same
    assert numbers["qn-05.pdf"] == "24/TTr-UBND" and numbers["qn-06.pdf"] == "08/CT-UBND"
    assert numbers["qn-02.pdf"] == "11/TB-UBND" and numbers["qn-17.pdf"] == "507/UBND-KGVX"  # widgets


def test_scanned_directives_days_signers_and_subjects(scanned_index):
    """Issue 21: the metadata of the 9 files — number, date, type, trích yếu, signer — is
    right for ≥ 90 % of the 45 fields (eval/results/ocr.md), and never wrong: a handwritten
    day the digit reader is not sure of (indexer/readers/digits.py) leaves the date at its
    month, a number its code. The signer's name, read again alone, keeps its tone marks
    (qn-01 "Tuấn", qn-07/qn-08 "Hiền"), and qn-06's signer under the seal is found ("“Trân" →
    "Trần"); the trích yếu lines a stamp or the type line crowded are whole (qn-06, qn-07),
    every subject within 3 % of its label. Labels: eval/data/scanned_directives_meta.jsonl."""
    import json

    from eval.ocr_bench import FIELDS, same_subject
    from indexer.store import open_store

    index_dir, _ = scanned_index
    store = open_store(index_dir)
    labels = Path(__file__).resolve().parents[1] / "eval" / "data" / "scanned_directives_meta.jsonl"
    right = 0
    for line in labels.read_text(encoding="utf-8").splitlines():
        label = json.loads(line)
        metadata = store.document(label["doc_id"])["metadata"]
        assert metadata.get("date") in (label["date"], label["date"][:7]), (label["doc_id"], metadata.get("date"))
        assert metadata.get("signer") == label["signer"], (label["doc_id"], metadata.get("signer"))
        # within 3 % character error, as eval/ocr_bench.py counts it (qn-06: "thực hiện d lự án")
        assert same_subject(label["subject"], metadata.get("subject")), (label["doc_id"], metadata.get("subject"))
        right += sum(same_subject(label[f], metadata.get(f)) if f == "subject" else metadata.get(f) == label[f]
                     for f in FIELDS)
    assert right >= 41, f"{right}/45 metadata fields right"  # the bar: ≥ 90 %
    days = {d: store.document(d)["metadata"]["date"] for d in ("qn-05.pdf", "qn-06.pdf", "qn-07.pdf", "qn-08.pdf")}
    assert days == {"qn-05.pdf": "2025-02-07", "qn-06.pdf": "2018-04-03", "qn-07.pdf": "2025-01-24",
                    "qn-08.pdf": "2025-02-07"}, days


@needs_tesseract
def test_a_signers_family_name_misread_is_put_right_and_stray_marks_go(tmp_path):
    """A name printed in the signature column as '“Trân Ngọc Căng' ("Trân" is no family name;
    the quote is what a signature's stroke leaves) is read 'Trần Ngọc Căng'; a name in the
    left column (a body line) is left as printed."""
    from PIL import Image, ImageDraw, ImageFont

    from indexer.readers.ocr import ocr_image

    if not FONT_BOLD.exists():
        pytest.skip(f"{FONT_BOLD} is absent (`make fonts`)")
    scale = 300 / 72
    image = Image.new("L", (int(595 * scale), int(842 * scale)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT_BOLD), int(13 * scale))
    draw.text((340 * scale, 500 * scale), "PHÓ CHỦ TỊCH", font=font, fill=0)
    draw.text((330 * scale, 600 * scale), "“Trân Ngọc Căng", font=font, fill=0)
    draw.text((60 * scale, 700 * scale), "Trân Ngọc Căng", font=font, fill=0)
    page = ocr_image(image)
    lines: dict = {}
    for word in page.words:
        lines.setdefault((word.block, word.par, word.line), []).append(word)
    texts = {" ".join(w.text for w in sorted(line, key=lambda w: w.x0)) for line in lines.values()}
    assert "Trần Ngọc Căng" in texts, texts
    assert "Trân Ngọc Căng" in texts, texts


def test_a_multi_page_tiff_above_the_page_limit_is_refused_before_ocr(tmp_path, monkeypatch):
    from PIL import Image

    from indexer.document import MAX_PDF_PAGES_ENV, IngestError
    from indexer.readers import read_file

    monkeypatch.setenv(MAX_PDF_PAGES_ENV, "2")
    path = tmp_path / "scan.tif"
    frames = [Image.new("L", (200, 100), 255) for _ in range(3)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    with pytest.raises(IngestError, match=f"3 pages, more than {MAX_PDF_PAGES_ENV}=2"):
        read_file(path, path.name)
