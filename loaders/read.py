"""Read: a file's bytes into grids, one per table (a CSV's one table, every sheet of an .xlsx but the
instruction sheets), with every limit of `loaders.limits` checked while reading (loaders.readers). A CSV's
encoding is checked (UTF-8, or UTF-16 with BOM; mojibake refused) and its delimiter chosen as the one that
gives a recognised header. Problems go to `problems`; a half-read file gives no grid at all."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from loaders import limits
from loaders.cells import fold
from loaders.context import ImportContext
from loaders.layout import HEADER_SCAN_ROWS, SKIPPED_SHEETS, find_header
from loaders.readers import Grid, csv_head_rows, read_csv_grid, read_xlsx_grids
from loaders.result import Problems

EXCEL_EXTENSIONS = {".xlsx", ".xlsm"}
CSV_EXTENSIONS = {".csv"}
_MOJIBAKE_LEAD = re.compile(
    "[ÃÄÅÆ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014"
    "\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)  # the same without its slow second branch, which _decode_csv checks with two plain searches


# --- file reading --------------------------------------------------------------------------------

def read_bytes(source: Any, limit: int | None = None) -> bytes:
    """The bytes of a path, bytes or file object; with `limit`, at most limit + 1 bytes are read."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, (str, Path)):
        with Path(source).open("rb") as fh:
            return fh.read(-1 if limit is None else limit + 1)
    if hasattr(source, "getvalue"):  # e.g. io.BytesIO, Streamlit's UploadedFile
        return bytes(source.getvalue())
    if hasattr(source, "read"):
        return bytes(source.read(-1 if limit is None else limit + 1))
    raise TypeError(f"source must be a path, bytes or a file object, not {type(source).__name__}")


def decode_csv(raw: bytes) -> str | None:
    """UTF-8 text (with or without BOM; UTF-16 with BOM), or None when the bytes are not UTF-8 or
    hold UTF-8 that was once misread as a Windows code page ("HÃ  Ná»™i")."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            return None
        return None if (_MOJIBAKE_LEAD.search(text) or "áº" in text or "á»" in text) else text
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
    if _MOJIBAKE_BYTES.search(raw) and (
            _MOJIBAKE_LEAD.search(text) or "áº" in text or "á»" in text):
        return None
    return text


# UTF-8 bytes of the characters mojibake starts with (Ã Ä Å Æ, "áº", "á»"): a fast test on the bytes, one
# pass (UTF-16 files are checked on their text). Six `in` tests took 7× longer on Vietnamese text (every
# "à", "á", "â", "ã" starts with the byte C3).
_MOJIBAKE_BYTES = re.compile(rb"\xc3[\x83-\x86]|\xc3\xa1\xc2[\xba\xbb]")


def csv_delimiter_for(text: str) -> str:
    """The most frequent of ; , and tab in the first non-blank line (small files without a reader)."""
    first_line = next((line for line in text[:1_000_000].splitlines() if line.strip()), "")
    return max([",", ";", "\t"], key=lambda d: first_line.count(d))


def _csv_delimiter(text: str, ctx: ImportContext) -> str:
    """The delimiter (; , or tab) that yields a recognised header in the first rows, most frequent first."""
    first_line = next((line for line in text[:1_000_000].splitlines() if line.strip()), "")
    candidates = sorted([";", ",", "\t"], key=lambda d: -first_line.count(d))
    for delim in candidates:
        rows = csv_head_rows(text[:1_000_000], delim, HEADER_SCAN_ROWS)
        header = find_header(ctx, list(enumerate(rows, start=1)))
        if header is not None and header.form in ("long", "wide"):
            return delim
    return candidates[0]


def read_grids(raw: bytes, ctx: ImportContext, problems: Problems) -> list[Grid]:
    """The file's tables as grids (none after a problem that stops the whole file)."""
    ext = Path(ctx.file).suffix.lower()
    if len(raw) > limits.MAX_UPLOAD_BYTES:
        problems.add("too_large", None, None, None, limit_mb=limits.MAX_UPLOAD_BYTES // (1024 * 1024))
        return []
    if ext in CSV_EXTENSIONS:
        text = decode_csv(raw)
        if text is None:
            problems.add("encoding", None, None, None)
            return []
        if not text.strip():
            problems.add("empty_file", None, None, None)
            return []
        utf8 = not raw.startswith((b"\xff\xfe", b"\xfe\xff"))  # decode_csv read UTF-8: pandas reads the bytes
        grid = read_csv_grid(text, _csv_delimiter(text, ctx), problems.add, raw if utf8 else None)
        return [] if grid is None else [grid]
    if ext in EXCEL_EXTENSIONS:
        grids = read_xlsx_grids(raw, problems.add, skip_sheet=lambda title: fold(title) in SKIPPED_SHEETS)
        return [] if problems.staged_codes() & FILE_FATAL else grids
    problems.add("file_type", None, None, None, extension=ext or ctx.file)
    return []


# Reading problems after which nothing of the file is read (a half-read file is never imported).
FILE_FATAL = {"unreadable", "xml_error", "sheet_unreadable", "too_many_rows", "too_many_cells",
               "too_many_columns", "xml_too_large", "too_large"}
