"""Every rule type against cases computed by hand from the seed formulas (table-driven)."""
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import InputError, score
from tests.helpers import long_inputs, one_leaf_framework

LINEAR = {"type": "linear", "numerator": ["a"], "denominator": ["b"]}
# seed 001, 1.2: "Piém=Ty 18/99%*Piém tdi da"
THRESHOLD_99 = {"type": "threshold", "numerator": ["a"], "denominator": ["b"], "threshold": 0.99}
# seed 001, 2.2: "Ty 1é=(atb)/(c+d) … Ty 18>=10%: Diém tdi da; Ty 18<=10%: Ty 18/10%*Diém t6i da"
THRESHOLD_2_2 = {"type": "threshold", "numerator": ["a", "b"], "denominator": ["c", "d"], "threshold": 0.10}
# seed 001, 4.5: (b+d)/(a+c); 95% in 2025–2027, 99% in 2028–2030
THRESHOLD_4_5 = {"type": "threshold", "numerator": ["b", "d"], "denominator": ["a", "c"],
                 "threshold": {"by_year": [{"from": 2025, "to": 2027, "value": 0.95},
                                           {"from": 2028, "to": 2030, "value": 0.99}]}}
# seed 001, 2.1: "+ Piém t6i da néu ty 16 =100% + 0 néu ty 18 dudi 100%"
ALL_OR_NOTHING = {"type": "all_or_nothing", "numerator": ["a"], "denominator": ["b"], "threshold": 1.0}
# seed 001, 1.6: Mục 1 = 1/2, Mục 2 = 1/4, Mục 3 = 1/4 of the max
ITEMS_1_6 = {"type": "weighted_items", "items": [{"var": "item1", "weight": 0.5},
                                                 {"var": "item2", "weight": 0.25},
                                                 {"var": "item3", "weight": 0.25}]}
# seed 000, 5.2.1: "Diem= (b/a) * Diem tOi da * 1/2 + (c/a) * Diem toi da"
SUM_OF_RATIOS = {"type": "sum_of_ratios", "terms": [{"numerator": ["b"], "denominator": ["a"], "weight": 0.5},
                                                    {"numerator": ["c"], "denominator": ["a"], "weight": 1.0}]}
# seed 000, 6.1.1: 4 layers × max, 3 layers × 50%, 2 layers × 30%, 1 layer × 10%
TIERED = {"type": "tiered", "denominator": ["n"], "levels": [{"var": "l4", "weight": 1.0}, {"var": "l3", "weight": 0.5},
                                                            {"var": "l2", "weight": 0.3}, {"var": "l1", "weight": 0.1}]}
# seed 000: "M6i tai lieu ducrc 1 diem, toi da 5"
COUNT = {"type": "count_capped", "variable": "n", "points_per_event": 1, "cap": 5}
# seed 002: "Ty I¢ lay nhiém cang nhiéu thi s6 diém cang thap"
INVERSE = {"type": "inverse", "numerator": ["infected"], "denominator": ["machines"]}
DIRECT = {"type": "direct", "variable": "p"}
# seed 001, 5.2: enterprises per 1,000 people against 1 (not a share)
PER_THOUSAND = {"type": "threshold", "numerator": ["a"], "denominator": ["b"], "threshold": 1.0,
                "part_of_whole": False}

CASES = [
    # (id, rule, variables, max, year, inputs, expected points)
    ("linear half", LINEAR, "ab", 20, 2025, {"a": 50, "b": 100}, 10.0),
    ("linear full", LINEAR, "ab", 20, 2025, {"a": 100, "b": 100}, 20.0),
    ("linear zero", LINEAR, "ab", 20, 2025, {"a": 0, "b": 100}, 0.0),
    ("1.2 at 99%", THRESHOLD_99, "ab", 20, 2025, {"a": 99, "b": 100}, 20.0),
    ("1.2 at 100%", THRESHOLD_99, "ab", 20, 2025, {"a": 100, "b": 100}, 20.0),
    ("1.2 at 49.5%", THRESHOLD_99, "ab", 20, 2025, {"a": 49.5, "b": 100}, 10.0),
    ("2.2 at 10%", THRESHOLD_2_2, "abcd", 30, 2025, {"a": 6, "b": 4, "c": 60, "d": 40}, 30.0),
    ("2.2 at 5%", THRESHOLD_2_2, "abcd", 30, 2025, {"a": 3, "b": 2, "c": 60, "d": 40}, 15.0),
    ("2.2 above", THRESHOLD_2_2, "abcd", 30, 2025, {"a": 30, "b": 2, "c": 60, "d": 40}, 30.0),
    ("4.5 2025 at 95%", THRESHOLD_4_5, "abcd", 40, 2025, {"a": 100, "b": 95, "c": 100, "d": 95}, 40.0),
    ("4.5 2025 at 76%", THRESHOLD_4_5, "abcd", 40, 2025, {"a": 50, "b": 38, "c": 50, "d": 38}, 32.0),
    ("4.5 2028 at 95%", THRESHOLD_4_5, "abcd", 40, 2028, {"a": 100, "b": 95, "c": 100, "d": 95},
     40 * 0.95 / 0.99),
    ("4.5 2030 at 99%", THRESHOLD_4_5, "abcd", 40, 2030, {"a": 100, "b": 99, "c": 100, "d": 99}, 40.0),
    ("2.1 all", ALL_OR_NOTHING, "ab", 30, 2025, {"a": 120, "b": 120}, 30.0),
    ("2.1 one short", ALL_OR_NOTHING, "ab", 30, 2025, {"a": 119, "b": 120}, 0.0),
    ("1.6 items 1+3", ITEMS_1_6, ["item1", "item2", "item3"], 40, 2025, {"item1": 1, "item2": 0, "item3": 1}, 30.0),
    ("1.6 none", ITEMS_1_6, ["item1", "item2", "item3"], 40, 2025, {"item1": 0, "item2": 0, "item3": 0}, 0.0),
    ("5.2.1 paper+electronic", SUM_OF_RATIOS, "abc", 2, 2025, {"a": 100, "b": 40, "c": 60}, 1.6),
    ("5.2.1 all electronic", SUM_OF_RATIOS, "abc", 2, 2025, {"a": 100, "b": 0, "c": 100}, 2.0),
    ("5.2.1 capped", SUM_OF_RATIOS, "abc", 2, 2025, {"a": 100, "b": 100, "c": 100}, 2.0),
    ("6.1.1 tiers", TIERED, ["n", "l4", "l3", "l2", "l1"], 6, 2025,
     {"n": 10, "l4": 5, "l3": 2, "l2": 2, "l1": 1}, 6 * (0.5 + 0.1 + 0.06 + 0.01)),
    ("6.1.1 all 4 layers", TIERED, ["n", "l4", "l3", "l2", "l1"], 6, 2025,
     {"n": 10, "l4": 10, "l3": 0, "l2": 0, "l1": 0}, 6.0),
    ("count 3", COUNT, ["n"], 5, 2025, {"n": 3}, 3.0),
    ("count capped", COUNT, ["n"], 5, 2025, {"n": 9}, 5.0),
    ("inverse none infected", INVERSE, ["infected", "machines"], 10, 2025, {"infected": 0, "machines": 50}, 10.0),
    ("inverse 20%", INVERSE, ["infected", "machines"], 10, 2025, {"infected": 10, "machines": 50}, 8.0),
    ("inverse all", INVERSE, ["infected", "machines"], 10, 2025, {"infected": 50, "machines": 50}, 0.0),
    ("direct", DIRECT, ["p"], 7, 2025, {"p": 4.5}, 4.5),
    ("5.2 0.5 per 1000", PER_THOUSAND, "ab", 50, 2025, {"a": 700, "b": 1400}, 25.0),
    ("5.2 above 1 per 1000", PER_THOUSAND, "ab", 50, 2025, {"a": 3000, "b": 1400}, 50.0),
]


@pytest.mark.parametrize("name,rule,variables,max_points,year,values,expected", CASES, ids=[c[0] for c in CASES])
def test_rule_by_hand(name, rule, variables, max_points, year, values, expected):
    fw = one_leaf_framework(rule, list(variables), max_points)
    result = score(fw, long_inputs([("P", year, values)]))
    leaf = result.scores.set_index("code").loc["X.1"]
    assert leaf["points"] == pytest.approx(expected, abs=1e-12)
    assert 0 <= leaf["points"] <= max_points
    total = result.scores.set_index("code").loc["total"]
    assert total["points"] == pytest.approx(expected, abs=1e-12)
    assert total["value"] == pytest.approx(expected / max_points)


BAD = [
    # (id, rule, variables, year, values, expected problem code)
    ("zero whole", LINEAR, "ab", 2025, {"a": 0, "b": 0}, "zero_denominator"),
    ("part > whole", LINEAR, "ab", 2025, {"a": 101, "b": 100}, "part_exceeds_whole"),
    ("negative", LINEAR, "ab", 2025, {"a": -1, "b": 100}, "negative"),
    ("missing variable", LINEAR, "ab", 2025, {"a": 1}, "missing_variable"),
    ("item not 0/1", ITEMS_1_6, ["item1", "item2", "item3"], 2025, {"item1": 2, "item2": 0, "item3": 0},
     "item_not_binary"),
    ("year outside by_year", THRESHOLD_4_5, "abcd", 2031, {"a": 1, "b": 1, "c": 1, "d": 1}, "year_not_covered"),
    ("direct above max", DIRECT, ["p"], 2025, {"p": 21}, "points_out_of_range"),
]


@pytest.mark.parametrize("name,rule,variables,year,values,code", BAD, ids=[b[0] for b in BAD])
def test_bad_inputs_are_named(name, rule, variables, year, values, code):
    fw = one_leaf_framework(rule, list(variables), 20)
    with pytest.raises(InputError) as exc:
        score(fw, long_inputs([("P", year, values)]))
    assert code in {p.code for p in exc.value.problems}
    problem = next(p for p in exc.value.problems if p.code == code)
    assert problem.indicator == "X.1"
    if code != "year_not_covered":
        assert problem.entity == "P" and problem.year == year


def test_non_strict_keeps_other_rows_and_leaves_bad_ones_missing():
    fw = one_leaf_framework(LINEAR, "ab", 20)
    result = score(fw, long_inputs([("P", 2025, {"a": 0, "b": 0}), ("Q", 2025, {"a": 1, "b": 2})]), strict=False)
    totals = result.total(2025).set_index("entity")
    assert math.isnan(totals.loc["P", "points"])
    assert totals.loc["Q", "points"] == 10
    assert totals.loc["Q", "rank"] == 1
    assert [p.code for p in result.problems] == ["zero_denominator"]


ratio_rules = st.sampled_from([LINEAR, THRESHOLD_99, THRESHOLD_2_2, ALL_OR_NOTHING, INVERSE])


@settings(max_examples=150, deadline=None)
@given(rule=ratio_rules, whole=st.floats(1, 1e6), share1=st.floats(0, 1), share2=st.floats(0, 1),
       year=st.integers(2025, 2030))
def test_points_in_range_and_monotone_in_the_part(rule, whole, share1, share2, year):
    lo, hi = sorted([share1, share2])

    def values(share):
        if rule is THRESHOLD_2_2:
            return {"a": share * whole / 2, "b": share * whole / 2, "c": whole / 2, "d": whole / 2}
        if rule is INVERSE:
            return {"infected": share * whole, "machines": whole}
        return {"a": share * whole, "b": whole}

    fw = one_leaf_framework(rule, list(values(0)), 30)

    result = score(fw, long_inputs([("lo", year, values(lo)), ("hi", year, values(hi))]))
    pts = result.scores.loc[result.scores["code"] == "X.1"].set_index("entity")["points"]
    assert 0 <= pts["lo"] <= 30 and 0 <= pts["hi"] <= 30
    if rule is INVERSE:
        assert pts["hi"] <= pts["lo"] + 1e-9  # more infections, fewer points
    else:
        assert pts["hi"] >= pts["lo"] - 1e-9


@settings(max_examples=100, deadline=None)
@given(items=st.lists(st.sampled_from([0, 1]), min_size=3, max_size=3))
def test_items_points_are_the_weighted_share(items):
    fw = one_leaf_framework(ITEMS_1_6, ["item1", "item2", "item3"], 40)
    result = score(fw, long_inputs([("P", 2025, dict(zip(["item1", "item2", "item3"], items)))]))
    expected = 40 * (0.5 * items[0] + 0.25 * items[1] + 0.25 * items[2])
    assert result.scores.set_index("code").loc["X.1", "points"] == pytest.approx(expected)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.one_of(st.sampled_from([0.1, 0.5, 0.5, 0.9]), st.floats(0, 1), st.just(float("nan"))),
                       min_size=1, max_size=30))
def test_competition_ranks_match_min_ranking(values):
    import numpy as np
    import pandas as pd

    from scoring.engine import competition_ranks

    pts = np.array(values, dtype=float)[:, None] * 100
    ours = competition_ranks(pts, np.full_like(pts, 100.0), np.zeros(len(values), dtype=int))[:, 0]
    expected = pd.Series(np.round(pts[:, 0] / 100, 9)).rank(method="min", ascending=False).to_numpy()
    assert np.array_equal(np.isnan(ours), np.isnan(expected))
    assert np.array_equal(ours[~np.isnan(ours)], expected[~np.isnan(expected)])
