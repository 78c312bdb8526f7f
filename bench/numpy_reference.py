"""A hand-written numpy implementation of the scoring pipeline for the benchmark framework.

Same inputs (the long table), same checks, same outputs as `scoring.engine.score` followed by
`ScoreResult.ranks` (points and competition ranks of every node): it is the floor the engine is
measured against in `bench/bench_scoring.py`. It knows only the rule types the benchmark uses and
reports problems as (kind, row, leaf) counts, not sentences: that is the work the engine's
generality costs on top of it. Strings are encoded with pyarrow's dictionary encoding (the fastest
way from an Arrow string column to integer codes here).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc

DECIMALS = 9  # the engine ranks values rounded to RANK_DECIMALS + 3


def _codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    arr = series.array._pa_array.combine_chunks()
    enc = pc.dictionary_encode(arr)
    return enc.indices.to_numpy(zero_copy_only=False), np.asarray(enc.dictionary.to_pylist(), dtype=object)


def reference_score(fw, inputs: pd.DataFrame, with_ranks: bool = True) -> dict:
    """Points and ranks (rows × nodes, rows sorted by year then entity) and problem counts
    (`with_ranks=False` stops before ranking, to time the rest on its own)."""
    problems: dict[str, int] = {}

    def report(kind, mask):
        n = int(np.count_nonzero(mask))
        if n:
            problems[kind] = problems.get(kind, 0) + n

    # 1. encode the text columns; strip each distinct value once
    ent_codes, ent_vals = _codes(inputs["entity"])
    ind_codes, ind_vals = _codes(inputs["indicator"])
    var_codes, var_vals = _codes(inputs["variable"])
    ent_vals = np.array([e.strip() for e in ent_vals], dtype=object)  # (all distinct after strip here)
    years = inputs["year"].to_numpy(dtype=np.int64)
    value = inputs["value"].to_numpy(dtype=float)
    report("not_numeric", np.isnan(value))

    # 2. (indicator, variable) -> column; unknown pairs are problems
    columns = fw.input_columns()
    col_of = {c: i for i, c in enumerate(columns)}
    lookup = np.array([[col_of.get(f"{i.strip()}.{v.strip()}", -1) for v in var_vals] for i in ind_vals])
    col = lookup[ind_codes, var_codes]
    report("unknown_variable", col < 0)

    # 3. rows = distinct (year, entity), sorted; one flat cell index per input value
    y0 = years.min()
    n_years = int(years.max() - y0 + 1)
    ent_rank = np.empty(len(ent_vals), dtype=np.int64)
    ent_rank[np.argsort(ent_vals.astype(str), kind="stable")] = np.arange(len(ent_vals))
    sorted_key = (years - y0) * len(ent_vals) + ent_rank[ent_codes]
    present = np.zeros(n_years * len(ent_vals), dtype=bool)
    present[sorted_key] = True
    row_of = np.cumsum(present) - 1
    row = row_of[sorted_key]
    n_rows, n_cols = int(present.sum()), len(columns)
    cell = col * n_rows + row  # column-major: each variable's values are contiguous
    counts = np.bincount(cell, minlength=n_rows * n_cols)
    report("duplicate", counts > 1)
    flat = np.full(n_rows * n_cols, np.nan)
    flat[cell] = value
    matrix = flat.reshape(n_cols, n_rows)
    row_year = np.flatnonzero(present) // len(ent_vals) + y0

    # 4. each leaf: checks, then its rule
    codes = list(fw.nodes)
    pos = {c: i for i, c in enumerate(codes)}
    points = np.full((len(codes), n_rows), np.nan)
    for leaf in fw.leaves:
        r, mx = leaf.rule, leaf.max_points
        v = {name: matrix[col_of[f"{leaf.code}.{name}"]] for name in leaf.variable_names()}
        bad = np.zeros(n_rows, dtype=bool)
        for x in v.values():
            bad |= np.isnan(x) | (x < 0)
            report("missing_variable", np.isnan(x))
            report("negative", x < 0)
        kind = r["type"]
        if kind in ("linear", "threshold", "all_or_nothing"):
            a, b = v["a"], v["b"]
            report("zero_denominator", b <= 0)
            report("part_exceeds_whole", (b > 0) & (a > b * (1 + 1e-9)))
            bad |= (b <= 0) | (a > b * (1 + 1e-9))
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(b > 0, a / np.where(b > 0, b, 1.0), np.nan)
            if kind == "linear":
                p = np.clip(ratio, 0, 1) * mx
            elif kind == "threshold":
                t = float(r["threshold"])
                p = np.where(ratio >= t, mx, ratio / t * mx)
            else:
                p = np.where(ratio >= float(r.get("threshold", 1.0)) - 1e-12, mx, 0.0)
        elif kind == "weighted_items":
            x = v["item1"]
            nb = ~np.isnan(x) & (x != 0) & (x != 1)
            report("item_not_binary", nb)
            bad |= nb
            p = x * float(r["items"][0]["weight"]) * mx
        elif kind == "count_capped":
            p = np.minimum(v["n"] * float(r["points_per_event"]), mx)
        elif kind == "direct":
            report("points_out_of_range", v["p"] > mx)
            bad |= v["p"] > mx
            p = v["p"]
        else:
            raise NotImplementedError(kind)
        points[pos[leaf.code]] = np.where(bad, np.nan, np.clip(p, 0, mx))

    # 5. add up the tree (bottom up; a missing child leaves the parent missing)
    maxima = np.array([fw.nodes[c].max_points for c in codes])
    for node in fw.inner_nodes_bottom_up:
        points[pos[node.code]] = points[[pos[c] for c in node.children]].sum(axis=0)

    entities = np.sort(ent_vals)[np.flatnonzero(present) % len(ent_vals)]
    if not with_ranks:
        return {"entity": entities, "year": row_year, "codes": codes, "points": points.T, "problems": problems}
    # 6. competition ranks of every node within each year, on points / max rounded
    value01 = np.round(points / maxima[:, None], DECIMALS)
    ranks = np.full(points.shape, np.nan)
    bounds = np.flatnonzero(np.diff(row_year)) + 1
    for start, stop in zip(np.r_[0, bounds], np.r_[bounds, n_rows]):
        block = value01[:, start:stop]
        order = np.argsort(-block, axis=1, kind="stable")
        ordered = np.take_along_axis(block, order, axis=1)
        first = np.ones(ordered.shape, dtype=bool)
        first[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
        pos_ = np.arange(stop - start)
        rank_sorted = np.maximum.accumulate(np.where(first, pos_, 0), axis=1) + 1.0
        rank_sorted[np.isnan(ordered)] = np.nan
        out = np.empty_like(rank_sorted)
        np.put_along_axis(out, order, rank_sorted, axis=1)
        ranks[:, start:stop] = out
    return {"entity": entities, "year": row_year, "codes": codes, "points": points.T, "ranks": ranks.T,
            "problems": problems}
