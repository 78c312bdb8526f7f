"""Neutralise spreadsheet formulas in everything the product writes (CSV / Excel downloads, templates,
exports, briefing tables): a text cell beginning with "=", "+", "-", "@", a tab or a carriage return
is executed as a formula by Excel / LibreOffice when the file is opened ("CSV injection"). Such a cell
gets a leading apostrophe, the usual neutraliser (OWASP); numbers are left as they are (a negative
number is a number, not a formula). One helper for every writer."""
from __future__ import annotations

from typing import Any

import pandas as pd

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

__all__ = ["DANGEROUS_PREFIXES", "neutralise", "neutralise_frame", "neutralise_workbook", "neutralise_worksheet"]


def neutralise(value: Any) -> Any:
    """"=1+1" → "'=1+1"; any non-text value (numbers, dates, None) unchanged."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def _neutralise_labels(labels: pd.Index) -> pd.Index:
    if isinstance(labels, pd.MultiIndex):
        return pd.MultiIndex.from_tuples([tuple(neutralise(v) for v in t) for t in labels], names=labels.names)
    return pd.Index([neutralise(v) for v in labels], name=labels.name)


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose text cells, column names and index labels are neutralised (numbers untouched)."""
    out = df.copy()
    for name in out.columns:
        col = out[name]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype) or isinstance(col.dtype, pd.CategoricalDtype):
            if isinstance(col.dtype, pd.CategoricalDtype):
                col = col.astype(object)
            text = col.astype(object)
            mask = text.map(lambda v: isinstance(v, str) and v.startswith(DANGEROUS_PREFIXES)).astype(bool)
            if mask.any():
                out[name] = text.where(~mask, "'" + text[mask].astype(str))
    out.columns = _neutralise_labels(out.columns)
    if out.index.dtype == object or isinstance(out.index, pd.MultiIndex) or pd.api.types.is_string_dtype(out.index.dtype):
        out.index = _neutralise_labels(out.index)
    return out


def neutralise_worksheet(ws) -> int:
    """Neutralise every text cell (and every cell openpyxl took for a formula) of an openpyxl worksheet
    in place; returns how many cells were changed. Call it on anything built from user or data text."""
    changed = 0
    for row in ws.iter_rows():
        for cell in row:
            value = cell.value
            if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
                cell.value = "'" + value  # a str starting with "'" is stored as text (data_type "s")
                changed += 1
    return changed


def neutralise_workbook(wb) -> int:
    """neutralise_worksheet on every worksheet of an openpyxl workbook (before wb.save)."""
    return sum(neutralise_worksheet(ws) for ws in wb.worksheets)
