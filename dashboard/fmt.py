"""Number formatting: Vietnamese 1.234,56 in the Vietnamese UI, 1,234.56 in English."""
from __future__ import annotations

import math


def number(x, decimals: int = 2, lang: str = "vi", signed: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    try:
        if x != x:  # pandas NA-like
            return "—"
    except TypeError:
        return "—"
    text = f"{abs(float(x)):,.{decimals}f}"
    if lang == "vi":
        text = text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")
    sign = "-" if float(x) < 0 and round(abs(float(x)), decimals) != 0 else ("+" if signed and float(x) > 0 else "")
    return f"{sign}{text}"


def percent(x, decimals: int = 1, lang: str = "vi", signed: bool = False) -> str:
    """x is a fraction (0.85 -> 85,0%)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{number(100 * float(x), decimals, lang, signed)}%"


def rank(r, n=None, lang: str = "vi") -> str:
    if r is None or (isinstance(r, float) and math.isnan(r)):
        return "—"
    try:
        r = int(r)
    except (TypeError, ValueError):
        return "—"
    return f"{r}/{int(n)}" if n else str(r)


def plotly_separators(lang: str) -> str:
    """plotly layout.separators: decimal then thousands."""
    return ",." if lang == "vi" else ".,"


def date(value) -> str:
    """A date as dd/mm/yyyy (the Vietnamese way, also fine in English); empty for a missing date."""
    import pandas as pd

    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    ts = pd.Timestamp(value)
    return f"{ts.day:02d}/{ts.month:02d}/{ts.year}"
