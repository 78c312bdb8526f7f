"""Two-year plan = the one plan engine over two years (issue 17/19): denominators never move, each figure
within its yearly cap counted from the previous year's PLANNED value, effort = difficulty × relative rise;
small cases against brute force; the sample applied and re-scored; the command line and the page's function
give the same plan."""
import functools
import io
import itertools
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from scoring.cli import read_long_csv
from scoring.engine import score
from scoring.framework import load_framework, parse_framework
from scoring.plan2y import make_two_year_plan, plan_to_csv_frame, project_peers, two_year_plan_from_inputs
from scoring.plan_settings import DEFAULT_DIFFICULTY, MAX_HISTORY_GROWTH, MIN_GROWTH
from scoring.plan_levers import eval_leaf
from scoring.plan_years import make_years_plan
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample" / "SAMPLE_inputs_dti_province_2025.csv"
SMALL = {
    "framework": {"id": "small", "version": "t", "name_vi": "Nhỏ"},
    "node": [
        {"code": "1", "parent": "total", "name_vi": "Một", "max_points": 30},
        {"code": "1.1", "parent": "1", "name_vi": "Tỷ lệ", "max_points": 10, "lead_agency": "Sở A",
         "rule": {"type": "linear", "numerator": ["a"], "denominator": ["b"]},
         "variables": [{"name": "a"}, {"name": "b"}]},
        {"code": "1.2", "parent": "1", "name_vi": "Ngưỡng", "max_points": 20, "lead_agency": "Sở B; Sở A",
         "rule": {"type": "threshold", "numerator": ["a"], "denominator": ["b"], "threshold": 0.8},
         "variables": [{"name": "a"}, {"name": "b"}]},
        {"code": "2", "parent": "total", "name_vi": "Hai", "max_points": 10},
        {"code": "2.1", "parent": "2", "name_vi": "Mục", "max_points": 10, "lead_agency": "",
         "rule": {"type": "weighted_items", "items": [{"var": "item1", "weight": 0.5}, {"var": "item2", "weight": 0.5}]},
         "variables": [{"name": "item1"}, {"name": "item2"}]},
    ],
}
START = {("1.1", "a"): 20, ("1.1", "b"): 100, ("1.2", "a"): 30, ("1.2", "b"): 100, ("2.1", "item1"): 0,
         ("2.1", "item2"): 0}


def small_inputs(peers1: dict[str, dict], start=START):
    rows = [("X", 2025, i, v, float(x)) for (i, v), x in start.items()]
    for name, vals in peers1.items():
        rows += [(name, 2025, i, v, float(x)) for (i, v), x in {**start, **vals}.items()]
    return pd.DataFrame(rows, columns=["entity", "year", "indicator", "variable", "value"])


def brute_force(fw, others1, others2, t1, t2, g, diff, start=START):
    """Least effort over every year-1 and year-2 value of each figure (whole steps, each year within
    floor(g × last year's value) of it, never above the denominator) and every item year."""
    leaves = {c: fw.nodes[c] for c in ("1.1", "1.2", "2.1")}

    @functools.lru_cache(maxsize=None)
    def pts(code, key):
        return eval_leaf(leaves[code], dict(key), 2025)[1]

    def rank_ok(total, others, n):  # competition rank <= n, the engine's rounding (a tie reaches)
        above = sum((np.round(o / 40, 9) > np.round(total / 40, 9)).astype(int) for o in others)
        return above < n

    def ratio_paths(code):
        a0, b = start[(code, "a")], start[(code, "b")]
        for a1 in range(a0, min(b, a0 + math.floor(a0 * g + 1e-9)) + 1):
            for a2 in range(a1, min(b, a1 + math.floor(a1 * g + 1e-9)) + 1):
                yield (pts(code, (("a", a1), ("b", b))), pts(code, (("a", a2), ("b", b))),
                       diff.get(code, DEFAULT_DIFFICULTY) * (a2 - a0) / a0)

    def item_paths():
        for w1, w2 in itertools.product((0, 1, 2), repeat=2):  # 0 never, 1 in year 1, 2 in year 2
            y1 = (("item1", int(w1 == 1)), ("item2", int(w2 == 1)))
            y2 = (("item1", int(w1 >= 1)), ("item2", int(w2 >= 1)))
            yield pts("2.1", y1), pts("2.1", y2), diff.get("2.1", DEFAULT_DIFFICULTY) * ((w1 > 0) + (w2 > 0))

    # every combination at once (numpy): totals of both years and the effort, then the cheapest that reaches
    A, B, C = (np.array(list(paths), dtype=float) for paths in (ratio_paths("1.1"), ratio_paths("1.2"), item_paths()))
    tot1 = A[:, None, None, 0] + B[None, :, None, 0] + C[None, None, :, 0]
    tot2 = A[:, None, None, 1] + B[None, :, None, 1] + C[None, None, :, 1]
    cost = A[:, None, None, 2] + B[None, :, None, 2] + C[None, None, :, 2]
    ok = rank_ok(tot1, others1, t1) & rank_ok(tot2, others2, t2)
    return float(cost[ok].min()) if ok.any() else math.inf


def assert_model_holds(fw, inputs, plan, entity, year1, growth_of):
    """No denominator moves; year 2 starts where year 1 left; every yearly rise within its cap from the
    previous year's planned value; items only 0 -> 1."""
    a = plan.actions
    start = inputs.loc[(inputs["entity"] == entity) & (pd.to_numeric(inputs["year"]) == year1)]
    value = {(str(i), str(v)): float(x) for i, v, x in zip(start["indicator"], start["variable"], start["value"])}
    for r in a.sort_values("year", kind="stable").itertuples(index=False):
        leaf = fw.nodes[r.indicator]
        if leaf.rule["type"] == "weighted_items":
            assert (r.from_value, r.to_value) == (0.0, 1.0)
        else:
            assert r.variable not in leaf.rule.get("denominator", [])  # denominators are facts
            g = growth_of(r.indicator)
            assert r.to_value <= math.floor(r.from_value * (1 + g) + 1e-6) + 1e-9 or \
                r.to_value <= r.from_value * (1 + g) + 1e-6, (r.indicator, r.from_value, r.to_value, g)
        assert r.from_value == pytest.approx(value[(r.indicator, r.variable)])  # from last year's planned value
        assert r.to_value >= r.from_value
        value[(r.indicator, r.variable)] = r.to_value


CASES = [  # peers of year 1 (their inputs), peers of year 2 (totals), targets, yearly cap, difficulty
    ({"P": {("1.1", "a"): 25}, "Q": {("1.2", "a"): 38}}, {"P": 14.0, "Q": 18.0}, 1, 1, 0.3, {}),
    ({"P": {("1.1", "a"): 26}, "Q": {("1.2", "a"): 36}}, {"P": 22.0, "Q": 24.0}, 2, 1, 0.3, {}),
    ({"P": {("1.1", "a"): 24}, "Q": {("2.1", "item1"): 1}}, {"P": 25.0, "Q": 26.0}, 1, 1, 0.3, {"2.1": 5.0}),
    ({"P": {("1.2", "a"): 37}}, {"P": 24.0}, 1, 1, 0.2, {"1.1": 1.0, "2.1": 4.0}),
    ({"P": {("1.1", "a"): 22}, "Q": {("1.2", "a"): 35}, "R": {("2.1", "item2"): 1}},
     {"P": 20.0, "Q": 27.5, "R": 12.0}, 2, 1, 0.5, {"1.2": 2.0}),
]


@pytest.mark.parametrize("peers1, peers2, t1, t2, g, diff", CASES)
def test_small_cases_against_brute_force(peers1, peers2, t1, t2, g, diff):
    fw = parse_framework(SMALL)
    inputs = small_inputs(peers1)
    others1 = score(fw, inputs).total(2025).set_index("entity")["points"].drop("X").tolist()
    want = brute_force(fw, others1, list(peers2.values()), t1, t2, g, diff)
    plan = make_two_year_plan(fw, inputs, "X", 2025, 2026, target1=t1, target2=t2, peers_year2=pd.Series(peers2),
                              max_growth=g, difficulty=diff)
    if math.isinf(want):
        assert not plan.reachable
        return
    assert plan.reachable, plan.notes
    assert plan.cost == pytest.approx(want, abs=1e-6), plan.actions  # brute force finds nothing cheaper
    assert plan.optimal and plan.rank1 <= t1 and plan.rank2 <= t2
    assert_model_holds(fw, inputs, plan, "X", 2025, lambda c: g)


def test_seeded_random_small_cases_against_brute_force():
    """30 random small cases: same reachability and same least effort as brute force."""
    import random

    rng = random.Random(7)
    fw = parse_framework(SMALL)
    n_reachable = 0
    for _ in range(30):
        peers1 = {name: {("1.1", "a"): rng.randint(15, 40), ("1.2", "a"): rng.randint(20, 60),
                         ("2.1", "item1"): rng.randint(0, 1)} for name in "PQR"[:rng.randint(1, 3)]}
        inputs = small_inputs(peers1)
        others1 = score(fw, inputs).total(2025).set_index("entity")["points"].drop("X").tolist()
        peers2 = {k: rng.uniform(5, 30) for k in peers1}
        t1 = rng.randint(1, len(peers1))
        t2 = rng.randint(1, t1)
        g = rng.choice([0.1, 0.2, 0.3, 0.5])
        diff = {c: rng.choice([1, 2, 3, 5]) for c in ("1.1", "1.2", "2.1")}
        want = brute_force(fw, others1, list(peers2.values()), t1, t2, g, diff)
        plan = make_two_year_plan(fw, inputs, "X", 2025, 2026, target1=t1, target2=t2,
                                  peers_year2=pd.Series(peers2), max_growth=g, difficulty=diff)
        assert plan.reachable == math.isfinite(want), (peers1, peers2, t1, t2, g, diff)
        if plan.reachable:
            n_reachable += 1
            assert plan.cost == pytest.approx(want, abs=1e-6)
            assert_model_holds(fw, inputs, plan, "X", 2025, lambda c: g)
    assert n_reachable >= 10


def test_caps_carry_over_from_year_one_planned_value():
    """1.1 at 20/100 with +30 % a year: year 2 needs 33, reachable only as 20 -> 26 -> 26 + floor(7,8) = 33:
    year 1 must do its full part, and year 2's cap is counted from year 1's planned 26."""
    fw = parse_framework(SMALL)
    inputs = small_inputs({"P": {("1.1", "a"): 20}})
    p = make_years_plan(fw, inputs, "X", [2025, 2026], [1, 1], peers=[None, pd.Series({"P": 9.5 + 1.3 - 0.05})],
                        max_growth=0.3, difficulty={"1.2": 50.0, "2.1": 50.0})
    a = p.actions.loc[p.actions["indicator"] == "1.1"].set_index("year")
    assert a.loc[2025, "to_value"] == 26 and a.loc[2026, "from_value"] == 26 and a.loc[2026, "to_value"] == 33
    assert a.loc[2026, "max_to_value"] == 33


def test_sample_gia_lai_top20_then_top15_model_and_rescoring():
    fw = load_framework("dti_province_2025")
    inputs = read_long_csv(SAMPLE)
    plan = two_year_plan_from_inputs(fw, inputs, "Gia Lai", {2025: 20, 2026: 15})
    assert plan.reachable and plan.optimal and plan.rank1 <= 20 and plan.rank2 <= 15
    caps = plan.actions.set_index(["indicator"])["growth_cap"]
    assert caps.between(MIN_GROWTH - 1e-12, MAX_HISTORY_GROWTH + 1e-12).all()
    num = inputs.assign(value=pd.to_numeric(inputs["value"], errors="coerce"), year=pd.to_numeric(inputs["year"]))
    assert_model_holds(fw, num, plan, "Gia Lai", 2025, lambda c: float(caps.loc[[c]].iloc[0]))
    # no staff explosion of the old model: 2.2 never multiplied (162 -> 1.799 in the old two-year page)
    assert (plan.actions["to_value"] <= plan.actions["from_value"] * (1 + MAX_HISTORY_GROWTH) + 1e-6).all()
    # year 1 applied to the real 2025 inputs and scored again with the peers: rank ≤ 20
    state = num.loc[num["year"] == 2025].copy()
    for a in plan.actions.loc[plan.actions["year"] == 2025].itertuples(index=False):
        m = (state["entity"] == "Gia Lai") & (state["indicator"] == a.indicator) & (state["variable"] == a.variable)
        state.loc[m, "value"] = a.to_value
    assert score(fw, state).total(2025).set_index("entity").loc["Gia Lai", "rank"] <= 20
    own = state.loc[state["entity"] == "Gia Lai"].assign(year=2026)
    for a in plan.actions.loc[plan.actions["year"] == 2026].itertuples(index=False):
        m = (own["indicator"] == a.indicator) & (own["variable"] == a.variable)
        own.loc[m, "value"] = a.to_value
    assert score(fw, own).total(2026)["points"].iloc[0] == pytest.approx(plan.total2)
    agencies = plan.by_agency()
    assert set(agencies["year"]) == {2025, 2026} and agencies["points_gain"].gt(0).all()


def test_command_line_equals_the_page_function(tmp_path):
    """`python -m scoring plan --targets` and the page's function give the same rows for the same inputs."""
    out = tmp_path / "PLAN.csv"
    res = subprocess.run([sys.executable, "-m", "scoring", "plan", "--framework", "dti_province_2025", "--inputs",
                          str(SAMPLE), "--entity", "Gia Lai", "--targets", "2025:20,2026:15", "--out", str(out)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    cli = pd.read_csv(out, dtype=str, keep_default_na=False)
    fw = load_framework("dti_province_2025")
    page = plan_to_csv_frame(two_year_plan_from_inputs(fw, read_long_csv(SAMPLE), "Gia Lai", {2025: 20, 2026: 15}))
    buf = io.StringIO()
    page.to_csv(buf, index=False)
    page = pd.read_csv(io.StringIO(buf.getvalue()), dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(cli, page)
    assert list(cli.columns[:6]) == ["year", "indicator", "variable", "from_value", "to_value", "points_gain"]
    assert set(cli["year"]) == {"2025", "2026"} and (cli["lead_agency"] != "").all()


def test_project_peers_and_bad_requests():
    prev = pd.Series({"A": 100.0, "B": 200.0})
    now = pd.Series({"A": 110.0, "B": 190.0, "C": 50.0})
    assert project_peers(prev, now, 1000.0).to_dict() == {"A": 120.0, "B": 180.0, "C": 50.0}
    fw = parse_framework(SMALL)
    with pytest.raises(ValueError):
        make_years_plan(fw, small_inputs({}), "X", [2025, 2026], [1, 1])  # no peers for year 2
    with pytest.raises(ValueError):
        make_years_plan(fw, small_inputs({}), "Nowhere", [2025], [1])


def test_unreachable_reports_best_ranks_and_unassigned_lead():
    fw = parse_framework(SMALL)
    inputs = small_inputs({"P": {("1.1", "a"): 100, ("1.2", "a"): 100, ("2.1", "item1"): 1, ("2.1", "item2"): 1}})
    plan = make_two_year_plan(fw, inputs, "X", 2025, 2026, target1=1, target2=1,
                              peers_year2=pd.Series({"P": 40.0}), max_growth=0.1)
    assert not plan.reachable and plan.best_ranks == (2, 2)
    ok = make_two_year_plan(fw, small_inputs({"P": {("2.1", "item1"): 1}}), "X", 2025, 2026, target1=1, target2=1,
                            peers_year2=pd.Series({"P": 8.0 + 3.75 + 5.0 + 0.1}), max_growth=0.1,
                            difficulty={"1.1": 50, "1.2": 50})
    assert ok.reachable
    items = ok.actions.loc[ok.actions["indicator"] == "2.1"]
    assert len(items) and (items["lead_agency"] == "Cần phân công cơ quan chủ trì").all()
