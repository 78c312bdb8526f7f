"""Melt a table (long or wide) into the file's one long table of value cells: per cell its table, sheet,
row, column, entity (resolved), year, indicator, variable and the cell itself. Each distinct entity, year
and indicator/variable text is read once (a CSV's reader codes are reused, never re-hashed); the entity
and year problems are added here, cell by cell. The values are checked later, together (loaders.checks)."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
import pandas as pd

from loaders.cells import YEAR_MAX, YEAR_MIN, _cell_text, _header_key, _is_empty, parse_year
from loaders.context import ImportContext
from loaders.layout import _CODE_LIKE, HEADER_ALIASES, Header, column_label
from loaders.readers import Grid
from loaders.result import Problems


@dataclass
class CellTable:
    """The value cells of every table of a file, in file order, as column arrays (`parts`: one dict of
    arrays per table), and what the file's tables share: ids of the (indicator, variable) pairs and of the
    entities, the wide columns' letters, the layouts seen, the data rows counted."""
    parts: list[dict[str, np.ndarray]] = field(default_factory=list)
    pair_ids: dict[tuple[str, str], int] = field(default_factory=dict)  # (indicator, variable) -> id
    entity_ids: dict[str, int] = field(default_factory=dict)  # canonical entity -> id
    wide_columns: dict[tuple[str | None, str], str] = field(default_factory=dict)  # (sheet, "4.4.a") -> column
    forms: list[str] = field(default_factory=list)  # "long" / "wide", per table read
    n_rows: int = 0
    cell_texts: list[str] | None = None  # the CSV reader's distinct texts (`cell_code` indexes them)
    last_entity_id: np.ndarray | None = None

    def pair_id(self, indicator: str, variable: str) -> int:
        return self.pair_ids.setdefault((indicator, variable), len(self.pair_ids))

    def entity_id(self, name: str | None) -> int:
        return -1 if name is None else self.entity_ids.setdefault(name, len(self.entity_ids))


def melt(ctx: ImportContext, problems: Problems, table: CellTable, grid: Grid, header: Header,
         header_cells: list[Any]) -> None:
    """Add the value cells of one table, whose header `detect_layout` found, to `table`."""
    table.forms.append(header.form)
    table.cell_texts = grid.texts
    data = np.flatnonzero(grid.row_numbers > header.row)
    if not grid.letters:  # a CSV
        _extra_fields(problems, grid, header, header_cells, data)
    if header.form == "long":
        _melt_long(ctx, problems, table, grid, header, header_cells, data)
    else:
        _melt_wide(ctx, problems, table, grid, header, header_cells, data)


def is_filled(values: np.ndarray) -> np.ndarray:
    """True where an object array holds a value (grids keep None for an empty cell, never NaN)."""
    return np.not_equal(values, None)


def factorize_cells(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Codes (-1 for None) and the distinct values, in order of first appearance. Objects are keyed by
    type as well as value, so 1.0 and "1" and TRUE stay apart."""
    if len(values) == 0:
        return np.empty(0, dtype=np.int64), []
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    return codes.astype(np.int64), list(uniques)


def code_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Codes of the distinct (a, b) code pairs (in order of first appearance) and those pairs."""
    nb = int(b.max()) + 2 if len(b) else 1
    combined = (a + 1) * nb + (b + 1)
    codes, uniques = pd.factorize(combined)
    return codes.astype(np.int64), [(int(u // nb) - 1, int(u % nb) - 1) for u in uniques]


def map_codes(codes: np.ndarray, per_unique: list[Any] | np.ndarray, missing: Any, dtype=object) -> np.ndarray:
    table = np.empty(len(per_unique) + 1, dtype=dtype)
    table[:-1] = per_unique if len(per_unique) else []
    table[-1] = missing
    return table[codes]  # code -1 picks the last slot


def _extra_fields(problems: Problems, grid: Grid, header: Header, header_cells: list[Any],
                  data: np.ndarray) -> None:
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
        if not problems.wants("extra_fields"):
            problems.count("extra_fields", int(filled[p:].sum()))
            break
        row = int(grid.row_numbers[data[p]])
        problems.add("extra_fields", grid.sheet, row, str(n_header + 1), key=(problems.table_seq, row, 5, 0, 0),
                 n_fields=int(last[p]) + 1, n_header=n_header, value=first_val[p])


def col_codes(grid: Grid, i: int, pos: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """Codes (-1 = empty) and distinct values of column i's cells at `pos`: the CSV reader's codes
    when it kept them, else a factorisation of the cells."""
    found = grid.column_codes(i, pos)
    return found if found is not None else factorize_cells(grid.column(i)[pos])


def _header_repeat(grid: Grid, i: int, data: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, list[Any]]]:
    """Rows that repeat the header (their entity cell is an entity column name), and the entity
    column's codes and distinct values (read once, reused by `row_keys`)."""
    codes, uniques = col_codes(grid, i, data)
    flags = [isinstance(u, str) and HEADER_ALIASES.get(_header_key(u)) == "entity" for u in uniques]
    return map_codes(codes, flags, False, dtype=bool), (codes, uniques)


def _row_keys(ctx: ImportContext, problems: Problems, table: CellTable, grid: Grid, header: Header,
              header_cells: list[Any], pos: np.ndarray, entity_codes: tuple[np.ndarray, list[Any]]
              ) -> tuple[np.ndarray, np.ndarray]:
    """Entity (canonical name or None) and year (or -1) of the rows at positions `pos`; adds the
    problems of those that cannot be read. Each distinct entity and year text is read once.
    `entity_codes`: the entity column's codes at `pos` and the distinct values they index."""
    rows = grid.row_numbers[pos]
    e_idx = header.roles["entity"]
    e_col = column_label(grid, header_cells, e_idx)
    codes, uniques = entity_codes
    names = [ctx.resolver.resolve(u) for u in uniques]  # the resolver caches each text too
    entity = map_codes(codes, names, None)
    table.last_entity_id = map_codes(codes, [table.entity_id(nm) for nm in names], -1, dtype=np.int64)
    for p in np.flatnonzero(codes == -1):
        if not problems.wants("missing_entity"):
            problems.count("missing_entity", int((codes[p:] == -1).sum()))
            break
        problems.add("missing_entity", grid.sheet, int(rows[p]), e_col, key=(problems.table_seq, int(rows[p]), 0, 0, 0),
                 n_entities=len(ctx.resolver), example=ctx.example_entity())
    unknown = np.flatnonzero((codes >= 0) & ~is_filled(entity))
    hints: dict[int, tuple] = {}
    for n, p in enumerate(unknown):
        if not problems.wants("unknown_entity"):
            problems.count("unknown_entity", len(unknown) - n)
            break
        c = int(codes[p])
        if c not in hints:
            text = _cell_text(uniques[c])
            hints[c] = (text, ctx.resolver.successor(text), ctx.resolver.suggest(text))
        text, successor, suggestion = hints[c]
        problems.add("unknown_entity", grid.sheet, int(rows[p]), e_col, key=(problems.table_seq, int(rows[p]), 0, 0, 0),
                 value=text, n_entities=len(ctx.resolver), example=ctx.example_entity(),
                 merged_into=successor, suggestion=suggestion)
    y_idx = header.roles.get("year")
    default = -1 if ctx.default_year is None else ctx.default_year
    if y_idx is None:
        return entity, np.full(len(pos), default, dtype=np.int64)
    y_col = column_label(grid, header_cells, y_idx)
    codes, uniques = col_codes(grid, y_idx, pos)
    parsed = [parse_year(u) for u in uniques]
    year = map_codes(codes, [-2 if y is None else y for y in parsed], default, dtype=np.int64)
    if ctx.default_year is None:
        for p in np.flatnonzero(codes == -1):
            if not problems.wants("missing_year"):
                problems.count("missing_year", int((codes[p:] == -1).sum()))
                break
            problems.add("missing_year", grid.sheet, int(rows[p]), y_col, key=(problems.table_seq, int(rows[p]), 1, 0, 0),
                     min=YEAR_MIN, max=YEAR_MAX)
    bad = np.flatnonzero(year == -2)
    for n, p in enumerate(bad):
        if not problems.wants("bad_year"):
            problems.count("bad_year", len(bad) - n)
            break
        problems.add("bad_year", grid.sheet, int(rows[p]), y_col, key=(problems.table_seq, int(rows[p]), 1, 0, 0),
                 value=_cell_text(uniques[int(codes[p])]), min=YEAR_MIN, max=YEAR_MAX)
    year[year == -2] = -1
    return entity, year


def _melt_long(ctx: ImportContext, problems: Problems, table: CellTable, grid: Grid, header: Header,
               header_cells: list[Any], data: np.ndarray) -> None:
    idx = header.roles
    v_col = column_label(grid, header_cells, idx["value"])
    i_col = column_label(grid, header_cells, idx["indicator"])
    var_col = column_label(grid, header_cells, idx["variable"])
    value = grid.column(idx["value"])[data]
    repeat, (e_codes, e_uniques) = _header_repeat(grid, idx["entity"], data)
    use = is_filled(value) & ~repeat
    pos = data[use]
    table.n_rows += len(pos)
    if not len(pos):
        return
    rows = grid.row_numbers[pos]
    entity, year = _row_keys(ctx, problems, table, grid, header, header_cells, pos, (e_codes[use], e_uniques))
    # indicator and variable: each distinct (indicator, variable) text pair once
    ind_codes, ind_u = col_codes(grid, idx["indicator"], pos)
    var_codes, var_u = col_codes(grid, idx["variable"], pos)
    ind_text = [_cell_text(u) for u in ind_u]
    var_text = [_cell_text(u) for u in var_u]
    indicator = map_codes(ind_codes, ind_text, "")
    variable = map_codes(var_codes, var_text, "")
    pair_codes, pair_u = code_pairs(ind_codes, var_codes)
    status = []  # 0 known, 1 unknown indicator, 2 unknown variable
    for ic, vc in pair_u:
        ind = ind_text[ic] if ic >= 0 else ""
        var = var_text[vc] if vc >= 0 else ""
        leaf = ctx.leaves.get(ind)
        status.append(1 if leaf is None else (0 if var in leaf.variable_names() else 2))
    pair_status = np.asarray(status, dtype=np.int64)[pair_codes]
    pair_gid = np.asarray([table.pair_id(ind_text[a] if a >= 0 else "", var_text[b] if b >= 0 else "")
                           for a, b in pair_u], dtype=np.int64)[pair_codes]
    for p in np.flatnonzero(pair_status > 0):
        ind, var, row = indicator[p], variable[p], int(rows[p])
        if pair_status[p] == 1:
            if problems.wants("unknown_indicator"):
                problems.add("unknown_indicator", grid.sheet, row, i_col, key=(problems.table_seq, row, 2, 0, 0),
                         value=ind, framework=ctx.fw.id, example=", ".join(list(ctx.leaves)[:5]),
                         suggestion=_closest(ind, ctx.leaves))
            else:
                problems.count("unknown_indicator", 1)
        else:
            leaf = ctx.leaves[ind]
            if problems.wants("unknown_variable"):
                problems.add("unknown_variable", grid.sheet, row, var_col, key=(problems.table_seq, row, 3, 0, 0),
                         value=var, indicator=ind, expected=", ".join(leaf.variable_names()),
                         suggestion=_closest(var, leaf.variable_names()))
            else:
                problems.count("unknown_variable", 1)
    n = len(pos)
    table.parts.append({
        "table": np.full(n, problems.table_seq, dtype=np.int64), "row": rows.astype(np.int64),
        "col": np.full(n, idx["value"], dtype=np.int64), "label": np.full(n, v_col, dtype=object),
        "sheet": np.full(n, grid.sheet, dtype=object), "entity": entity, "year": year,
        "indicator": indicator, "variable": variable, "known": pair_status == 0, "cell": value[use],
        "pair": pair_gid, "entity_id": table.last_entity_id,
        **({"cell_code": grid.codes[idx["value"]][pos]} if grid.codes is not None else {}),
    })


def _melt_wide(ctx: ImportContext, problems: Problems, table: CellTable, grid: Grid, header: Header,
               header_cells: list[Any], data: np.ndarray) -> None:
    var_cols = [(i, name, ind, var, column_label(grid, header_cells, i))
                for i, name, ind, var in header.var_cols]
    for i, name, _, _, col in var_cols:
        table.wide_columns.setdefault((grid.sheet, name), col)
    # Unknown columns are reported once, at the header, when they hold data that would be lost.
    for i, text in header.other_cols:
        if i not in grid.columns or not is_filled(grid.columns[i][data]).any():
            continue
        col = column_label(grid, header_cells, i)
        key = (problems.table_seq, header.row, 0, i, 0)
        prefix, _, variable = text.rpartition(".")
        if prefix in ctx.leaves:
            problems.add("unknown_variable", grid.sheet, header.row, col, key=key, value=variable, indicator=prefix,
                     expected=", ".join(ctx.leaves[prefix].variable_names()),
                     suggestion=_closest(variable, ctx.leaves[prefix].variable_names()))
        elif _CODE_LIKE.fullmatch(text):
            problems.add("unknown_indicator", grid.sheet, header.row, col, key=key, value=prefix or text,
                     framework=ctx.fw.id, example=", ".join(list(ctx.leaves)[:5]),
                     suggestion=_closest(prefix or text, ctx.leaves))
        else:
            problems.add("unknown_column", grid.sheet, header.row, col, key=key, value=text,
                     example=ctx.example_column(), suggestion=_closest(text, ctx.columns))
    if not var_cols or not len(data):
        return
    codes = grid.codes
    filled = [(codes[i][data] >= 0) if codes is not None and i in codes else is_filled(grid.column(i)[data])
              for i, *_ in var_cols]
    any_filled = np.logical_or.reduce(filled)
    repeat, (e_codes, e_uniques) = _header_repeat(grid, header.roles["entity"], data)
    use = any_filled & ~repeat
    pos = data[use]
    table.n_rows += len(pos)
    if not len(pos):
        return
    entity, year = _row_keys(ctx, problems, table, grid, header, header_cells, pos, (e_codes[use], e_uniques))
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
    table.parts.append({
        "table": np.full(n, problems.table_seq, dtype=np.int64), "row": grid.row_numbers[pos][rix_a].astype(np.int64),
        "col": col_index[kix_a], "label": labels[kix_a], "sheet": np.full(n, grid.sheet, dtype=object),
        "entity": entity[rix_a], "year": year[rix_a], "indicator": inds[kix_a], "variable": vars_[kix_a],
        "pair": np.asarray([table.pair_id(c[2], c[3]) for c in var_cols], dtype=np.int64)[kix_a],
        "entity_id": table.last_entity_id[rix_a],
        "known": np.ones(n, dtype=bool), "cell": vals_a,
        **({"cell_code": np.concatenate(val_codes)[order]} if codes is not None else {}),
    })


def _closest(text: str, choices: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(str(text), list(choices), n=1, cutoff=0.6)
    return match[0] if match else None
