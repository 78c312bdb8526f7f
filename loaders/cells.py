"""What one cell means: numbers written the Vietnamese (or English) way, years, yes/no words, N/A,
percentages, and which readings a variable allows (its kind, from the framework's unit). Pure functions
of a value; the checks over whole columns are in `loaders.checks`.

Context-free number formats (`parse_number`, used where no column context exists): Vietnamese first. A dot
followed by exactly three digits is a thousands separator ("1.234" = 1234, the Vietnamese convention,
although an English reader would read 1.234); a comma alone is a decimal comma ("0,85", and so "1,234" =
1.234); when both appear the last one is the decimal separator ("1.234,56" and "1,234.56" = 1234.56); spaces
group thousands; "85%" = 0.85; "có", "x", "đạt", "yes" = 1 and "không", "chưa", "no" = 0.
`classify_value` gives both readings of an ambiguous text; the file's convention decides (loaders.checks).
"""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time
from typing import Any

import numpy as np

from loaders.readers import FormulaCell, XLPercent, _XLBool
from scoring.framework import Node

YEAR_MIN, YEAR_MAX = 2015, 2035

# --- text folding ------------------------------------------------------------------------------

_COLLAPSE = re.compile(r"[\s.\-\u2010-\u2015\u2212_]+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


class _WithoutCombining(dict):
    """A `str.translate` table deleting combining marks (unicodedata.combining != 0), filled as characters
    are met: the same as filtering character by character, at C speed."""

    def __missing__(self, code: int):
        value = None if unicodedata.combining(chr(code)) else code
        self[code] = value
        return value


_WITHOUT_COMBINING = _WithoutCombining()


def fold(text: Any) -> str:
    """Lowercase, strip Vietnamese diacritics (đ → d), collapse runs of spaces, hyphens and dots to one space.

    fold("Bà Rịa - Vũng Tàu") == "ba ria vung tau"; fold("TP.HCM") == "tp hcm".
    """
    s = unicodedata.normalize("NFD", str(text).lower())
    s = s.replace("đ", "d").replace("ð", "d")
    s = s.translate(_WITHOUT_COMBINING)
    return _COLLAPSE.sub(" ", s).strip()


def _compact(text: Any) -> str:
    """fold() without any separator: the key entity names are matched on.

    Same result as `_NON_ALNUM.sub("", fold(text))` in one pass: combining marks and separators are
    not in [a-z0-9], so removing every other character removes them too."""
    s = unicodedata.normalize("NFD", str(text).lower())
    return _NON_ALNUM.sub("", s.replace("đ", "d").replace("ð", "d"))


def _header_key(text: Any) -> str:
    """fold() with every punctuation mark made a space: the key header names are matched on."""
    return _NON_ALNUM.sub(" ", fold(text)).strip()


# --- numbers and N/A ---------------------------------------------------------------------------

YES_WORDS = frozenset({"co", "x", "dat", "yes", "true", "da co", "da dat", "co dat"})
NO_WORDS = frozenset({"khong", "chua", "no", "false", "khong co", "chua co", "khong dat", "chua dat"})
NOT_APPLICABLE_WORDS = frozenset({"na", "kad", "khongapdung", "notapplicable"})

_SPACE_CHARS = re.compile(r"[\s\u00a0\u202f\u2007\u2009]+")
_SPACE_GROUPED = re.compile(r"\d{1,3}(?:[\s\u00a0\u202f\u2007\u2009]\d{3})+(?:[.,]\d+)?")
_SCIENTIFIC = re.compile(r"\d+(?:\.\d+)?[eE][+-]?\d+")


def parse_number(text: Any) -> float:
    """A number written the Vietnamese way (or the English way, or by Excel) as a float.

    Accepted: 1234 | 1234,5 | 0,85 | 1.234 (= 1234) | 1.234,56 | 1 234,5 | 1234.5 | 12.5 | 1,234.56 |
    85% / 85 % / 85,5% (= 0.85 / 0.855) | có, x, đạt, yes (= 1) | không, chưa, no (= 0) | numbers from
    Excel cells as they are. Raises ValueError for anything else (the caller writes the message).

    Ambiguity: "1.234" is read as one thousand two hundred thirty-four (dot = thousands separator,
    Vietnamese convention) and "1,234" as 1.234 (comma = decimal). "0.123" and "12.5" have a decimal
    point (no thousands group starts with 0; "12.5" has no group of three digits).
    """
    if isinstance(text, (bool, _XLBool)):
        return 1.0 if (text if isinstance(text, bool) else text.value) else 0.0
    if isinstance(text, XLPercent):
        text = text.value
    if isinstance(text, (int, float, np.integer, np.floating)):
        value = float(text)
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {text!r}")
        return value
    if not isinstance(text, str):
        raise ValueError(f"not a number: {text!r}")
    s = text.strip()
    if not s:
        raise ValueError("empty")
    word = fold(s)
    if word in YES_WORDS:
        return 1.0
    if word in NO_WORDS:
        return 0.0
    percent = s.endswith("%")
    if percent:
        s = s[:-1].strip()
    s = s.replace("\u2212", "-")
    negative = s[:1] == "-"
    if s[:1] in "+-":
        s = s[1:].strip()
    spaced = bool(_SPACE_CHARS.search(s))
    if spaced:
        if not _SPACE_GROUPED.fullmatch(s):
            raise ValueError(f"not a number: {text!r}")
        s = _SPACE_CHARS.sub("", s)
    value = _parse_unsigned(s, spaced)
    if value is None or not math.isfinite(value):
        raise ValueError(f"not a number: {text!r}")
    if negative:
        value = -value
    return value / 100.0 if percent else value


def _parse_unsigned(s: str, spaced: bool) -> float | None:
    if s.isdigit() and s.isascii():
        return float(s)
    if _SCIENTIFIC.fullmatch(s):
        value = float(s)
        return value if math.isfinite(value) else None
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        dec, thou = (",", ".") if s.rfind(",") > s.rfind(".") else (".", ",")
        if s.count(dec) == 1 and re.fullmatch(rf"\d{{1,3}}(?:{re.escape(thou)}\d{{3}})+{re.escape(dec)}\d+", s):
            return float(s.replace(thou, "").replace(dec, "."))
        return None
    if commas:
        if commas == 1 and re.fullmatch(r"\d*,\d+", s):
            return float(s.replace(",", "."))
        if not spaced and re.fullmatch(r"\d{1,3}(?:,\d{3})+", s):  # 1,234,567 (English grouping)
            return float(s.replace(",", ""))
        return None
    if dots:
        if dots == 1:
            if not spaced and re.fullmatch(r"[1-9]\d{0,2}\.\d{3}", s):  # 1.234 = 1234 (Vietnamese)
                return float(s.replace(".", ""))
            if re.fullmatch(r"\d*\.\d+", s):
                return float(s)
            return None
        if not spaced and re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s):  # 1.234.567
            return float(s.replace(".", ""))
    return None


def is_not_applicable(text: Any) -> bool:
    """True for "N/A", "NA", "KAD", "không áp dụng" (any case, with or without diacritics)."""
    if not isinstance(text, str):
        return False
    return _compact(text) in NOT_APPLICABLE_WORDS


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, XLPercent):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- numbers read in bulk: each distinct text once, then decided per column --------------------

# status of a distinct cell value
_NUM, _AMB, _NA, _YES, _NO, _BAD, _NONFINITE, _FORMULA = range(8)
# evidence a number gives about the file's convention
_EV_NONE, _EV_VI, _EV_EN = 0, 1, 2
# kinds of variable (from the framework): what readings are possible
KIND_ITEM, KIND_COUNT, KIND_AMOUNT = "item", "count", "amount"
_KINDS = (KIND_ITEM, KIND_COUNT, KIND_AMOUNT)
# Units that are measured, not counted (a fractional value is normal); any other non-empty unit counts things.
AMOUNT_UNIT_WORDS = ("%", "ty le", "phan tram", "dong", "nghin", "trieu", "ty ", "diem", "gio", "ngay", "thang",
                     "mbps", "gbps", "gb", "mb", "km", "ha", "m2", "percent", "ratio", "rate", "per", "/")
_AMBIGUOUS = re.compile(r"[1-9]\d{0,2}([.,])\d{3}")
# Units that are themselves a share: a percentage ("89,6%") is a right way to write such a value. Any
# other unit (people, households, documents, đồng, GB, points…) refuses a percentage by cell (issue 18).
RATIO_UNIT_WORDS = (" ty le ", "phan tram", "percent", "ratio", " rate ", "share")


def variable_kind(leaf: Node, var) -> str:
    """item (0/1: yes/no words allowed), count (whole numbers: people, units, files) or amount (anything else)."""
    from scoring.rules import item_variables

    rule = leaf.rule or {}
    unit = (var.unit or "").strip()
    if unit == "0/1" or var.name in item_variables(rule):
        return KIND_ITEM
    if rule.get("type") == "direct" and rule.get("variable") == var.name:
        return KIND_AMOUNT  # points given by assessors (may be 7,5)
    if rule.get("type") == "count_capped" and rule.get("variable") == var.name:
        return KIND_COUNT
    if not unit:
        return KIND_AMOUNT  # nothing says it counts: any reading is possible
    folded = " " + fold(unit) + " "
    if any(w in folded or w in unit for w in AMOUNT_UNIT_WORDS):
        return KIND_AMOUNT
    return KIND_COUNT


def classify_value(cell: Any) -> tuple[int, float, float, int]:
    """(status, reading with Vietnamese separators, reading with English separators, evidence).

    The two readings differ only for an ambiguous text (status _AMB): one dot or comma followed by
    exactly three digits, e.g. "1.234" (1234 or 1.234) or "931,895" (931.895 or 931895)."""
    if isinstance(cell, _XLBool):
        return (_YES if cell.value else _NO), float(cell.value), float(cell.value), _EV_NONE
    if isinstance(cell, FormulaCell):
        return _FORMULA, math.nan, math.nan, _EV_NONE
    if isinstance(cell, XLPercent):
        cell = cell.value
    if isinstance(cell, bool):
        return (_YES if cell else _NO), float(cell), float(cell), _EV_NONE
    if isinstance(cell, (int, float, np.integer, np.floating)):
        v = float(cell)
        if not math.isfinite(v):
            return _NONFINITE, math.nan, math.nan, _EV_NONE
        return _NUM, v, v, _EV_NONE
    if not isinstance(cell, str):
        return _BAD, math.nan, math.nan, _EV_NONE
    s = cell.strip()
    if s.isdigit() and s.isascii():  # the common case: a plain whole number
        v = float(s)
        return (_NUM, v, v, _EV_NONE) if math.isfinite(v) else (_NONFINITE, math.nan, math.nan, _EV_NONE)
    if not s:
        return _BAD, math.nan, math.nan, _EV_NONE
    if s[0] not in "0123456789" and is_not_applicable(cell):  # (an N/A word's key starts with a letter)
        return _NA, math.nan, math.nan, _EV_NONE
    word = fold(s) if not (s[0].isdigit() or s[0] in "+-\u2212.,") else ""
    if word in YES_WORDS:
        return _YES, 1.0, 1.0, _EV_NONE
    if word in NO_WORDS:
        return _NO, 0.0, 0.0, _EV_NONE
    low = s.lower()
    if low.lstrip("+-\u2212") in ("nan", "inf", "infinity", "-inf", "+inf"):
        return _NONFINITE, math.nan, math.nan, _EV_NONE
    percent = s.endswith("%")
    if percent:
        s = s[:-1].strip()
    s = s.replace("\u2212", "-")
    negative = s[:1] == "-"
    if s[:1] in "+-":
        s = s[1:].strip()
    spaced = bool(_SPACE_CHARS.search(s))
    if spaced:
        if not _SPACE_GROUPED.fullmatch(s):
            return _BAD, math.nan, math.nan, _EV_NONE
        s = _SPACE_CHARS.sub("", s)
    sign = -1.0 if negative else 1.0
    scale = 0.01 if percent else 1.0
    m = None if spaced else _AMBIGUOUS.fullmatch(s)
    if m:
        sep = m.group(1)
        grouped = float(s.replace(sep, ""))
        decimal = float(s.replace(sep, "."))
        vi, en = (grouped, decimal) if sep == "." else (decimal, grouped)
        return _AMB, sign * vi * scale, sign * en * scale, _EV_NONE
    try:
        value = float(s) if _SCIENTIFIC.fullmatch(s) else _parse_unsigned(s, spaced)
    except (ValueError, OverflowError):
        value = None
    if value is None:
        return _BAD, math.nan, math.nan, _EV_NONE
    if not math.isfinite(value):
        return _NONFINITE, math.nan, math.nan, _EV_NONE
    value = sign * value * scale
    return _NUM, value, value, _evidence(s)


def is_percent(cell: Any) -> bool:
    """A percentage as written: a text ending in "%" or an Excel cell formatted as a percentage."""
    return isinstance(cell, XLPercent) or (isinstance(cell, str) and cell.rstrip().endswith("%"))


def unit_takes_percent(unit: str) -> bool:
    """Whether a variable's unit allows a percentage: none given, or a ratio/percent unit."""
    unit = (unit or "").strip()
    if not unit:
        return True
    folded = " " + fold(unit) + " "
    return "%" in unit or any(w in folded for w in RATIO_UNIT_WORDS)


def _evidence(s: str) -> int:
    """Which convention an unambiguous number shows: Vietnamese (comma decimal / dot groups) or English."""
    dots, commas = s.count("."), s.count(",")
    if dots and commas:
        return _EV_VI if s.rfind(",") > s.rfind(".") else _EV_EN
    if commas:
        return _EV_EN if commas > 1 else _EV_VI
    if dots:
        return _EV_VI if dots > 1 else _EV_EN
    return _EV_NONE


def parse_year(cell: Any) -> int | None:
    """2025, 2025.0, "2025", "2024.0", "năm 2025" → the year; anything else (negative, fractional,
    a date, out of YEAR_MIN..YEAR_MAX) → None."""
    if isinstance(cell, (bool, _XLBool, FormulaCell, datetime, date, time)):
        return None
    if isinstance(cell, (int, float, np.integer, np.floating)):
        year = float(cell)
        if not math.isfinite(year):
            return None
    elif isinstance(cell, str):
        s = unicodedata.normalize("NFD", cell.strip().lower()).replace("đ", "d")
        s = "".join(ch for ch in s if not unicodedata.combining(ch))
        m = re.fullmatch(r"(?:nam\s*)?(\d{4})(?:[.,]0+)?", s)
        if not m:
            return None
        year = float(m.group(1))
    else:
        return None
    if not year.is_integer() or not YEAR_MIN <= year <= YEAR_MAX:
        return None
    return int(year)
