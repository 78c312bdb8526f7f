"""Rule type capped_sum: cases computed by hand from seed 000 (Phụ lục 4), table-driven, and its validation."""
import pytest

from scoring import InputError, score
from scoring.framework import FrameworkError
from scoring.rules import ratio_pairs, variables_used
from tests.helpers import long_inputs, one_leaf_framework

THIRD = 1 / 3
# seed 000, 1.2.2: "01 diem/cu6c hop, toi da 03 diem" + "1/3 diem/cu'6c Imp, toi da 01 diem"
MEETINGS = {"type": "capped_sum", "terms": [{"variable": "n1", "points": 1, "cap": 3},
                                            {"variable": "n2", "points": THIRD, "cap": 1}]}
# seed 000, 1.3.1: specialised resolution: max (3); resolution mentioning digital transformation: 1/3 max
OPTIONS = {"type": "capped_sum", "terms": [{"variable": "item1", "points": 3, "cap": 3},
                                           {"variable": "item2", "points": 1, "cap": 1}]}
# seed 000, 2.3.8: 0,5 per priority sector, 0,25 per other sector capped at 02 points (max 6)
SECTORS = {"type": "capped_sum", "terms": [{"variable": "n1", "points": 0.5},
                                           {"variable": "n2", "points": 0.25, "cap": 2}]}
# seed 000, 2.4.3: dedicated division: max (2); else 1/2 point per dedicated staff, at most 1
DIVISION = {"type": "capped_sum", "terms": [{"variable": "item1", "points": 2, "cap": 2},
                                            {"variable": "n", "points": 0.5, "cap": 1}]}
# seed 000, 2.2.1: architecture deployed and maintained: max; else share of compliant systems × max
ARCH = {"type": "capped_sum", "terms": [{"variable": "item1", "points": 2, "cap": 2},
                                        {"numerator": ["b"], "denominator": ["a"], "points": 2}]}
# seed 000, 5.8: level-4 share c/a ≥ 80%: max; below: b/a × (max/2) + c/a × max
DVCTT = {"type": "capped_sum", "terms": [{"numerator": ["c"], "denominator": ["a"], "threshold": 0.8, "points": 10},
                                         {"numerator": ["b"], "denominator": ["a"], "points": 5},
                                         {"numerator": ["c"], "denominator": ["a"], "points": 10}]}
# seed 000, 5.11.1: satisfied ≥ 80%: max; below: (tỷ lệ / 100%) × max, as printed
SATISFIED = {"type": "capped_sum", "terms": [{"numerator": ["b"], "denominator": ["a"], "threshold": 0.8, "points": 5},
                                             {"numerator": ["b"], "denominator": ["a"], "points": 5}]}

CASES = [
    # (id, rule, variables, max, inputs, expected points)
    ("1.2.2 two by the Chairman", MEETINGS, ["n1", "n2"], 3, {"n1": 2, "n2": 0}, 2.0),
    ("1.2.2 one + one by a Vice-Chairman", MEETINGS, ["n1", "n2"], 3, {"n1": 1, "n2": 1}, 1 + THIRD),
    ("1.2.2 Vice-Chairman part capped at 1", MEETINGS, ["n1", "n2"], 3, {"n1": 1, "n2": 7}, 2.0),
    ("1.2.2 sum capped at max", MEETINGS, ["n1", "n2"], 3, {"n1": 3, "n2": 3}, 3.0),
    ("1.2.2 none", MEETINGS, ["n1", "n2"], 3, {"n1": 0, "n2": 0}, 0.0),
    ("1.3.1 specialised resolution", OPTIONS, ["item1", "item2"], 3, {"item1": 1, "item2": 0}, 3.0),
    ("1.3.1 mention only: 1/3 max", OPTIONS, ["item1", "item2"], 3, {"item1": 0, "item2": 1}, 1.0),
    ("1.3.1 both: best option", OPTIONS, ["item1", "item2"], 3, {"item1": 1, "item2": 1}, 3.0),
    ("1.3.1 neither", OPTIONS, ["item1", "item2"], 3, {"item1": 0, "item2": 0}, 0.0),
    ("2.3.8 3 priority + 4 other", SECTORS, ["n1", "n2"], 6, {"n1": 3, "n2": 4}, 2.5),
    ("2.3.8 other sectors capped at 2", SECTORS, ["n1", "n2"], 6, {"n1": 2, "n2": 20}, 3.0),
    ("2.3.8 capped at max 6", SECTORS, ["n1", "n2"], 6, {"n1": 12, "n2": 8}, 6.0),
    ("2.4.3 division", DIVISION, ["item1", "n"], 2, {"item1": 1, "n": 0}, 2.0),
    ("2.4.3 one staff", DIVISION, ["item1", "n"], 2, {"item1": 0, "n": 1}, 0.5),
    ("2.4.3 five staff capped at 1", DIVISION, ["item1", "n"], 2, {"item1": 0, "n": 5}, 1.0),
    ("2.2.1 architecture maintained", ARCH, ["item1", "a", "b"], 2, {"item1": 1, "a": 10, "b": 3}, 2.0),
    ("2.2.1 3 of 4 systems comply", ARCH, ["item1", "a", "b"], 2, {"item1": 0, "a": 4, "b": 3}, 1.5),
    ("5.8 level 4 at 80%", DVCTT, ["a", "b", "c"], 10, {"a": 100, "b": 0, "c": 80}, 10.0),
    ("5.8 level 4 at 50%, level 3 at 30%", DVCTT, ["a", "b", "c"], 10, {"a": 100, "b": 30, "c": 50}, 6.5),
    ("5.8 level 4 at 79%, level 3 at 10%", DVCTT, ["a", "b", "c"], 10, {"a": 100, "b": 10, "c": 79}, 8.4),
    ("5.8 level 3 only, all", DVCTT, ["a", "b", "c"], 10, {"a": 100, "b": 100, "c": 0}, 5.0),
    ("5.11.1 at 80%: max", SATISFIED, ["a", "b"], 5, {"a": 100, "b": 80}, 5.0),
    ("5.11.1 at 79%: 79% of max", SATISFIED, ["a", "b"], 5, {"a": 100, "b": 79}, 3.95),
    ("5.11.1 none satisfied", SATISFIED, ["a", "b"], 5, {"a": 100, "b": 0}, 0.0),
]


@pytest.mark.parametrize("name,rule,variables,max_points,values,expected", CASES, ids=[c[0] for c in CASES])
def test_capped_sum_by_hand(name, rule, variables, max_points, values, expected):
    fw = one_leaf_framework(rule, variables, max_points)
    result = score(fw, long_inputs([("P", 2024, values)]))
    points = result.scores.set_index("code").loc["X.1", "points"]
    assert points == pytest.approx(expected, abs=1e-12)


def test_ratio_terms_are_checked_like_any_ratio():
    fw = one_leaf_framework(ARCH, ["item1", "a", "b"], 2)
    with pytest.raises(InputError) as exc:
        score(fw, long_inputs([("P", 2024, {"item1": 0, "a": 4, "b": 5})]))
    assert "part_exceeds_whole" in {p.code for p in exc.value.problems}
    assert ratio_pairs(ARCH) == [(["b"], ["a"])]
    assert sorted(variables_used(ARCH)) == ["a", "b", "item1"]


BAD_RULES = [
    ("no points", {"type": "capped_sum", "terms": [{"variable": "n"}]}, "missing 'points'"),
    ("variable and ratio", {"type": "capped_sum", "terms": [{"variable": "n", "numerator": ["n"], "denominator": ["n"],
                                                             "points": 1}]}, "either 'variable'"),
    ("half a ratio", {"type": "capped_sum", "terms": [{"numerator": ["n"], "points": 1}]}, "either 'variable'"),
    ("unknown key", {"type": "capped_sum", "terms": [{"variable": "n", "points": 1, "weight": 2}]}, "unknown key"),
    ("negative cap", {"type": "capped_sum", "terms": [{"variable": "n", "points": 1, "cap": -1}]}, "'cap' must be"),
    ("zero threshold", {"type": "capped_sum", "terms": [{"variable": "n", "points": 1, "threshold": 0}]},
     "'threshold' must be a positive"),
    ("undeclared variable", {"type": "capped_sum", "terms": [{"variable": "m", "points": 1}]}, "not declared"),
    ("empty terms", {"type": "capped_sum", "terms": []}, "non-empty list"),
]


@pytest.mark.parametrize("name,rule,message", BAD_RULES, ids=[b[0] for b in BAD_RULES])
def test_capped_sum_validation_names_the_problem(name, rule, message):
    with pytest.raises(FrameworkError) as exc:
        one_leaf_framework(rule, ["n"], 5)
    assert any(message in p and p.startswith("node X.1") for p in exc.value.problems), exc.value.problems
