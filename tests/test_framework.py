"""Framework files: validation errors name the offending code; the real frameworks load."""
import copy

import pytest

from scoring.framework import FrameworkError, available_frameworks, load_framework, parse_framework
from tests.conftest import FIXTURES

GOOD = {
    "framework": {"id": "t", "version": "1", "name_vi": "Thử"},
    "node": [
        {"code": "1", "parent": "total", "name_vi": "Một", "max_points": 30},
        {"code": "1.1", "parent": "1", "name_vi": "Một.một", "max_points": 10,
         "rule": {"type": "linear", "numerator": ["a"], "denominator": ["b"]},
         "variables": [{"name": "a"}, {"name": "b"}]},
        {"code": "1.2", "parent": "1", "name_vi": "Một.hai", "max_points": 20,
         "rule": {"type": "direct", "variable": "p"}, "variables": [{"name": "p"}]},
    ],
}


def mutate(path, value):
    raw = copy.deepcopy(GOOD)
    target = raw
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return raw


BAD = [
    ("unknown parent", mutate(("node", 1, "parent"), "9"), "node 1.1: unknown parent '9'"),
    ("maxima do not add up", mutate(("node", 0, "max_points"), 25), "node 1: max_points 25 != sum of children 30"),
    ("missing parameter", mutate(("node", 1, "rule"), {"type": "threshold", "numerator": ["a"], "denominator": ["b"]}),
     "node 1.1: rule threshold is missing parameter 'threshold'"),
    ("unknown rule type", mutate(("node", 2, "rule"), {"type": "magic", "variable": "p"}),
     "node 1.2: unknown rule type 'magic'"),
    ("undeclared variable", mutate(("node", 1, "rule"), {"type": "linear", "numerator": ["z"], "denominator": ["b"]}),
     "node 1.1: rule uses variable 'z'"),
    ("leaf without rule", mutate(("node", 2, "rule"), KeyError), "node 1.2: leaf without a rule"),
    ("bad threshold", mutate(("node", 1, "rule"), {"type": "threshold", "numerator": ["a"], "denominator": ["b"],
                                                   "threshold": "80%"}),
     "node 1.1: rule threshold: parameter 'threshold' must be a number"),
    ("unknown parameter", mutate(("node", 1, "rule"), {"type": "linear", "numerator": ["a"], "denominator": ["b"],
                                                       "treshold": 0.8}),
     "node 1.1: rule linear has unknown parameter 'treshold'"),
    ("negative max", mutate(("node", 2, "max_points"), -5), "node 1.2: max_points must be a positive number"),
    ("items not adding to 1", mutate(("node", 2, "rule"), {"type": "weighted_items",
                                                           "items": [{"var": "p", "weight": 0.6}]}),
     "node 1.2: rule weighted_items: item weights add up to 0.6"),
]


@pytest.mark.parametrize("name,raw,message", BAD, ids=[b[0] for b in BAD])
def test_validation_names_the_code(name, raw, message):
    with pytest.raises(FrameworkError) as exc:
        parse_framework(raw)
    assert any(message in p for p in exc.value.problems), exc.value.problems


def test_cycle_is_reported():
    raw = mutate(("node", 0, "parent"), "1.1")
    with pytest.raises(FrameworkError) as exc:
        parse_framework(raw)
    assert any("node 1" in p for p in exc.value.problems)


def test_good_framework_tree():
    fw = parse_framework(GOOD)
    assert fw.max_points == 30
    assert [n.code for n in fw.leaves] == ["1.1", "1.2"]
    assert fw.nodes["1.1"].level == 2


def test_mini_fixture_any_depth():
    fw = load_framework(FIXTURES / "mini.toml")
    assert fw.nodes["A.1.2"].level == 3
    assert fw.max_points == 100


@pytest.mark.parametrize("framework_id", available_frameworks())
def test_shipped_frameworks_load(framework_id):
    fw = load_framework(framework_id)
    assert fw.id == framework_id
    for leaf in fw.leaves:
        assert leaf.source, f"{leaf.code} has no source quote"


# --- unit levels and recorded discrepancies ---------------------------------------------------

from scoring.framework import parse_framework as _parse


def _levels_fw(**extra):
    head = {"id": "lv", "version": "1", "name_vi": "Thử", "unit_levels": ["department", "commune"], **extra}
    leaf = lambda code, parent, mx, **kw: {  # noqa: E731
        "code": code, "parent": parent, "name_vi": code, "max_points": mx,
        "rule": {"type": "direct", "variable": "p"}, "variables": [{"name": "p"}], **kw}
    return {"framework": head, "node": [
        {"code": "I", "parent": "total", "name_vi": "I", "max_points": 30},
        leaf("I.1", "I", 10),
        leaf("I.2", "I", 20, levels=["commune"]),
        {"code": "II", "parent": "total", "name_vi": "II", "max_points": 5, "levels": ["department"]},
        leaf("II.1", "II", 5, printed_max_points=8, discrepancy="printed 8, parent 5"),
    ]}


@pytest.mark.parametrize("level, total, codes", [
    ("department", 15.0, {"total", "I", "I.1", "II", "II.1"}),
    ("commune", 30.0, {"total", "I", "I.1", "I.2"}),
])
def test_for_level_prunes_and_recomputes_maxima(level, total, codes):
    fw = _parse(_levels_fw()).for_level(level)
    assert fw.max_points == total
    assert set(fw.nodes) == codes


def test_discrepancies_are_listed_and_need_a_reason():
    fw = _parse(_levels_fw())
    assert fw.discrepancies() == [{"code": "II.1", "name_vi": "II.1", "printed": 8.0, "used": 5.0,
                                   "why": "printed 8, parent 5"}]
    raw = _levels_fw()
    raw["node"][-1]["discrepancy"] = ""
    with pytest.raises(FrameworkError, match="II.1: printed_max_points is given"):
        _parse(raw)


def test_unknown_unit_level_is_refused():
    raw = _levels_fw()
    raw["node"][1]["levels"] = ["district"]
    with pytest.raises(FrameworkError, match="I.1: levels"):
        _parse(raw)
