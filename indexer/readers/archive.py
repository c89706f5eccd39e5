"""Zip-based formats (.docx; .xlsx, .ods, .odt …): the archive's directory is checked
before any parser opens it, whatever the file's size, so a small file cannot expand into
work without bound (the 153 KB .docx of issue 24 held a 52 MB document.xml, 341:1).

Every reader of a zip-based format calls `check_archive(path, ".docx", required=[...])`
first. It reads only the central directory (no part is decompressed) and refuses:
- a file that is not a zip archive, or a broken one;
- parts whose declared sizes add up to more than TRACUU_MAX_UNCOMPRESSED_MB (default 100);
- a part over 1 MB that expands more than TRACUU_MAX_ZIP_RATIO times (default 100:1; the
  parts of real office documents expand 10–17:1);
- an archive lacking a part the format requires (word/document.xml, content.xml …).
The declared sizes bound the real ones: zipfile stops reading a part at its declared size
and fails its CRC check if the data goes on.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from indexer.document import (DEFAULT_MAX_UNCOMPRESSED_MB, DEFAULT_MAX_ZIP_RATIO, MAX_UNCOMPRESSED_MB_ENV,
                              MAX_ZIP_RATIO_ENV, IngestError, env_limit)

RATIO_CHECKED_FROM = 1024 * 1024  # bytes a part expands to before its ratio matters


def max_zip_ratio() -> float:
    return env_limit(MAX_ZIP_RATIO_ENV, DEFAULT_MAX_ZIP_RATIO)


def check_archive(path: Path, kind: str, required: tuple[str, ...] | list[str] = ()) -> list[zipfile.ZipInfo]:
    """The archive's parts, if `path` (a `kind` file, e.g. ".docx") may be opened; IngestError
    naming the limit otherwise. `required`: part names the format cannot do without."""
    if not zipfile.is_zipfile(path):
        raise IngestError(str(path), f"not a valid {kind} (not a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        raise IngestError(str(path), f"not a valid {kind} (broken zip: {err})") from None
    total = sum(i.file_size for i in infos)
    limit_mb = env_limit(MAX_UNCOMPRESSED_MB_ENV, DEFAULT_MAX_UNCOMPRESSED_MB)
    if total > limit_mb * 1024 * 1024:
        raise IngestError(str(path), f"refused: expands to {total / 1048576:.1f} MB uncompressed, more than "
                                     f"{MAX_UNCOMPRESSED_MB_ENV}={limit_mb:g} MB (a zip bomb, or raise the limit)")
    ratio_limit = max_zip_ratio()
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECKED_FROM and ratio > ratio_limit:
            raise IngestError(str(path), f"refused: part {info.filename} expands {ratio:.0f}:1 (to "
                                         f"{info.file_size / 1048576:.1f} MB), more than {MAX_ZIP_RATIO_ENV}="
                                         f"{ratio_limit:g}:1 (a zip bomb, or raise the limit)")
    names = {i.filename for i in infos}
    for name in required:
        if name not in names:
            raise IngestError(str(path), f"not a valid {kind} (zip archive without {name})")
    return infos
