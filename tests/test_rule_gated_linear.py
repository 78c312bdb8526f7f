"""Rule `gated_linear`: a linear ratio that counts only once a gate count reaches its minimum.

Seed 002 (Thừa Thiên Huế), I.9: "Số lượng bản tin tối thiểu là 5 tin trên 1 năm được xem đủ cơ sở để tính điểm.
Điểm được tính trên tỷ lệ người dân trên địa phương đã đọc thông tin" (20 points)."""
import pytest

from scoring import InputError, score
from scoring.framework import FrameworkError
from scoring.rules import RULES
from tests.helpers import long_inputs, one_leaf_framework

GATED = {"type": "gated_linear", "numerator": ["a"], "denominator": ["b"], "gate": "c", "minimum": 5}
GATED_BY_YEAR = {**GATED, "minimum": {"by_year": [{"from": 2024, "to": 2025, "value": 5},
                                                  {"from": 2026, "to": 2030, "value": 10}]}}
NOT_SHARE = {**GATED, "part_of_whole": False}

CASES = [
    # (id, rule, max, year, inputs, expected points) — computed by hand
    ("5 bulletins, 40% read", GATED, 20, 2025, {"a": 400, "b": 1000, "c": 5}, 8.0),
    ("12 bulletins, 75% read", GATED, 20, 2025, {"a": 750, "b": 1000, "c": 12}, 15.0),
    ("4 bulletins: gate shut", GATED, 20, 2025, {"a": 900, "b": 1000, "c": 4}, 0.0),
    ("no bulletin", GATED, 20, 2025, {"a": 0, "b": 1000, "c": 0}, 0.0),
    ("all read", GATED, 20, 2025, {"a": 1000, "b": 1000, "c": 30}, 20.0),
    ("4.99 below 5", GATED, 20, 2025, {"a": 500, "b": 1000, "c": 4.99}, 0.0),
    ("by year 2025: 6 ≥ 5", GATED_BY_YEAR, 20, 2025, {"a": 500, "b": 1000, "c": 6}, 10.0),
    ("by year 2027: 6 < 10", GATED_BY_YEAR, 20, 2027, {"a": 500, "b": 1000, "c": 6}, 0.0),
    ("not a share, capped", NOT_SHARE, 20, 2025, {"a": 1500, "b": 1000, "c": 5}, 20.0),
]


@pytest.mark.parametrize("name,rule,max_points,year,values,expected", CASES, ids=[c[0] for c in CASES])
def test_gated_linear_by_hand(name, rule, max_points, year, values, expected):
    fw = one_leaf_framework(rule, ["a", "b", "c"], max_points)
    result = score(fw, long_inputs([("P", year, values)]))
    leaf = result.scores.set_index("code").loc["X.1"]
    assert leaf["points"] == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("values,code", [
    ({"a": 1, "b": 0, "c": 5}, "zero_denominator"),
    ({"a": 1001, "b": 1000, "c": 5}, "part_exceeds_whole"),
    ({"a": 1, "b": 1000}, "missing_variable"),
])
def test_gated_linear_bad_inputs(values, code):
    fw = one_leaf_framework(GATED, ["a", "b", "c"], 20)
    with pytest.raises(InputError) as exc:
        score(fw, long_inputs([("P", 2025, values)]))
    assert code in {p.code for p in exc.value.problems}


@pytest.mark.parametrize("rule,variables,message", [
    ({k: v for k, v in GATED.items() if k != "minimum"}, "abc", "missing parameter 'minimum'"),
    ({k: v for k, v in GATED.items() if k != "gate"}, "abc", "missing parameter 'gate'"),
    (GATED, "ab", "rule uses variable 'c'"),
    ({**GATED, "minimum": "5 tin"}, "abc", "parameter 'minimum' must be a number"),
])
def test_gated_linear_validation(rule, variables, message):
    with pytest.raises(FrameworkError) as exc:
        one_leaf_framework(rule, list(variables), 20)
    assert any(message in p for p in exc.value.problems), exc.value.problems


def test_gated_linear_is_registered_with_both_formulas():
    spec = RULES["gated_linear"]
    assert spec.formula_vi and spec.formula_en
    assert set(spec.required) == {"numerator", "denominator", "gate", "minimum"}
