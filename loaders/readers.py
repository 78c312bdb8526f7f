"""Read a CSV or .xlsx file into column grids, with every limit of `loaders.limits` checked while reading.

A `Grid` is one table (a CSV, or one worksheet): the 1-based row numbers of the rows that hold
something and, per column index, an object array aligned with them (None = empty cell; text as
written, numbers as float (`XLPercent` when the cell is formatted as a percentage), Excel booleans
as `XL_TRUE`/`XL_FALSE`, dates as datetime, a formula
without a cached value as a `FormulaCell`). Problems found while reading (a cell too long, a
malformed sheet, a limit) are reported through `add(code, sheet, row, column, **params)`; nothing
here raises to the caller except for programming errors.

- CSV: pandas' C reader (`dtype=str`, no NA guessing), the delimiter chosen on the first rows; the
  standard `csv` module (field limit raised) only when pandas refuses the layout (quoted line breaks
  that change the field count).
- .xlsx: the package parts are streamed with ElementTree's pull parser (expat: no external entities,
  entity expansion capped), bounded memory:
  every `<row>`/`<c>` is read whatever the sheet's `<dimension>` says, shared strings, inline strings,
  booleans, errors, dates (by the cell's number format, as Excel shows them) and formulas (the cached
  value, or a `FormulaCell` when there is none) are decoded, and a malformed part is one message.

Why one module (over 400 lines), and why the .xlsx reader is ours: it is the one place a user's bytes are
turned into cells, both formats together with their limits. python-calamine and fastexcel were measured
against it (bench/bench_reader.py: 3-8x faster on 330,000-cell sheets, no difference on the template and
request workbooks people upload) and not taken: they allocate the sheet's whole extent first (a 4.8 kB file
with cells at A1 and XFD1048576 aborts the process: 512 GiB, no Python exception), and they read a formula
without a saved result or an error cell (#DIV/0!) as an empty cell, which the import must refuse by cell.
"""
from __future__ import annotations

import csv
import gc
import io
import re
import zipfile
import zlib
from xml.etree import ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any, Callable

import numpy as np
import pandas as pd

from loaders import limits

csv.field_size_limit(max(csv.field_size_limit(), limits.MAX_UPLOAD_BYTES + 1))

Add = Callable[..., None]


class _XLBool:
    __slots__ = ("value",)

    def __init__(self, value: bool):
        self.value = value

    def __repr__(self) -> str:
        return "TRUE" if self.value else "FALSE"

    __str__ = __repr__


XL_TRUE, XL_FALSE = _XLBool(True), _XLBool(False)


class XLPercent:
    """A number in a cell formatted as a percentage (a clerk typed "89,6%" and Excel stored 0.896): kept
    apart from a plain number so a count can refuse it. Equal to another XLPercent of the same value only."""
    __slots__ = ("value",)

    def __init__(self, value: float):
        self.value = value

    def __eq__(self, other: object) -> bool:
        return other.__class__ is XLPercent and other.value == self.value

    def __hash__(self) -> int:
        return hash(("%", self.value))

    def __str__(self) -> str:  # as the cell shows it (Vietnamese decimal comma)
        return f"{self.value * 100:.10g}".replace(".", ",") + "%"

    __repr__ = __str__


class FormulaCell:
    """An Excel cell holding a formula whose result was never saved (e.g. written by a script)."""
    __slots__ = ("formula",)

    def __init__(self, formula: str):
        self.formula = formula

    def __str__(self) -> str:
        return "=" + self.formula if self.formula else "="

    __repr__ = __str__


class LimitExceeded(Exception):
    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass
class Grid:
    sheet: str | None  # None for a CSV
    letters: bool  # Excel: columns named by letter; CSV: by header name
    row_numbers: np.ndarray  # int64, ascending, 1-based
    columns: dict[int, np.ndarray] = field(default_factory=dict)  # column index -> object array
    # CSV read by pandas: each cell's text as a code into `texts` (the file's distinct texts, -1 = empty),
    # so the parser never hashes the same text twice (None: not available, e.g. .xlsx)
    codes: dict[int, np.ndarray] | None = None
    texts: list[str] | None = None

    @property
    def width(self) -> int:
        return max(self.columns) + 1 if self.columns else 0

    def __len__(self) -> int:
        return len(self.row_numbers)

    def column(self, i: int) -> np.ndarray:
        col = self.columns.get(i)
        return col if col is not None else np.full(len(self.row_numbers), None, dtype=object)

    def row(self, pos: int) -> list[Any]:
        width = self.width
        return [self.columns[i][pos] if i in self.columns else None for i in range(width)]

    def column_codes(self, i: int, pos: np.ndarray) -> tuple[np.ndarray, list[Any]] | None:
        """Codes (-1 = empty) of column i's cells at `pos` and the distinct texts they index (those
        of this column only, in order of first appearance in the file), or None without codes."""
        if self.codes is None:
            return None
        col = self.codes.get(i)
        if col is None:
            return np.full(len(pos), -1, dtype=np.int64), []
        return compact_codes(col[pos], self.texts)

    def is_empty(self) -> bool:
        return not any(np.not_equal(col, None).any() for col in self.columns.values()) if self.columns else True


def compact_codes(codes: np.ndarray, texts: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """Codes into `texts` (-1 = empty) renumbered 0..k-1 over the k texts they use, and those texts:
    O(n) with a lookup table (no hashing of the texts)."""
    shifted = codes.astype(np.int64) + 1  # 0 = empty
    used = np.zeros(len(texts) + 1, dtype=bool)
    used[shifted] = True
    used[0] = False
    local = np.cumsum(used) - 1  # local[0] == -1: empty stays -1
    return local[shifted], [texts[j - 1] for j in np.flatnonzero(used)]


# --- CSV ------------------------------------------------------------------------------------------

def csv_head_rows(text: str, delimiter: str, n: int) -> list[list[Any]]:
    """The first n rows as the csv module splits them (blank cells None): enough to find the header."""
    try:
        rows = list(islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), n))
    except csv.Error:
        return []
    return [[c if c.strip() else None for c in row] for row in rows]


def read_csv_grid(text: str, delimiter: str, add: Add, raw: bytes | None = None) -> Grid | None:
    """The whole CSV text as a Grid (rows numbered as a spreadsheet shows them), or None after a
    problem was added (a limit, a cell too long, text the reader cannot split).

    `raw`: the file's bytes when they are UTF-8 (with or without BOM) and decode to `text`; pandas then
    reads them directly (no second, 4-bytes-per-character copy of the text in a StringIO).
    Memory: pandas reads `limits.CSV_CHUNK_ROWS` rows at a time and each chunk's texts are reduced to
    one object per distinct text (a column keeps 8 bytes per cell plus its distinct texts), so a
    1M-row file never holds a Python string per cell; lengths and blanks are checked per distinct text."""
    n_lines = text.count("\n") + 1
    if n_lines > limits.MAX_ROWS:
        add("too_many_rows", None, None, None, limit=limits.MAX_ROWS)
        return None
    # Width from the first rows as the csv module splits them (a delimiter inside quotes, "1.234,5", is
    # not a column); a longer row later makes pandas refuse, and the csv module reads it (limits rechecked).
    head = text[:200_000]
    try:
        width = max((len(r) for r in islice(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter), 1000)),
                    default=1)
    except csv.Error:  # e.g. a quoted field cut at 200,000 characters: count delimiters, the upper bound
        width = max(line.count(delimiter) for line in head.split("\n")[:1000]) + 1
    if width > limits.MAX_COLUMNS:
        add("too_many_columns", None, None, None, limit=limits.MAX_COLUMNS)
        return None
    if n_lines * width > limits.MAX_CELLS:
        add("too_many_cells", None, None, None, limit=limits.MAX_CELLS)
        return None
    too_long: list[tuple[int, int, int, str]] = []
    columns: dict[int, np.ndarray] = {}
    n = codes = texts = None
    try:
        n, columns, too_long, codes, texts = _read_csv_chunks(text, raw, delimiter, width)
    except Exception:  # noqa: BLE001 - pandas refuses some layouts csv accepts: read those with csv
        n = None
    if n is None:
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:
            add("csv_unreadable", None, None, None, error=str(exc))
            return None
        width = max((len(r) for r in rows), default=0)
        if len(rows) * max(width, 1) > limits.MAX_CELLS:
            add("too_many_cells", None, None, None, limit=limits.MAX_CELLS)
            return None
        n = len(rows)
        for r, row in enumerate(rows):
            for i, c in enumerate(row):
                if len(c) > limits.MAX_CELL_CHARS:
                    too_long.append((r + 1, i, len(c), c))
        for i in range(width):
            arr = np.array([row[i] if i < len(row) and row[i].strip() else None for row in rows] + [None],
                           dtype=object)[:-1]
            if pd.notna(arr).any():
                columns[i] = arr
    if too_long:
        for row, i, n_chars, value in sorted(too_long)[: limits.MAX_PROBLEMS_PER_KIND]:
            add("cell_too_long", None, row, str(i + 1), n_chars=n_chars, limit=limits.MAX_CELL_CHARS,
                value=value[: limits.MESSAGE_VALUE_CHARS + 1])
        return None
    return Grid(None, False, np.arange(1, n + 1, dtype=np.int64), columns, codes, texts)


def _read_csv_chunks(text: str, raw: bytes | None, delimiter: str, width: int
                     ) -> tuple[int, dict[int, np.ndarray], list[tuple[int, int, int, str]], dict[int, np.ndarray], list[str]]:
    """pandas' C reader, `limits.CSV_CHUNK_ROWS` rows at a time: (rows, columns, cells too long, codes, texts).
    Each chunk's column is factorised; every distinct text is checked once (length, blank) and
    replaced by one shared object for the whole file (`canonical`), blanks by None."""
    source = io.BytesIO(raw) if raw is not None else io.StringIO(text)
    reader = pd.read_csv(source, sep=delimiter, header=None, names=range(width), dtype=object,
                         keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c",
                         quoting=csv.QUOTE_MINIMAL, doublequote=True, index_col=False,
                         encoding="utf-8-sig" if raw is not None else None, chunksize=limits.CSV_CHUNK_ROWS)
    texts = np.empty(0, dtype=object)  # the file's distinct texts so far; a text's code is its index
    blank = np.empty(0, dtype=bool)  # per text: empty or only spaces (an empty cell)
    parts: dict[int, list[np.ndarray]] = {i: [] for i in range(width)}
    code_parts: dict[int, list[np.ndarray]] = {i: [] for i in range(width)}
    filled = [False] * width
    too_long: list[tuple[int, int, int, str]] = []
    n = 0
    with reader:
        for chunk in reader:
            # Distinct texts of each column, then of the whole file (pandas' C hash tables; the texts
            # already known keep their codes: factorize numbers values in order of first appearance).
            local = []
            for i in range(width):
                codes, uniques = pd.factorize(chunk[i].to_numpy(dtype=object), use_na_sentinel=True)
                local.append((codes, np.asarray(uniques, dtype=object)))
            known = len(texts)
            every, texts = pd.factorize(np.concatenate([texts] + [u for _, u in local]), use_na_sentinel=True)
            texts = np.asarray(texts, dtype=object)
            new = texts[known:]
            if len(new) and any(t.__class__ is not str for t in new):  # (never from this reader; kept safe)
                new = np.array(["" if t is None or t != t else str(t) for t in new], dtype=object)
                texts[known:] = new
            lengths = np.fromiter(map(len, new), dtype=np.int64, count=len(new))
            blank = np.concatenate([blank, (lengths == 0) | np.fromiter(map(str.isspace, new), dtype=bool,
                                                                         count=len(new))])
            long_text = np.zeros(len(texts), dtype=bool)
            long_text[known:] = lengths > limits.MAX_CELL_CHARS
            start = known
            for i, (codes, uniques) in enumerate(local):
                table_codes = np.empty(len(uniques) + 1, dtype=np.int32)  # the last slot: a missing field
                table_codes[:-1] = every[start:start + len(uniques)]
                table_codes[-1] = -1
                start += len(uniques)
                if long_text[table_codes[:-1]].any():
                    for k in np.flatnonzero(long_text[table_codes[:-1]]):
                        u = texts[table_codes[k]]
                        too_long.extend((n + int(r) + 1, i, len(u), u) for r in np.flatnonzero(codes == k))
                table_codes[:-1][blank[table_codes[:-1]]] = -1
                cell_codes = table_codes[codes]
                objects = np.empty(len(uniques) + 1, dtype=object)  # None where the code is -1
                used = table_codes >= 0
                objects[used] = texts[table_codes[used]]
                filled[i] = filled[i] or bool(used.any())
                parts[i].append(objects[codes])
                code_parts[i].append(cell_codes)
            n += len(chunk)
    texts = list(texts)

    def joined(chunks):
        return np.concatenate(chunks) if len(chunks) > 1 else chunks[0]

    columns = {i: joined(parts[i]) for i in range(width) if filled[i]}
    return n, columns, too_long, {i: joined(code_parts[i]) for i in columns}, texts


# --- XLSX -----------------------------------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_STRICT = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)$")


class _CountingReader(io.RawIOBase):
    """Wraps a zip member; raises LimitExceeded once more than the XML budget has been read."""

    def __init__(self, fh, budget: list[int]):
        self.fh, self.budget = fh, budget

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self.fh.read(len(b))
        self.budget[0] -= len(data)
        if self.budget[0] < 0:
            raise LimitExceeded("xml_too_large", limit=limits.MAX_XML_BYTES // (1024 * 1024))
        b[:len(data)] = data
        return len(data)


def _iterparse(fh, tag: str, parent: str):
    """Yield each `tag` element when it ends, then empty it: what is left of it (an empty element in its
    parent, about 70 bytes) is bounded by the row limit. Only end events are asked for (half the
    events of start+end). Expat (ElementTree's C parser) never loads external entities and caps entity
    expansion; a malformed part raises ET.ParseError, turned into a message by the caller."""
    parser = ET.XMLPullParser(events=("end",))
    feed, read_events = parser.feed, parser.read_events
    while True:
        chunk = fh.read(1 << 16)
        if chunk:
            feed(chunk)
        else:
            parser.close()
        for _, el in read_events():
            if el.tag == tag:
                yield el
                el.clear()
        if not chunk:
            return


def _parse_small(zf: zipfile.ZipFile, name: str, budget: list[int]):
    with zf.open(name) as fh:
        parser = ET.XMLParser()
        reader = _CountingReader(fh, budget)
        while True:
            chunk = reader.read(1 << 16)
            if not chunk:
                break
            parser.feed(chunk)
        return parser.close()


def _resolve_target(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = (base_dir.split("/") if base_dir else []) + target.split("/")
    out: list[str] = []
    for p in parts:
        if p == "..":
            if out:
                out.pop()
        elif p and p != ".":
            out.append(p)
    return "/".join(out)


def _column_index(letters: str, cache: dict[str, int]) -> int:
    idx = cache.get(letters)
    if idx is None:
        idx = 0
        for ch in letters:
            idx = idx * 26 + (ord(ch) - 64)
        idx -= 1
        cache[letters] = idx
    return idx


def read_xlsx_grids(raw: bytes, add: Add, skip_sheet: Callable[[str], bool] = lambda title: False,
                    only_first: bool = False) -> list[Grid]:
    """Every worksheet (in workbook order) as a Grid; problems are added, never raised."""
    # The parser creates (and frees by reference counting) one element per XML node: without pausing the
    # cyclic garbage collector, its full collections re-walk every live object again and again, and a
    # 1M-row sheet takes minutes instead of seconds. Elements hold no cycles, so nothing leaks meanwhile.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _read_xlsx_grids(raw, add, skip_sheet, only_first)
    except LimitExceeded as exc:
        add(exc.code, None, None, None, **exc.params)
    except MemoryError:
        add("too_many_cells", None, None, None, limit=limits.MAX_CELLS)
    except Exception as exc:  # noqa: BLE001 - a damaged package in a way not foreseen above is still unreadable
        add("unreadable", None, None, None, error=type(exc).__name__)
    finally:
        if was_enabled:
            gc.enable()
    return []


def _read_xlsx_grids(raw: bytes, add: Add, skip_sheet: Callable[[str], bool], only_first: bool) -> list[Grid]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
        names = set(zf.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, ValueError, EOFError) as exc:
        add("unreadable", None, None, None, error=type(exc).__name__)
        return []
    budget = [limits.MAX_XML_BYTES]
    counters = {"rows": 0, "cells": 0}
    # Zip-bomb guard, before any part is unpacked: the declared (uncompressed) sizes of the package's XML
    # parts, and below of every part the reader will open whatever its name; the bytes actually unpacked
    # are counted again while streaming (`_CountingReader`), since a zip can lie about its sizes.
    sizes = {info.filename: info.file_size for info in zf.infolist()}
    declared = sum(size for name, size in sizes.items() if name.endswith((".xml", ".rels")))
    if declared > limits.MAX_XML_BYTES:  # refused at once when the package says so honestly
        add("xml_too_large", None, None, None, limit=limits.MAX_XML_BYTES // (1024 * 1024))
        return []
    try:
        workbook_path = "xl/workbook.xml"
        if "_rels/.rels" in names:
            for rel in _parse_small(zf, "_rels/.rels", budget):
                if str(rel.get("Type", "")).endswith("/officeDocument"):
                    workbook_path = _resolve_target("", rel.get("Target", ""))
        if workbook_path not in names:
            add("unreadable", None, None, None, error="workbook.xml")
            return []
        wb_root = _parse_small(zf, workbook_path, budget)
        ns = wb_root.tag[1:].split("}")[0] if wb_root.tag.startswith("{") else _MAIN
        base = workbook_path.rsplit("/", 1)[0] if "/" in workbook_path else ""
        rels_path = (base + "/" if base else "") + "_rels/" + workbook_path.rsplit("/", 1)[-1] + ".rels"
        rels: dict[str, tuple[str, str]] = {}
        if rels_path in names:
            for rel in _parse_small(zf, rels_path, budget):
                rels[rel.get("Id")] = (str(rel.get("Type", "")), _resolve_target(base, rel.get("Target", "")))
        date1904 = False
        pr = wb_root.find(f"{{{ns}}}workbookPr")
        if pr is not None and pr.get("date1904") in ("1", "true"):
            date1904 = True
        sheets = []
        sheets_el = wb_root.find(f"{{{ns}}}sheets")
        for sh in (sheets_el if sheets_el is not None else []):
            rid = None
            for k, v in sh.attrib.items():
                if k.endswith("}id"):
                    rid = v
            kind, target = rels.get(rid, ("", ""))
            if kind.endswith("/worksheet") and target in names:
                sheets.append((sh.get("name") or "?", target))
        to_read = ({workbook_path, rels_path} | {t for _, t in sheets}
                   | {t for kind, t in rels.values() if kind.endswith(("/sharedStrings", "/styles"))})
        unnamed = sum(sizes.get(t, 0) for t in to_read if not t.endswith((".xml", ".rels")))  # counted above if not
        if declared + unnamed > limits.MAX_XML_BYTES:
            add("xml_too_large", None, None, None, limit=limits.MAX_XML_BYTES // (1024 * 1024))
            return []
        shared = _shared_strings(zf, rels, names, ns, budget, add)
        if shared is None:
            return []
        date_styles, percent_styles = _number_styles(zf, rels, names, ns, budget)
    except LimitExceeded as exc:
        add(exc.code, None, None, None, **exc.params)
        return []
    except ET.ParseError as exc:
        add("xml_error", None, None, None, error=_xml_error_text(exc))
        return []
    except (zipfile.BadZipFile, zlib.error, KeyError, OSError, ValueError, EOFError, RuntimeError,
            NotImplementedError, TypeError, AttributeError) as exc:  # a damaged package
        add("unreadable", None, None, None, error=type(exc).__name__)
        return []

    grids: list[Grid] = []
    for title, target in sheets:
        if skip_sheet(title):
            continue
        try:
            grid = _read_sheet(zf, target, title, ns, shared, date_styles, percent_styles, date1904, budget,
                               counters, add)
        except LimitExceeded as exc:
            add(exc.code, title, None, None, **exc.params)
            return []
        if grid is not None:
            grids.append(grid)
        if only_first:
            break
    return grids


def _xml_error_text(exc) -> str:
    """"not well-formed (invalid token): line 2, column 7" → "XML: not well-formed (invalid token)"."""
    return "XML: " + str(exc).split(":")[0][:60]


def _shared_strings(zf, rels, names, ns, budget, add) -> list[str] | None:
    target = next((t for kind, t in rels.values() if kind.endswith("/sharedStrings")), None)
    if target is None or target not in names:
        return []
    si_tag, t_tag, r_tag = f"{{{ns}}}si", f"{{{ns}}}t", f"{{{ns}}}r"
    out: list[str] = []
    with zf.open(target) as fh:
        for si in _iterparse(_CountingReader(fh, budget), si_tag, f"{{{ns}}}sst"):
            parts = []
            for child in si:  # <t>, or rich-text runs <r><t>; phonetic runs <rPh> are not the text
                if child.tag == t_tag:
                    parts.append(child.text or "")
                elif child.tag == r_tag:
                    parts.extend(t.text or "" for t in child.iter(t_tag))
            out.append("".join(parts))
            if len(out) > limits.MAX_CELLS:
                raise LimitExceeded("too_many_cells", limit=limits.MAX_CELLS)
    return out


_QUOTED = re.compile(r'"[^"]*"|\\.')


def _number_styles(zf, rels, names, ns, budget) -> tuple[set[int], set[int]]:
    """The cell styles (indexes into cellXfs) whose number format shows a date, and those showing a
    percentage (a % outside quotes: "0%", "0.0%", "#,##0.00%")."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    target = next((t for kind, t in rels.values() if kind.endswith("/styles")), None)
    if target is None or target not in names:
        return set(), set()
    root = _parse_small(zf, target, budget)
    custom = {}
    numfmts = root.find(f"{{{ns}}}numFmts")
    for nf in (numfmts if numfmts is not None else []):
        try:
            custom[int(nf.get("numFmtId"))] = nf.get("formatCode") or ""
        except (TypeError, ValueError):
            continue
    dates, percents = set(), set()
    xfs = root.find(f"{{{ns}}}cellXfs")
    for i, xf in enumerate(xfs if xfs is not None else []):
        try:
            fmt_id = int(xf.get("numFmtId") or 0)
        except ValueError:
            continue
        fmt = custom.get(fmt_id, BUILTIN_FORMATS.get(fmt_id, "General"))
        if is_date_format(fmt):
            dates.add(i)
        elif "%" in _QUOTED.sub("", fmt):
            percents.add(i)
    return dates, percents


def _read_sheet(zf, target, title, ns, shared, date_styles, percent_styles, date1904, budget, counters, add
                ) -> Grid | None:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

    epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
    row_tag, v_tag, f_tag, is_tag, t_tag = (f"{{{ns}}}{x}" for x in ("row", "v", "f", "is", "t"))
    col_rows: dict[int, list[int]] = {}
    col_vals: dict[int, list[Any]] = {}
    letter_cache: dict[str, int] = {}
    row_number = 0
    try:
        with zf.open(target) as fh:
            for row_el in _iterparse(_CountingReader(fh, budget), row_tag, f"{{{ns}}}sheetData"):
                r_attr = row_el.get("r")
                row_number = int(r_attr) if r_attr and r_attr.isdigit() else row_number + 1
                if row_number > 1_048_576 or row_number < 1:
                    raise ValueError("row number")
                counters["rows"] += 1
                if counters["rows"] > limits.MAX_ROWS:
                    raise LimitExceeded("too_many_rows", limit=limits.MAX_ROWS)
                col = -1
                for c in row_el:
                    ref = c.get("r")
                    if ref:
                        letters = ref.rstrip("0123456789")
                        idx = letter_cache.get(letters)
                        if idx is None:
                            if not letters or not letters.isalpha() or not letters.isupper() or len(letters) > 3:
                                raise ValueError(f"cell reference {ref[:20]}")
                            idx = _column_index(letters, letter_cache)
                        col = idx
                    else:
                        col += 1
                    if col >= limits.MAX_COLUMNS:
                        raise LimitExceeded("too_many_columns", limit=limits.MAX_COLUMNS)
                    t = c.get("t")
                    v = c.findtext(v_tag)
                    if t is None or t == "n":
                        if not v:
                            formula = c.find(f_tag)
                            if formula is None:
                                continue  # an empty (styled) cell
                            value: Any = FormulaCell(formula.text or "")
                        else:
                            try:
                                value = float(v)
                            except ValueError:
                                value = v
                            else:
                                if value - value != 0:  # NaN or ±INF: kept as written, refused as not finite
                                    value = v
                                elif date_styles or percent_styles:
                                    st = c.get("s")
                                    if st is not None and st.isdigit():
                                        if int(st) in date_styles:
                                            try:
                                                value = from_excel(value, epoch)
                                            except (ValueError, OverflowError, TypeError):
                                                pass
                                        elif int(st) in percent_styles:
                                            value = XLPercent(value)
                    elif t == "s":
                        if not v:
                            continue
                        value = shared[int(v)]
                    elif t == "inlineStr":
                        node = c.find(is_tag)
                        value = "".join(x.text or "" for x in node.iter(t_tag)) if node is not None else v
                    elif not v:
                        formula = c.find(f_tag)
                        if formula is None:
                            continue
                        value = FormulaCell(formula.text or "")
                    elif t == "str" or t == "e":
                        value = v
                    elif t == "b":
                        value = XL_TRUE if v.strip() in ("1", "true") else XL_FALSE
                    elif t == "d":
                        try:
                            value = datetime.fromisoformat(v)
                        except ValueError:
                            value = v
                    else:
                        value = v
                    if value.__class__ is str:
                        if len(value) > limits.MAX_CELL_CHARS:
                            add("cell_too_long", title, row_number, _letter(col), n_chars=len(value),
                                limit=limits.MAX_CELL_CHARS, value=value[: limits.MESSAGE_VALUE_CHARS + 1])
                            continue
                        if not value or value.isspace():
                            continue
                    counters["cells"] += 1
                    if counters["cells"] > limits.MAX_CELLS:
                        raise LimitExceeded("too_many_cells", limit=limits.MAX_CELLS)
                    lst = col_rows.get(col)
                    if lst is None:
                        col_rows[col], col_vals[col] = [], []
                        lst = col_rows[col]
                    lst.append(row_number)
                    col_vals[col].append(value)
    except ET.ParseError as exc:
        add("xml_error", title, row_number + 1 if row_number else None, None, error=_xml_error_text(exc))
        return None
    except (IndexError, ValueError, OverflowError) as exc:  # a shared-string index or a reference out of range
        add("sheet_unreadable", title, row_number or None, None, error=type(exc).__name__)
        return None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        add("unreadable", None, None, None, error=type(exc).__name__)
        return None
    except (TypeError, AttributeError, KeyError) as exc:  # damaged content in an unexpected place
        add("sheet_unreadable", title, row_number or None, None, error=type(exc).__name__)
        return None
    all_rows = np.unique(np.fromiter((r for rows in col_rows.values() for r in rows), dtype=np.int64))
    grid = Grid(title, True, all_rows, {})
    for col, rows in col_rows.items():
        arr = np.full(len(all_rows), None, dtype=object)
        pos = np.searchsorted(all_rows, np.asarray(rows, dtype=np.int64))
        vals = np.empty(len(rows), dtype=object)
        vals[:] = col_vals[col]
        arr[pos] = vals
        grid.columns[col] = arr
    return grid


def _letter(index: int) -> str:
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out
