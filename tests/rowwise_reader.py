# THE OLD ROW-BY-ROW READER (loaders/parsing.py before issue 11), kept only to compare with the
# vectorised reader in tests/test_import_compare.py. Remove together with that test.
"""Read a user's input file (CSV or Excel) into a validated long DataFrame. Pure: no DuckDB, no Streamlit.

`parse_inputs(source, file_name, framework, resolver)` returns a `ParsedImport`: the long table
(`entity, year, indicator, variable, value, not_applicable, sheet, row, column`) and every problem
found, each an `ImportProblem` that renders (Vietnamese first, English too) from the message catalogs
`locales/<lang>/loader.toml`, naming the file, the sheet (Excel), the row and the column as the user
sees them, and what is expected instead. Nothing is written anywhere: `loaders.store` writes.

Two layouts are read, on CSV and on every sheet of an .xlsx workbook:
- long: columns entity, year, indicator, variable, value (Vietnamese or English header names);
- wide: one row per entity-year, columns entity, year, then `<indicator>.<variable>` (e.g. `4.4.a`).
  The header row is searched in the first 5 rows, so a row of human labels may sit above it (the
  Excel template made by `loaders.templates` puts labels in row 1 and machine codes in row 2).

Number formats (`parse_number`): Vietnamese first. A dot followed by exactly three digits is a
thousands separator ("1.234" = 1234, the Vietnamese convention, although an English reader would
read 1.234); a comma alone is a decimal comma ("0,85", and so "1,234" = 1.234); when both appear the
last one is the decimal separator ("1.234,56" and "1,234.56" = 1234.56); spaces group thousands;
"85%" = 0.85; "có", "x", "đạt", "yes" = 1 and "không", "chưa", "no" = 0.
"""
from __future__ import annotations

import csv
import difflib
import hashlib
import io
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

from scoring.engine import score
from scoring.framework import Framework, Node
from scoring.rules import NUMERIC_PARAMS, param_years_covered, ratio_pairs

__all__ = [
    "DATA_COLUMNS", "DEFAULT_ALIASES", "EntityResolver", "ImportProblem", "ParsedImport", "ProvinceReference",
    "fold", "format_number", "is_not_applicable", "load_catalog", "load_provinces", "parse_inputs", "parse_number",
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


def fold(text: Any) -> str:
    """Lowercase, strip Vietnamese diacritics (đ → d), collapse runs of spaces, hyphens and dots to one space.

    fold("Bà Rịa - Vũng Tàu") == "ba ria vung tau"; fold("TP.HCM") == "tp hcm".
    """
    s = unicodedata.normalize("NFD", str(text).lower())
    s = s.replace("đ", "d").replace("ð", "d")
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return _COLLAPSE.sub(" ", s).strip()


def _compact(text: Any) -> str:
    """fold() without any separator: the key entity names are matched on."""
    return _NON_ALNUM.sub("", fold(text))


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
    if isinstance(text, bool):
        return 1.0 if text else 0.0
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
    if value is None:
        raise ValueError(f"not a number: {text!r}")
    if negative:
        value = -value
    return value / 100.0 if percent else value


def _parse_unsigned(s: str, spaced: bool) -> float | None:
    if s.isdigit() and s.isascii():
        return float(s)
    if _SCIENTIFIC.fullmatch(s):
        return float(s)
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
        parts.append(cat["where_file"].format(file=file))
    if sheet:
        parts.append(cat["where_sheet"].format(sheet=sheet))
    if row:
        parts.append(cat["where_row"].format(row=row))
    if column:
        parts.append(cat["where_column_letter" if excel else "where_column_name"].format(column=column))
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
        values = _Defaulting({k: _display(v, lang) for k, v in self.params.items()})
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
                   "province", "địa phương", "tên tỉnh", "tên tỉnh/thành phố"],
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
    row: int  # 0-based index in the table
    form: str  # long | wide | partial
    roles: dict[str, int]
    var_cols: list[tuple[int, str, str, str]]  # (index, wide name, indicator, variable)
    other_cols: list[tuple[int, str]]  # (index, header text) not recognised


@dataclass
class _Table:
    rows: list[list[Any]]
    sheet: str | None  # None for CSV
    letters: bool  # Excel: columns named by letter; CSV: by header name


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
        lowered: dict[str, list[str]] = {}
        for name in self.columns:
            lowered.setdefault(name.lower(), []).append(name)
        self.columns_ci = {k: v[0] for k, v in lowered.items() if len(v) == 1}
        self.problems: list[ImportProblem] = []
        self.records: list[tuple] = []  # entity, year, indicator, variable, value, na, sheet, row, column
        self.seen: dict[tuple, tuple[str | None, int, str]] = {}
        self.forms: list[str] = []
        self.n_rows = 0
        # (entity, year, indicator, variable) of cells that could not be read: already reported, so
        # the engine's "missing variable" for them would only repeat the problem
        self.unreadable: set[tuple] = set()
        self.negative: set[tuple] = set()  # (entity, year, indicator, variable) of negative cells, reported
        # (sheet, wide column name) -> column label, to point at an empty cell of a missing variable
        self.wide_columns: dict[tuple[str | None, str], str] = {}

    # -- helpers --
    def add(self, code: str, sheet: str | None, row: int | None, column: str | None, **params: Any) -> None:
        self.problems.append(ImportProblem(self.file, sheet, row, column, code, params))

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

    def find_header(self, rows: list[list[Any]]) -> _Header | None:
        partial = None
        for r, cells in enumerate(rows[:HEADER_SCAN_ROWS]):
            header = self.classify_header(cells)
            header.row = r
            if header.form in ("long", "wide"):
                return header
            if header.form == "partial" and partial is None:
                partial = header
        return partial

    def column_label(self, table: _Table, header_cells: list[Any], i: int) -> str:
        if table.letters:
            return _letter(i)
        text = _cell_text(header_cells[i]) if i < len(header_cells) else ""
        return text or str(i + 1)

    def parse_year(self, cell: Any) -> int | None:
        if isinstance(cell, bool) or isinstance(cell, (datetime, date, time)):
            return None
        if isinstance(cell, (int, float)):
            year = float(cell)
        else:
            m = re.fullmatch(r"(?:nam\s*)?(\d{4})(?:[.,]0+)?", fold(cell))
            if not m:
                return None
            year = float(m.group(1))
        if not year.is_integer() or not YEAR_MIN <= year <= YEAR_MAX:
            return None
        return int(year)

    def row_keys(self, table: _Table, cells: list[Any], excel_row: int, header: _Header,
                 header_cells: list[Any]) -> tuple[str | None, int | None]:
        """Entity and year of a data row; adds the problems when they cannot be read."""
        e_idx = header.roles["entity"]
        e_cell = cells[e_idx] if e_idx < len(cells) else None
        e_col = self.column_label(table, header_cells, e_idx)
        entity = None
        if _is_empty(e_cell):
            self.add("missing_entity", table.sheet, excel_row, e_col, n_entities=len(self.resolver),
                     example=self.example_entity())
        else:
            entity = self.resolver.resolve(e_cell)
            if entity is None:
                text = _cell_text(e_cell)
                self.add("unknown_entity", table.sheet, excel_row, e_col, value=text,
                         n_entities=len(self.resolver), example=self.example_entity(),
                         merged_into=self.resolver.successor(text), suggestion=self.resolver.suggest(text))
        y_idx = header.roles.get("year")
        if y_idx is None:
            return entity, self.default_year
        y_cell = cells[y_idx] if y_idx < len(cells) else None
        y_col = self.column_label(table, header_cells, y_idx)
        if _is_empty(y_cell):
            if self.default_year is not None:
                return entity, self.default_year
            self.add("missing_year", table.sheet, excel_row, y_col, min=YEAR_MIN, max=YEAR_MAX)
            return entity, None
        year = self.parse_year(y_cell)
        if year is None:
            self.add("bad_year", table.sheet, excel_row, y_col, value=_cell_text(y_cell), min=YEAR_MIN, max=YEAR_MAX)
        return entity, year

    def read_value(self, table: _Table, cell: Any, excel_row: int, col: str,
                   indicator: str, variable: str) -> tuple[float, bool] | None:
        if is_not_applicable(cell):
            return math.nan, True
        try:
            value = parse_number(cell)
        except ValueError:
            self.add("not_a_number", table.sheet, excel_row, col, value=_cell_text(cell),
                     indicator=indicator, variable=variable)
            return None
        if value < 0:
            self.add("negative", table.sheet, excel_row, col, value=value, indicator=indicator, variable=variable)
        return value, False

    def record(self, entity, year, indicator, variable, value, na, sheet, excel_row, col) -> None:
        key = (entity, year, indicator, variable)
        first = self.seen.get(key)
        if first is not None:
            self.add("duplicate", sheet, excel_row, col, entity=entity, year=year, indicator=indicator,
                     variable=variable, first_sheet=first[0], first_row=first[1], first_column=first[2])
            return
        self.seen[key] = (sheet, excel_row, col)
        self.records.append((entity, year, indicator, variable, value, na, sheet or "", excel_row, col))

    # -- one table (a CSV or one sheet) --
    def read_table(self, table: _Table) -> None:
        rows = table.rows
        if not any(not _is_empty(c) for cells in rows for c in cells):
            return  # an empty sheet holds nothing to import
        header = self.find_header(rows)
        if header is None:
            self.add("header_not_recognised", table.sheet, None, None, rows=HEADER_SCAN_ROWS,
                     example=self.example_column())
            return
        header_cells = rows[header.row]
        if header.form == "partial":
            missing = [] if ("year" in header.roles or self.default_year is not None) else ["year"]
            if any(r in header.roles for r in ("indicator", "variable", "value")):
                missing += [r for r in ("indicator", "variable", "value") if r not in header.roles]
            else:
                missing.append("wide_codes")
            self.add("missing_columns", table.sheet, header.row + 1, None, missing_roles=missing,
                     example=self.example_column())
            return
        self.forms.append(header.form)
        data_rows = rows[header.row + 1:]
        first_row = header.row + 2  # 1-based row number of data_rows[0]
        if header.form == "long":
            self.read_long(table, header, header_cells, data_rows, first_row)
        else:
            self.read_wide(table, header, header_cells, data_rows, first_row)

    def _is_header_repeat(self, cells: list[Any], header: _Header) -> bool:
        e_idx = header.roles["entity"]
        cell = cells[e_idx] if e_idx < len(cells) else None
        return isinstance(cell, str) and HEADER_ALIASES.get(_header_key(cell)) == "entity"

    def read_long(self, table, header, header_cells, data_rows, first_row) -> None:
        idx = header.roles
        v_col = self.column_label(table, header_cells, idx["value"])
        i_col = self.column_label(table, header_cells, idx["indicator"])
        var_col = self.column_label(table, header_cells, idx["variable"])

        def at(cells, role):
            i = idx.get(role)
            return cells[i] if i is not None and i < len(cells) else None

        for offset, cells in enumerate(data_rows):
            excel_row = first_row + offset
            value_cell = at(cells, "value")
            if _is_empty(value_cell) or self._is_header_repeat(cells, header):
                continue  # an empty value is a value not provided
            self.n_rows += 1
            entity, year = self.row_keys(table, cells, excel_row, header, header_cells)
            indicator = _cell_text(at(cells, "indicator"))
            variable = _cell_text(at(cells, "variable"))
            known = True
            leaf = self.leaves.get(indicator)
            if leaf is None:
                known = False
                self.add("unknown_indicator", table.sheet, excel_row, i_col, value=indicator,
                         framework=self.fw.id, example=", ".join(list(self.leaves)[:5]),
                         suggestion=_closest(indicator, self.leaves))
            elif variable not in leaf.variable_names():
                known = False
                self.add("unknown_variable", table.sheet, excel_row, var_col, value=variable, indicator=indicator,
                         expected=", ".join(leaf.variable_names()),
                         suggestion=_closest(variable, leaf.variable_names()))
            parsed = self.read_value(table, value_cell, excel_row, v_col, indicator, variable)
            if parsed is None:
                self.unreadable.add((entity, year, indicator, variable))
            elif known and entity is not None and year is not None:
                if parsed[0] < 0:
                    self.negative.add((entity, year, indicator, variable))
                self.record(entity, year, indicator, variable, parsed[0], parsed[1], table.sheet, excel_row, v_col)

    def read_wide(self, table, header, header_cells, data_rows, first_row) -> None:
        var_cols = [(i, name, ind, var, self.column_label(table, header_cells, i))
                    for i, name, ind, var in header.var_cols]
        for i, name, _, _, col in var_cols:
            self.wide_columns.setdefault((table.sheet, name), col)
        # Unknown columns are reported once, at the header, when they hold data that would be lost.
        for i, text in header.other_cols:
            if not any(i < len(cells) and not _is_empty(cells[i]) for cells in data_rows):
                continue
            col = self.column_label(table, header_cells, i)
            prefix, _, variable = text.rpartition(".")
            if prefix in self.leaves:
                self.add("unknown_variable", table.sheet, header.row + 1, col, value=variable, indicator=prefix,
                         expected=", ".join(self.leaves[prefix].variable_names()),
                         suggestion=_closest(variable, self.leaves[prefix].variable_names()))
            elif _CODE_LIKE.fullmatch(text):
                self.add("unknown_indicator", table.sheet, header.row + 1, col, value=prefix or text,
                         framework=self.fw.id, example=", ".join(list(self.leaves)[:5]),
                         suggestion=_closest(prefix or text, self.leaves))
            else:
                self.add("unknown_column", table.sheet, header.row + 1, col, value=text,
                         example=self.example_column(), suggestion=_closest(text, self.columns))
        for offset, cells in enumerate(data_rows):
            n = len(cells)
            filled = [(cells[i], name, ind, var, col) for i, name, ind, var, col in var_cols
                      if i < n and not _is_empty(cells[i])]
            if not filled or self._is_header_repeat(cells, header):
                continue  # a row without values is a row not provided (e.g. the template's own rows)
            excel_row = first_row + offset
            self.n_rows += 1
            entity, year = self.row_keys(table, cells, excel_row, header, header_cells)
            for cell, name, indicator, variable, col in filled:
                parsed = self.read_value(table, cell, excel_row, col, indicator, variable)
                if parsed is None:
                    self.unreadable.add((entity, year, indicator, variable))
                elif entity is not None and year is not None:
                    if parsed[0] < 0:
                        self.negative.add((entity, year, indicator, variable))
                    self.record(entity, year, indicator, variable, parsed[0], parsed[1], table.sheet, excel_row, col)

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
        if not self.records:
            return
        recs = self.records
        df = pd.DataFrame({
            "entity": [r[0] for r in recs],
            "year": np.array([r[1] for r in recs], dtype=np.int64),
            "indicator": [r[2] for r in recs],
            "variable": [r[3] for r in recs],
            "value": np.array([r[4] for r in recs], dtype=float),
            "not_applicable": np.array([r[5] for r in recs], dtype=bool),
            "line": np.arange(1, len(recs) + 1, dtype=np.int64),  # line i = self.records[i - 1]
        })
        touched = {(r[0], r[1], r[2]) for r in recs}
        values = {(r[0], r[1], r[2], r[3]): r[4] for r in recs}
        first_of = {}
        for r in recs:
            first_of.setdefault((r[0], r[1], r[2]), r)
        result = score(self.fw, df, strict=False)
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
                rec = recs[p.line - 1]
                sheet, row, col = rec[6] or None, rec[7], rec[8]
            else:
                # No cell holds a missing variable. In a wide table the entity-year's row does, and
                # the variable's (empty) cell when the sheet has that column; in a long table only
                # the sheet is known and the message names entity, year and indicator.
                rec = first_of.get((p.entity, p.year, p.indicator))
                sheet = (rec[6] or None) if rec is not None else None
                row = col = None
                if rec is not None and self._record_is_wide(rec):
                    row = rec[7]
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
                params.update(value=values.get((p.entity, p.year, p.indicator, p.variable), math.nan),
                              max_points=leaf.max_points)
            code = p.code if p.code in _ENGINE_CODES else "engine_other"
            self.add(code, sheet, row, col, **params)
        self.years_covered({k: r for k, r in first_of.items() if not r[5]})  # an N/A leaf needs no parameter

    def _record_is_wide(self, rec: tuple) -> bool:
        return (rec[6] or None, f"{rec[2]}.{rec[3]}") in self.wide_columns

    def years_covered(self, first_of: dict) -> None:
        """A year-dependent parameter without a value for a year the file gives for that indicator."""
        years_by_leaf: dict[str, set[int]] = {}
        for entity, year, indicator in first_of:
            years_by_leaf.setdefault(indicator, set()).add(year)
        for code, years in years_by_leaf.items():
            rule = self.leaves[code].rule
            raws = [rule[p] for p in NUMERIC_PARAMS if p in rule]
            bad = sorted(y for y in years if not all(param_years_covered(raw, y) for raw in raws))
            if not bad:
                continue
            rec = next(r for k, r in first_of.items() if k[2] == code and k[1] == bad[0])
            covered = _merge_ranges({(b["from"], b["to"]) for raw in raws if isinstance(raw, dict)
                                     for b in raw["by_year"]})
            self.add("year_not_covered", rec[6] or None, rec[7], rec[8], indicator=code,
                     **_names(self.leaves[code]), years=", ".join(str(y) for y in bad),
                     covered=", ".join(f"{a}–{b}" for a, b in covered))

    def data_frame(self) -> pd.DataFrame:
        recs = self.records
        return pd.DataFrame({
            "entity": pd.Series([r[0] for r in recs], dtype=object),
            "year": np.array([r[1] for r in recs], dtype=np.int64),
            "indicator": pd.Series([r[2] for r in recs], dtype=object),
            "variable": pd.Series([r[3] for r in recs], dtype=object),
            "value": np.array([r[4] for r in recs], dtype=float),
            "not_applicable": np.array([r[5] for r in recs], dtype=bool),
            "sheet": pd.Series([r[6] for r in recs], dtype=object),
            "row": np.array([r[7] for r in recs], dtype=np.int64),
            "column": pd.Series([r[8] for r in recs], dtype=object),
        }, columns=DATA_COLUMNS)


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

def _read_bytes(source: Any) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if isinstance(source, (str, Path)):
        return Path(source).read_bytes()
    if hasattr(source, "getvalue"):  # e.g. io.BytesIO, Streamlit's UploadedFile
        return bytes(source.getvalue())
    if hasattr(source, "read"):
        return bytes(source.read())
    raise TypeError(f"source must be a path, bytes or a file object, not {type(source).__name__}")


def _decode_csv(raw: bytes) -> str | None:
    """UTF-8 text (with or without BOM; UTF-16 with BOM), or None when the bytes are not UTF-8 or
    hold UTF-8 that was once misread as a Windows code page ("HÃ  Ná»™i")."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            return None
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
    if _MOJIBAKE.search(text):
        return None
    return text


def _csv_rows(text: str, reader: _Reader) -> list[list[Any]]:
    """Split with the delimiter (; , or tab) that yields a recognised header, most frequent first."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    candidates = sorted([";", ",", "\t"], key=lambda d: -first_line.count(d))
    best = None
    for delim in candidates:
        rows = [[c if c.strip() else None for c in row]
                for row in csv.reader(io.StringIO(text, newline=""), delimiter=delim)]
        if best is None:
            best = rows
        header = reader.find_header(rows)
        if header is not None and header.form in ("long", "wide"):
            return rows
    return best or []


def parse_inputs(source: Any, file_name: str | None, framework: Framework,
                 resolver: EntityResolver | None = None, default_year: int | None = None) -> ParsedImport:
    """Read a CSV or Excel (.xlsx) file of inputs into a ParsedImport (data + problems). Writes nothing.

    `source`: a path, bytes or a file object; `file_name` gives the type (by extension) and names the
    file in messages (default: the path's name). `resolver` maps entity names (default: the 34
    provinces of 2025). `default_year` is used where the file has no year column or an empty year cell.
    """
    if file_name is None:
        file_name = Path(source).name if isinstance(source, (str, Path)) else "?"
    raw = _read_bytes(source)
    resolver = resolver or EntityResolver.provinces_2025()
    reader = _Reader(framework, resolver, file_name, default_year)
    ext = Path(file_name).suffix.lower()
    if ext in CSV_EXTENSIONS:
        text = _decode_csv(raw)
        if text is None:
            reader.add("encoding", None, None, None)
        elif not text.strip():
            reader.add("empty_file", None, None, None)
        else:
            reader.read_table(_Table(_csv_rows(text, reader), None, letters=False))
    elif ext in EXCEL_EXTENSIONS:
        _read_workbook(raw, reader)
    else:
        reader.add("file_type", None, None, None, extension=ext or file_name)

    if not reader.problems and not reader.records:
        # nothing recognised at all, or recognised tables (e.g. an unfilled template) without a value
        reader.add("no_values" if reader.forms else "empty_file", None, None, None)
    reader.engine_checks()
    return ParsedImport(
        data=reader.data_frame(),
        problems=reader.problems,
        form=reader.forms[0] if reader.forms else "unknown",
        file_name=file_name,
        sha256=hashlib.sha256(raw).hexdigest(),
        n_rows=reader.n_rows,
    )


def _read_workbook(raw: bytes, reader: _Reader) -> None:
    import openpyxl  # local: only Excel imports need it

    try:
        wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # corrupt zip, .xls renamed .xlsx, encrypted file…
        reader.add("unreadable", None, None, None, error=type(exc).__name__)
        return
    try:
        for ws in wb.worksheets:
            if fold(ws.title) in SKIPPED_SHEETS:
                continue
            rows = [[None if isinstance(c, str) and not c.strip() else c for c in row]
                    for row in ws.iter_rows(values_only=True)]
            reader.read_table(_Table(rows, ws.title, letters=True))
    finally:
        wb.close()
