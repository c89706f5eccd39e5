"""OCR of page images: Tesseract 5 with its Vietnamese model (Debian's tesseract-ocr and
tesseract-ocr-vie), run as a CLI with TSV output so every word keeps its box and its
confidence.

A reader's step, not a stage: `indexer/readers/pdf.py` renders the pages of a scanned PDF
(pypdfium2) and `read_image` reads .png/.jpg/.tif files; both give the words to the same
layout step (`indexer/readers/layout.py`) as a text-layer PDF gives its words.

- Pages are rendered at `OCR_DPI` (300: measured in eval/results/ocr.md) in colour and OCR'd
  in their red channel (`ink_channel`): the red seal stamped over the signer's name and
  the red received-mail stamps vanish, black print and blue handwriting stay dark
  (qn-01.pdf: the signer "Trần Hoàng Tuấn" under the seal is read only so).
- Pages are OCR'd in parallel, one single-threaded tesseract process per page, as many at
  once as `ocr_workers()` (TRACUU_OCR_WORKERS, `--ocr-workers`; default: the cores).
- Tesseract's page segmentation 3 (automatic) reads the two-column header block as
  separate blocks; the layout step orders them.
- A page whose words are too few or too unsure is "unreadable" (blank, a photo, a
  corrupt image) and reported by number; the rest of the document still goes in.
- A page whose mean word confidence is below `LOW_CONFIDENCE` is flagged
  ("trang 3: chất lượng quét thấp").
- What the page model reads worst is read again on its own: the blank of "Số: …" (digits;
  handwritten ones by the digit reader, indexer/readers/digits.py), the handwritten day of
  "ngày … tháng", the trích yếu lines under the type line, and the signer's name under the
  seal (eval/results/ocr.md, Trials).
- Tone marks the `vie` model drops over â ê ô ("cô phần" for "cổ phần") are corrected where
  the word is no syllable at all or unsure and the document prints the right pair elsewhere,
  or where the corpus's word pairs make the mark all but certain; capitals read mid-sentence
  ("với Các CƠ quan") are lowered where the corpus never capitalises them; the fixed formulas
  of the header and closing blocks ("TỈNH QUẢNG NGÃI") get their marks back
  (`correct_tone_marks`, indexer/readers/syllables.py and formulas.py); the "Nơi nhận" list's
  words read too unsure to keep are read again alone (`_reread_list_items`).
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache

from indexer.readers.layout import COLUMN_GAP_PT

OCR_DPI = 300
LANGUAGE = "vie"
PAGE_SEGMENTATION = 3
LOW_CONFIDENCE = 75.0       # mean word confidence (0-100) below which a page is flagged
MIN_WORDS = 3               # a page with fewer confident words is unreadable
MIN_WORD_CONFIDENCE = 30.0  # words below this are noise (specks, seal, signature strokes)
OCR_WORKERS_ENV = "TRACUU_OCR_WORKERS"
TIMEOUT_S = 300


class OcrUnavailable(RuntimeError):
    """Tesseract or its Vietnamese model is not installed."""


@dataclass
class OcrWord:
    text: str
    x0: float      # box in PDF points (1/72 inch) from the page's top left
    top: float
    x1: float
    bottom: float
    conf: float
    block: int = 0
    par: int = 0
    line: int = 0


@dataclass
class OcrPage:
    number: int                   # 1-based page number in the document
    width: float                  # points
    height: float
    words: list[OcrWord] = field(default_factory=list)
    error: str | None = None      # why the page could not be read
    seconds: float = 0.0

    @property
    def confidence(self) -> float | None:
        """Mean confidence of the words kept (0-100)."""
        kept = [w.conf for w in self.words]
        return round(sum(kept) / len(kept), 1) if kept else None

    @property
    def readable(self) -> bool:
        return self.error is None and len(self.words) >= MIN_WORDS

    @property
    def low_quality(self) -> bool:
        return self.readable and (self.confidence or 0) < LOW_CONFIDENCE

    def problem(self) -> str | None:
        """The page's problem in the words the document view and /health show."""
        if not self.readable:
            return f"trang {self.number}: không đọc được ({self.error or 'trang trắng hoặc không có chữ'})"
        if self.low_quality:
            return f"trang {self.number}: chất lượng quét thấp (độ tin cậy OCR {self.confidence:.0f}%)"
        return None


def ink_channel(image):
    """The grayscale image to OCR: a colour page's red channel (red seals and stamps turn
    white, black and blue ink stay dark), a grayscale page as it is."""
    if image.mode in ("RGB", "RGBA", "P", "CMYK"):
        return image.convert("RGB").getchannel("R")
    return image.convert("L")


def tesseract_command() -> str:
    path = shutil.which("tesseract")
    if path is None:
        raise OcrUnavailable("OCR needs Tesseract 5 with the Vietnamese model: "
                             "apt-get install tesseract-ocr tesseract-ocr-vie (or `make ocr`)")
    return path


def tesseract_version() -> str:
    out = subprocess.run([tesseract_command(), "--version"], capture_output=True, text=True).stdout
    return out.split("\n", 1)[0].strip()


def ocr_workers() -> int:
    raw = os.environ.get(OCR_WORKERS_ENV)
    try:
        workers = int(raw) if raw else 0
    except ValueError:
        workers = 0
    return workers if workers > 0 else (os.cpu_count() or 1)


def parse_tsv(tsv: str, scale: float, min_confidence: float = MIN_WORD_CONFIDENCE) -> list[OcrWord]:
    """Words of Tesseract's TSV output (level 5 rows), boxes scaled from pixels to points."""
    words = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5":
            continue
        text = cols[11].strip()
        try:
            conf = float(cols[10])
        except ValueError:
            continue
        if not text or conf < min_confidence:
            continue
        left, top, width, height = (int(c) for c in cols[6:10])
        words.append(OcrWord(text, left * scale, top * scale, (left + width) * scale,
                             (top + height) * scale, conf, int(cols[2]), int(cols[3]), int(cols[4])))
    return words


def _run_tesseract(image_bytes: bytes, dpi: int, options: tuple[str, ...] | None = None) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")  # one core per page: pages run in parallel
    options = options or ("-l", LANGUAGE, "--psm", str(PAGE_SEGMENTATION))
    result = subprocess.run(
        [tesseract_command(), "stdin", "stdout", *options, "--dpi", str(dpi), "tsv"],
        input=image_bytes, capture_output=True, env=env, timeout=TIMEOUT_S)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(message[-1] if message else f"tesseract exit status {result.returncode}")
    return result.stdout.decode("utf-8", "replace")


def ocr_image(image, number: int = 1, dpi: int = OCR_DPI) -> OcrPage:
    """OCR one PIL image rendered (or scanned) at `dpi`."""
    started = time.perf_counter()
    scale = 72.0 / dpi
    page = OcrPage(number, image.width * scale, image.height * scale)
    try:
        buffer = io.BytesIO()
        image.convert("L").save(buffer, format="PNG", compress_level=1)
        tsv = _run_tesseract(buffer.getvalue(), dpi)
        page.words = parse_tsv(tsv, scale)
        all_words = parse_tsv(tsv, scale, min_confidence=-1)  # the blanks' labels, however unsure
        for reread in (lambda: _read_number_blank(image, all_words, page.words, dpi),
                       lambda: _read_day_blank(image, all_words, page.words, dpi),
                       lambda: _reread_subject(image, page.words, dpi),
                       lambda: _reread_names(image, page.words, dpi),
                       lambda: _reread_list_items(image, all_words, page.words, dpi)):
            try:
                reread()
            except Exception:  # OcrUnavailable included: what the page read there stands (a number's
                pass  # blank unread, a date to the month, the trích yếu and names as read)
    except OcrUnavailable:
        raise
    except Exception as err:  # a page tesseract cannot read: reported, the rest goes on
        page.error = f"{type(err).__name__}: {str(err)[:120]}"
    page.seconds = time.perf_counter() - started
    return page


_NUMBER_LABEL = re.compile(r"^S[ốôoó]\s*[:.]", re.IGNORECASE)
DIGITS_MIN_CONFIDENCE = 50.0  # each of two readings of a number's blank, to be taken
LABEL_LEAD = 0.5  # line heights of the printed label a handwritten blank's crop takes in


@lru_cache(maxsize=1)
def _has_english_model() -> bool:
    out = subprocess.run([tesseract_command(), "--list-langs"], capture_output=True, text=True).stdout
    return "eng" in out.split()


def _read_crop(image, box_px: tuple[int, int, int, int], dpi: int, options: tuple[str, ...]) -> list[OcrWord]:
    """Every word Tesseract reads in one box of the page (pixels; word boxes relative to it),
    however unsure."""
    buffer = io.BytesIO()
    image.crop(box_px).convert("L").save(buffer, format="PNG")
    return parse_tsv(_run_tesseract(buffer.getvalue(), dpi, options), 1.0, min_confidence=-1)


def _read_line(image, box_px: tuple[int, int, int, int], dpi: int) -> list[OcrWord]:
    """One line of the page read again on its own (psm 7)."""
    return _read_crop(image, box_px, dpi, ("-l", LANGUAGE, "--psm", "7"))


def _on_page(words: list[OcrWord], box_px: tuple[int, int, int, int], scale: float, anchor: OcrWord) -> list[OcrWord]:
    """Words read in a crop (`_read_crop`: pixels relative to `box_px`) placed on the page
    (points), in the line of `anchor`, the page's word they stand for."""
    return [OcrWord(w.text, (box_px[0] + w.x0) * scale, (box_px[1] + w.top) * scale, (box_px[0] + w.x1) * scale,
                    (box_px[1] + w.bottom) * scale, w.conf, anchor.block, anchor.par, anchor.line) for w in words]


def _read_digits(image, box_px: tuple[int, int, int, int], dpi: int, psm: int) -> tuple[str, float]:
    words = _read_crop(image, box_px, dpi, ("-l", "eng", "--psm", str(psm), "-c", "tessedit_char_whitelist=0123456789"))
    return "".join(w.text for w in words), min((w.conf for w in words), default=0.0)


def _read_number_blank(image, all_words: list[OcrWord], kept: list[OcrWord], dpi: int) -> None:
    """The digits in the blank of "Số:   /CT-UBND", read again as digits alone.

    The page model reads what is filled into that blank — typed late ("53") or handwritten
    ("46") — as noise ("b3", "ý#") and with almost no confidence. The blank between the
    label and the code is OCR'd once more with Tesseract's English model restricted to
    digits, as one line (psm 7) and as one word (psm 8); the digits are taken only when both
    readings agree, each with confidence ≥ `DIGITS_MIN_CONFIDENCE` (measured on the 7 scans
    in eval/results/ocr.md: 2 numbers read, right; the other handwritten ones not read, none
    read wrong); else handwritten digits are read by the digit reader
    (indexer/readers/digits.py). They replace the noise OCR'd there. A label and code read
    too unsure to be kept (qn-05.pdf's "Số:" at confidence 7) are kept: the number's code
    is known."""
    if not _has_english_model():
        return
    scale = 72.0 / dpi
    header = [w for w in all_words if w.bottom < 0.3 * image.height * scale]
    for i, label in enumerate(header):
        if not _NUMBER_LABEL.match(label.text):
            continue
        line = (label.block, label.par, label.line)
        code = next((w for w in header[i + 1:i + 4] if "/" in w.text and (w.block, w.par, w.line) == line), None)
        if code is None:
            return
        # the label's own share of its box ("Sô:⁄11" is label and digits read as one word)
        start = label.x0 + (label.x1 - label.x0) * min(1.0, 3 / max(len(label.text), 3))
        height = label.bottom - label.top
        box = (int(start / scale), int((label.top - height / 2) / scale), int(code.x0 / scale) + 5,
               int((label.bottom + height / 2) / scale))
        if box[2] - box[0] < 10:
            return
        readings = [_read_digits(image, box, dpi, psm) for psm in (7, 8)]
        digits = readings[0][0]
        read = bool(digits and len(digits) <= 4 and all(r[0] == digits and r[1] >= DIGITS_MIN_CONFIDENCE
                                                        for r in readings))
        if not read:  # handwritten: the digit reader, every digit read surely
            from indexer.readers.digits import read_handwritten_digits

            lead = int(LABEL_LEAD * height / scale)
            # from half a line into the label (a digit written close to it is not cut) to the code's "/"
            hand_box = (box[0] - lead, box[1], int(code.x0 / scale), box[3])
            digits = read_handwritten_digits(image.crop(hand_box), label_end=lead) or ""
            read = bool(digits) and int(digits) > 0
            readings = [(digits, HANDWRITING_CONFIDENCE)]
        kept_label = next((w for w in kept if w == label), None)
        if kept_label is None:  # read with too little confidence to be kept: it is the label all the same,
            kept_label = label  # and with it what is known of the number (its code)
            kept.append(label)
        if read:
            kept_label.text = label.text[:label.text.find(":") + 1] if ":" in label.text else label.text
            for word in [w for w in kept if (w.block, w.par, w.line) == line and w is not kept_label
                         and start <= (w.x0 + w.x1) / 2 < code.x0]:
                kept.remove(word)
            kept.append(OcrWord(digits, start + 1, label.top, code.x0 - 1, label.bottom,
                                min(r[1] for r in readings), label.block, label.par, label.line))
        if code not in kept:
            kept.append(code)
        kept_code = next(w for w in kept if w == code)
        tail = next((w for w in kept if (w.block, w.par, w.line) == line and w.text.startswith("-")
                     and 0 <= w.x0 - kept_code.x1 < height), None)
        if tail is not None:  # qn-05.pdf's "/TTr -UBND", printed so: a số hiệu has no space
            kept_code.text, kept_code.x1 = kept_code.text + tail.text, tail.x1
            kept.remove(tail)
        kept.sort(key=lambda w: (w.block, w.par, w.line, w.x0))
        return


SUBJECT_REREAD_MIN_CONFIDENCE = 60.0  # every word of a trích yếu line read again, to be taken


def _lines_of(words: list[OcrWord]) -> list[list[OcrWord]]:
    """Tesseract's lines of `words`, top to bottom, each left to right."""
    grouped: dict = {}
    for word in words:
        grouped.setdefault((word.block, word.par, word.line), []).append(word)
    return sorted((sorted(line, key=lambda w: w.x0) for line in grouped.values()), key=lambda l: min(w.top for w in l))


def _paragraphs_of(words: list[OcrWord]) -> list[list[OcrWord]]:
    """Tesseract's paragraphs of `words`, each its lines' words in reading order."""
    grouped: dict = {}
    for line in _lines_of(words):
        grouped.setdefault((line[0].block, line[0].par), []).extend(line)
    return list(grouped.values())


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    it = iter(long)
    return all(any(word == other for other in it) for word in short)


def _reread_subject(image, kept: list[OcrWord], dpi: int) -> None:
    """The trích yếu's lines under the type line read again, each on its own, as one line.

    On the page, words of a centred trích yếu line go missing where a received-mail stamp
    or the type line above crowds them (qn-06.pdf lost "thực hiện dự", qn-07.pdf "Về").
    Each line under the type line (centred on it, no wider gap than a line between them)
    is cropped symmetric about the type line's centre — so a lost start is inside the crop
    — and read alone (psm 7). The re-read replaces the line only when it holds every word
    the page read there, in order, and more, each read with confidence
    ≥ `SUBJECT_REREAD_MIN_CONFIDENCE` (eval/results/ocr.md)."""
    from indexer.gazetteer import fold
    from indexer.readers.layout import DOC_TYPE_WORDS

    scale = 72.0 / dpi
    lines = [line for line in _lines_of(kept) if line[0].bottom < 0.45 * image.height * scale]
    type_index = next((i for i, line in enumerate(lines)
                       if " ".join(w.text for w in line).replace("*", "") in DOC_TYPE_WORDS), None)
    if type_index is None:
        return
    centre = (lines[type_index][0].x0 + lines[type_index][-1].x1) / 2
    previous_bottom = max(w.bottom for w in lines[type_index])
    taken = 0
    for line in lines[type_index + 1:]:
        if not line[0].x0 < centre < line[-1].x1:
            continue  # a stamp's line beside the trích yếu
        top, bottom = min(w.top for w in line), max(w.bottom for w in line)
        height = bottom - top
        if top - previous_bottom > height or taken == 3 or line[0].text.lower().startswith("kính"):
            break
        previous_bottom, taken = bottom, taken + 1
        half = max(centre - line[0].x0, line[-1].x1 - centre) + 0.5 * height
        box = (int((centre - half) / scale), int((top - 0.2 * height) / scale), int((centre + half) / scale),
               int((bottom + 0.2 * height) / scale))
        reread = _read_line(image, box, dpi)
        if (len(reread) <= len(line) or any(w.conf < SUBJECT_REREAD_MIN_CONFIDENCE for w in reread)
                or not _is_subsequence([fold(w.text) for w in line], [fold(w.text) for w in reread])):
            continue
        for word in line:
            kept.remove(word)
        first = line[0]
        kept += _on_page(reread, box, scale, first)
    kept.sort(key=lambda w: (w.block, w.par, w.line, w.x0))


NAME_REREAD_SURE = 90.0  # a name's word read alone this surely replaces the page's reading of it
_NAME_WORD = re.compile(r"^\W*([^\W\d_][^\W\d_]*)\W*$")


def _name_run(line: list[OcrWord], page_width: float) -> list[OcrWord]:
    """The words that end `line` and read as a person's name printed in the right column
    (2–5 capitalised words: the signer under the seal), stray marks around them aside."""
    run: list[OcrWord] = []
    for word in reversed(line):
        match = _NAME_WORD.match(word.text)
        core = match.group(1) if match else ""
        if not core or not core[0].isupper() or (len(core) > 1 and not core[1:].islower()):
            break
        if not word.text.endswith(core) or run and run[0].x0 - word.x1 > COLUMN_GAP_PT:
            break  # "Gái," ends a list's item, not a name; a wide gap: another column ("huyện Tư Nghĩa;")
        run.insert(0, word)
    run = run[-5:]
    before = line[len(line) - len(run) - 1] if len(run) < len(line) else None
    if before is not None and run and run[0].x0 - before.x1 <= COLUMN_GAP_PT:
        return []  # the end of a body line ("… của ông Trần Ngọc Vinh"), not a name standing alone
    return run if len(run) >= 2 and run[0].x0 > 0.4 * page_width else []


def _reread_names(image, kept: list[OcrWord], dpi: int) -> None:
    """The signer's name in the right column read again, on its own, as one line.

    On the page the name sits under the seal and over the signature's strokes, and the page
    model swaps its tone marks ("Tuần", "Hiên" for "Tuấn", "Hiền": qn-01, qn-07, qn-08.pdf).
    The name's box read alone (psm 7) gets them right: a word is replaced by the re-read one
    only when both have the same letters (marks aside) and the re-read is the surer or sure
    (`NAME_REREAD_SURE`: qn-07's "Hiên" and the re-read "Hiền" both come at 96). A mark
    the signature left before the name ('"Trân') goes, and a family name that is none is put
    right by the one of the same letters that is (`SURNAMES`: "Trân" → "Trần"; measured in
    eval/results/ocr.md)."""
    from indexer.gazetteer import SURNAMES, fold

    scale = 72.0 / dpi
    page_width = image.width * scale
    for line in _lines_of([w for w in kept if w.top > 0.25 * image.height * scale]):  # below the header block
        run = _name_run(line, page_width)
        if not run:
            continue
        for word in run:  # the name's own letters: a quote or dash of the signature's strokes goes
            word.text = _NAME_WORD.match(word.text).group(1)
        top, bottom = min(w.top for w in run), max(w.bottom for w in run)
        pad = 0.3 * (bottom - top)
        box = (int((run[0].x0 - pad) / scale), int((top - pad) / scale), int((run[-1].x1 + pad) / scale),
               int((bottom + pad) / scale))
        reread = _read_line(image, box, dpi)
        remaining = list(reread)
        for word in run:
            same = next((r for r in remaining if fold(r.text) == fold(word.text)), None)
            if same is None:
                continue
            remaining = remaining[remaining.index(same) + 1:]
            if same.text != word.text and (same.conf > word.conf or same.conf >= NAME_REREAD_SURE):
                word.text, word.conf = same.text, same.conf
        family = run[0]
        surnames = [s for s in SURNAMES if fold(s) == fold(family.text)]
        if family.text not in SURNAMES and len(surnames) == 1:
            family.text = surnames[0] if not family.text.isupper() else surnames[0].upper()


LIST_REREAD_SURE = 90.0  # a word of a distribution-list item read again alone, to be taken
_LETTERS = re.compile(r"[^\W\d_]{2}")


def _reread_list_items(image, all_words: list[OcrWord], kept: list[OcrWord], dpi: int) -> None:
    """Words of the "Nơi nhận:" list the page read too unsure to keep, read again alone.

    The list's first item ("- Như trên;") sits close under the label and over the next item;
    the page model read qn-17.pdf's as '"Như' at confidence 6, below `MIN_WORD_CONFIDENCE`,
    so it was dropped. A dropped word with letters in the list's column (under the label,
    left of the signature column) is read again in a crop from the label's left edge to a
    little past the word, as a block (psm 6: as one line, psm 7 runs into the next item);
    the re-read words of its first line that fall within the word's box are taken when each
    is read with confidence ≥ `LIST_REREAD_SURE` (eval/results/ocr.md)."""
    from indexer.readers.layout import DISTRIBUTION_FOLDED, _fold

    scale = 72.0 / dpi
    lines = _lines_of(all_words)
    label = next((line for line in lines if DISTRIBUTION_FOLDED.match(_fold(" ".join(w.text for w in line)))), None)
    if label is None:
        return
    height = max(w.bottom for w in label) - min(w.top for w in label)
    for word in [w for w in all_words if w.conf < MIN_WORD_CONFIDENCE and w.top > label[0].top + height / 2
                 and w.x0 < label[0].x0 + 2 * height and _LETTERS.search(w.text)]:
        box = (int((label[0].x0 - height) / scale), int((word.top - 0.3 * height) / scale),
               int((word.x1 + 2 * height) / scale), int((word.bottom + 0.3 * height) / scale))
        reread = _on_page(_read_crop(image, box, dpi, ("-l", LANGUAGE, "--psm", "6")), box, scale, word)
        inside = [w for w in reread if word.x0 - height <= (w.x0 + w.x1) / 2 <= word.x1]
        first = [w for w in inside if w.top < min(v.top for v in inside) + height / 2]
        if first and all(w.conf >= LIST_REREAD_SURE for w in first) and not any(
                min(k.bottom, f.bottom) - max(k.top, f.top) > (f.bottom - f.top) / 2 and k.x1 > f.x0 and k.x0 < f.x1
                for k in kept for f in first):  # nothing the page kept is read there already
            kept += first
    kept.sort(key=lambda w: (w.block, w.par, w.line, w.x0))


HANDWRITING_CONFIDENCE = 50.0  # the confidence given to handwritten digits read (indexer/readers/digits.py)


DAY_LABEL_HEIGHTS = 2.15  # the width of a printed "ngày": 2.0–2.14 line heights on the scans
_DAY_LABEL = re.compile(r"^ng[àa]y", re.IGNORECASE)
_MONTH_LABEL = re.compile(r"^th[áa]ng$", re.IGNORECASE)


def _read_day_blank(image, all_words: list[OcrWord], kept: list[OcrWord], dpi: int) -> None:
    """The handwritten day of "…, ngày 06 tháng 01 năm 2025", between "ngày" and "tháng".

    Tesseract reads a handwritten day confidently wrong (qn-03.pdf: "4" at 96 for 11), so the
    day is read by the digit reader alone (indexer/readers/digits.py: every digit sure), and
    taken only when it is a day (1–31). Tesseract's box of "ngày" may take in the day
    ("ngày06" read as one word), so the label is reckoned `DAY_LABEL_HEIGHTS` line heights
    wide, and the crop begins half a line inside it: a day written close to the label is
    not cut, and the label's strokes are left out."""
    scale = 72.0 / dpi
    header = [w for w in all_words if w.bottom < 0.3 * image.height * scale]
    for i, month in enumerate(header):
        if not _MONTH_LABEL.match(month.text) or i == 0:
            continue
        line = (month.block, month.par, month.line)
        label = next((w for w in reversed(header[max(0, i - 3):i])
                      if _DAY_LABEL.match(w.text) and (w.block, w.par, w.line) == line), None)
        if label is None:
            continue
        height = month.bottom - month.top
        start = label.x0 + min(label.x1 - label.x0, DAY_LABEL_HEIGHTS * height)
        lead = int(LABEL_LEAD * height / scale)  # a digit written close to the label is not cut
        box = (int(start / scale) - lead, int((month.top - height / 2) / scale), int(month.x0 / scale),
               int((month.bottom + height / 2) / scale))
        if box[2] - box[0] < 10 + lead or label.x1 > month.x0 + 2:
            return  # the label's box runs into "tháng": the line is misread there
        if any(w.text.isdigit() and w.conf >= DIGITS_MIN_CONFIDENCE for w in kept
               if (w.block, w.par, w.line) == line and start <= (w.x0 + w.x1) / 2 < month.x0):
            return  # a typed day the page read stands
        from indexer.readers.digits import read_handwritten_digits

        day = read_handwritten_digits(image.crop(box), max_digits=2, label_end=lead)
        if not day or not 1 <= int(day) <= 31:
            return
        for word in [w for w in kept if (w.block, w.par, w.line) == line and start <= (w.x0 + w.x1) / 2 < month.x0
                     or w == label]:
            kept.remove(word)
        kept += [OcrWord(label.text[:4], label.x0, label.top, start - 1, label.bottom, label.conf, *line),
                 OcrWord(day, start + 1, month.top, month.x0 - 1, month.bottom, HANDWRITING_CONFIDENCE, *line)]
        if month not in kept:
            kept.append(month)
        kept.sort(key=lambda w: (w.block, w.par, w.line, w.x0))
        return


# who hears about pages done: the running build's progress display (one build at a time)
_page_listener = None


def set_page_listener(listener) -> None:
    """`listener(done, total, pages_per_minute)` is called after each OCR'd page (None: nobody)."""
    global _page_listener
    _page_listener = listener


def ocr_images(images: list[tuple[int, object]], dpi: int = OCR_DPI,
               workers: int | None = None) -> list[OcrPage]:
    """OCR (page number, PIL image) pairs in parallel; pages in the order given."""
    tesseract_command()
    workers = max(1, min(workers or ocr_workers(), len(images) or 1))
    started = time.perf_counter()
    done = 0
    results: list[OcrPage] = []

    def one(item):
        number, image = item
        return ocr_image(image, number, dpi)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for page in pool.map(one, images):
            results.append(page)
            done += 1
            minutes = (time.perf_counter() - started) / 60
            listener = _page_listener
            if listener is not None:
                listener(done, len(images), done / minutes if minutes > 0 else None)
    correct_tone_marks(results)
    return results


def correct_tone_marks(pages: list[OcrPage]) -> None:
    """Tone marks the model dropped or swapped and capitals it read mid-sentence, corrected in
    place: the header's and closing's formulas first, then with the whole document's pairs of
    syllables as evidence, then with the corpus's (indexer/readers/formulas.py, syllables.py;
    measured in eval/results/ocr.md)."""
    from indexer.readers.formulas import restore_formulas
    from indexer.readers.syllables import correct_by_context, correct_syllables, document_pairs

    all_lines = [line for page in pages for line in _lines_of(page.words)]
    for line in all_lines:  # the fixed formulas of the header and closing blocks first
        for word, text in zip(line, restore_formulas([w.text for w in line])):
            word.text = text
    pairs = document_pairs([[(w.text, w.conf) for w in line] for line in all_lines])
    for line in all_lines:
        for word, text in zip(line, correct_syllables([w.text for w in line], [w.conf for w in line], pairs)):
            word.text = text
    for page in pages:  # then the corpus's pairs, over Tesseract's paragraphs (a pair across a wrapped line)
        for paragraph in _paragraphs_of(page.words):
            for word, text in zip(paragraph, correct_by_context([w.text for w in paragraph], [w.conf for w in paragraph])):
                word.text = text


def read_image(path, doc_id: str):
    """A page image (.png .jpg .jpeg .tif .tiff; every frame of a multi-page TIFF) as a Document."""
    from PIL import Image, ImageSequence

    from indexer.document import IngestError, check_page_count
    from indexer.readers.layout import document_from_pages

    try:
        with Image.open(path) as image:
            frame_count = getattr(image, "n_frames", 1)
    except Exception as err:
        raise IngestError(str(path), f"cannot read image ({type(err).__name__}: {str(err)[:120]})") from None
    check_page_count(path, frame_count)  # a multi-page TIFF is held to TRACUU_MAX_PDF_PAGES, before any OCR
    try:
        with Image.open(path) as image:
            dpi = image.info.get("dpi", (OCR_DPI, OCR_DPI))[0] or OCR_DPI
            dpi = int(round(float(dpi))) if 100 <= float(dpi) <= 1200 else OCR_DPI
            frames = [(n, ink_channel(frame)) for n, frame in enumerate(ImageSequence.Iterator(image), start=1)]
    except Exception as err:
        raise IngestError(str(path), f"cannot read image ({type(err).__name__}: {str(err)[:120]})") from None
    pages = ocr_images(frames, dpi=dpi)
    return document_from_pages(path, doc_id, [page_layout(page) for page in pages], fmt="image")


def page_layout(page: OcrPage):
    """An OCR'd page as the layout step takes it."""
    from indexer.readers.layout import PageLayout

    return PageLayout(page.number, page.width, page.height, list(page.words) if page.readable else [], ocr=True,
                      confidence=page.confidence, problem=page.problem())
