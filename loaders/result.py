"""The result of reading a file: the long table's columns, every problem as an `ImportProblem` (file, sheet,
row, column, what is expected) rendered from the catalogs locales/<lang>/loader.toml, `ParsedImport`, and
`Problems`, the collector every step adds to (at most `limits.MAX_PROBLEMS_PER_KIND` built per kind, the
rest counted in one `more_problems` message, all put in file order)."""
from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from loaders import limits

ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "locales"

DATA_COLUMNS = ["entity", "year", "indicator", "variable", "value", "not_applicable", "sheet", "row", "column"]


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
        if "indicator" in self.params:  # a problem nobody named (name_criteria): the code as read, the variable's word
            from scoring.framework import display_code

            values.setdefault("criterion", display_code(self.params["indicator"]))
            values.setdefault("variable_label", _display(self.params.get("variable", ""), lang))
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


def name_criteria(problems: list[ImportProblem], framework) -> list[ImportProblem]:
    """Give every problem that names a criterion (`indicator`) and a variable the words a person reads, in
    both languages (scoring.framework's naming): `{criterion}` = 'I.4 – <tên chỉ số>', `{variable_label}` =
    the variable's meaning, `{numerator_label}` / `{denominator_label}` = the meanings a ratio adds up.
    The codes stay in the params (the message keeps them only after the words). Returns `problems`."""
    from scoring.framework import criterion_words, variable_meaning

    for p in problems:
        code = p.params.get("indicator")
        if code is None or code == "" or "criterion_vi" in p.params:
            continue
        code = str(code)
        for lang in ("vi", "en"):
            p.params[f"criterion_{lang}"] = criterion_words(framework, code, lang)
            var = p.params.get("variable")
            if var is not None and var != "":
                p.params[f"variable_label_{lang}"] = " + ".join(
                    variable_meaning(framework, code, v, lang) for v in str(var).split("+"))
            for part in ("numerator", "denominator"):
                if p.params.get(part):
                    p.params[f"{part}_label_{lang}"] = " + ".join(
                        variable_meaning(framework, code, v, lang) for v in str(p.params[part]).split("+"))
    return problems


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


class Problems:
    """Problems found while reading one file, staged with a sort key so they come out in file order.

    `table_seq` numbers the table (a CSV, or a sheet) being read; a key starts with it. A step adds with
    `add(code, sheet, row, column, key=None, **params)`; `wants(code)` is False once the kind's cap is
    reached (skip building costly params), `count(code, n)` counts problems not built; `flush()` moves the
    staged problems, sorted, to `problems` and adds one summary per capped kind."""

    def __init__(self, file_name: str):
        self.file = file_name
        self.problems: list[ImportProblem] = []
        self.table_seq = 0
        self._staged: list[tuple[tuple, int, ImportProblem]] = []
        self._per_kind: dict[str, int] = {}
        self._first_of_kind: dict[str, ImportProblem] = {}

    def start_table(self) -> int:
        self.table_seq += 1
        return self.table_seq

    def staged_codes(self) -> set[str]:
        return {p.code for _, _, p in self._staged}

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


def empty_records() -> pd.DataFrame:
    return pd.DataFrame({
        "entity": pd.Series([], dtype=object), "year": np.array([], dtype=np.int64),
        "indicator": pd.Series([], dtype=object), "variable": pd.Series([], dtype=object),
        "value": np.array([], dtype=float), "not_applicable": np.array([], dtype=bool),
        "sheet": pd.Series([], dtype=object), "row": np.array([], dtype=np.int64),
        "column": pd.Series([], dtype=object)}, columns=DATA_COLUMNS)
