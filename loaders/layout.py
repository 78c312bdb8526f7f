"""Detect a table's layout: find the header row in the first rows of a grid (a CSV, or one sheet) and say
whether the table is long (entity, year, indicator, variable, value), wide (entity, year, then one column
per `<indicator>.<variable>`, e.g. `4.4.a`) or neither. Header names are matched in Vietnamese or English,
with or without diacritics; the header row is searched in the first `HEADER_SCAN_ROWS` rows, so a row of
human labels may sit above it (the Excel template puts labels in row 1 and machine codes in row 2)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from loaders.cells import _cell_text, _header_key, fold
from loaders.context import ImportContext
from loaders.readers import Grid
from loaders.result import Problems

HEADER_SCAN_ROWS = 5  # the header row is looked for in the first rows of a sheet / CSV

HEADER_ALIASES: dict[str, str] = {
    _header_key(alias): role
    for role, aliases in {
        "entity": ["entity", "tỉnh", "tinh", "tỉnh/thành phố", "tỉnh, thành phố", "tỉnh/thành", "tỉnh/tp",
                   "province", "địa phương", "tên tỉnh", "tên tỉnh/thành phố",
                   # units below the province (loaders/units.py)
                   "đơn vị", "tên đơn vị", "unit", "xã/phường", "xã, phường", "sở, ban, ngành", "cơ quan, đơn vị"],
        "year": ["year", "năm", "nam", "năm đánh giá"],
        "indicator": ["indicator", "chỉ số", "chi so", "mã chỉ số", "indicator code"],
        "variable": ["variable", "biến", "bien", "mã biến", "biến số"],
        "value": ["value", "giá trị", "gia tri", "số liệu"],
    }.items()
    for alias in aliases
}
# Wide columns that are never data (ignored silently).
NOTE_COLUMNS = frozenset(_header_key(a) for a in ["ghi chú", "note", "notes", "nguồn", "source", "stt", "tt", "#"])
SKIPPED_SHEETS = frozenset(fold(s) for s in ["Hướng dẫn", "Danh mục", "Instructions", "Lists"])
_CODE_LIKE = re.compile(r"[\w]+(?:\.[\w]+)+")


@dataclass
class Header:
    row: int  # 1-based row number of the header
    form: str  # long | wide | partial
    roles: dict[str, int]
    var_cols: list[tuple[int, str, str, str]]  # (index, wide name, indicator, variable)
    other_cols: list[tuple[int, str]]  # (index, header text) not recognised


def classify_header(ctx: ImportContext, cells: list[Any]) -> Header:
    roles: dict[str, int] = {}
    var_cols: list[tuple[int, str, str, str]] = []
    other: list[tuple[int, str]] = []
    for i, cell in enumerate(cells):
        text = _cell_text(cell)
        if not text:
            continue
        role = HEADER_ALIASES.get(_header_key(text))
        if role and role not in roles:
            roles[role] = i
            continue
        name = ctx.match_column(text)
        if name:
            indicator, variable = ctx.columns[name]
            var_cols.append((i, name, indicator, variable))
        elif _header_key(text) not in NOTE_COLUMNS:
            other.append((i, text))
    has_year = "year" in roles or ctx.default_year is not None
    if "entity" in roles and has_year and all(r in roles for r in ("indicator", "variable", "value")):
        form = "long"
    elif "entity" in roles and has_year and (var_cols or any(_CODE_LIKE.fullmatch(t) for _, t in other)):
        form = "wide"
    elif "entity" in roles:
        form = "partial"
    else:
        form = ""
    return Header(0, form, roles, var_cols, other)


def find_header(ctx: ImportContext, rows: list[tuple[int, list[Any]]]) -> Header | None:
    """rows: (row number, cells) of the first HEADER_SCAN_ROWS rows."""
    partial = None
    for number, cells in rows:
        if number > HEADER_SCAN_ROWS:
            break
        header = classify_header(ctx, cells)
        header.row = number
        if header.form in ("long", "wide"):
            return header
        if header.form == "partial" and partial is None:
            partial = header
    return partial


def head_rows(grid: Grid) -> list[tuple[int, list[Any]]]:
    n = int(np.searchsorted(grid.row_numbers, HEADER_SCAN_ROWS, side="right"))
    return [(int(grid.row_numbers[p]), grid.row(p)) for p in range(n)]


def column_label(grid: Grid, header_cells: list[Any], i: int) -> str:
    if grid.letters:
        return _letter(i)
    text = _cell_text(header_cells[i]) if i < len(header_cells) else ""
    return text or str(i + 1)


def detect_layout(ctx: ImportContext, problems: Problems, grid: Grid) -> tuple[Header, list[Any]] | None:
    """The header of one table (its row, layout and columns) and the header row's cells, or None when there
    is nothing to read: an empty table, or no usable header (then a problem says what is missing)."""
    if grid.is_empty():
        return None  # an empty sheet holds nothing to import
    head = head_rows(grid)
    header = find_header(ctx, head)
    if header is None:
        problems.add("header_not_recognised", grid.sheet, None, None, rows=HEADER_SCAN_ROWS,
                     example=ctx.example_column())
        return None
    header_cells = next(cells for number, cells in head if number == header.row)
    if header.form == "partial":
        missing = [] if ("year" in header.roles or ctx.default_year is not None) else ["year"]
        if any(r in header.roles for r in ("indicator", "variable", "value")):
            missing += [r for r in ("indicator", "variable", "value") if r not in header.roles]
        else:
            missing.append("wide_codes")
        problems.add("missing_columns", grid.sheet, header.row, None, missing_roles=missing,
                     example=ctx.example_column())
        return None
    return header, header_cells


@lru_cache(maxsize=1024)
def _letter(index: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA"."""
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out
