"""Units below the province: the unit list file, unit groups and name resolution.

A province ranks its own units — departments (Sở, ban, ngành), communes/wards (xã, phường, đặc khu) and,
for years before 1 July 2025, districts (huyện, thị xã, thành phố thuộc tỉnh). Units are ranked only among
units of the same level of the same province: that set is a *group*, written "<level>@<province>"
(e.g. "commune@Huế"); the provinces themselves are the groups "34" and "63".

The unit list is a small CSV/Excel table, one row per unit: name, level, and optionally the unit it belongs
to, a code, the dates it was valid (merged or abolished units) and other names it is known by. It is read
with pandas as columns and checked column by column; every problem names the file, sheet, row and column
and says what is expected. Nothing here talks to DuckDB.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

import numpy as np

from loaders import limits
from loaders.cells import _cell_text, fold
from loaders.names import EntityResolver
from loaders.read import FILE_FATAL, csv_delimiter_for, decode_csv, read_bytes
from loaders.readers import read_csv_grid, read_xlsx_grids
from loaders.result import ImportProblem, Problems

PROVINCE_GROUPS = ("34", "63")
LEVELS = ("department", "district", "commune")

# Words people write in the "level" column → level key (compared after fold(): no diacritics, lower case).
LEVEL_WORDS = {
    "department": ["sở", "so", "sở, ban, ngành", "sở ban ngành", "sở/ban/ngành", "ban", "ngành", "cơ quan",
                   "cơ quan cấp tỉnh", "department", "cấp sở"],
    "district": ["huyện", "quận", "thị xã", "thành phố thuộc tỉnh", "cấp huyện", "district"],
    "commune": ["xã", "phường", "thị trấn", "đặc khu", "xã/phường", "xã, phường", "xã, phường, đặc khu",
                "cấp xã", "commune", "ward"],
}
_LEVEL_BY_WORD = {fold(w): level for level, words in LEVEL_WORDS.items() for w in words}
# Prefixes that a unit's name may be written with or without ("Phường Thuận Hóa" = "Thuận Hóa").
_NAME_PREFIXES = ("phường", "xã", "thị trấn", "đặc khu", "huyện", "thị xã", "quận", "thành phố")

COLUMN_ALIASES = {
    "name": ["tên đơn vị", "đơn vị", "tên", "name", "unit"],
    "level": ["cấp", "cấp đơn vị", "loại đơn vị", "level"],
    "parent": ["trực thuộc", "đơn vị cấp trên", "thuộc", "parent"],
    "code": ["mã", "mã đơn vị", "mã hành chính", "code"],
    "valid_from": ["hiệu lực từ", "từ ngày", "thành lập", "valid from", "valid_from"],
    "valid_to": ["hiệu lực đến", "đến ngày", "giải thể", "sáp nhập", "valid to", "valid_to"],
    "aliases": ["tên khác", "tên gọi khác", "aliases"],
}
_ROLE_BY_HEADER = {fold(a): role for role, names in COLUMN_ALIASES.items() for a in names}
MAX_UNITS = 20_000
MAX_CELL_CHARS = 200


def unit_group(level: str, province: str) -> str:
    return f"{level}@{province}"


def split_group(group: str) -> tuple[str, str | None]:
    """("province", None) for "34"/"63"; (level, province) for a unit group."""
    if "@" in group:
        level, province = group.split("@", 1)
        return level, province
    return "province", None


def is_unit_group(group: str) -> bool:
    return "@" in group


def level_of_word(text) -> str | None:
    return _LEVEL_BY_WORD.get(fold(text))


def _without_prefix(name: str) -> str | None:
    folded = fold(name)
    for prefix in _NAME_PREFIXES:
        p = fold(prefix)
        if folded.startswith(p + " ") and len(folded) > len(p) + 1:
            return name.strip()[len(prefix):].strip()
    return None


def resolver_for_units(units: pd.DataFrame) -> EntityResolver:
    """A resolver over unit names, their listed other names and their names without a level prefix
    (added only where that short name is not shared by two units, so it never guesses)."""
    names: dict[str, list[str]] = {}
    short_count: dict[str, int] = {}
    for name in units["name"]:
        short = _without_prefix(str(name))
        if short:
            short_count[fold(short)] = short_count.get(fold(short), 0) + 1
    for _, r in units.iterrows():
        aliases = [a.strip() for a in str(r.get("aliases") or "").split(";") if a.strip()]
        short = _without_prefix(str(r["name"]))
        if short and short_count.get(fold(short)) == 1:
            aliases.append(short)
        names[str(r["name"])] = aliases
    return EntityResolver(names)


def valid_in_year(units: pd.DataFrame, year: int) -> pd.Series:
    """Whether each unit existed at some time in `year` (valid_from/valid_to, both optional)."""
    start = pd.to_datetime(units["valid_from"], errors="coerce")
    end = pd.to_datetime(units["valid_to"], errors="coerce")
    first, last = pd.Timestamp(year=year, month=1, day=1), pd.Timestamp(year=year, month=12, day=31)
    return (start.isna() | (start <= last)) & (end.isna() | (end >= first))


@dataclass
class ParsedUnits:
    data: pd.DataFrame  # name, level, parent, code, valid_from, valid_to, aliases, row
    problems: list[ImportProblem]
    file_name: str
    sha256: str

    @property
    def ok(self) -> bool:
        return not self.problems and not self.data.empty

    def messages(self, lang: str = "vi") -> list[str]:
        return [p.message(lang) for p in self.problems]


_DATE_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def _parse_date(text: str) -> date | None | str:
    """'' → None; dd/mm/yyyy or yyyy-mm-dd → date; anything else → 'bad'."""
    text = text.strip()
    if not text:
        return None
    text = re.sub(r"\s+00:00:00$", "", text)
    m = _DATE_DMY.match(text)
    try:
        if m:
            return date(int(m[3]), int(m[2]), int(m[1]))
        m = _DATE_ISO.match(text)
        if m:
            return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return "bad"
    return "bad"


def _short(text: str) -> str:
    return text if len(text) <= MAX_CELL_CHARS else text[:MAX_CELL_CHARS] + "…"


def _read_table(raw: bytes, file_name: str, kind: str | None = None
                ) -> tuple[pd.DataFrame | None, str | None, list[ImportProblem]]:
    """The first sheet (or the CSV) as text columns, one row per sheet row from row 1, read by the import
    path's reader (`loaders.readers`: every limit of `loaders.limits` checked while reading); a read
    failure is one message, never an exception. `kind` ("csv"/"xlsx") overrides the file name's
    extension (a table edited on screen has none)."""
    lower = file_name.lower() if kind is None else f".{kind}"
    problems = Problems(file_name)
    if len(raw) > limits.MAX_UPLOAD_BYTES:
        problems.add("too_large", None, None, None, limit_mb=limits.MAX_UPLOAD_BYTES // (1024 * 1024))
        grid = None
    elif lower.endswith(".xlsx"):
        grids = read_xlsx_grids(raw, problems.add, only_first=True)
        grid = None if problems.staged_codes() & FILE_FATAL else (grids[0] if grids else None)
    elif lower.endswith(".csv"):
        text = decode_csv(raw)
        if text is None:
            return None, None, [ImportProblem(file_name, None, None, None, "encoding", {})]
        grid = read_csv_grid(text, csv_delimiter_for(text), problems.add) if text.strip() else None
    else:
        ext = file_name.rsplit(".", 1)[-1] if "." in file_name else ""
        return None, None, [ImportProblem(file_name, None, None, None, "file_type", {"extension": ext})]
    problems.flush()
    if problems.problems:
        return None, None, problems.problems
    if grid is None or not len(grid):
        return pd.DataFrame(dtype=str), None, []
    # Only the rows that hold something, indexed by their row number - 1 (the parser's row numbers).
    if len(grid) * grid.width > limits.MAX_CELLS:
        return None, None, [ImportProblem(file_name, grid.sheet, None, None, "too_many_cells",
                                          {"limit": limits.MAX_CELLS})]
    cells = np.full((len(grid), grid.width), "", dtype=object)
    for i, col in grid.columns.items():
        cells[:, i] = [_cell_text(v) for v in col]
    return pd.DataFrame(cells, index=grid.row_numbers - 1, dtype=str), grid.sheet, []


def parse_units(source, file_name: str, kind: str | None = None) -> ParsedUnits:
    """Read and check a unit list. Writes nothing."""
    raw = read_bytes(source)
    sha = hashlib.sha256(raw).hexdigest()
    empty = pd.DataFrame(columns=["name", "level", "parent", "code", "valid_from", "valid_to", "aliases", "row"])
    frame, sheet, problems = _read_table(raw, file_name, kind)
    if frame is None:
        return ParsedUnits(empty, problems, file_name, sha)
    letter = sheet is not None

    def col_label(i: int, header: str) -> str:
        if letter:
            from openpyxl.utils import get_column_letter

            return get_column_letter(i + 1)
        return header

    # Header: the first row (within 10) naming both a name and a level column.
    header_row, roles = None, {}
    for i in range(min(10, len(frame))):
        found = {}
        for j, cell in enumerate(frame.iloc[i]):
            role = _ROLE_BY_HEADER.get(fold(cell))
            if role and role not in found:
                found[role] = j
        if "name" in found and "level" in found:
            header_row, roles = i, found
            break
    if header_row is None:
        return ParsedUnits(empty, [ImportProblem(file_name, sheet, None, None, "units_header", {})], file_name, sha)
    body = frame.iloc[header_row + 1:]
    body = body.loc[(body != "").any(axis=1)]
    if len(body) > MAX_UNITS:
        return ParsedUnits(empty, [ImportProblem(file_name, sheet, None, None, "units_too_many",
                                                 {"limit": MAX_UNITS})], file_name, sha)
    rownum = body.index.to_series() + 1  # 1-based, counting the header rows as the user sees them
    headers = list(frame.iloc[header_row])

    def column(role: str) -> pd.Series:
        if role not in roles:
            return pd.Series("", index=body.index)
        return body.iloc[:, roles[role]].astype(str).str.strip()

    out = pd.DataFrame({"name": column("name"), "level_text": column("level"), "parent": column("parent"),
                        "code": column("code"), "from_text": column("valid_from"), "to_text": column("valid_to"),
                        "aliases": column("aliases"), "row": rownum.astype(int)})

    def add(mask: pd.Series, role: str, code: str, **params):
        for idx in out.index[mask][:50]:
            text = out.at[idx, {"name": "name", "level": "level_text", "parent": "parent", "valid_from": "from_text",
                                 "valid_to": "to_text"}.get(role, "name")]
            problems.append(ImportProblem(file_name, sheet, int(out.at[idx, "row"]),
                                          col_label(roles.get(role, 0), headers[roles.get(role, 0)]), code,
                                          {"value": _short(text), **params}))

    add(out["name"] == "", "name", "units_missing_name")
    add(out["name"].str.len() > MAX_CELL_CHARS, "name", "units_name_too_long", limit=MAX_CELL_CHARS)
    out["level"] = out["level_text"].map(level_of_word)
    add(out["level"].isna(), "level", "units_bad_level")
    folded = out["name"].map(fold)
    dup = folded.duplicated(keep="first") & (out["name"] != "")
    for idx in out.index[dup][:50]:
        first = out.index[(folded == folded[idx])][0]
        problems.append(ImportProblem(file_name, sheet, int(out.at[idx, "row"]),
                                      col_label(roles["name"], headers[roles["name"]]), "units_duplicate",
                                      {"value": _short(out.at[idx, "name"]), "first_row": int(out.at[first, "row"])}))
    for role, src in (("valid_from", "from_text"), ("valid_to", "to_text")):
        parsed = out[src].map(_parse_date)
        add(parsed.map(lambda v: v == "bad"), role, "units_bad_date")
        out[role] = parsed.map(lambda v: v if isinstance(v, date) else None)
    both = out["valid_from"].notna() & out["valid_to"].notna()
    add(both & (out["valid_from"].where(both) > out["valid_to"].where(both)).fillna(False).astype(bool),
        "valid_to", "units_dates_reversed")
    known = set(folded)
    add((out["parent"] != "") & ~out["parent"].map(fold).isin(known), "parent", "units_unknown_parent")
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    data = out[["name", "level", "parent", "code", "valid_from", "valid_to", "aliases", "row"]].replace({"": None})
    if not problems and data.empty:
        problems.append(ImportProblem(file_name, sheet, None, None, "empty_file", {}))
    return ParsedUnits(data.reset_index(drop=True) if not problems else empty, problems, file_name, sha)
