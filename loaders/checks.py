"""Every check as a column operation over the file's long table of value cells (`melt.CellTable`):
numbers read with the file's convention (issue 9: "1.234" and "931,895" are never guessed), yes/no words
only in 0/1 items, checks by unit (issue 18: a percentage where the unit counts or measures something
else, a fraction where it counts), negatives, duplicates; then the scoring engine's own input checks
(missing variables, zero denominators, a part over its whole…), each problem named by its cell."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
import pandas as pd

from loaders.cells import (_AMB, _BAD, _EV_EN, _EV_NONE, _EV_VI, _FORMULA, _KINDS, _NA, _NO, _NONFINITE, _NUM,
                           _YES, KIND_AMOUNT, KIND_COUNT, KIND_ITEM, _cell_text, classify_value, is_percent,
                           unit_takes_percent)
from loaders.context import ImportContext
from loaders.melt import CellTable, factorize_cells, is_filled, map_codes
from loaders.readers import compact_codes
from loaders.result import DATA_COLUMNS, ImportProblem, Problems, empty_records, load_catalog
from scoring.engine import score
from scoring.framework import Node
from scoring.rules import NUMERIC_PARAMS, param_years_covered, ratio_pairs


@dataclass
class Records:
    """What the value checks keep: the long table (DATA_COLUMNS, first of duplicates), its keys as integer
    codes (entity id, year code, pair id) for the engine, and the keys of cells refused as unreadable or
    negative (so the engine's checks do not report them a second time)."""
    records: pd.DataFrame = field(default_factory=empty_records)
    record_keys: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    unreadable: set[tuple] = field(default_factory=set)
    negative: set[tuple] = field(default_factory=set)


def check_values(ctx: ImportContext, problems: Problems, table: CellTable) -> Records:
    """Every value cell of the file together: numbers, checks by unit, records, duplicates."""
    out = Records()
    if not table.parts:
        return out
    if len(table.parts) == 1:  # one table (every CSV): its arrays as they are, no copy
        cells = table.parts[0]
    else:
        keys = [k for k in table.parts[0] if all(k in p for p in table.parts)]
        cells = {k: np.concatenate([p[k] for p in table.parts]) for k in keys}
    table.parts = []
    n = len(cells["cell"])
    if "cell_code" in cells and table.cell_texts is not None:  # a CSV: its reader's codes, no hashing
        codes, uniques = compact_codes(cells["cell_code"], table.cell_texts)
    else:
        codes, uniques = factorize_cells(cells["cell"])
    info = [classify_value(u) for u in uniques]
    status = map_codes(codes, [i[0] for i in info], _BAD, dtype=np.int64)
    vi = map_codes(codes, [i[1] for i in info], math.nan, dtype=float)
    en = map_codes(codes, [i[2] for i in info], math.nan, dtype=float)
    evidence = map_codes(codes, [i[3] for i in info], _EV_NONE, dtype=np.int64)
    # kind and unit of each cell's variable (unknown variables: any reading possible)
    pair_codes = cells["pair"]
    pair_u = list(table.pair_ids)  # id order
    # (as small integers per cell: 0 item, 1 count, 2 amount; _KINDS[k] is the name)
    pair_kind = [_KINDS.index(ctx.kinds.get((a, b), (KIND_AMOUNT, ""))[0]) for a, b in pair_u]
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
    # Checks by unit (issue 18): a percentage where the variable counts or measures something else
    # (people, households, đồng…), and a fraction where it counts, are refused by cell.
    percent = map_codes(codes, [is_percent(u) for u in uniques], False, dtype=bool)
    pair_takes_percent = [unit_takes_percent(ctx.kinds.get(pr, (KIND_AMOUNT, ""))[1]) for pr in pair_u]
    takes_percent = (np.asarray(pair_takes_percent, dtype=bool)[pair_codes] if len(pair_u)
                     else np.empty(0, dtype=bool))
    percent_refused = ok & ~na & percent & ~is_item & ~takes_percent
    ok &= ~percent_refused
    negative = ok & ~na & (value < 0)
    not_whole = ok & ~na & ~negative & is_count & (np.floor(value) != value)
    ok &= ~not_whole

    # problems, cell by cell in file order
    sheet, rows, labels = cells["sheet"], cells["row"], cells["label"]
    table, cols = cells["table"], cells["col"]
    bad_kinds = [
        ((status == _BAD), "not_a_number"), ((status == _NONFINITE), "not_finite"),
        ((status == _FORMULA), "formula_no_value"), (refuse_amb, "ambiguous_number"),
        (words & ~word_ok, "word_not_number"), (negative, "negative"),
        (percent_refused & is_count, "percent_in_count"), (percent_refused & ~is_count, "percent_in_amount"),
        (not_whole, "not_whole"),
    ]
    for mask, code in bad_kinds:
        where = np.flatnonzero(mask)
        for m, p in enumerate(where):
            if not problems.wants(code):
                problems.count(code, len(where) - m)
                break
            problems.add(code, sheet[p], int(rows[p]), labels[p], key=(int(table[p]), int(rows[p]), 4, int(cols[p]), 0),
                     **_value_params(ctx, code, cells, p, vi[p], en[p], conv[p], _KINDS[kind[p]], value[p]))

    # records: known variable, entity and year read, value read (first of duplicates kept)
    keep = cells["known"] & ok & is_filled(cells["entity"]) & (cells["year"] >= 0)
    unread = ~ok
    if unread.any():
        out.unreadable = set(zip(cells["entity"][unread], cells["year"][unread].tolist(),
                                  cells["indicator"][unread], cells["variable"][unread]))
    neg = negative & keep
    if neg.any():
        out.negative = set(zip(cells["entity"][neg], cells["year"][neg].tolist(),
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
            if not problems.wants("duplicate"):
                problems.count("duplicate", len(dup_rows) - m)
                break
            first = firsts.loc[(r.entity, r.year, r.indicator, r.variable)]
            problems.add("duplicate", r.sheet or None, int(r.row), r.column, key=(int(t), int(r.row), 4, int(c), 1),
                     entity=r.entity, year=int(r.year), indicator=r.indicator, variable=r.variable,
                     first_sheet=first["sheet"] or None, first_row=int(first["row"]), first_column=first["column"])
        rec = rec.loc[~dup].reset_index(drop=True)
    kept = ~dup if dup.any() else slice(None)
    # the records' keys as integer codes (entity id, year code, pair id), for engine_checks
    out.record_keys = (e_codes[kept], y_codes[kept].astype(np.int64), pair_codes[sel][kept])
    out.records = rec

    return out


def _value_params(ctx: ImportContext, code, cells, p, vi, en, conv, kind, value) -> dict[str, Any]:
    cell = cells["cell"][p]
    indicator, variable = cells["indicator"][p], cells["variable"][p]
    params: dict[str, Any] = {"value": _cell_text(cell), "indicator": indicator, "variable": variable}
    unit = ctx.kinds.get((indicator, variable), (KIND_AMOUNT, ""))[1]
    params["unit"] = unit
    if code in ("percent_in_count", "percent_in_amount", "not_whole"):
        for lang in ("vi", "en"):
            params[f"unit_{lang}"] = unit or load_catalog(lang)["unit_quantity"]
        if code == "not_whole":
            params["value"] = float(value)
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


def engine_checks(ctx: ImportContext, problems: Problems, table: CellTable, out: Records) -> None:
    """Run the engine's input checks on the cells read and name the cell of each problem.

    A partial import (say only one main index's sheet) must not be told that every other
    indicator is missing. The engine scores every leaf, so its problems are filtered here: a
    problem is kept only when the file touches its (entity, year, indicator), i.e. gives at least
    one variable of that indicator (or N/A) for that entity-year. An indicator with some but not
    all variables given is therefore a missing_variable problem; one with none is not in this import.
    Filtering (rather than scoring a pruned framework) keeps the engine the single source of the
    checks. The engine lists at most 50 problems of a kind per leaf and variable.
    """
    recs = out.records
    if recs.empty:
        return
    # The text columns go to the engine as categoricals built from the codes read_values kept (the same
    # texts; the engine then hashes no string per row).
    ent_ids, y_codes, pairs = out.record_keys
    ind_index: dict[str, int] = {}
    var_index: dict[str, int] = {}
    ind_of_pair = np.array([ind_index.setdefault(a, len(ind_index)) for a, _ in table.pair_ids], dtype=np.int64)
    var_of_pair = np.array([var_index.setdefault(b, len(var_index)) for _, b in table.pair_ids], dtype=np.int64)
    ind_codes = ind_of_pair[pairs]

    def categorical(codes, names):
        return pd.Categorical.from_codes(codes, categories=pd.Index(list(names), dtype=object))

    df = pd.DataFrame({
        "entity": categorical(ent_ids, table.entity_ids), "year": recs["year"].to_numpy(),
        "indicator": categorical(ind_codes, ind_index), "variable": categorical(var_of_pair[pairs], var_index),
        "value": recs["value"].to_numpy(), "not_applicable": recs["not_applicable"].to_numpy(),
        "line": np.arange(1, len(recs) + 1, dtype=np.int64)})  # line i = recs.iloc[i - 1]
    result = score(ctx.fw, df, strict=False)
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
        if p.code == "missing_variable" and (p.entity, p.year, p.indicator, p.variable) in out.unreadable:
            continue  # the cell is there but unreadable: reported as not_a_number already
        if any((p.entity, p.year, p.indicator, n) in out.negative for n in names):
            continue  # a ratio with a negative term: the negative cell is reported already
        leaf = ctx.leaves.get(p.indicator)
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
            if rec is not None and (sheet, f"{rec.name[2]}.{rec['variable']}") in table.wide_columns:
                row = int(rec["row"])
                col = table.wide_columns.get((sheet, f"{p.indicator}.{p.variable}"))
        key = (p.code, sheet, row, col, p.entity, p.year, p.indicator, p.variable)
        if key in seen:
            continue
        seen.add(key)
        params = dict(entity=p.entity, year=p.year, indicator=p.indicator, variable=p.variable,
                      engine_message=p.message, **_names(leaf))
        # missing_variable: the criterion and the missing figure are named in words by name_criteria
        if p.code in ("zero_denominator", "part_exceeds_whole") and leaf is not None:
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
        problems.problems.append(ImportProblem(ctx.file, sheet, row, col, code, params))
    _years_covered(ctx, problems, first.loc[~first["not_applicable"].to_numpy()])  # an N/A leaf needs no parameter


def _years_covered(ctx: ImportContext, problems: Problems, first: pd.DataFrame) -> None:
    """A year-dependent parameter without a value for a year the file gives for that indicator."""
    if first.empty:
        return
    pairs = first[["indicator", "year"]].drop_duplicates()
    for code, years in pairs.groupby("indicator", sort=False)["year"]:
        rule = ctx.leaves[code].rule
        raws = [rule[p] for p in NUMERIC_PARAMS if p in rule]
        if not any(isinstance(raw, dict) for raw in raws):
            continue
        bad = sorted(int(y) for y in set(years.tolist()) if not all(param_years_covered(raw, y) for raw in raws))
        if not bad:
            continue
        rec = first.loc[(first["indicator"] == code) & (first["year"] == bad[0])].iloc[0]
        covered = _merge_ranges({(b["from"], b["to"]) for raw in raws if isinstance(raw, dict)
                                 for b in raw["by_year"]})
        problems.problems.append(ImportProblem(
            ctx.file, rec["sheet"] or None, int(rec["row"]), rec["column"], "year_not_covered",
            dict(indicator=code, **_names(ctx.leaves[code]), years=", ".join(str(y) for y in bad),
                 covered=", ".join(f"{a}–{b}" for a, b in covered))))


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
