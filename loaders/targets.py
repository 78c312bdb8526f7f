"""Progress values of plan targets (seeds 000, 004): a small file `target_id, year, value` per row.

Pure parsing (no DuckDB); problems are ImportProblems rendered from the loader catalog, naming the
file, row, column and what is expected. Percent targets take a share (0–1, or "85%").
"""
from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass

import openpyxl
import pandas as pd

from loaders.parsing import YEAR_MAX, YEAR_MIN, ImportProblem, _decode_csv, _read_bytes, fold, parse_number

COLUMNS = {"target_id": ("target_id", "ma chi tieu", "chi tieu", "target"),
           "year": ("year", "nam"), "value": ("value", "gia tri", "ket qua", "thuc hien")}


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


def _rows(raw: bytes, file_name: str) -> tuple[list[list], list[ImportProblem]]:
    if file_name.lower().endswith(".xlsx"):
        try:
            wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 — any unreadable workbook is one clear message
            return [], [ImportProblem(file_name, None, None, None, "unreadable", {"error": type(exc).__name__})]
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)], []
    if not file_name.lower().endswith(".csv"):
        ext = file_name.rsplit(".", 1)[-1] if "." in file_name else ""
        return [], [ImportProblem(file_name, None, None, None, "file_type", {"extension": ext})]
    text = _decode_csv(raw)
    if text is None:
        return [], [ImportProblem(file_name, None, None, None, "encoding", {})]
    first = next((line for line in text.splitlines() if line.strip()), "")
    delim = ";" if first.count(";") > first.count(",") else ","
    return [list(r) for r in csv.reader(io.StringIO(text), delimiter=delim)], []


def parse_target_progress(source, file_name: str, targets: pd.DataFrame) -> ParsedTargets:
    raw = _read_bytes(source)
    rows, problems = _rows(raw, file_name)
    sha = hashlib.sha256(raw).hexdigest()
    empty = pd.DataFrame(columns=["target_id", "year", "value", "row"])
    if problems:
        return ParsedTargets(empty, problems, file_name, sha)
    if not rows:
        return ParsedTargets(empty, [ImportProblem(file_name, None, None, None, "empty_file", {})], file_name, sha)
    header = [fold(c or "") for c in rows[0]]
    where = {}
    for role, aliases in COLUMNS.items():
        folded = {fold(a) for a in aliases}
        for i, h in enumerate(header):
            if h in folded:
                where[role] = i
    missing = [r for r in COLUMNS if r not in where]
    if missing:
        return ParsedTargets(empty, [ImportProblem(file_name, None, 1, None, "target_header",
                                                   {"missing": ", ".join(missing)})], file_name, sha)
    known = targets.set_index("target_id")
    out, seen = [], {}
    for n, r in enumerate(rows[1:], start=2):
        if not any(c not in (None, "") for c in r):
            continue
        cell = lambda role: r[where[role]] if where[role] < len(r) else None  # noqa: E731
        tid = str(cell("target_id") or "").strip()
        if tid not in known.index:
            problems.append(ImportProblem(file_name, None, n, rows[0][where["target_id"]], "unknown_target",
                                          {"value": tid, "example": known.index[0] if len(known) else ""}))
            continue
        try:
            year = int(parse_number(cell("year")))
            if not YEAR_MIN <= year <= YEAR_MAX:
                raise ValueError
        except (ValueError, TypeError):
            problems.append(ImportProblem(file_name, None, n, rows[0][where["year"]], "bad_year",
                                          {"value": cell("year"), "min": YEAR_MIN, "max": YEAR_MAX}))
            continue
        try:
            value = parse_number(cell("value"))
        except (ValueError, TypeError):
            problems.append(ImportProblem(file_name, None, n, rows[0][where["value"]], "not_a_number",
                                          {"value": cell("value")}))
            continue
        if known.loc[tid, "metric_kind"] in ("percent", "share_of_grdp") and not 0 <= value <= 1:
            problems.append(ImportProblem(file_name, None, n, rows[0][where["value"]], "target_share_range",
                                          {"value": value, "target": tid}))
            continue
        if (tid, year) in seen:
            problems.append(ImportProblem(file_name, None, n, rows[0][where["target_id"]], "target_duplicate",
                                          {"value": tid, "year": year, "first_row": seen[(tid, year)]}))
            continue
        seen[(tid, year)] = n
        out.append({"target_id": tid, "year": year, "value": value, "row": n})
    return ParsedTargets(pd.DataFrame(out) if out else empty, problems, file_name, sha)


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
