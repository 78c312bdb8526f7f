"""Safe output of CSV/Excel files: a cell a spreadsheet would read as a formula is written as text.

A text cell beginning with `=`, `+`, `-`, `@`, a tab or a carriage return can be run as a formula by
Excel/LibreOffice (CSV or formula injection). Such cells get a leading apostrophe, the convention
spreadsheets themselves use for "this is text". Numbers stay numbers (a negative number is a number,
not text), so downloads keep raw numeric cells.
"""
from __future__ import annotations

import pandas as pd

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """One cell: a string that starts like a formula gets a leading apostrophe; anything else unchanged."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` whose text cells (and column names) cannot run as formulas."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            out[col] = s.map(neutralise).astype(s.dtype if pd.api.types.is_string_dtype(s) else object)
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in out.columns]
    return out
