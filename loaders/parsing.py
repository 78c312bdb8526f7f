"""Read a user's input file (CSV or Excel) into a validated long DataFrame. Pure: no DuckDB, no Streamlit.

`parse_inputs(source, file_name, framework, resolver)` returns a `ParsedImport`: the long table
(`entity, year, indicator, variable, value, not_applicable, sheet, row, column`) and every problem
found, each an `ImportProblem` that renders (Vietnamese first, English too) from the message catalogs
`locales/<lang>/loader.toml`, naming the file, the sheet (Excel), the row and the column as the user
sees them, and what is expected instead. Nothing is written anywhere: `storage.db` writes.

Two layouts are read, on CSV and on every sheet of an .xlsx workbook:
- long: columns entity, year, indicator, variable, value (Vietnamese or English header names);
- wide: one row per entity-year, columns entity, year, then `<indicator>.<variable>` (e.g. `4.4.a`).
  The header row is searched in the first 5 rows, so a row of human labels may sit above it (the
  Excel template made by `loaders.templates` puts labels in row 1 and machine codes in row 2).

Reading is vectorised (issue 11): the file is read into columns (`loaders.readers`: pandas' C
reader for CSV, `limits.CSV_CHUNK_ROWS` rows at a time, each cell kept as a code of the file's distinct
texts; ElementTree's streaming pull parser for .xlsx, every row whatever `<dimension>` says), each
distinct entity, year, indicator/variable and value text is read once (a CSV's codes are reused, never
re-hashed), and every check runs on whole columns. Every limit of `loaders.limits` is checked while reading and stated in its message;
messages quote at most MESSAGE_VALUE_CHARS characters of a cell and at most MAX_PROBLEMS_PER_KIND
messages of a kind are built. `parse_inputs` never raises for anything in a file.

Reading numbers without guessing (issue 9): a text whose separator may group thousands or mark
decimals ("1.234", "931,895": one dot or comma, then exactly three digits) is read with the file's own
convention — of the variable's column if its other cells show one ("0,85" or "1.234.567": Vietnamese;
"12.5" or "1,234,567": English), else of the whole file — and otherwise only when the variable's unit
leaves one reading (a count of people cannot be 1.234); else it is refused, naming both readings.
Yes/no words are read only for 0/1 items; non-finite numbers (1e309, NaN), negative or fractional
years, CSV rows with more fields than the header and formulas without a saved result are refused.

Context-free number formats (`parse_number`, used where no column context exists): Vietnamese first. A dot followed by exactly three digits is a
thousands separator ("1.234" = 1234, the Vietnamese convention, although an English reader would
read 1.234); a comma alone is a decimal comma ("0,85", and so "1,234" = 1.234); when both appear the
last one is the decimal separator ("1.234,56" and "1,234.56" = 1234.56); spaces group thousands;
"85%" = 0.85; "có", "x", "đạt", "yes" = 1 and "không", "chưa", "no" = 0.
"""
from __future__ import annotations

import csv
import difflib
import hashlib
import math
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, NamedTuple

import numpy as np
import pandas as pd

from loaders import limits
from loaders.readers import (FormulaCell, Grid, _XLBool, compact_codes, csv_head_rows, read_csv_grid,
                             read_xlsx_grids)
from scoring.engine import score
from scoring.framework import Framework, Node
from scoring.rules import NUMERIC_PARAMS, param_years_covered, ratio_pairs

__all__ = [
    "DATA_COLUMNS", "DEFAULT_ALIASES", "EntityResolver", "ImportProblem", "ParsedImport", "ProvinceReference",
    "fold", "format_number", "is_not_applicable", "load_catalog", "load_provinces", "parse_inputs", "parse_number",
    "parse_year", "shorten", "variable_kind",
]

ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "locales"
REFERENCE_PROVINCES = ROOT / "data" / "reference" / "provinces_2025.csv"

YEAR_MIN, YEAR_MAX = 2015, 2035
HEADER_SCAN_ROWS = 5  # the header row is looked for in the first rows of a sheet / CSV
EXCEL_EXTENSIONS = {".xlsx", ".xlsm"}
CSV_EXTENSIONS = {".csv"}
LONG_ROLES = ("entity", "year", "indicator", "variable", "value")

DATA_COLUMNS = ["entity", "year", "indicator", "variable", "value", "not_applicable", "sheet", "row", "column"]


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


# --- entities ------------------------------------------------------------------------------------

# Built-in aliases, used for a canonical name only when the caller passes that name.
DEFAULT_ALIASES: dict[str, list[str]] = {
    "Hồ Chí Minh": ["HCM", "TPHCM", "TP HCM", "Sài Gòn", "Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh"],
    "Huế": ["Thừa Thiên Huế", "Thừa Thiên - Huế", "TT Huế", "TT-Huế"],
    "Bà Rịa - Vũng Tàu": ["BR-VT", "BRVT", "Bà Rịa Vũng Tàu"],
}

# Folded prefixes an entity name may carry ("Tỉnh Gia Lai", "UBND tỉnh Gia Lai", "TP. Huế"), longest first.
ENTITY_PREFIXES = tuple(sorted(
    ["uy ban nhan dan tinh", "uy ban nhan dan thanh pho", "ubnd tinh", "ubnd thanh pho", "ubnd tp",
     "ubnd", "thanh pho", "tinh", "tp", "t p"],
    key=len, reverse=True,
))


class ProvinceReference(NamedTuple):
    new: list[str]  # the 34 provinces and cities from 1 July 2025, file order
    old: list[str]  # the 63 before the merger
    merged_into: dict[str, str]  # old name -> new name


def load_provinces(path: str | Path = REFERENCE_PROVINCES) -> ProvinceReference:
    """The province lists of data/reference/provinces_2025.csv."""
    with Path(path).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    new = list(dict.fromkeys(r["new_province_2025"].strip() for r in rows))
    old = [r["old_province"].strip() for r in rows]
    return ProvinceReference(new, old, {r["old_province"].strip(): r["new_province_2025"].strip() for r in rows})


class EntityResolver:
    """Match what a user typed to a canonical entity name.

    Matching ignores case, diacritics, spaces/hyphens/dots and an administrative prefix ("Tỉnh",
    "Thành phố", "TP.", "TP", "T.P.", "UBND tỉnh"): "tinh gia lai" → "Gia Lai", "TP.HCM" → "Hồ Chí Minh".
    `names` maps each canonical name to extra aliases (a plain list of names is accepted too);
    DEFAULT_ALIASES are added for the canonical names present. A canonical name always wins over an
    alias (so with the 63 former provinces as names, "Thừa Thiên Huế" stays itself).
    `former` (optional) maps names that are no longer entities to their successor, only to explain
    an unknown name ("Bình Định" now belongs to "Gia Lai"); such names never resolve.
    """

    def __init__(self, names: dict[str, list[str]] | Iterable[str], former: dict[str, str] | None = None):
        if not isinstance(names, dict):
            names = {n: [] for n in names}
        self.names: list[str] = list(names)
        self._canonical: dict[str, str] = {}
        for name in self.names:
            key = _compact(name)
            if not key:
                raise ValueError(f"entity name {name!r} is empty once folded")
            if key in self._canonical and self._canonical[key] != name:
                raise ValueError(f"entity names {self._canonical[key]!r} and {name!r} fold to the same key {key!r}")
            self._canonical[key] = name
        self._alias: dict[str, str] = {}
        for name, aliases in names.items():
            for alias in list(aliases or []) + DEFAULT_ALIASES.get(name, []):
                key = _compact(alias)
                if key and key not in self._canonical:
                    self._alias.setdefault(key, name)
        self._former: dict[str, str] = {}
        for old, new in (former or {}).items():
            key = _compact(old)
            if key not in self._canonical and key not in self._alias and new in self.names:
                self._former[key] = new
        self._cache: dict[str, str | None] = {}

    @classmethod
    def provinces_2025(cls, path: str | Path = REFERENCE_PROVINCES) -> "EntityResolver":
        """The 34 provinces and cities from 1 July 2025; former names only explain unknown names."""
        ref = load_provinces(path)
        return cls({n: [] for n in ref.new}, former=ref.merged_into)

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def _candidates(self, text: Any) -> list[str]:
        folded = fold(text)
        out = [folded]
        for prefix in ENTITY_PREFIXES:
            if folded.startswith(prefix + " "):
                out.append(folded[len(prefix) + 1:])
                break
        return [_NON_ALNUM.sub("", c) for c in out]

    def resolve(self, text: Any) -> str | None:
        if text is None:
            return None
        raw = str(text)
        if raw in self._cache:
            return self._cache[raw]
        found = None
        for key in self._candidates(raw):
            found = self._canonical.get(key) or self._alias.get(key)
            if found:
                break
        self._cache[raw] = found
        return found

    def successor(self, text: Any) -> str | None:
        """The entity a former name now belongs to (e.g. "Bình Định" → "Gia Lai"), else None."""
        for key in self._candidates(text):
            if key in self._former:
                return self._former[key]
        return None

    def suggest(self, text: Any) -> str | None:
        """The closest canonical name to an unknown text, if any is close."""
        keys = list(self._canonical) + list(self._alias)
        for key in self._candidates(text):
            match = difflib.get_close_matches(key, keys, n=1, cutoff=0.75)
            if match:
                return self._canonical.get(match[0]) or self._alias[match[0]]
        return None


# --- problems and their messages ---------------------------------------------------------------

@lru_cache(maxsize=None)
def load_catalog(lang: str = "vi") -> dict[str, Any]:
    """The loader message catalog locales/<lang>/loader.toml (cached; falls back to Vietnamese)."""
    path = LOCALES_DIR / lang / "loader.toml"
    if not path.exists():
        if lang != "vi":
            return load_catalog("vi")
        raise FileNotFoundError(path)
    with path.open("rb") as fh:
        return tomllib.load(fh)


def format_number(value: float, lang: str = "vi") -> str:
    """1234.5 → "1.234,5" (vi) / "1,234.5" (en); at most 6 decimals, no trailing zeros."""
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        text = f"{int(value):,}"
    else:
        text = f"{value:,.6f}".rstrip("0").rstrip(".")
    if lang == "vi":
        text = text.translate(str.maketrans({",": ".", ".": ","}))
    return text


class _Defaulting(dict):
    def __missing__(self, key):
        return "?"


_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def shorten(text: Any, limit: int = limits.MESSAGE_VALUE_CHARS) -> str:
    """A user's text as quoted in a message: control characters made visible as "�" and cut to
    `limit` characters + "…" (a message never echoes a whole 100,000-character cell)."""
    s = _CONTROL_CHARS.sub("\ufffd", str(text))
    return s if len(s) <= limit else s[:limit] + "…"


_USER_TEXT_PARAMS = frozenset({"value", "suggestion", "formula", "error", "extension", "first_column"})
# Counts and limits in a message are read as numbers: grouped (1.000.000), never "1000000".
_COUNT_PARAMS = frozenset({"limit", "n", "n_chars", "n_rows", "n_cells", "n_columns", "count"})


def _display(value: Any, lang: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return format_number(value, lang)
    if isinstance(value, (list, tuple)):
        return ", ".join(_display(v, lang) for v in value)
    return str(value)


def _location(cat: dict[str, Any], file: str | None, sheet: str | None, row: int | None,
              column: str | None, excel: bool) -> str:
    parts = []
    if file:
        parts.append(cat["where_file"].format(file=shorten(file, 2 * limits.MESSAGE_VALUE_CHARS)))
    if sheet:
        parts.append(cat["where_sheet"].format(sheet=shorten(sheet)))
    if row:
        parts.append(cat["where_row"].format(row=row))
    if column:
        parts.append(cat["where_column_letter" if excel else "where_column_name"].format(column=shorten(column)))
    return ", ".join(parts)


@dataclass
class ImportProblem:
    """One problem in an input file. `row` is 1-based counting the header as the user sees it;
    `column` is the Excel letter ("D") or, for a CSV, the header name; `sheet` is None for a CSV."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def excel(self) -> bool:
        return self.sheet is not None

    def where(self, lang: str = "vi") -> str:
        return _location(load_catalog(lang), self.file, self.sheet, self.row, self.column, self.excel)

    def message(self, lang: str = "vi") -> str:
        cat = load_catalog(lang)
        template = cat.get(self.code) or load_catalog("vi").get(self.code) or cat["unknown_problem"]
        values = _Defaulting({k: shorten(v) if k in _USER_TEXT_PARAMS and isinstance(v, str)
                              else format_number(v, lang) if k in _COUNT_PARAMS and isinstance(v, int)
                              and not isinstance(v, bool) else _display(v, lang)
                              for k, v in self.params.items()})
        for suffix in ("_vi", f"_{lang}"):  # language-specific params: indicator_name_en → {indicator_name}
            for k, v in self.params.items():
                if k.endswith(suffix):
                    values[k[: -len(suffix)]] = _display(v, lang)
        if "missing_roles" in self.params:
            values["missing"] = ", ".join(cat[f"column_{r}"] for r in self.params["missing_roles"])
        if "first_row" in self.params:
            first_sheet = self.params.get("first_sheet")
            values["first"] = _location(cat, None, first_sheet if first_sheet != self.sheet else None,
                                        self.params["first_row"], self.params.get("first_column"), self.excel)
        if "kind_code" in self.params:
            values["kind"] = cat.get("kinds", {}).get(self.params["kind_code"], self.params["kind_code"])
        values.update(file=self.file, sheet=self.sheet or "", row=self.row or "", column=self.column or "",
                      code=self.code, where=self.where(lang))
        text = template.format_map(values)
        if self.params.get("merged_into"):
            text += " " + cat["hint_merged"].format_map(values)
        elif self.params.get("suggestion"):
            text += " " + cat["hint_suggestion"].format_map(values)
        return text

    def __str__(self) -> str:
        return self.message("vi")


@dataclass
class ParsedImport:
    data: pd.DataFrame  # DATA_COLUMNS; every cell that could be read (first of duplicates)
    problems: list[ImportProblem]
    form: str  # "long", "wide" (the first recognised table), or "unknown" when none was recognised
    file_name: str
    sha256: str
    n_rows: int  # data rows read (long: records; wide: entity-year rows holding at least one value)

    @property
    def ok(self) -> bool:
        return not self.problems

    def messages(self, lang: str = "vi") -> list[str]:
        return [p.message(lang) for p in self.problems]


# --- the reader ----------------------------------------------------------------------------------

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
_MOJIBAKE_LEAD = re.compile(
    "[ÃÄÅÆ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014"
    "\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)  # the same without its slow second branch, which _decode_csv checks with two plain searches
_MOJIBAKE = re.compile(
    "[ÃÄÅÆ][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014"
    "\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]|á[º»]"
)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class _Header:
    row: int  # 1-based row number of the header
    form: str  # long | wide | partial
    roles: dict[str, int]
    var_cols: list[tuple[int, str, str, str]]  # (index, wide name, indicator, variable)
    other_cols: list[tuple[int, str]]  # (index, header text) not recognised


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


def _filled(values: np.ndarray) -> np.ndarray:
    """True where an object array holds a value (grids keep None for an empty cell, never NaN)."""
    return np.not_equal(values, None)


def _factorize(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Codes (-1 for None) and the distinct values, in order of first appearance. Objects are keyed by
    type as well as value, so 1.0 and "1" and TRUE stay apart."""
    if len(values) == 0:
        return np.empty(0, dtype=np.int64), []
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return codes.astype(np.int64), list(uniques)


def _pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Codes of the distinct (a, b) code pairs (in order of first appearance) and those pairs."""
    nb = int(b.max()) + 2 if len(b) else 1
    combined = (a + 1) * nb + (b + 1)
    codes, uniques = pd.factorize(combined)
    return codes.astype(np.int64), [(int(u // nb) - 1, int(u % nb) - 1) for u in uniques]


def _map(codes: np.ndarray, per_unique: list[Any] | np.ndarray, missing: Any, dtype=object) -> np.ndarray:
    table = np.empty(len(per_unique) + 1, dtype=dtype)
    table[:-1] = per_unique if len(per_unique) else []
    table[-1] = missing
    return table[codes]  # code -1 picks the last slot


# --- the reader ------------------------------------------------------------------------------------

class _Reader:
    def __init__(self, framework: Framework, resolver: EntityResolver, file_name: str, default_year: int | None):
        self.fw = framework
        self.resolver = resolver
        self.file = file_name
        self.default_year = default_year
        self.leaves: dict[str, Node] = {leaf.code: leaf for leaf in framework.leaves}
        self.columns: dict[str, tuple[str, str]] = {
            f"{leaf.code}.{v.name}": (leaf.code, v.name) for leaf in framework.leaves for v in leaf.variables
        }
        self.kinds: dict[tuple[str, str], tuple[str, str]] = {
            (leaf.code, v.name): (variable_kind(leaf, v), v.unit or "") for leaf in framework.leaves for v in leaf.variables
        }
        lowered: dict[str, list[str]] = {}
        for name in self.columns:
            lowered.setdefault(name.lower(), []).append(name)
        self.columns_ci = {k: v[0] for k, v in lowered.items() if len(v) == 1}
        self.problems: list[ImportProblem] = []
        self._staged: list[tuple[tuple, int, ImportProblem]] = []
        self._per_kind: dict[str, int] = {}
        self._first_of_kind: dict[str, ImportProblem] = {}
        self.forms: list[str] = []
        self.n_rows = 0
        self.table_seq = 0
        self.parts: list[dict[str, np.ndarray]] = []  # the value cells of each table, in file order
        self.cell_texts: list[str] | None = None  # the CSV reader's distinct texts (`cell_code` indexes them)
        self.pair_ids: dict[tuple[str, str], int] = {}  # (indicator, variable) text -> id, for the whole file
        self.entity_ids: dict[str, int] = {}  # canonical entity -> id
        self.wide_columns: dict[tuple[str | None, str], str] = {}
        self.records = pd.DataFrame()
        self.record_keys: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.unreadable: set[tuple] = set()
        self.negative: set[tuple] = set()

    # -- problems: staged with a sort key (file order), built at most MAX_PROBLEMS_PER_KIND per kind --
    def add(self, code: str, sheet: str | None, row: int | None, column: str | None, key: tuple | None = None,
            **params: Any) -> None:
        n = self._per_kind.get(code, 0) + 1
        self._per_kind[code] = n
        if n > limits.MAX_PROBLEMS_PER_KIND:
            return
        problem = ImportProblem(self.file, sheet, row, column, code, params)
        self._first_of_kind.setdefault(code, problem)
        self._staged.append((key or (self.table_seq, row or 0, 9, 0, 0), len(self._staged), problem))

    def wants(self, code: str) -> bool:
        """False once the kind's cap is reached (the caller may then skip building expensive params)."""
        return self._per_kind.get(code, 0) < limits.MAX_PROBLEMS_PER_KIND

    def count(self, code: str, n: int) -> None:
        """Count n problems of a kind that are not built (beyond the cap)."""
        self._per_kind[code] = self._per_kind.get(code, 0) + n

    def flush(self) -> None:
        """Move the staged problems, in file order, to self.problems; one summary per capped kind."""
        self._staged.sort(key=lambda t: (t[0], t[1]))
        self.problems.extend(p for _, _, p in self._staged)
        self._staged = []
        for code, n in self._per_kind.items():
            if n > limits.MAX_PROBLEMS_PER_KIND and code != "more_problems":
                first = self._first_of_kind[code]
                self.problems.append(ImportProblem(
                    self.file, None, None, None, "more_problems",
                    {"n": n - limits.MAX_PROBLEMS_PER_KIND, "limit": limits.MAX_PROBLEMS_PER_KIND, "kind_code": code,
                     "first_sheet": first.sheet, "first_row": first.row, "first_column": first.column}))
                self._per_kind[code] = limits.MAX_PROBLEMS_PER_KIND

    def example_column(self) -> str:
        return next(iter(self.columns), "4.4.a")

    def example_entity(self) -> str:
        names = self.resolver.names
        return "Gia Lai" if "Gia Lai" in names else (names[0] if names else "")

    def _match_column(self, text: str) -> str | None:
        compact = re.sub(r"\s+", "", text)
        if compact in self.columns:
            return compact
        return self.columns_ci.get(compact.lower())

    def classify_header(self, cells: list[Any]) -> _Header:
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
            name = self._match_column(text)
            if name:
                indicator, variable = self.columns[name]
                var_cols.append((i, name, indicator, variable))
            elif _header_key(text) not in NOTE_COLUMNS:
                other.append((i, text))
        has_year = "year" in roles or self.default_year is not None
        if "entity" in roles and has_year and all(r in roles for r in ("indicator", "variable", "value")):
            form = "long"
        elif "entity" in roles and has_year and (var_cols or any(_CODE_LIKE.fullmatch(t) for _, t in other)):
            form = "wide"
        elif "entity" in roles:
            form = "partial"
        else:
            form = ""
        return _Header(0, form, roles, var_cols, other)

    def find_header(self, rows: list[tuple[int, list[Any]]]) -> _Header | None:
        """rows: (row number, cells) of the first HEADER_SCAN_ROWS rows."""
        partial = None
        for number, cells in rows:
            if number > HEADER_SCAN_ROWS:
                break
            header = self.classify_header(cells)
            header.row = number
            if header.form in ("long", "wide"):
                return header
            if header.form == "partial" and partial is None:
                partial = header
        return partial

    @staticmethod
    def head_rows(grid: Grid) -> list[tuple[int, list[Any]]]:
        n = int(np.searchsorted(grid.row_numbers, HEADER_SCAN_ROWS, side="right"))
        return [(int(grid.row_numbers[p]), grid.row(p)) for p in range(n)]

    def column_label(self, grid: Grid, header_cells: list[Any], i: int) -> str:
        if grid.letters:
            return _letter(i)
        text = _cell_text(header_cells[i]) if i < len(header_cells) else ""
        return text or str(i + 1)

    # -- one table (a CSV or one sheet) --
    def read_table(self, grid: Grid) -> None:
        self.table_seq += 1
        if grid.is_empty():
            return  # an empty sheet holds nothing to import
        head = self.head_rows(grid)
        header = self.find_header(head)
        if header is None:
            self.add("header_not_recognised", grid.sheet, None, None, rows=HEADER_SCAN_ROWS,
                     example=self.example_column())
            return
        header_cells = next(cells for number, cells in head if number == header.row)
        if header.form == "partial":
            missing = [] if ("year" in header.roles or self.default_year is not None) else ["year"]
            if any(r in header.roles for r in ("indicator", "variable", "value")):
                missing += [r for r in ("indicator", "variable", "value") if r not in header.roles]
            else:
                missing.append("wide_codes")
            self.add("missing_columns", grid.sheet, header.row, None, missing_roles=missing,
                     example=self.example_column())
            return
        self.forms.append(header.form)
        self.cell_texts = grid.texts
        data = np.flatnonzero(grid.row_numbers > header.row)
        if not grid.letters:  # a CSV
            self.extra_fields(grid, header, header_cells, data)
        if header.form == "long":
            self.read_long(grid, header, header_cells, data)
        else:
            self.read_wide(grid, header, header_cells, data)

    def extra_fields(self, grid: Grid, header: _Header, header_cells: list[Any], data: np.ndarray) -> None:
        """A CSV row with more filled fields than the header has columns (e.g. an unquoted 14,569)."""
        n_header = len(header_cells)
        while n_header and _is_empty(header_cells[n_header - 1]):
            n_header -= 1
        n_header = max(n_header, max((i for i, c in enumerate(header_cells) if not _is_empty(c)), default=-1) + 1)
        extra_cols = sorted(i for i in grid.columns if i >= n_header)
        if not extra_cols or not len(data):
            return
        filled = np.zeros(len(data), dtype=bool)
        last = np.full(len(data), -1, dtype=np.int64)
        first_val = np.full(len(data), None, dtype=object)
        for i in extra_cols:
            col = grid.columns[i][data]
            has = pd.notna(col)
            first_val = np.where(has & ~filled, col, first_val)
            filled |= has
            last = np.where(has, i, last)
        for p in np.flatnonzero(filled):
            if not self.wants("extra_fields"):
                self.count("extra_fields", int(filled[p:].sum()))
                break
            row = int(grid.row_numbers[data[p]])
            self.add("extra_fields", grid.sheet, row, str(n_header + 1), key=(self.table_seq, row, 5, 0, 0),
                     n_fields=int(last[p]) + 1, n_header=n_header, value=first_val[p])

    def _pair_id(self, indicator: str, variable: str) -> int:
        return self.pair_ids.setdefault((indicator, variable), len(self.pair_ids))

    def _entity_id(self, name: str | None) -> int:
        return -1 if name is None else self.entity_ids.setdefault(name, len(self.entity_ids))

    @staticmethod
    def _col_codes(grid: Grid, i: int, pos: np.ndarray) -> tuple[np.ndarray, list[Any]]:
        """Codes (-1 = empty) and distinct values of column i's cells at `pos`: the CSV reader's codes
        when it kept them, else a factorisation of the cells."""
        found = grid.column_codes(i, pos)
        return found if found is not None else _factorize(grid.column(i)[pos])

    def _header_repeat(self, grid: Grid, i: int, data: np.ndarray
                       ) -> tuple[np.ndarray, tuple[np.ndarray, list[Any]]]:
        """Rows that repeat the header (their entity cell is an entity column name), and the entity
        column's codes and distinct values (read once, reused by `row_keys`)."""
        codes, uniques = self._col_codes(grid, i, data)
        flags = [isinstance(u, str) and HEADER_ALIASES.get(_header_key(u)) == "entity" for u in uniques]
        return _map(codes, flags, False, dtype=bool), (codes, uniques)

    def row_keys(self, grid: Grid, header: _Header, header_cells: list[Any], pos: np.ndarray,
                 entity_codes: tuple[np.ndarray, list[Any]]) -> tuple[np.ndarray, np.ndarray]:
        """Entity (canonical name or None) and year (or -1) of the rows at positions `pos`; adds the
        problems of those that cannot be read. Each distinct entity and year text is read once.
        `entity_codes`: the entity column's codes at `pos` and the distinct values they index."""
        rows = grid.row_numbers[pos]
        e_idx = header.roles["entity"]
        e_col = self.column_label(grid, header_cells, e_idx)
        codes, uniques = entity_codes
        names = [self.resolver.resolve(u) for u in uniques]  # the resolver caches each text too
        entity = _map(codes, names, None)
        self._last_entity_id = _map(codes, [self._entity_id(nm) for nm in names], -1, dtype=np.int64)
        for p in np.flatnonzero(codes == -1):
            if not self.wants("missing_entity"):
                self.count("missing_entity", int((codes[p:] == -1).sum()))
                break
            self.add("missing_entity", grid.sheet, int(rows[p]), e_col, key=(self.table_seq, int(rows[p]), 0, 0, 0),
                     n_entities=len(self.resolver), example=self.example_entity())
        unknown = np.flatnonzero((codes >= 0) & ~_filled(entity))
        hints: dict[int, tuple] = {}
        for n, p in enumerate(unknown):
            if not self.wants("unknown_entity"):
                self.count("unknown_entity", len(unknown) - n)
                break
            c = int(codes[p])
            if c not in hints:
                text = _cell_text(uniques[c])
                hints[c] = (text, self.resolver.successor(text), self.resolver.suggest(text))
            text, successor, suggestion = hints[c]
            self.add("unknown_entity", grid.sheet, int(rows[p]), e_col, key=(self.table_seq, int(rows[p]), 0, 0, 0),
                     value=text, n_entities=len(self.resolver), example=self.example_entity(),
                     merged_into=successor, suggestion=suggestion)
        y_idx = header.roles.get("year")
        default = -1 if self.default_year is None else self.default_year
        if y_idx is None:
            return entity, np.full(len(pos), default, dtype=np.int64)
        y_col = self.column_label(grid, header_cells, y_idx)
        codes, uniques = self._col_codes(grid, y_idx, pos)
        parsed = [parse_year(u) for u in uniques]
        year = _map(codes, [-2 if y is None else y for y in parsed], default, dtype=np.int64)
        if self.default_year is None:
            for p in np.flatnonzero(codes == -1):
                if not self.wants("missing_year"):
                    self.count("missing_year", int((codes[p:] == -1).sum()))
                    break
                self.add("missing_year", grid.sheet, int(rows[p]), y_col, key=(self.table_seq, int(rows[p]), 1, 0, 0),
                         min=YEAR_MIN, max=YEAR_MAX)
        bad = np.flatnonzero(year == -2)
        for n, p in enumerate(bad):
            if not self.wants("bad_year"):
                self.count("bad_year", len(bad) - n)
                break
            self.add("bad_year", grid.sheet, int(rows[p]), y_col, key=(self.table_seq, int(rows[p]), 1, 0, 0),
                     value=_cell_text(uniques[int(codes[p])]), min=YEAR_MIN, max=YEAR_MAX)
        year[year == -2] = -1
        return entity, year

    def read_long(self, grid: Grid, header: _Header, header_cells: list[Any], data: np.ndarray) -> None:
        idx = header.roles
        v_col = self.column_label(grid, header_cells, idx["value"])
        i_col = self.column_label(grid, header_cells, idx["indicator"])
        var_col = self.column_label(grid, header_cells, idx["variable"])
        value = grid.column(idx["value"])[data]
        repeat, (e_codes, e_uniques) = self._header_repeat(grid, idx["entity"], data)
        use = _filled(value) & ~repeat
        pos = data[use]
        self.n_rows += len(pos)
        if not len(pos):
            return
        rows = grid.row_numbers[pos]
        entity, year = self.row_keys(grid, header, header_cells, pos, (e_codes[use], e_uniques))
        # indicator and variable: each distinct (indicator, variable) text pair once
        ind_codes, ind_u = self._col_codes(grid, idx["indicator"], pos)
        var_codes, var_u = self._col_codes(grid, idx["variable"], pos)
        ind_text = [_cell_text(u) for u in ind_u]
        var_text = [_cell_text(u) for u in var_u]
        indicator = _map(ind_codes, ind_text, "")
        variable = _map(var_codes, var_text, "")
        pair_codes, pair_u = _pairs(ind_codes, var_codes)
        status = []  # 0 known, 1 unknown indicator, 2 unknown variable
        for ic, vc in pair_u:
            ind = ind_text[ic] if ic >= 0 else ""
            var = var_text[vc] if vc >= 0 else ""
            leaf = self.leaves.get(ind)
            status.append(1 if leaf is None else (0 if var in leaf.variable_names() else 2))
        pair_status = np.asarray(status, dtype=np.int64)[pair_codes]
        pair_gid = np.asarray([self._pair_id(ind_text[a] if a >= 0 else "", var_text[b] if b >= 0 else "")
                               for a, b in pair_u], dtype=np.int64)[pair_codes]
        for p in np.flatnonzero(pair_status > 0):
            ind, var, row = indicator[p], variable[p], int(rows[p])
            if pair_status[p] == 1:
                if self.wants("unknown_indicator"):
                    self.add("unknown_indicator", grid.sheet, row, i_col, key=(self.table_seq, row, 2, 0, 0),
                             value=ind, framework=self.fw.id, example=", ".join(list(self.leaves)[:5]),
                             suggestion=_closest(ind, self.leaves))
                else:
                    self.count("unknown_indicator", 1)
            else:
                leaf = self.leaves[ind]
                if self.wants("unknown_variable"):
                    self.add("unknown_variable", grid.sheet, row, var_col, key=(self.table_seq, row, 3, 0, 0),
                             value=var, indicator=ind, expected=", ".join(leaf.variable_names()),
                             suggestion=_closest(var, leaf.variable_names()))
                else:
                    self.count("unknown_variable", 1)
        n = len(pos)
        self.parts.append({
            "table": np.full(n, self.table_seq, dtype=np.int64), "row": rows.astype(np.int64),
            "col": np.full(n, idx["value"], dtype=np.int64), "label": np.full(n, v_col, dtype=object),
            "sheet": np.full(n, grid.sheet, dtype=object), "entity": entity, "year": year,
            "indicator": indicator, "variable": variable, "known": pair_status == 0, "cell": value[use],
            "pair": pair_gid, "entity_id": self._last_entity_id,
            **({"cell_code": grid.codes[idx["value"]][pos]} if grid.codes is not None else {}),
        })

    def read_wide(self, grid: Grid, header: _Header, header_cells: list[Any], data: np.ndarray) -> None:
        var_cols = [(i, name, ind, var, self.column_label(grid, header_cells, i))
                    for i, name, ind, var in header.var_cols]
        for i, name, _, _, col in var_cols:
            self.wide_columns.setdefault((grid.sheet, name), col)
        # Unknown columns are reported once, at the header, when they hold data that would be lost.
        for i, text in header.other_cols:
            if i not in grid.columns or not _filled(grid.columns[i][data]).any():
                continue
            col = self.column_label(grid, header_cells, i)
            key = (self.table_seq, header.row, 0, i, 0)
            prefix, _, variable = text.rpartition(".")
            if prefix in self.leaves:
                self.add("unknown_variable", grid.sheet, header.row, col, key=key, value=variable, indicator=prefix,
                         expected=", ".join(self.leaves[prefix].variable_names()),
                         suggestion=_closest(variable, self.leaves[prefix].variable_names()))
            elif _CODE_LIKE.fullmatch(text):
                self.add("unknown_indicator", grid.sheet, header.row, col, key=key, value=prefix or text,
                         framework=self.fw.id, example=", ".join(list(self.leaves)[:5]),
                         suggestion=_closest(prefix or text, self.leaves))
            else:
                self.add("unknown_column", grid.sheet, header.row, col, key=key, value=text,
                         example=self.example_column(), suggestion=_closest(text, self.columns))
        if not var_cols or not len(data):
            return
        codes = grid.codes
        filled = [(codes[i][data] >= 0) if codes is not None and i in codes else _filled(grid.column(i)[data])
                  for i, *_ in var_cols]
        any_filled = np.logical_or.reduce(filled)
        repeat, (e_codes, e_uniques) = self._header_repeat(grid, header.roles["entity"], data)
        use = any_filled & ~repeat
        pos = data[use]
        self.n_rows += len(pos)
        if not len(pos):
            return
        entity, year = self.row_keys(grid, header, header_cells, pos, (e_codes[use], e_uniques))
        # the filled cells, row by row then column by column (the order a reader of the sheet meets them)
        rix, kix, vals, val_codes = [], [], [], []
        for k, f in enumerate(filled):
            r = np.flatnonzero(f[use])
            rix.append(r)
            kix.append(np.full(len(r), k, dtype=np.int64))
            vals.append(grid.column(var_cols[k][0])[pos][r])
            if codes is not None:
                val_codes.append(codes[var_cols[k][0]][pos][r] if var_cols[k][0] in codes
                                 else np.empty(0, dtype=np.int32))
        rix_a, kix_a, vals_a = np.concatenate(rix), np.concatenate(kix), np.concatenate(vals)
        order = np.lexsort((kix_a, rix_a))
        rix_a, kix_a, vals_a = rix_a[order], kix_a[order], vals_a[order]
        col_index = np.array([c[0] for c in var_cols], dtype=np.int64)
        labels = np.array([c[4] for c in var_cols], dtype=object)
        inds = np.array([c[2] for c in var_cols], dtype=object)
        vars_ = np.array([c[3] for c in var_cols], dtype=object)
        n = len(rix_a)
        self.parts.append({
            "table": np.full(n, self.table_seq, dtype=np.int64), "row": grid.row_numbers[pos][rix_a].astype(np.int64),
            "col": col_index[kix_a], "label": labels[kix_a], "sheet": np.full(n, grid.sheet, dtype=object),
            "entity": entity[rix_a], "year": year[rix_a], "indicator": inds[kix_a], "variable": vars_[kix_a],
            "pair": np.asarray([self._pair_id(c[2], c[3]) for c in var_cols], dtype=np.int64)[kix_a],
            "entity_id": self._last_entity_id[rix_a],
            "known": np.ones(n, dtype=bool), "cell": vals_a,
            **({"cell_code": np.concatenate(val_codes)[order]} if codes is not None else {}),
        })

    # -- every value cell of the file together: numbers, records, duplicates --
    def read_values(self) -> None:
        if not self.parts:
            self.records = _empty_records()
            return
        if len(self.parts) == 1:  # one table (every CSV): its arrays as they are, no copy
            cells = self.parts[0]
        else:
            keys = [k for k in self.parts[0] if all(k in p for p in self.parts)]
            cells = {k: np.concatenate([p[k] for p in self.parts]) for k in keys}
        self.parts = []
        n = len(cells["cell"])
        if "cell_code" in cells and self.cell_texts is not None:  # a CSV: its reader's codes, no hashing
            codes, uniques = compact_codes(cells["cell_code"], self.cell_texts)
        else:
            codes, uniques = _factorize(cells["cell"])
        info = [classify_value(u) for u in uniques]
        status = _map(codes, [i[0] for i in info], _BAD, dtype=np.int64)
        vi = _map(codes, [i[1] for i in info], math.nan, dtype=float)
        en = _map(codes, [i[2] for i in info], math.nan, dtype=float)
        evidence = _map(codes, [i[3] for i in info], _EV_NONE, dtype=np.int64)
        # kind and unit of each cell's variable (unknown variables: any reading possible)
        pair_codes = cells["pair"]
        pair_u = list(self.pair_ids)  # id order
        # (as small integers per cell: 0 item, 1 count, 2 amount; _KINDS[k] is the name)
        pair_kind = [_KINDS.index(self.kinds.get((a, b), (KIND_AMOUNT, ""))[0]) for a, b in pair_u]
        kind = np.asarray(pair_kind, dtype=np.int8)[pair_codes] if len(pair_u) else np.empty(0, dtype=np.int8)
        is_item, is_count = kind == _KINDS.index(KIND_ITEM), kind == _KINDS.index(KIND_COUNT)
        # the convention: of the variable's own cells if they show one, else of the whole file
        ev_vi = np.bincount(pair_codes, weights=evidence == _EV_VI, minlength=len(pair_u)) > 0
        ev_en = np.bincount(pair_codes, weights=evidence == _EV_EN, minlength=len(pair_u)) > 0
        file_vi, file_en = bool((evidence == _EV_VI).any()), bool((evidence == _EV_EN).any())
        file_conv = _EV_VI if file_vi and not file_en else _EV_EN if file_en and not file_vi else _EV_NONE
        var_conv = np.where(ev_vi & ~ev_en, _EV_VI, np.where(ev_en & ~ev_vi, _EV_EN, file_conv))
        conv = var_conv[pair_codes] if len(pair_u) else np.empty(0, dtype=np.int64)

        def admissible(v: np.ndarray) -> np.ndarray:
            whole = np.isfinite(v) & (np.floor(v) == v)
            return np.where(is_item, (v == 0) | (v == 1), np.where(is_count, whole, True))

        value = np.where(status == _NUM, vi, math.nan)
        amb = status == _AMB
        refuse_amb = np.zeros(n, dtype=bool)
        if amb.any():
            a_vi, a_en = admissible(vi), admissible(en)
            # The file's convention decides unless it gives a reading the unit excludes while the other
            # reading fits. Without a convention the documented (Vietnamese) reading is taken only when
            # it is the one reading the unit allows ("1.234" people = 1234); otherwise refused, both
            # readings named ("931,895" people: 931.895 cannot count people, 931895 breaks the convention).
            take_vi = amb & (((conv == _EV_VI) & (a_vi | ~a_en)) | ((conv == _EV_NONE) & a_vi & ~a_en))
            take_en = amb & (conv == _EV_EN) & (a_en | ~a_vi)
            value = np.where(take_vi, vi, np.where(take_en, en, value))
            refuse_amb = amb & ~take_vi & ~take_en
        words = (status == _YES) | (status == _NO)
        word_ok = words & is_item
        value = np.where(word_ok, vi, value)
        na = status == _NA
        ok = (status == _NUM) | (amb & ~refuse_amb) | word_ok | na
        negative = ok & ~na & (value < 0)

        # problems, cell by cell in file order
        sheet, rows, labels = cells["sheet"], cells["row"], cells["label"]
        table, cols = cells["table"], cells["col"]
        bad_kinds = [
            ((status == _BAD), "not_a_number"), ((status == _NONFINITE), "not_finite"),
            ((status == _FORMULA), "formula_no_value"), (refuse_amb, "ambiguous_number"),
            (words & ~word_ok, "word_not_number"), (negative, "negative"),
        ]
        for mask, code in bad_kinds:
            where = np.flatnonzero(mask)
            for m, p in enumerate(where):
                if not self.wants(code):
                    self.count(code, len(where) - m)
                    break
                self.add(code, sheet[p], int(rows[p]), labels[p], key=(int(table[p]), int(rows[p]), 4, int(cols[p]), 0),
                         **self._value_params(code, cells, p, vi[p], en[p], conv[p], _KINDS[kind[p]], value[p]))

        # records: known variable, entity and year read, value read (first of duplicates kept)
        keep = cells["known"] & ok & _filled(cells["entity"]) & (cells["year"] >= 0)
        unread = ~ok
        if unread.any():
            self.unreadable = set(zip(cells["entity"][unread], cells["year"][unread].tolist(),
                                      cells["indicator"][unread], cells["variable"][unread]))
        neg = negative & keep
        if neg.any():
            self.negative = set(zip(cells["entity"][neg], cells["year"][neg].tolist(),
                                    cells["indicator"][neg], cells["variable"][neg]))
        sel = slice(None) if keep.all() else keep  # every cell kept (the usual case): views, not copies
        rec = pd.DataFrame({
            "entity": pd.Series(cells["entity"][sel], dtype=object),
            "year": cells["year"][sel].astype(np.int64),
            "indicator": pd.Series(cells["indicator"][sel], dtype=object),
            "variable": pd.Series(cells["variable"][sel], dtype=object),
            "value": value[sel].astype(float),
            "not_applicable": na[sel],
            "sheet": pd.Series(np.where(pd.isna(sheet[sel]), "", sheet[sel]), dtype=object),
            "row": rows[sel].astype(np.int64),
            "column": pd.Series(labels[sel], dtype=object),
        }, columns=DATA_COLUMNS)
        key_cols = ["entity", "year", "indicator", "variable"]
        e_codes = cells["entity_id"][sel]
        kept_years = cells["year"][sel]
        y_min = int(kept_years.min()) if len(kept_years) else 0
        y_codes = kept_years - y_min  # years are a small range (YEAR_MIN..YEAR_MAX, or the default year)
        ey = e_codes * (int(y_codes.max()) + 1 if len(y_codes) else 1) + y_codes
        combined = ey * (len(pair_u) + 1) + pair_codes[sel]
        # Duplicates: a count per key first (no hash table when, as usual, there is none)
        space = int(combined.max()) + 1 if len(combined) else 0
        if space <= 8 * len(combined) + 1024 and np.bincount(combined, minlength=space).max(initial=0) <= 1:
            dup = np.zeros(len(combined), dtype=bool)
        else:
            dup = pd.Series(combined).duplicated(keep="first").to_numpy()
        if dup.any():
            firsts = rec.loc[~dup].set_index(key_cols)
            dup_rows = rec.loc[dup]
            d_table, d_col = table[sel][dup], cols[sel][dup]
            for m, (t, c, r) in enumerate(zip(d_table, d_col, dup_rows.itertuples(index=False))):
                if not self.wants("duplicate"):
                    self.count("duplicate", len(dup_rows) - m)
                    break
                first = firsts.loc[(r.entity, r.year, r.indicator, r.variable)]
                self.add("duplicate", r.sheet or None, int(r.row), r.column, key=(int(t), int(r.row), 4, int(c), 1),
                         entity=r.entity, year=int(r.year), indicator=r.indicator, variable=r.variable,
                         first_sheet=first["sheet"] or None, first_row=int(first["row"]), first_column=first["column"])
            rec = rec.loc[~dup].reset_index(drop=True)
        kept = ~dup if dup.any() else slice(None)
        # the records' keys as integer codes (entity id, year code, pair id), for engine_checks
        self.record_keys = (e_codes[kept], y_codes[kept].astype(np.int64), pair_codes[sel][kept])
        self.records = rec

    def _value_params(self, code, cells, p, vi, en, conv, kind, value) -> dict[str, Any]:
        cell = cells["cell"][p]
        indicator, variable = cells["indicator"][p], cells["variable"][p]
        params: dict[str, Any] = {"value": _cell_text(cell), "indicator": indicator, "variable": variable}
        unit = self.kinds.get((indicator, variable), (KIND_AMOUNT, ""))[1]
        params["unit"] = unit
        if code == "negative":
            params["value"] = float(value)
        elif code == "formula_no_value":
            params["formula"] = str(cell)
        elif code == "ambiguous_number":
            text = str(cell).strip()
            sep = "." if "." in text else ","
            grouped, decimal = (vi, en) if sep == "." else (en, vi)
            params.update(separator=sep, reading_grouped=f"{grouped:.0f}", reading_decimal=float(decimal))
            if kind == KIND_COUNT and conv == _EV_EN:
                reason = "ambiguous_reason_count_english"
            elif kind == KIND_COUNT:
                reason = "ambiguous_reason_count"
            elif kind == KIND_ITEM:
                reason = "ambiguous_reason_item"
            else:
                reason = "ambiguous_reason_none"
            for lang in ("vi", "en"):
                params[f"reason_{lang}"] = load_catalog(lang)[reason].format(
                    unit=unit or ("số lượng" if lang == "vi" else "a quantity"))
        elif code == "word_not_number":
            for lang in ("vi", "en"):
                params[f"unit_text_{lang}"] = load_catalog(lang)["unit_text"].format(unit=unit) if unit else ""
        return params

    # -- the scoring engine's own checks --
    def engine_checks(self) -> None:
        """Run the engine's input checks on the cells read and name the cell of each problem.

        A partial import (say only one main index's sheet) must not be told that every other
        indicator is missing. The engine scores every leaf, so its problems are filtered here: a
        problem is kept only when the file touches its (entity, year, indicator), i.e. gives at least
        one variable of that indicator (or N/A) for that entity-year. An indicator with some but not
        all variables given is therefore a missing_variable problem; one with none is not in this import.
        Filtering (rather than scoring a pruned framework) keeps the engine the single source of the
        checks. The engine lists at most 50 problems of a kind per leaf and variable.
        """
        recs = self.records
        if recs.empty:
            return
        # The text columns go to the engine as categoricals built from the codes read_values kept (the same
        # texts; the engine then hashes no string per row).
        ent_ids, y_codes, pairs = self.record_keys
        ind_index: dict[str, int] = {}
        var_index: dict[str, int] = {}
        ind_of_pair = np.array([ind_index.setdefault(a, len(ind_index)) for a, _ in self.pair_ids], dtype=np.int64)
        var_of_pair = np.array([var_index.setdefault(b, len(var_index)) for _, b in self.pair_ids], dtype=np.int64)
        ind_codes = ind_of_pair[pairs]

        def categorical(codes, names):
            return pd.Categorical.from_codes(codes, categories=pd.Index(list(names), dtype=object))

        df = pd.DataFrame({
            "entity": categorical(ent_ids, self.entity_ids), "year": recs["year"].to_numpy(),
            "indicator": categorical(ind_codes, ind_index), "variable": categorical(var_of_pair[pairs], var_index),
            "value": recs["value"].to_numpy(), "not_applicable": recs["not_applicable"].to_numpy(),
            "line": np.arange(1, len(recs) + 1, dtype=np.int64)})  # line i = recs.iloc[i - 1]
        result = score(self.fw, df, strict=False)
        # the first record of each (entity, year, indicator), as drop_duplicates would keep it
        n_y, n_i = int(y_codes.max()) + 1, len(ind_index)
        eyi = (ent_ids.astype(np.int64) * n_y + y_codes) * n_i + ind_codes
        first = recs.loc[~pd.Series(eyi).duplicated(keep="first").to_numpy()]
        first_of = first.set_index(["entity", "year", "indicator"])
        if result.problems:
            values = recs.set_index(["entity", "year", "indicator", "variable"])["value"]
            touched = first_of.index
        seen: set[tuple] = set()
        for p in result.problems:
            if p.code in ("negative", "year_not_covered"):
                continue  # negative: checked cell by cell above; years: checked below on touched leaves
            if p.entity and (p.entity, p.year, p.indicator) not in touched:
                continue
            names = p.variable.split("+")
            if p.code == "missing_variable" and (p.entity, p.year, p.indicator, p.variable) in self.unreadable:
                continue  # the cell is there but unreadable: reported as not_a_number already
            if any((p.entity, p.year, p.indicator, n) in self.negative for n in names):
                continue  # a ratio with a negative term: the negative cell is reported already
            leaf = self.leaves.get(p.indicator)
            if p.line:
                rec = recs.iloc[p.line - 1]
                sheet, row, col = rec["sheet"] or None, int(rec["row"]), rec["column"]
            else:
                # No cell holds a missing variable. In a wide table the entity-year's row does, and
                # the variable's (empty) cell when the sheet has that column; in a long table only
                # the sheet is known and the message names entity, year and indicator.
                key = (p.entity, p.year, p.indicator)
                rec = first_of.loc[key] if key in first_of.index else None
                sheet = (rec["sheet"] or None) if rec is not None else None
                row = col = None
                if rec is not None and (sheet, f"{rec.name[2]}.{rec['variable']}") in self.wide_columns:
                    row = int(rec["row"])
                    col = self.wide_columns.get((sheet, f"{p.indicator}.{p.variable}"))
            key = (p.code, sheet, row, col, p.entity, p.year, p.indicator, p.variable)
            if key in seen:
                continue
            seen.add(key)
            params = dict(entity=p.entity, year=p.year, indicator=p.indicator, variable=p.variable,
                          engine_message=p.message, **_names(leaf))
            if p.code == "missing_variable" and leaf is not None:
                var = next((v for v in leaf.variables if v.name == p.variable), None)
                params["expected"] = ", ".join(leaf.variable_names())
                for lang in ("vi", "en"):
                    meaning = (getattr(var, f"meaning_{lang}") or var.meaning_vi) if var is not None else ""
                    params[f"variable_label_{lang}"] = f"{p.variable} ({meaning})" if meaning else p.variable
            elif p.code in ("zero_denominator", "part_exceeds_whole") and leaf is not None:
                pair = next(((n, d) for n, d in ratio_pairs(leaf.rule)
                             if names == (d if p.code == "zero_denominator" else n + d)), None)
                if pair:
                    num, den = pair
                    params.update(numerator="+".join(num), denominator="+".join(den),
                                  numerator_value=_sum(values, p, num), denominator_value=_sum(values, p, den))
            elif p.code in ("item_not_binary", "points_out_of_range") and leaf is not None:
                params.update(value=float(values.get((p.entity, p.year, p.indicator, p.variable), math.nan)),
                              max_points=leaf.max_points)
            code = p.code if p.code in _ENGINE_CODES else "engine_other"
            self.problems.append(ImportProblem(self.file, sheet, row, col, code, params))
        self.years_covered(first.loc[~first["not_applicable"].to_numpy()])  # an N/A leaf needs no parameter

    def years_covered(self, first: pd.DataFrame) -> None:
        """A year-dependent parameter without a value for a year the file gives for that indicator."""
        if first.empty:
            return
        pairs = first[["indicator", "year"]].drop_duplicates()
        for code, years in pairs.groupby("indicator", sort=False)["year"]:
            rule = self.leaves[code].rule
            raws = [rule[p] for p in NUMERIC_PARAMS if p in rule]
            if not any(isinstance(raw, dict) for raw in raws):
                continue
            bad = sorted(int(y) for y in set(years.tolist()) if not all(param_years_covered(raw, y) for raw in raws))
            if not bad:
                continue
            rec = first.loc[(first["indicator"] == code) & (first["year"] == bad[0])].iloc[0]
            covered = _merge_ranges({(b["from"], b["to"]) for raw in raws if isinstance(raw, dict)
                                     for b in raw["by_year"]})
            self.problems.append(ImportProblem(
                self.file, rec["sheet"] or None, int(rec["row"]), rec["column"], "year_not_covered",
                dict(indicator=code, **_names(self.leaves[code]), years=", ".join(str(y) for y in bad),
                     covered=", ".join(f"{a}–{b}" for a, b in covered))))

    def data_frame(self) -> pd.DataFrame:
        return self.records if len(self.records.columns) else _empty_records()


def _empty_records() -> pd.DataFrame:
    return pd.DataFrame({
        "entity": pd.Series([], dtype=object), "year": np.array([], dtype=np.int64),
        "indicator": pd.Series([], dtype=object), "variable": pd.Series([], dtype=object),
        "value": np.array([], dtype=float), "not_applicable": np.array([], dtype=bool),
        "sheet": pd.Series([], dtype=object), "row": np.array([], dtype=np.int64),
        "column": pd.Series([], dtype=object)}, columns=DATA_COLUMNS)


_ENGINE_CODES = {"missing_variable", "zero_denominator", "part_exceeds_whole", "item_not_binary",
                 "na_not_allowed", "points_out_of_range"}


def _names(leaf: Node | None) -> dict[str, str]:
    """Language-specific params: `<key>_<lang>` fills `{<key>}` in that language's message."""
    if leaf is None:
        return {"indicator_name_vi": "", "indicator_name_en": ""}
    return {"indicator_name_vi": leaf.name_vi, "indicator_name_en": leaf.name_en or leaf.name_vi}


def _merge_ranges(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """[(2025, 2027), (2028, 2030)] → [(2025, 2030)]."""
    out: list[list[int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _sum(values: dict, p, names: list[str]) -> float:
    return float(sum(values.get((p.entity, p.year, p.indicator, n), math.nan) for n in names))


def _closest(text: str, choices: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(str(text), list(choices), n=1, cutoff=0.6)
    return match[0] if match else None


@lru_cache(maxsize=1024)
def _letter(index: int) -> str:
    """0 → "A", 25 → "Z", 26 → "AA"."""
    out = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


# --- file reading --------------------------------------------------------------------------------

def _read_bytes(source: Any, limit: int | None = None) -> bytes:
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


def _decode_csv(raw: bytes) -> str | None:
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


def _csv_delimiter_for(text: str) -> str:
    """The most frequent of ; , and tab in the first non-blank line (small files without a reader)."""
    first_line = next((line for line in text[:1_000_000].splitlines() if line.strip()), "")
    return max([",", ";", "\t"], key=lambda d: first_line.count(d))


def _csv_delimiter(text: str, reader: _Reader) -> str:
    """The delimiter (; , or tab) that yields a recognised header in the first rows, most frequent first."""
    first_line = next((line for line in text[:1_000_000].splitlines() if line.strip()), "")
    candidates = sorted([";", ",", "\t"], key=lambda d: -first_line.count(d))
    for delim in candidates:
        rows = csv_head_rows(text[:1_000_000], delim, HEADER_SCAN_ROWS)
        header = reader.find_header(list(enumerate(rows, start=1)))
        if header is not None and header.form in ("long", "wide"):
            return delim
    return candidates[0]


def parse_inputs(source: Any, file_name: str | None, framework: Framework,
                 resolver: EntityResolver | None = None, default_year: int | None = None) -> ParsedImport:
    """Read a CSV or Excel (.xlsx) file of inputs into a ParsedImport (data + problems). Writes nothing,
    never raises for anything in the file: every failure is an ImportProblem naming the file.

    `source`: a path, bytes or a file object; `file_name` gives the type (by extension) and names the
    file in messages (default: the path's name). `resolver` maps entity names (default: the 34
    provinces of 2025). `default_year` is used where the file has no year column or an empty year cell.
    """
    if file_name is None:
        file_name = Path(source).name if isinstance(source, (str, Path)) else "?"
    raw = _read_bytes(source, limits.MAX_UPLOAD_BYTES)
    resolver = resolver or EntityResolver.provinces_2025()
    reader = _Reader(framework, resolver, file_name, default_year)
    try:
        _read_file(raw, file_name, reader)
        reader.flush()
        if not reader.problems and reader.records.empty:
            # nothing recognised at all, or recognised tables (e.g. an unfilled template) without a value
            reader.add("no_values" if reader.forms else "empty_file", None, None, None)
            reader.flush()
        reader.engine_checks()
    except MemoryError:
        reader.problems = [ImportProblem(file_name, None, None, None, "too_many_cells", {"limit": limits.MAX_CELLS})]
        reader.records = _empty_records()
    except Exception as exc:  # noqa: BLE001 - the last net: a user never sees a traceback
        reader.problems.append(ImportProblem(file_name, None, None, None, "read_failed",
                                             {"error": type(exc).__name__}))
        reader.records = _empty_records()
    return ParsedImport(
        data=reader.data_frame(),
        problems=reader.problems,
        form=reader.forms[0] if reader.forms else "unknown",
        file_name=file_name,
        sha256=hashlib.sha256(raw).hexdigest(),
        n_rows=reader.n_rows,
    )


def _read_file(raw: bytes, file_name: str, reader: _Reader) -> None:
    ext = Path(file_name).suffix.lower()
    if len(raw) > limits.MAX_UPLOAD_BYTES:
        reader.add("too_large", None, None, None, limit_mb=limits.MAX_UPLOAD_BYTES // (1024 * 1024))
        return
    if ext in CSV_EXTENSIONS:
        text = _decode_csv(raw)
        if text is None:
            reader.add("encoding", None, None, None)
        elif not text.strip():
            reader.add("empty_file", None, None, None)
        else:
            utf8 = not raw.startswith((b"\xff\xfe", b"\xfe\xff"))  # _decode_csv read UTF-8: pandas reads the bytes
            grid = read_csv_grid(text, _csv_delimiter(text, reader), reader.add, raw if utf8 else None)
            del text  # memory: the decoded text and (below) the grid are not needed once their cells are taken
            if grid is not None:
                reader.read_table(grid)
                del grid
                reader.read_values()
    elif ext in EXCEL_EXTENSIONS:
        grids = read_xlsx_grids(raw, reader.add, skip_sheet=lambda title: fold(title) in SKIPPED_SHEETS)
        if any(p.code in _FILE_FATAL for _, _, p in reader._staged):
            return
        for grid in grids:
            reader.read_table(grid)
        grids = grid = None  # memory: the grids are not needed once their cells are taken
        reader.read_values()
    else:
        reader.add("file_type", None, None, None, extension=ext or file_name)


# Reading problems after which nothing of the file is read (a half-read file is never imported).
_FILE_FATAL = {"unreadable", "xml_error", "sheet_unreadable", "too_many_rows", "too_many_cells",
               "too_many_columns", "xml_too_large", "too_large"}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
