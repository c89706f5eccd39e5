"""What a long `tracuu index` shows while it runs: files read / total, passages embedded /
total, passages per second and the ETA of the whole build.

Three renderings of the same numbers:
- a terminal: one status line rewritten in place;
- a log (stderr is not a terminal): one plain line per update, at most every few seconds;
- `--json-progress`: one JSON object per line, for scripts:
  {"event": "progress", "stage": "embed", "files_done": 5, "files_total": 5,
   "passages_done": 512, "passages_total": 2048, "passages_per_s": 41.3, "eta_s": 37.2,
   "elapsed_s": 12.4}
  plus {"event": "stage", ...} when a stage starts and {"event": "done", ...} at the end.
"""
from __future__ import annotations

import json
import sys
import time


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class BuildProgress:
    """Counts reported by the build (files) and the embedding pipeline (passages)."""

    LOG_EVERY_S = 5.0
    TTY_EVERY_S = 0.2

    def __init__(self, stream=None, json_lines: bool = False, tty: bool | None = None):
        self.stream = stream or sys.stderr
        self.json_lines = json_lines
        self.tty = (not json_lines) and (self.stream.isatty() if tty is None else tty)
        self.started = time.monotonic()
        self.stage = "read"
        self.files_done = self.files_total = 0
        self.passages_done = self.passages_total = 0
        self.passages_skipped = 0  # taken from checkpoints: not counted in the rate
        self.ocr_done = self.ocr_total = 0  # scanned pages of the file being read
        self.ocr_per_minute: float | None = None
        self._embed_started: float | None = None
        self._last_emit = 0.0
        self._line_open = False

    # --- what the build reports ------------------------------------------------------------
    def files(self, done: int, total: int) -> None:
        self.files_done, self.files_total = done, total
        self._maybe_emit(final=done == total)

    def ocr_pages(self, done: int, total: int, per_minute: float | None) -> None:
        """Scanned pages OCR'd of the file being read (indexer.readers.ocr calls it)."""
        self.ocr_done, self.ocr_total, self.ocr_per_minute = done, total, per_minute
        self._maybe_emit(final=done == total)

    def start_stage(self, stage: str, **info) -> None:
        self.stage = stage
        if self.json_lines:
            self._write_json({"event": "stage", "stage": stage, **info})
        else:
            self._maybe_emit(final=True)

    def start_embedding(self, total: int, from_checkpoints: int = 0) -> None:
        self.stage = "embed"
        self.passages_total = total
        self.passages_done = self.passages_skipped = from_checkpoints
        self._embed_started = time.monotonic()
        self._maybe_emit(final=True)

    def passages(self, added: int) -> None:
        self.passages_done += added
        self._maybe_emit(final=self.passages_done >= self.passages_total)

    def finish(self, **summary) -> None:
        if self.json_lines:
            self._write_json({"event": "done", "elapsed_s": round(time.monotonic() - self.started, 2), **summary})
        else:
            self._close_line()

    # --- numbers ----------------------------------------------------------------------------
    def rate(self) -> float | None:
        if self._embed_started is None:
            return None
        embedded = self.passages_done - self.passages_skipped
        elapsed = time.monotonic() - self._embed_started
        return embedded / elapsed if embedded > 0 and elapsed > 0 else None

    def eta(self) -> float | None:
        """Seconds left for the build: embedding dominates, the rest is a few seconds."""
        if self.stage != "embed":
            return None
        rate = self.rate()
        left = self.passages_total - self.passages_done
        if left <= 0:
            return 0.0
        return left / rate if rate else None

    def snapshot(self) -> dict:
        rate, eta = self.rate(), self.eta()
        return {"stage": self.stage, "files_done": self.files_done, "files_total": self.files_total,
                "passages_done": self.passages_done, "passages_total": self.passages_total,
                "passages_per_s": round(rate, 2) if rate else None,
                "eta_s": round(eta, 1) if eta is not None else None,
                "ocr_pages_done": self.ocr_done, "ocr_pages_total": self.ocr_total,
                "ocr_pages_per_min": round(self.ocr_per_minute, 1) if self.ocr_per_minute else None,
                "elapsed_s": round(time.monotonic() - self.started, 2)}

    def line(self) -> str:
        s = self.snapshot()
        parts = [f"files {s['files_done']}/{s['files_total']}"]
        if s["stage"] == "read" and s["ocr_pages_total"]:
            parts.append(f"OCR pages {s['ocr_pages_done']}/{s['ocr_pages_total']}")
            parts.append(f"{s['ocr_pages_per_min']:.1f} pages/min" if s["ocr_pages_per_min"] else "… pages/min")
        if s["stage"] == "embed" or s["passages_total"]:
            parts.append(f"passages {s['passages_done']}/{s['passages_total']}")
            parts.append(f"{s['passages_per_s']:.1f} passages/s" if s["passages_per_s"] else "… passages/s")
            parts.append(f"ETA {_duration(s['eta_s'])}")
        parts.append(f"elapsed {_duration(s['elapsed_s'])}")
        return f"[{s['stage']}] " + ", ".join(parts)

    # --- output -----------------------------------------------------------------------------
    def _maybe_emit(self, final: bool = False) -> None:
        now = time.monotonic()
        every = self.TTY_EVERY_S if self.tty else self.LOG_EVERY_S
        if not final and now - self._last_emit < every:
            return
        self._last_emit = now
        if self.json_lines:
            self._write_json({"event": "progress", **self.snapshot()})
        elif self.tty:
            self.stream.write("\r\x1b[2K" + self.line())
            self.stream.flush()
            self._line_open = True
        else:
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def _write_json(self, obj: dict) -> None:
        self.stream.write(json.dumps(obj, ensure_ascii=False) + "\n")
        self.stream.flush()

    def _close_line(self) -> None:
        if self._line_open:
            self.stream.write("\n")
            self.stream.flush()
            self._line_open = False

    def log(self, message: str) -> None:
        """A message between progress updates (JSON mode: a {"event": "log"} line)."""
        if self.json_lines:
            self._write_json({"event": "log", "message": message})
        else:
            self._close_line()
            self.stream.write(message + "\n")
            self.stream.flush()
