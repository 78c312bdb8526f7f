"""The vectorised scoring engine.

`score(framework, inputs)` checks the long inputs, lays them out as one entity-year × variable
matrix, runs every leaf's rule over all rows at once, adds points up the tree (leaving "not
applicable" leaves out of their parent's maximum) and ranks every node within each year.
It returns a `ScoreResult` holding every stage and the framework that produced it, so a what-if
is a re-run on changed inputs followed by `diff`.

Why one module: the vectorised scoring pass and the ScoreResult it fills are one contract (the arrays, the
ranks, the long tables); every stage reads the previous one's arrays.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa

from scoring.framework import ROOT_CODE, Framework
from scoring.rules import RULES, RuleContext, YearNotCovered, item_variables, ratio_pairs

INPUT_COLUMNS = ["entity", "year", "indicator", "variable", "value"]
# Ranks compare points rounded to this many decimals, so float noise never splits a tie.
RANK_DECIMALS = 6
MAX_PROBLEMS = 50
# score() ranks the nodes down to this tree level at once (total and main indices); the other
# columns are ranked on first use (ScoreResult.ranks / rank_of), then kept.
UPFRONT_RANK_LEVEL = 1


@dataclass(frozen=True)
class InputProblem:
    code: str  # machine-readable kind, e.g. "zero_denominator"
    message: str  # English sentence naming what is expected
    line: int | None = None  # 1-based line of the input file (header = line 1) when known
    entity: str = ""
    year: int | None = None
    indicator: str = ""
    variable: str = ""

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        who = f"{self.entity} {self.year} " if self.entity else ""
        what = f"{self.indicator}.{self.variable}" if self.variable else self.indicator
        return f"{where}{who}{what}: {self.message}".replace("  ", " ")


class InputError(ValueError):
    def __init__(self, problems: list[InputProblem]):
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:MAX_PROBLEMS])
        more = f"\n… and {len(problems) - MAX_PROBLEMS} more" if len(problems) > MAX_PROBLEMS else ""
        super().__init__(f"{len(problems)} input problem(s):\n{shown}{more}")


def _small_int_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes and sorted distinct values of a small-range integer array (years) in O(n)."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lo, hi = int(values.min()), int(values.max())
    if hi - lo > 100_000:
        codes, uniques = pd.factorize(values, sort=True)
        return codes.astype(np.int64), np.asarray(uniques, dtype=np.int64)
    offset = values - lo
    used = np.bincount(offset, minlength=hi - lo + 1) > 0
    if used.all():  # consecutive years (the usual case): the offset is the code
        return offset, np.arange(lo, hi + 1, dtype=np.int64)
    code_of = np.cumsum(used) - 1
    return code_of[offset], np.flatnonzero(used) + lo


class CellLines:
    """Source line of each matrix cell, looked up only when a problem needs it (no dense copy).
    `cells` are column-major flat indices (column × n_rows + row), as `build_matrix` lays them out."""

    def __init__(self, cells: np.ndarray, lines: np.ndarray, n_rows: int):
        self._cells, self._lines, self._n_rows = cells, lines, n_rows
        self._order: np.ndarray | None = None

    def __getitem__(self, rc) -> int:
        if self._order is None:  # sorted once, on the first problem
            self._order = np.argsort(self._cells, kind="stable")
        key = int(rc[1]) * self._n_rows + int(rc[0])
        pos = np.searchsorted(self._cells, key, sorter=self._order)
        if pos < len(self._order) and self._cells[self._order[pos]] == key:
            return int(self._lines[self._order[pos]])
        return 0


@dataclass
class InputMatrix:
    """Inputs laid out for vectorised scoring."""

    rows: pd.DataFrame  # entity, year (one row per entity-year), RangeIndex
    columns: list[str]  # wide column names '<indicator>.<variable>'
    values: np.ndarray  # float, shape (rows, columns), column-major (a column is contiguous); NaN where missing
    lines: CellLines  # source line of a cell: lines[row, col], 0 when unknown
    not_applicable: np.ndarray  # bool, shape (rows, leaves)

    def column(self, name: str) -> np.ndarray:
        index = self.__dict__.get("_col_index")
        if index is None:
            index = self.__dict__["_col_index"] = {c: i for i, c in enumerate(self.columns)}
        return self.values[:, index[name]]


def _text_column(distinct, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """A pandas string column (pandas' default `str` dtype) whose row i is distinct[codes[i]], taken in
    Arrow: no Python object per row (building it from an object array costs 20× more)."""
    dictionary = pa.array([str(v) for v in distinct], type=pa.string())
    return pd.array(dictionary.take(pa.array(codes)), dtype=pd.StringDtype("pyarrow", na_value=np.nan))


@dataclass
class ScoreResult:
    framework: Framework
    inputs: pd.DataFrame  # the long inputs as given (empty when scored from an InputMatrix or dropped)
    rows: pd.DataFrame  # entity, year
    codes: list[str]  # node codes, root first (framework order)
    points: np.ndarray  # (rows, nodes); NaN for N/A leaves or missing data
    applicable_max: np.ndarray  # (rows, nodes)
    ratio_codes: list[str]
    ratio_values: np.ndarray  # (rows, ratio leaves)
    problems: list[InputProblem] = field(default_factory=list)  # non-strict runs only
    # Ranks computed so far: (rows, nodes), a column valid where `_ranked` is True (see `ranks`).
    _rank_matrix: np.ndarray | None = field(default=None, repr=False)
    _ranked: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        if self._rank_matrix is None:
            self._rank_matrix = np.full(self.points.shape, np.nan, order="F")
            self._ranked = np.zeros(len(self.codes), dtype=bool)

    @property
    def framework_version(self) -> str:
        return f"{self.framework.id}@{self.framework.version}"

    @property
    def ranks(self) -> np.ndarray:
        """(rows, nodes) competition ranks within each year (NaN when no points). score() ranks the
        total and main indices; the other columns are ranked here on first use, once."""
        missing = np.flatnonzero(~self._ranked)
        if len(missing):
            self._rank_columns(missing)
        return self._rank_matrix

    def rank_of(self, code: str) -> np.ndarray:
        """Ranks of one node (a column of `ranks`), ranking only that column if it is not yet ranked."""
        j = self.codes.index(code)
        if not self._ranked[j]:
            self._rank_columns(np.array([j]))
        return self._rank_matrix[:, j]

    def _rank_columns(self, columns: np.ndarray) -> None:
        years = self.rows["year"].to_numpy(dtype=np.int64)
        self._rank_matrix[:, columns] = competition_ranks(self.points[:, columns],
                                                          self.applicable_max[:, columns], years)
        self._ranked[columns] = True

    def without_inputs(self) -> "ScoreResult":
        """The same result without the input table (what a cache should keep)."""
        out = copy.copy(self)
        out.inputs = pd.DataFrame(columns=INPUT_COLUMNS)
        return out

    @cached_property
    def values(self) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.applicable_max > 0, self.points / self.applicable_max, np.nan)

    def _long(self, matrix: np.ndarray, codes: list[str], name: str) -> pd.DataFrame:
        n_rows, n_codes = matrix.shape
        return pd.DataFrame(
            {
                "entity": _text_column(self.rows["entity"].to_numpy(), np.repeat(np.arange(n_rows), n_codes)),
                "year": np.repeat(self.rows["year"].to_numpy(), n_codes),
                "code": _text_column(codes, np.tile(np.arange(n_codes), n_rows)),
                name: matrix.reshape(-1),
            }
        )

    @cached_property
    def scores(self) -> pd.DataFrame:
        """Long table: entity, year, code, level, parent, points, max_points, applicable_max, value, rank."""
        out = self._long(self.points, self.codes, "points")
        nodes = self.framework.nodes
        n_rows = len(self.rows)
        code_idx = np.tile(np.arange(len(self.codes)), n_rows)
        out["level"] = np.array([nodes[c].level for c in self.codes])[code_idx]
        out["parent"] = _text_column([nodes[c].parent or "" for c in self.codes], code_idx)
        out["max_points"] = np.array([nodes[c].max_points for c in self.codes], dtype=float)[code_idx]
        out["applicable_max"] = self.applicable_max.reshape(-1)
        out["value"] = self.values.reshape(-1)
        ranks = self.ranks.reshape(-1)
        unranked = np.isnan(ranks)
        out["rank"] = pd.arrays.IntegerArray(np.where(unranked, 0, ranks).astype("int64"), unranked)
        out["n_ranked"] = self._n_ranked().reshape(-1)
        return out

    def _n_ranked(self) -> np.ndarray:
        has = ~np.isnan(self.points)
        years = self.rows["year"].to_numpy()
        out = np.zeros(has.shape, dtype=np.int64)
        for year in np.unique(years):
            in_year = years == year
            out[in_year] = has[in_year].sum(axis=0)
        return out

    @cached_property
    def ratios(self) -> pd.DataFrame:
        return self._long(self.ratio_values, self.ratio_codes, "ratio")

    def points_wide(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.points, columns=self.codes)
        return pd.concat([self.rows, frame], axis=1)

    def table(self, year: int, level: int | None = None) -> pd.DataFrame:
        """One year's scores, one row per entity and code (optionally one tree level)."""
        s = self.scores
        mask = s["year"] == year
        if level is not None:
            mask &= s["level"] == level
        return s.loc[mask].reset_index(drop=True)

    def total(self, year: int | None = None) -> pd.DataFrame:
        s = self.scores
        s = s.loc[s["code"] == ROOT_CODE]
        if year is not None:
            s = s.loc[s["year"] == year]
        return s.sort_values(["year", "rank", "entity"]).reset_index(drop=True)

    def diff(self, other: "ScoreResult") -> pd.DataFrame:
        """Points and rank changes from `self` (baseline) to `other` (scenario)."""
        key = ["entity", "year", "code"]
        base = self.scores[key + ["points", "rank"]]
        new = other.scores[key + ["points", "rank"]]
        merged = base.merge(new, on=key, suffixes=("_base", "_new"))
        merged["points_change"] = merged["points_new"] - merged["points_base"]
        merged["rank_change"] = merged["rank_base"] - merged["rank_new"]  # positive = moved up
        return merged


# --- input checking and layout ----------------------------------------------------------------

def _problem(kind, message, line=None, entity="", year=None, indicator="", variable=""):
    return InputProblem(kind, message, None if line in (None, 0) else int(line), str(entity),
                        None if year is None else int(year), str(indicator), str(variable))


def _factorize(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and distinct values of a column. Arrow-backed strings (pandas 3's default) use
    Arrow's dictionary encoding, several times faster than a hash factorize on millions of rows. A
    chunked column is encoded chunk by chunk (Arrow gives every chunk the same, final dictionary) and
    only the int32 indices are joined: the strings are never copied into one array."""
    if isinstance(series.dtype, pd.CategoricalDtype):  # its codes already (unused categories are harmless)
        codes = series.cat.codes.to_numpy()
        if len(codes) == 0 or codes.min() >= 0:  # (a missing value: factorised below, as before)
            return codes, np.asarray(series.cat.categories, dtype=object)
    pa_array = getattr(series.array, "_pa_array", None)
    if pa_array is not None and pa_array.null_count == 0:
        import pyarrow.compute as pc

        encoded = pc.dictionary_encode(pa_array)
        chunks = encoded.chunks if hasattr(encoded, "chunks") else [encoded]
        if not chunks:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=object)
        dictionary = chunks[-1].dictionary
        if all(c.dictionary.equals(dictionary) for c in chunks[:-1]):
            codes = np.empty(len(series), dtype=np.int32)
            start = 0
            for c in chunks:
                codes[start:start + len(c)] = c.indices.to_numpy(zero_copy_only=False)
                start += len(c)
            return codes, np.asarray(dictionary.to_pylist(), dtype=object)
    return pd.factorize(series, use_na_sentinel=False)


def _clean_codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Factorize a text column, stripping each *distinct* value once (fast on millions of rows)."""
    codes, uniques = _factorize(series)
    cleaned = np.array([str(u).strip() for u in uniques], dtype=object)
    if all(isinstance(u, str) for u in uniques) and (cleaned == uniques).all():
        return codes, cleaned  # already clean and distinct: no remapping of the rows
    codes2, uniques2 = pd.factorize(cleaned)
    return codes2[codes], np.asarray(uniques2, dtype=object)


def normalise_inputs(inputs: pd.DataFrame) -> tuple[pd.DataFrame, list[InputProblem]]:
    """Check columns and types of a long input table; return it with clean dtypes."""
    missing = [c for c in INPUT_COLUMNS if c not in inputs.columns]
    if missing:
        return inputs, [_problem("missing_column", f"input table needs columns {INPUT_COLUMNS}; "
                                                   f"missing {missing}")]
    n = len(inputs)
    lines = inputs["line"].to_numpy() if "line" in inputs.columns else np.arange(2, n + 2)
    not_applicable = (inputs["not_applicable"].fillna(False).astype(bool).to_numpy()
                      if "not_applicable" in inputs.columns else np.zeros(n, dtype=bool))
    columns = {}
    for col in ("entity", "indicator", "variable"):
        codes, uniques = _clean_codes(inputs[col])
        columns[col] = pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object))
    problems = []
    year_col = inputs["year"]
    if pd.api.types.is_integer_dtype(year_col) and not year_col.hasnans:  # the usual case: no copy, no check
        year_arr = year_col.to_numpy(dtype=np.int64)
        bad_year = np.zeros(n, dtype=bool)
    else:
        if pd.api.types.is_integer_dtype(year_col):
            years = pd.Series(year_col.to_numpy(dtype=float, na_value=np.nan))
        else:
            codes, uniques = pd.factorize(year_col, use_na_sentinel=False)
            years = pd.Series(pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce")
                              .to_numpy(dtype=float)[codes])
        bad_year = (years.isna() | (years % 1 != 0)).to_numpy()
        year_arr = years.fillna(-1).to_numpy().astype("int64")
    value_col = inputs["value"]
    if pd.api.types.is_float_dtype(value_col) or pd.api.types.is_integer_dtype(value_col):
        values = value_col.to_numpy(dtype="float64", na_value=np.nan)
    else:
        values = pd.to_numeric(value_col.reset_index(drop=True), errors="coerce").to_numpy(dtype="float64",
                                                                                           na_value=np.nan)
    bad_value = np.isnan(values) & ~not_applicable
    if bad_year.any() or bad_value.any():
        raw = inputs.reset_index(drop=True)
        for i in np.flatnonzero(bad_year):
            r = raw.iloc[i]
            problems.append(_problem("bad_year", f"year must be a whole number like 2025, got {r['year']!r}",
                                     lines[i], r["entity"], None, r["indicator"], r["variable"]))
        for i in np.flatnonzero(bad_value):
            r = raw.iloc[i]
            problems.append(_problem("not_numeric", f"value must be a number, got {r['value']!r}",
                                     lines[i], r["entity"], None, r["indicator"], r["variable"]))
    df = pd.DataFrame({"line": lines, "not_applicable": not_applicable, **columns, "year": year_arr,
                       "value": values}, index=pd.RangeIndex(n), copy=False)
    return df, problems


def build_matrix(framework: Framework, df: pd.DataFrame) -> tuple[InputMatrix, list[InputProblem]]:
    """Lay normalised long inputs out as an entity-year × variable matrix (integer work only)."""
    problems: list[InputProblem] = []
    leaves = {leaf.code: leaf for leaf in framework.leaves}
    columns = framework.input_columns()
    col_index = {c: i for i, c in enumerate(columns)}
    if not isinstance(df.index, pd.RangeIndex) or df.index.start != 0 or df.index.step != 1:
        df = df.reset_index(drop=True)

    ind = df["indicator"].astype("category")
    var = df["variable"].astype("category")
    ind_codes, ind_cats = ind.cat.codes.to_numpy(), list(ind.cat.categories)
    var_codes, var_cats = var.cat.codes.to_numpy(), list(var.cat.categories)
    # Column of each (indicator, variable) pair through a small lookup table.
    lookup = np.full((len(ind_cats), max(len(var_cats), 1)), -1, dtype=np.int64)
    for i, ic in enumerate(ind_cats):
        for j, vc in enumerate(var_cats):
            lookup[i, j] = col_index.get(f"{ic}.{vc}", -1)
    col_codes = lookup[ind_codes, var_codes] if len(df) else np.empty(0, dtype=np.int64)
    leaf_known = np.array([c in leaves for c in ind_cats], dtype=bool)
    keep = col_codes >= 0
    all_keep = bool(keep.all())
    if all_keep:  # the usual case: every row names a known indicator and variable, no per-row masks
        unknown_rows = unknown_vars = np.empty(0, dtype=np.int64)
    else:
        known_leaf = leaf_known[ind_codes]
        unknown_rows = np.flatnonzero(~known_leaf)
        unknown_vars = np.flatnonzero(known_leaf & ~keep)

    for i in unknown_rows[:MAX_PROBLEMS]:
        r = df.iloc[i]
        problems.append(_problem("unknown_indicator",
                                 f"unknown indicator {r['indicator']!r} for framework {framework.id} "
                                 f"(expected one of {', '.join(leaves)})",
                                 r["line"], r["entity"], r["year"], r["indicator"]))
    for i in unknown_vars[:MAX_PROBLEMS]:
        r = df.iloc[i]
        expected = ", ".join(leaves[r["indicator"]].variable_names())
        problems.append(_problem("unknown_variable",
                                 f"unknown variable {r['variable']!r} (indicator {r['indicator']} "
                                 f"takes {expected})", r["line"], r["entity"], r["year"],
                                 r["indicator"], r["variable"]))

    ent = df["entity"].astype("category")
    ent_codes, ent_cats = ent.cat.codes.to_numpy(), np.asarray(ent.cat.categories, dtype=object)
    year_vals = df["year"].to_numpy(dtype=np.int64)
    year_codes, year_cats = _small_int_codes(year_vals)
    n_years = max(len(year_cats), 1)

    # Dense entity-year key -> row number, rows sorted by (year, entity name).
    dense = np.multiply(ent_codes, n_years, dtype=np.int64)  # (small int codes: no int64 copy first)
    dense += year_codes
    present = np.zeros(len(ent_cats) * n_years, dtype=bool)
    present[dense if all_keep else dense[keep]] = True
    keys = np.flatnonzero(present)
    rows = pd.DataFrame({"entity": ent_cats[keys // n_years], "year": year_cats[keys % n_years]
                         if len(year_cats) else np.empty(0, dtype=np.int64)})
    order = np.lexsort((rows["entity"].astype(str).to_numpy(), rows["year"].to_numpy()))
    rows = rows.iloc[order].reset_index(drop=True)
    row_of_key = np.full(len(present), -1, dtype=np.int64)
    row_of_key[keys[order]] = np.arange(len(keys))
    row_codes = row_of_key[dense]

    n_cols, n_rows = len(columns), len(rows)
    # Flat cell index, column-major so each variable's column is contiguous for the rules
    # (negative col_codes only where keep is False).
    cell = col_codes * n_rows + row_codes
    kept_cells = cell if all_keep else cell[keep]
    filled = np.zeros(n_rows * n_cols, dtype=bool)
    filled[kept_cells] = True
    if int(np.count_nonzero(filled)) < len(kept_cells):  # some cell is given twice: find and report the repeats
        counts = np.bincount(kept_cells, minlength=n_rows * n_cols)
        first_seen = np.zeros(len(counts), dtype=bool)
        for i in np.flatnonzero(keep & (counts[np.where(keep, cell, 0)] > 1)):
            c = cell[i]
            if first_seen[c]:
                r = df.iloc[i]
                problems.append(_problem("duplicate",
                                         "the same entity, year, indicator and variable appears twice",
                                         r["line"], r["entity"], r["year"], r["indicator"], r["variable"]))
                keep[i] = False
            first_seen[c] = True
        all_keep = False
        kept_cells = cell[keep]

    values = np.full(n_rows * n_cols, np.nan)
    raw_values = df["value"].to_numpy(dtype=float)
    values[kept_cells] = raw_values if all_keep else raw_values[keep]
    values = values.reshape(n_cols, n_rows).T  # (rows, columns) view, Fortran order
    raw_lines = df["line"].to_numpy(dtype=np.int64)
    lines = CellLines(kept_cells, raw_lines if all_keep else raw_lines[keep], n_rows)

    leaf_codes = [leaf.code for leaf in framework.leaves]
    na = np.zeros((len(rows), len(leaf_codes)), dtype=bool)
    na_idx = np.flatnonzero(keep & df["not_applicable"].to_numpy(dtype=bool))
    if len(na_idx):
        leaf_pos = {c: i for i, c in enumerate(leaf_codes)}
        for i in na_idx:
            r = df.iloc[i]
            na[row_codes[i], leaf_pos[r["indicator"]]] = True
            if not leaves[r["indicator"]].not_applicable_allowed:
                problems.append(_problem("na_not_allowed", "this indicator cannot be marked not applicable "
                                         "(the framework does not allow it); give a number",
                                         r["line"], r["entity"], r["year"], r["indicator"], r["variable"]))
    return InputMatrix(rows, columns, values, lines, na), problems


def _cell_problems(kind, message, mask, matrix, framework_leaf, var_names, max_count, bad_rows=None):
    """Turn a boolean row mask for one leaf into problems naming the first variable's line
    (the first `max_count`); every row of the mask is marked in `bad_rows` when given."""
    out = []
    if bad_rows is not None:
        bad_rows |= mask
    if not mask.any():
        return out
    cols = [matrix.columns.index(f"{framework_leaf.code}.{v}") for v in var_names]
    for r in np.flatnonzero(mask)[:max_count]:
        line = next((int(matrix.lines[r, c]) for c in cols if matrix.lines[r, c]), None)
        out.append(_problem(kind, message, line, matrix.rows.at[r, "entity"], matrix.rows.at[r, "year"],
                            framework_leaf.code, "+".join(var_names)))
    return out


def check_leaf_inputs(leaf, matrix: InputMatrix, values: dict[str, np.ndarray], applicable: np.ndarray,
                      bad_rows: np.ndarray | None = None):
    """Problems that make a leaf's formula meaningless: missing, negative, zero whole, part > whole.
    Every row with a problem is marked in `bad_rows` (bool, one per matrix row) when given."""
    problems: list[InputProblem] = []
    rule = leaf.rule
    for name, col in values.items():
        missing = np.isnan(col) & applicable
        problems += _cell_problems("missing_variable",
                                   f"variable {name} is missing (expected a number: "
                                   f"{_meaning(leaf, name)})", missing, matrix, leaf, [name], MAX_PROBLEMS, bad_rows)
        problems += _cell_problems("negative", f"{name} must not be negative", (col < 0) & applicable,
                                   matrix, leaf, [name], MAX_PROBLEMS, bad_rows)
    for var in item_variables(rule):
        col = values[var]
        bad = applicable & ~np.isnan(col) & ~np.isin(col, (0.0, 1.0))
        problems += _cell_problems("item_not_binary", f"{var} must be 0 (not done) or 1 (done)",
                                   bad, matrix, leaf, [var], MAX_PROBLEMS, bad_rows)
    part_of_whole = rule.get("part_of_whole", True)
    for num, den in ratio_pairs(rule):
        n = sum(values[v] for v in num)
        d = sum(values[v] for v in den)
        ok = applicable & ~np.isnan(n) & ~np.isnan(d)
        problems += _cell_problems("zero_denominator",
                                   f"the whole ({'+'.join(den)}) is 0; the ratio "
                                   f"({'+'.join(num)})/({'+'.join(den)}) needs a positive whole",
                                   ok & (d <= 0), matrix, leaf, den, MAX_PROBLEMS, bad_rows)
        if part_of_whole:
            problems += _cell_problems("part_exceeds_whole",
                                       f"the part ({'+'.join(num)}) is larger than its whole "
                                       f"({'+'.join(den)})", ok & (d > 0) & (n > d * (1 + 1e-9)),
                                       matrix, leaf, num + den, MAX_PROBLEMS, bad_rows)
    if rule["type"] == "direct":
        col = values[rule["variable"]]
        problems += _cell_problems("points_out_of_range",
                                   f"points must be between 0 and {leaf.max_points:g}",
                                   applicable & (col > leaf.max_points), matrix, leaf,
                                   [rule["variable"]], MAX_PROBLEMS, bad_rows)
    return problems


def _meaning(leaf, name):
    for v in leaf.variables:
        if v.name == name:
            return v.meaning_en or v.meaning_vi or name
    return name


# --- scoring -------------------------------------------------------------------------------------

def score(framework: Framework, inputs: pd.DataFrame | InputMatrix, *, strict: bool = True) -> ScoreResult:
    """Score every entity-year in `inputs` (long DataFrame or a prepared InputMatrix).

    strict=True raises InputError listing every problem; strict=False scores what it can and
    leaves points missing (NaN) where inputs are missing or invalid, keeping the problems.
    """
    if isinstance(inputs, InputMatrix):
        matrix, problems, long_inputs = inputs, [], None
    else:
        df, problems = normalise_inputs(inputs)
        if problems and problems[0].code == "missing_column":
            raise InputError(problems)
        usable = (df["year"].to_numpy() >= 0) & (~np.isnan(df["value"].to_numpy())
                                                 | df["not_applicable"].to_numpy(dtype=bool))
        matrix, more = build_matrix(framework, df if usable.all() else df.loc[usable])
        problems += more
        long_inputs = inputs

    codes = list(framework.nodes)
    pos = {c: i for i, c in enumerate(codes)}
    n_rows = len(matrix.rows)
    years = matrix.rows["year"].to_numpy(dtype=np.int64)
    # Column-major: a node's column is contiguous (leaves are written, parents summed column-wise).
    points = np.full((n_rows, len(codes)), np.nan, order="F")
    app_max = np.zeros((n_rows, len(codes)), order="F")
    ratio_codes, ratio_cols = [], []

    for j, leaf in enumerate(framework.leaves):
        applicable = ~matrix.not_applicable[:, j]
        values = {v: matrix.column(f"{leaf.code}.{v}") for v in leaf.variable_names()}
        bad_rows = np.zeros(n_rows, dtype=bool)
        leaf_problems = check_leaf_inputs(leaf, matrix, values, applicable, bad_rows)
        problems += leaf_problems
        ctx = RuleContext(values=values, years=years, rule=leaf.rule, max_points=leaf.max_points)
        try:
            ratio, leaf_points = RULES[leaf.rule["type"]].fn(ctx)
        except YearNotCovered as exc:
            problems.append(_problem("year_not_covered",
                                     f"the method gives no parameter for year(s) {exc.years}", None,
                                     "", None, leaf.code))
            ratio, leaf_points = None, np.full(n_rows, np.nan)
        leaf_points = np.clip(leaf_points, 0.0, leaf.max_points)
        # Rows with a problem on this leaf score nothing rather than something wrong.
        valid = applicable & ~bad_rows
        points[:, pos[leaf.code]] = np.where(valid, leaf_points, np.nan)
        app_max[:, pos[leaf.code]] = np.where(applicable, leaf.max_points, 0.0)
        if ratio is not None:
            ratio_codes.append(leaf.code)
            ratio_cols.append(np.where(valid, ratio, np.nan))

    if problems and strict:
        raise InputError(problems)

    any_na = bool(matrix.not_applicable.any())
    na_leaf = np.zeros((n_rows, len(codes)), dtype=bool, order="F")
    if any_na:
        for j, leaf in enumerate(framework.leaves):
            na_leaf[:, pos[leaf.code]] = matrix.not_applicable[:, j]
    for node in framework.inner_nodes_bottom_up:
        kids = [pos[c] for c in node.children]
        j = pos[node.code]
        if not any_na:  # no N/A anywhere: a NaN child (missing) makes the sum NaN, as it should
            acc = points[:, kids[0]].copy()
            for k in kids[1:]:
                acc += points[:, k]
            points[:, j] = acc
            app_max[:, j] = app_max[:, kids].sum(axis=1)
            continue
        kid_points = points[:, kids]
        # A missing child (not N/A) leaves the parent unknown: a missing value stays missing.
        unknown = (np.isnan(kid_points) & ~na_leaf[:, kids]).any(axis=1)
        all_na = na_leaf[:, kids].all(axis=1)
        points[:, j] = np.where(unknown | all_na, np.nan, np.nansum(kid_points, axis=1))
        app_max[:, j] = app_max[:, kids].sum(axis=1)
        na_leaf[:, j] = all_na

    result = ScoreResult(
        framework=framework,
        inputs=long_inputs if long_inputs is not None else pd.DataFrame(columns=INPUT_COLUMNS),
        rows=matrix.rows,
        codes=codes,
        points=points,
        applicable_max=app_max,
        ratio_codes=ratio_codes,
        ratio_values=np.column_stack(ratio_cols) if ratio_cols else np.empty((n_rows, 0)),
        problems=problems,
    )
    upfront = [j for j, c in enumerate(codes) if framework.nodes[c].level <= UPFRONT_RANK_LEVEL]
    result._rank_columns(np.array(upfront, dtype=np.int64))
    return result


def competition_ranks(points: np.ndarray, applicable_max: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Competition ranking (1, 2, 2, 4) of each column within each year, on the 0–1 value.

    The value (points / applicable maximum) equals points / max when every leaf applies, and
    keeps entities with not-applicable leaves comparable. Rank = 1 + number of strictly greater
    values in the same year and column (NaN stays unranked), comparing values rounded to
    RANK_DECIMALS + 3 decimals.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(applicable_max > 0, points / applicable_max, np.nan)
    years = np.asarray(years, dtype=np.int64)
    n_rows, n_cols = value.shape
    perm = None
    if n_rows > 1 and (np.diff(years) < 0).any():  # group the rows of each year together
        perm = np.argsort(years, kind="stable")
        value, years = value[perm], years[perm]
    bounds = np.flatnonzero(np.diff(years)) + 1
    starts, stops = np.r_[0, bounds], np.r_[bounds, n_rows]
    # One contiguous row per column: (columns, rows).
    scaled = np.rint(value.T * 10.0 ** (RANK_DECIMALS + 3))  # == np.round(value, 9) × 1e9, exactly
    finite = scaled[~np.isnan(scaled)]
    if n_rows < _PACK_ROWS and (len(finite) == 0 or (finite.min() >= 0 and finite.max() <= _PACK_MAX)):
        ranks_t = _ranks_packed(scaled, starts, stops)
    else:
        ranks_t = _ranks_argsort(scaled, starts, stops)
    ranks = ranks_t.T
    if perm is not None:
        out = np.empty_like(ranks)
        out[perm] = ranks
        return out
    return ranks


_PACK_BITS = 22  # row index bits of a packed key
_PACK_ROWS = 1 << _PACK_BITS
_PACK_MAX = 10.0 ** (RANK_DECIMALS + 3) * 4  # scaled values up to 4.0 fit with the row index in 63 bits
_PACK_NAN = (1 << 32) - 1  # sorts after every descending key (kept below 2^32)


def _rank_sorted_block(sorted_keys: np.ndarray, nan: np.ndarray) -> np.ndarray:
    """Competition ranks along axis 1 of values already sorted best first (equal values adjacent)."""
    n = sorted_keys.shape[1]
    first = np.ones(sorted_keys.shape, dtype=bool)
    first[:, 1:] = sorted_keys[:, 1:] != sorted_keys[:, :-1]
    rank_sorted = np.maximum.accumulate(np.where(first, np.arange(n), 0), axis=1) + 1.0
    rank_sorted[nan] = np.nan
    return rank_sorted


def _ranks_packed(scaled: np.ndarray, starts, stops) -> np.ndarray:
    """Ranks through one integer sort per year: key = (descending value << 22) | row, so a plain
    (SIMD) sort orders the rows best first, ties by row, and the row comes back from the low bits.
    Several times faster than argsort; exact, since the scaled values are whole numbers < 2^32."""
    nan = np.isnan(scaled)
    desc = np.where(nan, _PACK_NAN, _PACK_MAX - np.where(nan, 0.0, scaled)).astype(np.int64)
    out = np.empty(scaled.shape)
    mask = (1 << _PACK_BITS) - 1
    for start, stop in zip(starts, stops):
        n = stop - start
        keys = (desc[:, start:stop] << _PACK_BITS) | np.arange(n, dtype=np.int64)
        keys.sort(axis=1)
        value_keys = keys >> _PACK_BITS
        block = _rank_sorted_block(value_keys, value_keys == _PACK_NAN)
        block_out = np.empty(block.shape)
        np.put_along_axis(block_out, keys & mask, block, axis=1)
        out[:, start:stop] = block_out
    return out


def _ranks_argsort(scaled: np.ndarray, starts, stops) -> np.ndarray:
    out = np.empty(scaled.shape)
    for start, stop in zip(starts, stops):
        block = scaled[:, start:stop]
        # Sort each column descending (NaN last); a value's rank is 1 + the position of its first
        # occurrence in that order, which gives ties the same, better rank.
        order = np.argsort(-block, axis=1, kind="stable")
        ordered = np.take_along_axis(block, order, axis=1)
        ranks = _rank_sorted_block(ordered, np.isnan(ordered))
        block_out = np.empty(ranks.shape)
        np.put_along_axis(block_out, order, ranks, axis=1)
        out[:, start:stop] = block_out
    return out


def rank_values(values: pd.Series | np.ndarray) -> np.ndarray:
    """Competition ranks (1 = highest) of one vector, NaN stays unranked."""
    s = pd.Series(np.round(np.asarray(values, dtype=float), RANK_DECIMALS + 3))
    return s.rank(method="min", ascending=False, na_option="keep").to_numpy()
