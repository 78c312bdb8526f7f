"""Progress values of plan targets (seeds 000, 004): a small file `target_id, year, value` per row.

Pure parsing (no DuckDB); problems are ImportProblems rendered from the loader catalog, naming the
file, row, column and what is expected. Percent targets take a share (0–1, or "85%").
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import pandas as pd

from loaders import limits
from loaders.cells import (
    _EV_EN, _EV_NONE, _EV_VI, _AMB, _FORMULA, _NA, _NO, _NONFINITE, _NUM, _YES, YEAR_MAX, YEAR_MIN,
    _cell_text, classify_value, fold, parse_year,
)
from loaders.read import EXCEL_EXTENSIONS, csv_delimiter_for, decode_csv, read_bytes
from loaders.result import ImportProblem
from loaders.readers import read_csv_grid, read_xlsx_grids

COLUMNS = {"target_id": ("target_id", "ma chi tieu", "chi tieu", "target"),
           "year": ("year", "nam"), "value": ("value", "gia tri", "ket qua", "thuc hien")}
MAX_TARGET_ROWS = limits.MAX_TARGET_ROWS


@dataclass
class ParsedTargets:
    data: pd.DataFrame  # target_id, year, value, row
    problems: list[ImportProblem]
    file_name: str
    sha256: str

    @property
    def ok(self) -> bool:
        return not self.problems and not self.data.empty

    def messages(self, lang: str = "vi") -> list[str]:
        return [p.message(lang) for p in self.problems]


def _rows(raw: bytes, file_name: str) -> tuple[list[tuple[int, list]], list[ImportProblem]]:
    """(row number, cells) of the first sheet or the CSV, read with the importer's readers and limits."""
    problems: list[ImportProblem] = []

    def add(code, sheet, row, column, **params):
        problems.append(ImportProblem(file_name, sheet, row, column, code, params))

    lower = file_name.lower()
    if len(raw) > limits.MAX_UPLOAD_BYTES:
        add("too_large", None, None, None, limit_mb=limits.MAX_UPLOAD_BYTES // (1024 * 1024))
        return [], problems
    if any(lower.endswith(ext) for ext in EXCEL_EXTENSIONS):
        grids = read_xlsx_grids(raw, add, only_first=True)
    elif lower.endswith(".csv"):
        text = decode_csv(raw)
        if text is None:
            return [], [ImportProblem(file_name, None, None, None, "encoding", {})]
        grid = read_csv_grid(text, csv_delimiter_for(text), add) if text.strip() else None
        grids = [grid] if grid is not None else []
    else:
        ext = file_name.rsplit(".", 1)[-1] if "." in file_name else ""
        return [], [ImportProblem(file_name, None, None, None, "file_type", {"extension": ext})]
    if problems or not grids:
        return [], problems
    grid = grids[0]
    if len(grid) > MAX_TARGET_ROWS:
        add("too_many_rows", grid.sheet, None, None, limit=MAX_TARGET_ROWS)
        return [], problems
    return [(int(n), grid.row(p)) for p, n in enumerate(grid.row_numbers)], problems


def parse_target_progress(source, file_name: str, targets: pd.DataFrame) -> ParsedTargets:
    """Never raises for anything in the file: every failure is a named problem."""
    raw = read_bytes(source, limits.MAX_UPLOAD_BYTES)
    sha = hashlib.sha256(raw).hexdigest()
    empty = pd.DataFrame(columns=["target_id", "year", "value", "row"])
    try:
        return _parse(raw, file_name, targets, sha, empty)
    except Exception as exc:  # noqa: BLE001 - the last net: a user never sees a traceback
        return ParsedTargets(empty, [ImportProblem(file_name, None, None, None, "read_failed",
                                                   {"error": type(exc).__name__})], file_name, sha)


def _parse(raw: bytes, file_name: str, targets: pd.DataFrame, sha: str, empty: pd.DataFrame) -> ParsedTargets:
    rows, problems = _rows(raw, file_name)
    if problems:
        return ParsedTargets(empty, problems, file_name, sha)
    if not rows:
        return ParsedTargets(empty, [ImportProblem(file_name, None, None, None, "empty_file", {})], file_name, sha)
    sheet = None
    head_number, head = rows[0]
    header = [fold(_cell_text(c)) for c in head]
    where = {}
    for role, aliases in COLUMNS.items():
        folded = {fold(a) for a in aliases}
        for i, h in enumerate(header):
            if h in folded:
                where[role] = i
    missing = [r for r in COLUMNS if r not in where]
    if missing:
        return ParsedTargets(empty, [ImportProblem(file_name, sheet, head_number, None, "target_header",
                                                   {"missing": ", ".join(missing)})], file_name, sha)
    label = {role: _cell_text(head[i]) or str(i + 1) for role, i in where.items()}
    known = targets.set_index("target_id")
    body = [(n, r) for n, r in rows[1:] if any(c is not None for c in r)]
    cell = lambda r, role: r[where[role]] if where[role] < len(r) else None  # noqa: E731
    # the file's own way of writing decimals settles "1.234" / "0,125"-like values, never a guess
    infos = [classify_value(cell(r, "value")) for _, r in body]
    has_vi = any(i[0] == _NUM and i[3] == _EV_VI for i in infos)
    has_en = any(i[0] == _NUM and i[3] == _EV_EN for i in infos)
    conv = _EV_VI if has_vi and not has_en else _EV_EN if has_en and not has_vi else _EV_NONE
    out, seen = [], {}
    for (n, r), (status, vi, en, _) in zip(body, infos):
        tid = _cell_text(cell(r, "target_id"))
        if tid not in known.index:
            problems.append(ImportProblem(file_name, None, n, label["target_id"], "unknown_target",
                                          {"value": tid, "example": known.index[0] if len(known) else ""}))
            continue
        year = parse_year(cell(r, "year"))
        if year is None:
            problems.append(ImportProblem(file_name, None, n, label["year"], "bad_year",
                                          {"value": _cell_text(cell(r, "year")), "min": YEAR_MIN, "max": YEAR_MAX}))
            continue
        raw_value = cell(r, "value")
        params = {"value": _cell_text(raw_value), "indicator": tid, "variable": "value", "unit": ""}
        if status == _AMB and conv == _EV_NONE:
            text = str(raw_value).strip()
            sep = "." if "." in text else ","
            grouped, decimal = (vi, en) if sep == "." else (en, vi)
            params.update(separator=sep, reading_grouped=f"{grouped:.0f}", reading_decimal=float(decimal),
                          reason_vi="", reason_en="")
            problems.append(ImportProblem(file_name, None, n, label["value"], "ambiguous_number", params))
            continue
        code = {_NONFINITE: "not_finite", _FORMULA: "formula_no_value", _YES: "word_not_number",
                _NO: "word_not_number", _NA: "not_a_number"}.get(status)
        if status not in (_NUM, _AMB) and code is None:
            code = "not_a_number"
        if code:
            if code == "formula_no_value":
                params["formula"] = str(raw_value)
            problems.append(ImportProblem(file_name, None, n, label["value"], code, params))
            continue
        value = en if (status == _AMB and conv == _EV_EN) else vi
        if not math.isfinite(value):
            problems.append(ImportProblem(file_name, None, n, label["value"], "not_finite", params))
            continue
        if known.loc[tid, "metric_kind"] in ("percent", "share_of_grdp") and not 0 <= value <= 1:
            problems.append(ImportProblem(file_name, None, n, label["value"], "target_share_range",
                                          {"value": value, "target": tid}))
            continue
        if (tid, year) in seen:
            problems.append(ImportProblem(file_name, None, n, label["target_id"], "target_duplicate",
                                          {"value": tid, "year": year, "first_row": seen[(tid, year)]}))
            continue
        seen[(tid, year)] = n
        out.append({"target_id": tid, "year": year, "value": float(value), "row": n})
        if len(problems) > limits.MAX_PROBLEMS_PER_KIND * 5:
            break
    return ParsedTargets(pd.DataFrame(out) if out else empty, problems[: limits.MAX_PROBLEMS_PER_KIND * 5],
                         file_name, sha)


def progress_table(targets: pd.DataFrame, progress: pd.DataFrame) -> pd.DataFrame:
    """Each plan target with its latest reported value and status (met / not met / no data)."""
    latest = progress.sort_values("year").groupby("target_id").tail(1).set_index("target_id")
    out = targets.copy()
    out["latest_year"] = out["target_id"].map(latest["year"]) if len(latest) else pd.NA
    out["latest_value"] = out["target_id"].map(latest["value"]) if len(latest) else float("nan")
    def status(r):
        if pd.isna(r["latest_value"]) or pd.isna(r["target_value"]):
            return "no_data" if pd.isna(r["latest_value"]) else "no_number"
        return "met" if r["latest_value"] >= r["target_value"] - 1e-12 else "not_met"
    out["status"] = out.apply(status, axis=1) if len(out) else []
    return out
