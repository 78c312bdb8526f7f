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


# --- one format for counts, sizes and times (every page, table, message, slide and download) ----------

VN_TZ = "Asia/Ho_Chi_Minh"


def count(n, lang: str = "vi") -> str:
    """A count: whole number with thousands grouping (2.108), '—' when missing."""
    if n is None:
        return "—"
    try:
        if n != n:
            return "—"
        return number(round(float(n)), 0, lang)
    except (TypeError, ValueError):
        return "—"


def file_size(nbytes, lang: str = "vi") -> str:
    """A file size in words people read: 404 B, 72,4 KB, 31,5 MB (decimal comma in Vietnamese)."""
    if nbytes is None:
        return "—"
    n = float(nbytes)
    for unit, scale in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n >= scale:
            return f"{number(n / scale, 1, lang)} {unit}"
    return f"{number(n, 0, lang)} B"


def vn_timestamp(value):
    """A pandas Timestamp in Vietnam time. Naive values are UTC (the database stores UTC); None/NaT -> None."""
    import pandas as pd

    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return ts.tz_convert(VN_TZ)


def vn_datetime(value) -> str:
    """A moment as a person in Vietnam reads it: 'dd/mm/yyyy HH:MM' in Asia/Ho_Chi_Minh; '' when missing."""
    ts = vn_timestamp(value)
    return "" if ts is None else f"{ts.day:02d}/{ts.month:02d}/{ts.year} {ts.hour:02d}:{ts.minute:02d}"


def vn_date(value) -> str:
    """The Vietnam calendar day of a moment (naive = UTC): dd/mm/yyyy; '' when missing."""
    ts = vn_timestamp(value)
    return "" if ts is None else f"{ts.day:02d}/{ts.month:02d}/{ts.year}"
