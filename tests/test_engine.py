"""Engine internals that the speed work changed: ranks (packed sort vs argsort, lazy columns), the
long table built in Arrow, every bad row left unscored, a result without its inputs."""
import numpy as np
import pandas as pd
import pytest

from scoring.engine import UPFRONT_RANK_LEVEL, _ranks_argsort, competition_ranks, score
from tests.helpers import long_inputs, one_leaf_framework

LINEAR = {"type": "linear", "numerator": ["a"], "denominator": ["b"]}


def min_rank(values: np.ndarray, years: np.ndarray) -> np.ndarray:
    """pandas' min ranking within each year on values rounded to 9 decimals (the definition)."""
    s = pd.Series(np.round(values, 9))
    return s.groupby(years).rank(method="min", ascending=False).to_numpy()


RANK_CASES = [
    # (id, values (0–1) or None for random, years)
    ("ties and NaN", [0.5, 0.5, np.nan, 0.9, 0.1, 0.5], [2025] * 6),
    ("two years interleaved", [0.2, 0.3, 0.3, 0.9, 0.1, 0.3], [2025, 2026, 2025, 2026, 2025, 2026]),
    ("all NaN", [np.nan, np.nan], [2025, 2025]),
    ("ends 0 and 1", [0.0, 1.0, 1.0, 0.0], [2024, 2024, 2024, 2024]),
    ("differs in the 10th decimal only (tie)", [0.1234567891, 0.1234567894, 0.2], [2025] * 3),
    ("differs in the 9th decimal", [0.123456789, 0.123456788], [2025] * 2),
    ("above 1 and negative (argsort path)", [1.5, -0.2, 0.3, 1.5], [2025] * 4),
]


@pytest.mark.parametrize("values,years", [c[1:] for c in RANK_CASES], ids=[c[0] for c in RANK_CASES])
def test_competition_ranks_cases(values, years):
    v, y = np.array(values, dtype=float), np.array(years)
    got = competition_ranks(v[:, None] * 40, np.full((len(v), 1), 40.0), y)[:, 0]
    np.testing.assert_array_equal(got, min_rank(v, y))


@pytest.mark.parametrize("seed", range(5))
def test_packed_ranks_equal_argsort_ranks_on_random_blocks(seed):
    rng = np.random.default_rng(seed)
    n, k = 500, 7
    pts = rng.integers(0, 30, (n, k)) / 29 * 50  # many ties
    pts[rng.random((n, k)) < 0.1] = np.nan
    years = rng.integers(2020, 2024, n)
    ours = competition_ranks(pts, np.full((n, k), 50.0), years)
    for j in range(k):
        np.testing.assert_array_equal(ours[:, j], min_rank(pts[:, j] / 50, years))
    order = np.argsort(years, kind="stable")
    bounds = np.flatnonzero(np.diff(years[order])) + 1
    scaled = np.rint((pts[order] / 50).T * 1e9)
    slow = _ranks_argsort(scaled, np.r_[0, bounds], np.r_[bounds, n]).T
    np.testing.assert_array_equal(ours[order], slow)


def two_level_inputs(n_entities=40):
    rng = np.random.default_rng(3)
    records = []
    for i in range(n_entities):
        for year in (2024, 2025):
            b = float(rng.integers(10, 50))
            records.append((f"E{i:02d}", year, {"a": float(rng.integers(0, int(b) + 1)), "b": b}))
    return long_inputs(records)


def test_ranks_below_main_indices_are_computed_on_demand_and_match_a_full_ranking():
    fw = one_leaf_framework(LINEAR, "ab")
    result = score(fw, two_level_inputs())
    levels = np.array([fw.nodes[c].level for c in result.codes])
    assert result._ranked.tolist() == (levels <= UPFRONT_RANK_LEVEL).tolist()
    leaf = result.rank_of("X.1")  # ranks one column
    assert result._ranked.all()
    full = competition_ranks(result.points, result.applicable_max, result.rows["year"].to_numpy())
    np.testing.assert_array_equal(result.ranks, full)
    np.testing.assert_array_equal(leaf, full[:, result.codes.index("X.1")])


def test_long_table_columns_and_dtypes():
    fw = one_leaf_framework(LINEAR, "ab")
    s = score(fw, two_level_inputs(3)).scores
    assert list(s.columns) == ["entity", "year", "code", "points", "level", "parent", "max_points",
                               "applicable_max", "value", "rank", "n_ranked"]
    assert str(s["entity"].dtype) == "str" and str(s["code"].dtype) == "str" and str(s["rank"].dtype) == "Int64"
    first = s.iloc[:3]
    assert first["entity"].tolist() == ["E00"] * 3 and first["code"].tolist() == ["total", "X", "X.1"]
    assert first["parent"].tolist() == ["", "total", "X"] and first["level"].tolist() == [0, 1, 2]
    assert s["n_ranked"].eq(3).all()


def test_every_bad_row_scores_nothing_not_only_the_listed_ones():
    fw = one_leaf_framework(LINEAR, "ab")
    n = 120  # more than MAX_PROBLEMS (50) rows with a part larger than its whole (would clip to the max)
    inputs = long_inputs([(f"E{i:03d}", 2025, {"a": 3.0, "b": 2.0}) for i in range(n)]
                         + [("OK", 2025, {"a": 1.0, "b": 2.0})])
    result = score(fw, inputs, strict=False)
    assert len([p for p in result.problems if p.code == "part_exceeds_whole"]) == 50
    pts = result.points_wide().set_index("entity")["X.1"]
    assert pts.drop("OK").isna().all() and pts["OK"] == pytest.approx(10.0)


def test_without_inputs_keeps_everything_else():
    fw = one_leaf_framework(LINEAR, "ab")
    result = score(fw, two_level_inputs(3))
    assert len(result.inputs) == 12
    light = result.without_inputs()
    assert light.inputs.empty and len(result.inputs) == 12
    pd.testing.assert_frame_equal(light.scores, result.scores)


@pytest.mark.parametrize("years,dtype,bad", [
    ([2025, 2025], "int64", 0),
    ([2025, None], "Int64", 1),          # nullable integers: a missing year is a problem, not dropped
    ([2025, 2025.5], "float64", 1),
    (["2025", "năm"], "str", 1),
])
def test_year_column_problems(years, dtype, bad):
    fw = one_leaf_framework(LINEAR, "ab")
    inputs = long_inputs([("A", 2025, {"a": 1.0, "b": 2.0})]).assign(year=pd.array(years, dtype=dtype))
    result = score(fw, inputs, strict=False)
    assert len([p for p in result.problems if p.code == "bad_year"]) == bad


@pytest.mark.parametrize("years", [(2024, 2025), (2020, 2025), (2025, 2019, 2022)])
def test_rows_are_sorted_by_year_then_entity_whatever_the_years(years):
    fw = one_leaf_framework(LINEAR, "ab")
    records = [(e, y, {"a": 1.0, "b": 2.0 + i}) for i, e in enumerate(["B", "A"]) for y in years]
    result = score(fw, long_inputs(records))
    expected = [(y, e) for y in sorted(years) for e in ("A", "B")]
    assert list(zip(result.rows["year"], result.rows["entity"])) == expected
    pts = result.points_wide().set_index(["entity", "year"])["X.1"]
    assert all(pts[("A", y)] == pytest.approx(20 / 3) and pts[("B", y)] == pytest.approx(10.0) for y in years)


def _as_chunks(df: pd.DataFrame, n: int) -> pd.DataFrame:
    """The same rows as a concat of n pieces: Arrow-backed text columns then have n chunks."""
    return pd.concat([df.iloc[i::n] for i in range(n)], ignore_index=True)


@pytest.mark.parametrize("layout", ["object", "arrow one chunk", "arrow many chunks", "arrow chunks, padded names",
                                    "arrow chunks, one empty", "categorical, unused categories",
                                    "categorical, padded names"])
def test_text_column_storage_gives_the_same_result(layout):
    """Codes of the text columns come from Arrow's dictionary encoding chunk by chunk, or pandas'
    factorize for object columns: the scores, ranks and rows must not depend on which."""
    fw = one_leaf_framework(LINEAR, "ab")
    base = two_level_inputs(30)
    expected = score(fw, base.astype({c: object for c in ("entity", "indicator", "variable")}))
    inputs = base.astype({c: object for c in ("entity", "indicator", "variable")}) if layout == "object" else base
    if "chunks" in layout:
        inputs = _as_chunks(inputs, 7)
        assert inputs["entity"].array._pa_array.num_chunks > 1
    if "padded" in layout:
        inputs = inputs.assign(entity=inputs["entity"].astype(str).str.pad(6, side="right"))
    if "empty" in layout:
        inputs = pd.concat([inputs.iloc[:0], inputs, inputs.iloc[:0]], ignore_index=True)
    if "categorical" in layout:
        inputs = inputs.assign(**{c: pd.Categorical(inputs[c], categories=["ZZ unused", *sorted(set(inputs[c]))])
                                  for c in ("entity", "indicator", "variable")})
    result = score(fw, inputs)
    key = ["year", "entity"]
    got = result.points_wide().sort_values(key).reset_index(drop=True)
    want = expected.points_wide().sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    np.testing.assert_array_equal(result.ranks, expected.ranks)
    assert result.rows["entity"].tolist() == expected.rows["entity"].tolist()
