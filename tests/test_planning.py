"""Least-cost plans (scoring.planning): sample data, brute force on tiny frameworks, caps, costs, CLI."""
import itertools
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from scoring import load_framework, score
from scoring.cli import read_long_csv
from scoring.framework import parse_framework
from scoring.plan_settings import PLAN_CSV_COLUMNS
from scoring.planning import apply_plan, make_plan, whatif_total
from scoring.plan_levers import eval_leaf
from tests.conftest import ROOT

FW = "dti_province_2025"
SAMPLE = ROOT / "data" / "sample" / "SAMPLE_inputs_dti_province_2025.csv"


@pytest.fixture(scope="module")
def fw():
    return load_framework(FW)


@pytest.fixture(scope="module")
def sample():
    return read_long_csv(SAMPLE)


def rank_of(result, entity, year):
    t = result.total(year)
    return int(t.loc[t["entity"] == entity, "rank"].iloc[0])


def assert_within_caps(framework, plan, max_gain):
    """Every change is an improvement, whole numbers stay whole, ratios respect max_gain and <= 1."""
    for a in plan.actions.itertuples(index=False):
        leaf = framework.nodes[a.indicator]
        assert a.to_value > a.from_value, a
        assert a.points_to >= a.points_from - 1e-12, a
        if float(a.from_value).is_integer():
            assert float(a.to_value).is_integer(), a
        if leaf.rule["type"] == "weighted_items":
            assert (a.from_value, a.to_value) == (0.0, 1.0)
            continue
        assert a.ratio_to >= a.ratio_from
        if leaf.rule.get("part_of_whole", True):
            assert a.ratio_to <= 1.0 + 1e-12
            if max_gain is not None:
                assert a.ratio_to <= a.ratio_from + max_gain + 1e-9, a
        elif max_gain is not None:
            assert a.ratio_to <= a.ratio_from * (1 + max_gain) + 1e-9, a


# --- sample data ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [20, 15])
def test_sample_plan_reaches_target_after_rescoring(fw, sample, target):
    base = score(fw, sample)
    assert rank_of(base, "Gia Lai", 2025) > 20
    plan = make_plan(fw, sample, "Gia Lai", 2025, target_rank=target, max_gain=0.3)
    assert plan.reachable and plan.verified
    assert plan.rank_before == rank_of(base, "Gia Lai", 2025)
    assert len(plan.actions) > 0
    assert list(plan.actions.columns) == ["indicator", "name_vi", "lead_agency", "variable", "from_value",
                                          "to_value", "ratio_from", "ratio_to", "points_from", "points_to",
                                          "points_gain", "cost", "max_to_value", "growth_cap"]
    after = score(fw, apply_plan(sample, plan))
    assert rank_of(after, "Gia Lai", 2025) <= target
    assert rank_of(after, "Gia Lai", 2025) == plan.rank_after
    total_after = after.total(2025).set_index("entity").loc["Gia Lai", "points"]
    assert total_after == pytest.approx(plan.total_after)
    assert plan.total_after >= plan.required_points - 1e-6
    assert plan.cost == pytest.approx(plan.actions["points_gain"].sum())  # 1 per point by default
    # other entities and other years are untouched
    changed = after.scores.merge(base.scores, on=["entity", "year", "code"], suffixes=("", "_b"))
    moved = changed.loc[~np.isclose(changed["points"], changed["points_b"]), ["entity", "year"]].drop_duplicates()
    assert moved.values.tolist() in ([], [["Gia Lai", 2025]])
    assert_within_caps(fw, plan, 0.3)


def test_sample_plan_is_no_more_expensive_than_points_missing(fw, sample):
    plan = make_plan(fw, sample, "Gia Lai", 2025, target_rank=20, max_gain=0.3)
    # with 1 per point the cheapest plan gains what is missing plus rounding to whole people/units
    assert plan.cost >= plan.points_needed - 1e-6
    assert plan.cost <= plan.points_needed + 0.05


def test_already_reached_needs_nothing(fw, sample):
    plan = make_plan(fw, sample, "Hà Nội", 2025, target_rank=1, max_gain=0.3)
    assert plan.reachable and plan.actions.empty and plan.cost == 0 and plan.rank_after == 1


def test_unreachable_reports_best_rank(fw, sample):
    plan = make_plan(fw, sample, "Gia Lai", 2025, target_rank=1, max_gain=0.01)
    assert not plan.reachable
    assert plan.best_reachable_rank is not None and 1 < plan.best_reachable_rank < plan.rank_before
    # the actions are the cheapest way to the best reachable rank, checked by re-scoring
    after = score(fw, apply_plan(sample, plan))
    assert rank_of(after, "Gia Lai", 2025) == plan.best_reachable_rank == plan.rank_after
    assert plan.max_total >= plan.total_after - 1e-9
    assert_within_caps(fw, plan, 0.01)


def test_max_gain_is_relative_for_enterprises_per_thousand(fw, sample):
    # with nothing else allowed, 5.2 (part_of_whole = false, ratio 0.62) may rise by 30 % of itself
    others = {leaf.code for leaf in fw.leaves} - {"5.2"}
    # an unreachable total: the plan is then "everything allowed, maxed"
    plan = make_plan(fw, sample, "Gia Lai", 2025, target_total=1000.0, max_gain=0.3, locked=others)
    assert not plan.reachable and plan.verified
    (a,) = plan.actions.itertuples(index=False)
    assert a.indicator == "5.2" and a.variable == "a"
    assert (a.from_value, a.to_value) == (2265.0, 2944.0)  # floor(2265 × 1.3): whole enterprises
    assert a.ratio_to <= a.ratio_from * 1.3 + 1e-12
    assert plan.total_after == pytest.approx(plan.max_total)


def test_cost_weights_steer_the_plan(fw, sample):
    cheap = make_plan(fw, sample, "Gia Lai", 2025, target_rank=20, max_gain=0.3)
    used = set(cheap.actions["indicator"])
    expensive = {code: 1000.0 for code in used}
    plan = make_plan(fw, sample, "Gia Lai", 2025, target_rank=20, max_gain=0.3, cost_per_point=expensive)
    assert plan.reachable and plan.verified
    assert not used & set(plan.actions["indicator"])
    # an inner code weighs every leaf below it
    plan6 = make_plan(fw, sample, "Gia Lai", 2025, target_rank=20, max_gain=0.3,
                      cost_per_point={"5": 1000.0, "2": 1000.0})
    assert plan6.reachable
    assert not any(c.startswith(("5.", "2.")) for c in plan6.actions["indicator"])
    assert rank_of(score(fw, apply_plan(sample, plan6)), "Gia Lai", 2025) <= 20


def test_locked_caps_and_items(fw, sample):
    plan = make_plan(fw, sample, "Gia Lai", 2025, target_rank=15, max_gain=0.3, locked={"2.2"},
                     caps={"5.3": 0.15}, item_achievable={("1.4", "item2"): False, ("1.6", "item3"): False})
    acts = plan.actions
    assert "2.2" not in set(acts["indicator"])
    assert (acts.loc[acts["indicator"] == "5.3", "ratio_to"] <= 0.15 + 1e-12).all()
    assert not ((acts["indicator"] == "1.4") & (acts["variable"] == "item2")).any()
    assert not ((acts["indicator"] == "1.6") & (acts["variable"] == "item3")).any()
    assert rank_of(score(fw, apply_plan(sample, plan)), "Gia Lai", 2025) <= 15
    assert_within_caps(fw, plan, 0.3)


def test_target_total_and_competitor_totals(fw, sample):
    plan = make_plan(fw, sample, "Gia Lai", 2025, target_total=700.0, max_gain=0.3)
    assert plan.reachable and plan.total_after >= 700.0 - 1e-6
    assert plan.cost <= 700.0 - plan.total_before + 0.05
    # projected competitors: everyone above Gia Lai gains 10 points -> top 20 needs more
    base = score(fw, sample).total(2025).set_index("entity")["points"]
    projected = base.drop("Gia Lai") + 10.0
    plan2 = make_plan(fw, sample, "Gia Lai", 2025, target_rank=20, max_gain=0.3, competitor_totals=projected)
    ref = make_plan(fw, sample, "Gia Lai", 2025, target_rank=20, max_gain=0.3)
    assert plan2.required_points == pytest.approx(ref.required_points + 10.0)
    assert plan2.rank_after <= 20 and plan2.total_after >= plan2.required_points - 1e-6


def test_bad_requests(fw, sample):
    with pytest.raises(ValueError):
        make_plan(fw, sample, "Gia Lai", 2025)
    with pytest.raises(ValueError):
        make_plan(fw, sample, "Gia Lai", 2025, target_rank=3, target_total=700)
    with pytest.raises(ValueError, match="Nowhere"):
        make_plan(fw, sample, "Nowhere", 2025, target_rank=3)
    with pytest.raises(ValueError, match="9.9"):
        make_plan(fw, sample, "Gia Lai", 2025, target_rank=3, locked={"9.9"})


def test_whatif_total_matches_rescoring(fw, sample):
    base = score(fw, sample)
    df = sample.copy()
    m = (df["entity"] == "Gia Lai") & (df["year"] == "2025") & (df["indicator"] == "6.3") & (df["variable"] == "a")
    df.loc[m, "value"] = "1900000"
    rescored = score(fw, df)
    leaf = fw.nodes["6.3"]
    _, pts = eval_leaf(leaf, {"a": 1900000.0, "b": 2773326.0}, 2025)
    w = whatif_total(fw, base, "Gia Lai", 2025, {"6.3": pts})
    assert w.total_after == pytest.approx(rescored.total(2025).set_index("entity").loc["Gia Lai", "points"])
    assert w.rank_after == rank_of(rescored, "Gia Lai", 2025)
    assert w.rank_before == rank_of(base, "Gia Lai", 2025)


# --- brute force on tiny frameworks --------------------------------------------------------------------

TINY_MAX = {"A.1": 10.0, "A.2": 20.0, "A.3": 15.0, "A.4": 12.0}
DEN = {"A.1": 10, "A.2": 10, "A.3": 5}


def tiny_framework():
    leaf = lambda code, rule, variables: {"code": code, "parent": "A", "name_vi": code,  # noqa: E731
                                          "max_points": TINY_MAX[code], "rule": rule,
                                          "variables": [{"name": v} for v in variables]}
    raw = {
        "framework": {"id": "tiny", "version": "t", "name_vi": "Tí hon"},
        "node": [
            {"code": "A", "parent": "total", "name_vi": "A", "max_points": sum(TINY_MAX.values())},
            leaf("A.1", {"type": "linear", "numerator": ["a"], "denominator": ["b"]}, ["a", "b"]),
            leaf("A.2", {"type": "threshold", "numerator": ["a"], "denominator": ["b"], "threshold": 0.8},
                 ["a", "b"]),
            leaf("A.3", {"type": "all_or_nothing", "numerator": ["a"], "denominator": ["b"], "threshold": 1.0},
                 ["a", "b"]),
            leaf("A.4", {"type": "weighted_items", "items": [{"var": "item1", "weight": 0.6},
                                                              {"var": "item2", "weight": 0.4}]},
                 ["item1", "item2"]),
        ],
    }
    return parse_framework(raw)


def tiny_rows(entity, state):
    """state: {'A.1': a, 'A.2': a, 'A.3': a, 'item1': 0/1, 'item2': 0/1} -> long rows."""
    rows = []
    for code in ("A.1", "A.2", "A.3"):
        rows += [(entity, 2025, code, "a", float(state[code])), (entity, 2025, code, "b", float(DEN[code]))]
    rows += [(entity, 2025, "A.4", item, float(state[item])) for item in ("item1", "item2")]
    return rows


def to_frame(rows):
    return pd.DataFrame(rows, columns=["entity", "year", "indicator", "variable", "value"])


def random_state(rng):
    return {"A.1": int(rng.integers(0, 11)), "A.2": int(rng.integers(0, 11)), "A.3": int(rng.integers(0, 6)),
            "item1": int(rng.integers(0, 2)), "item2": int(rng.integers(0, 2))}


def brute_force(framework, own, competitors_total, costs, max_gain, achievable, total_max):
    """Every whole-step plan within the caps: (cost, total) of each, scored by the engine."""
    choices = {}
    for code in ("A.1", "A.2", "A.3"):
        hi = DEN[code] if max_gain is None else min(DEN[code], own[code] + max_gain * DEN[code] + 1e-9)
        choices[code] = range(own[code], int(np.floor(hi)) + 1)
    for item in ("item1", "item2"):
        choices[item] = [0, 1] if own[item] == 0 and achievable.get(("A.4", item), True) else [own[item]]
    keys = list(choices)
    combos = list(itertools.product(*(choices[k] for k in keys)))
    rows = []
    for i, combo in enumerate(combos):
        rows += tiny_rows(f"c{i}", dict(zip(keys, combo)))
    rows += tiny_rows("own", own)
    res = score(framework, to_frame(rows))
    pw = res.points_wide().set_index("entity")
    gain = pw[list(TINY_MAX)] - pw.loc["own", list(TINY_MAX)]
    cost = (gain * pd.Series(costs)).sum(axis=1).drop("own")
    total = pw["total"].drop("own")
    others = np.round(np.asarray(competitors_total) / total_max, 9)
    rank = total.map(lambda t: 1 + int(np.count_nonzero(others > np.round(t / total_max, 9))))
    return cost, total, rank


@pytest.mark.parametrize("seed", range(40))
def test_brute_force_finds_nothing_cheaper(seed):
    rng = np.random.default_rng(seed)
    framework = tiny_framework()
    total_max = framework.max_points
    own = random_state(rng)
    competitors = {f"K{j}": random_state(rng) for j in range(int(rng.integers(2, 5)))}
    rows = tiny_rows("E", own)
    for name, st in competitors.items():
        rows += tiny_rows(name, st)
    inputs = to_frame(rows)
    base = score(framework, inputs).total(2025).set_index("entity")["points"]
    comp_totals = base.drop("E").to_numpy()
    costs = {code: float(rng.choice([0.5, 1.0, 2.0, 5.0])) for code in TINY_MAX}
    max_gain = [None, 0.2, 0.5][seed % 3]
    achievable = {("A.4", "item1"): bool(rng.integers(0, 2)), ("A.4", "item2"): True}
    target = int(rng.integers(1, len(competitors) + 1))

    plan = make_plan(framework, inputs, "E", 2025, target_rank=target, max_gain=max_gain, cost_per_point=costs,
                     item_achievable=achievable)
    cost, total, rank = brute_force(framework, own, comp_totals, costs, max_gain, achievable, total_max)
    assert plan.verified
    best_rank = int(rank.min())
    if (rank <= target).any():
        assert plan.reachable
        assert plan.cost == pytest.approx(float(cost[rank <= target].min()), abs=1e-6)
        assert plan.rank_after <= target
    else:
        assert not plan.reachable
        assert plan.best_reachable_rank == best_rank
        assert plan.rank_after == best_rank
        assert plan.cost == pytest.approx(float(cost[rank <= best_rank].min()), abs=1e-6)
    after = score(framework, apply_plan(inputs, plan)).total(2025).set_index("entity")
    assert after.loc["E", "rank"] == plan.rank_after
    assert_within_caps(framework, plan, max_gain)


def test_brute_force_target_total_with_ties():
    framework = tiny_framework()
    own = {"A.1": 3, "A.2": 2, "A.3": 4, "item1": 0, "item2": 0}
    inputs = to_frame(tiny_rows("E", own) + tiny_rows("K", {"A.1": 5, "A.2": 5, "A.3": 5, "item1": 1,
                                                            "item2": 0}))
    costs = {"A.1": 1.0, "A.2": 1.0, "A.3": 1.0, "A.4": 1.0}
    base_total = score(framework, inputs).total(2025).set_index("entity").loc["E", "points"]
    cost, total, _ = brute_force(framework, own, [0.0], costs, None, {}, framework.max_points)
    for target in (base_total + 1.0, base_total + 2.5, base_total + 7.2, base_total + 30.0):
        plan = make_plan(framework, inputs, "E", 2025, target_total=target, cost_per_point=costs)
        ok = total >= target - 1e-6
        assert plan.reachable and plan.verified
        assert plan.cost == pytest.approx(float(cost[ok].min()), abs=1e-6)  # exact hits count (ties)


def test_competitor_tie_counts_as_reaching():
    framework = tiny_framework()
    own = {"A.1": 3, "A.2": 0, "A.3": 0, "item1": 0, "item2": 0}  # 3 points
    rival = {"A.1": 5, "A.2": 0, "A.3": 0, "item1": 0, "item2": 0}  # 5 points
    inputs = to_frame(tiny_rows("E", own) + tiny_rows("K", rival))
    plan = make_plan(framework, inputs, "E", 2025, target_rank=1, max_gain=0.2,
                     item_achievable={("A.4", "item1"): False, ("A.4", "item2"): False})
    assert plan.reachable and plan.rank_after == 1
    assert plan.total_after == pytest.approx(5.0)  # a tie, not 5 + something
    assert plan.actions["to_value"].tolist() == [5.0]


def test_fine_continuous_leaf_rounds_up_and_stays_within_cap():
    raw = {
        "framework": {"id": "fine", "version": "t", "name_vi": "Fine"},
        "node": [
            {"code": "A", "parent": "total", "name_vi": "A", "max_points": 10.0},
            {"code": "A.1", "parent": "A", "name_vi": "A.1", "max_points": 10.0,
             "rule": {"type": "threshold", "numerator": ["a"], "denominator": ["b"], "threshold": 0.9},
             "variables": [{"name": "a"}, {"name": "b"}]},
        ],
    }
    framework = parse_framework(raw)
    inputs = to_frame([("E", 2025, "A.1", "a", 1_000_000.0), ("E", 2025, "A.1", "b", 3_000_000.0),
                       ("K", 2025, "A.1", "a", 1_234_567.0), ("K", 2025, "A.1", "b", 3_000_000.0)])
    plan = make_plan(framework, inputs, "E", 2025, target_rank=1, max_gain=0.3)
    (a,) = plan.actions.itertuples(index=False)
    assert a.to_value == 1_234_567.0  # the exact whole number that ties
    assert plan.rank_after == 1 and plan.verified
    money = to_frame([("E", 2025, "A.1", "a", 100.25), ("E", 2025, "A.1", "b", 1000.5),
                      ("K", 2025, "A.1", "a", 300.0), ("K", 2025, "A.1", "b", 1000.5)])
    plan = make_plan(framework, money, "E", 2025, target_rank=1)
    (a,) = plan.actions.itertuples(index=False)
    assert a.to_value == 300.0 and plan.rank_after == 1  # moves in cents from 100.25


# --- CLI -------------------------------------------------------------------------------------------------

def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "scoring", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_cli_plan_then_score(tmp_path):
    out = tmp_path / "PLAN.csv"
    res = run_cli("plan", "--framework", FW, "--inputs", str(SAMPLE), "--entity", "Gia Lai", "--year", "2025",
                  "--target-rank", "20", "--max-gain", "0.3", "--out", str(out))
    assert res.returncode == 0, res.stderr
    assert "27 -> 20" in res.stderr or "-> 20" in res.stderr or "-> 1" in res.stderr
    plan = pd.read_csv(out, dtype=str)
    assert list(plan.columns[:5]) == PLAN_CSV_COLUMNS
    assert len(plan) > 0
    inputs = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    for row in plan.itertuples(index=False):
        m = ((inputs["entity"] == "Gia Lai") & (inputs["year"] == "2025") & (inputs["indicator"] == row.indicator)
             & (inputs["variable"] == row.variable))
        assert m.sum() == 1
        assert inputs.loc[m, "value"].iloc[0] == row.from_value
        inputs.loc[m, "value"] = row.to_value
    changed = tmp_path / "changed.csv"
    inputs.to_csv(changed, index=False)
    scored_path = tmp_path / "scores.csv"
    res = run_cli("score", "--framework", FW, "--inputs", str(changed), "--out", str(scored_path))
    assert res.returncode == 0, res.stderr
    scored = pd.read_csv(scored_path, dtype={"code": str})
    row = scored.loc[(scored["entity"] == "Gia Lai") & (scored["year"] == 2025) & (scored["code"] == "total")]
    assert int(row["rank"].iloc[0]) <= 20


def test_cli_plan_unreachable_exit_4(tmp_path):
    res = run_cli("plan", "--framework", FW, "--inputs", str(SAMPLE), "--entity", "Gia Lai", "--year", "2025",
                  "--target-rank", "1", "--max-gain", "0.01", "--out", str(tmp_path / "PLAN.csv"))
    assert res.returncode == 4, res.stderr
    assert "not reachable under these caps; best reachable rank" in res.stderr


def test_cli_plan_bad_entity_exit_2(tmp_path):
    res = run_cli("plan", "--framework", FW, "--inputs", str(SAMPLE), "--entity", "Atlantis", "--year", "2025",
                  "--target-rank", "5")
    assert res.returncode == 2 and "Atlantis" in res.stderr


def test_other_rule_types_direct_count_capped_and_unplanned():
    raw = {
        "framework": {"id": "misc", "version": "t", "name_vi": "Misc"},
        "node": [
            {"code": "B", "parent": "total", "name_vi": "B", "max_points": 30.0},
            {"code": "B.1", "parent": "B", "name_vi": "B.1", "max_points": 10.0,
             "rule": {"type": "direct", "variable": "p"}, "variables": [{"name": "p"}]},
            {"code": "B.2", "parent": "B", "name_vi": "B.2", "max_points": 10.0,
             "rule": {"type": "count_capped", "variable": "n", "points_per_event": 3, "cap": 9},
             "variables": [{"name": "n"}]},
            {"code": "B.3", "parent": "B", "name_vi": "B.3", "max_points": 10.0,
             "rule": {"type": "inverse", "numerator": ["a"], "denominator": ["b"], "threshold": 0.5},
             "variables": [{"name": "a"}, {"name": "b"}]},
        ],
    }
    framework = parse_framework(raw)
    inputs = to_frame([("E", 2025, "B.1", "p", 4.0), ("E", 2025, "B.2", "n", 1.0),
                       ("E", 2025, "B.3", "a", 1.0), ("E", 2025, "B.3", "b", 4.0),
                       ("K", 2025, "B.1", "p", 9.0), ("K", 2025, "B.2", "n", 3.0),
                       ("K", 2025, "B.3", "a", 1.0), ("K", 2025, "B.3", "b", 4.0)])
    # E: 4 + 3 + 5 = 12; K: 9 + 9 + 5 = 23; E can reach 10 + 9 + 5 = 24 (B.3 is not planned)
    plan = make_plan(framework, inputs, "E", 2025, target_rank=1, cost_per_point={"B.1": 2.0, "B.2": 1.0})
    assert plan.reachable and plan.verified and plan.rank_after == 1
    assert any("B.3" in n and "inverse" in n for n in plan.notes)
    acts = plan.actions.set_index("indicator")
    assert acts.loc["B.2", "to_value"] == 3.0  # two more events: +6 points at cost 1, capped at 9
    assert acts.loc["B.1", "to_value"] == pytest.approx(9.0)  # the remaining 5 points at cost 2
    assert plan.cost == pytest.approx(6.0 + 2 * 5.0)
    # the count cap: with at most 2 events in total, B.1 must do more
    plan2 = make_plan(framework, inputs, "E", 2025, target_total=20.0, caps={"B.2": 2},
                      cost_per_point={"B.1": 2.0, "B.2": 1.0})
    acts = plan2.actions.set_index("indicator")
    assert acts.loc["B.2", "to_value"] == 2.0 and acts.loc["B.1", "to_value"] == pytest.approx(9.0)
    assert plan2.reachable and plan2.total_after == pytest.approx(20.0)
    # nothing reaches 1st place under that cap: best rank is the current one, no action
    plan3 = make_plan(framework, inputs, "E", 2025, target_rank=1, caps={"B.2": 2})
    assert not plan3.reachable and plan3.best_reachable_rank == 2 and plan3.actions.empty


# --- feasibility on raw variables: growth caps, fixed denominators, difficulty × relative change -------

from scoring.plan_levers import lever_variable  # noqa: E402
from scoring.plan_settings import DEFAULT_GROWTH, MAX_HISTORY_GROWTH, MIN_GROWTH  # noqa: E402
from scoring.planning import growth_caps, growth_from_history  # noqa: E402


def denominator_vars(leaf):
    rule = leaf.rule
    if rule["type"] in ("linear", "threshold", "all_or_nothing", "inverse", "gated_linear"):
        return set(rule["denominator"])
    return set()


def assert_growth_respected(framework, inputs, plan, caps):
    """Only lever (numerator) variables move, never beyond x·(1+g); no denominator changes."""
    for a in plan.actions.itertuples(index=False):
        leaf = framework.nodes[a.indicator]
        if leaf.rule["type"] == "weighted_items":
            continue
        assert a.variable == lever_variable(leaf), a
        assert a.variable not in denominator_vars(leaf), a
        g = caps if not isinstance(caps, dict) else caps.get((a.indicator, a.variable), DEFAULT_GROWTH)
        assert a.growth_cap == pytest.approx(g)
        assert a.to_value <= a.from_value * (1 + g) + 1e-9, a
        assert a.to_value <= a.max_to_value + 1e-9, a
    after = apply_plan(inputs, plan)
    key = ["entity", "year", "indicator", "variable"]
    merged = inputs.astype({"value": float}).merge(after.astype({"value": float}), on=key, suffixes=("", "_new"))
    merged = merged.loc[merged["value"] != merged["value_new"]]
    for r in merged.itertuples(index=False):
        leaf = framework.nodes[r.indicator]
        assert r.variable not in denominator_vars(leaf), r
        assert (r.entity, int(r.year)) == (plan.entity, plan.year)


@pytest.mark.parametrize("target", [20, 15])
@pytest.mark.parametrize("growth", ["history", 0.2, 0.1])
def test_sample_plan_within_growth_caps(fw, sample, target, growth):
    caps = growth_caps(growth_from_history(fw, sample, "Gia Lai", 2025)) if growth == "history" else growth
    plan = make_plan(fw, sample, "Gia Lai", 2025, target_rank=target, max_growth=caps, difficulty={})
    assert plan.verified and plan.effort == "relative"
    assert len(plan.actions) > 0
    assert_growth_respected(fw, sample, plan, caps)
    after = score(fw, apply_plan(sample, plan))
    assert rank_of(after, "Gia Lai", 2025) == plan.rank_after
    assert plan.rank_after <= target if plan.reachable else plan.rank_after == plan.best_reachable_rank
    # cost = difficulty (3 by default) × relative change of each moved value (an item counts 1)
    for a in plan.actions.itertuples(index=False):
        rel = 1.0 if fw.nodes[a.indicator].rule["type"] == "weighted_items" else (a.to_value - a.from_value) / a.from_value
        assert a.cost == pytest.approx(3.0 * rel)


def test_sample_plan_no_staff_explosion(fw, sample):
    # the old plan raised 2.2 (dedicated DX staff) from 162 to 3,408 people in a year
    plan = make_plan(fw, sample, "Gia Lai", 2025, target_rank=15, max_growth=0.2, difficulty={"2.2": 1.0})
    staff = plan.actions.loc[plan.actions["indicator"] == "2.2"]
    assert (staff["to_value"] <= 194).all()  # floor(162 × 1.2)


def test_difficulty_steers_the_plan(fw, sample):
    cheap = make_plan(fw, sample, "Gia Lai", 2025, target_rank=20, max_growth=0.2, difficulty={})
    used = set(cheap.actions["indicator"])
    hard = make_plan(fw, sample, "Gia Lai", 2025, target_rank=20, max_growth=0.2,
                     difficulty={**{c: 1.0 for c in [leaf.code for leaf in fw.leaves]}, **{c: 5.0 for c in used}})
    assert hard.reachable
    assert set(hard.actions["indicator"]) != used
    with pytest.raises(ValueError):
        make_plan(fw, sample, "Gia Lai", 2025, target_rank=20, difficulty={"2.2": 0.0})
    with pytest.raises(ValueError):
        make_plan(fw, sample, "Gia Lai", 2025, target_rank=20, max_growth=-0.1)


def hist_frame(rows):
    return pd.DataFrame(rows, columns=["entity", "year", "indicator", "variable", "value"])


@pytest.mark.parametrize("values, growth, source", [
    ({2024: 100.0, 2025: 130.0}, 0.30, "history"),            # own pace
    ({2024: 100.0, 2025: 102.0}, MIN_GROWTH, "history"),      # floored
    ({2024: 100.0, 2025: 90.0}, MIN_GROWTH, "history"),       # a fall: the floor
    ({2024: 100.0, 2025: 900.0}, MAX_HISTORY_GROWTH, "history"),  # one odd year is capped
    ({2023: 100.0, 2024: 200.0, 2025: 220.0}, 0.10, "history"),  # the last two years only
    ({2025: 100.0}, DEFAULT_GROWTH, "default"),               # one year: the default
    ({2024: 0.0, 2025: 5.0}, DEFAULT_GROWTH, "default"),      # no positive base
    ({2024: 100.0, 2025: 150.0, 2026: 100.0}, 0.50, "history"),  # years after the plan year are ignored
])
def test_growth_from_history(values, growth, source):
    framework = tiny_framework()
    rows = []
    for y, v in values.items():
        rows += [("E", y, "A.1", "a", v), ("E", y, "A.1", "b", 1000.0)]
    table = growth_from_history(framework, hist_frame(rows), "E", 2025).set_index("indicator")
    assert table.loc["A.1", "growth"] == pytest.approx(growth)
    assert table.loc["A.1", "source"] == source
    assert table.loc["A.2", "source"] == "default"  # no data at all for A.2
    assert "A.4" not in table.index  # items are yes/no, not grown


def hand_case():
    """E: 1.1 has 8/100 (linear), 2.x the staff ratio 162/2000 (threshold 10 %), an item; K is ahead."""
    raw = {
        "framework": {"id": "hand", "version": "t", "name_vi": "Tay"},
        "node": [
            {"code": "A", "parent": "total", "name_vi": "A", "max_points": 70.0},
            {"code": "A.1", "parent": "A", "name_vi": "A.1", "max_points": 20.0,
             "rule": {"type": "linear", "numerator": ["a"], "denominator": ["b"]},
             "variables": [{"name": "a"}, {"name": "b"}]},
            {"code": "A.2", "parent": "A", "name_vi": "A.2", "max_points": 30.0,
             "rule": {"type": "threshold", "numerator": ["a", "b"], "denominator": ["c", "d"], "threshold": 0.1},
             "variables": [{"name": v} for v in "abcd"]},
            {"code": "A.3", "parent": "A", "name_vi": "A.3", "max_points": 20.0,
             "rule": {"type": "weighted_items", "items": [{"var": "item1", "weight": 1.0}]},
             "variables": [{"name": "item1"}]},
        ],
    }
    framework = parse_framework(raw)
    rows = [("E", 2025, "A.1", "a", 8.0), ("E", 2025, "A.1", "b", 100.0),
            ("E", 2025, "A.2", "a", 162.0), ("E", 2025, "A.2", "b", 20.0), ("E", 2025, "A.2", "c", 2000.0),
            ("E", 2025, "A.2", "d", 3000.0), ("E", 2025, "A.3", "item1", 0.0),
            ("K", 2025, "A.1", "a", 30.0), ("K", 2025, "A.1", "b", 100.0),
            ("K", 2025, "A.2", "a", 300.0), ("K", 2025, "A.2", "b", 30.0), ("K", 2025, "A.2", "c", 2000.0),
            ("K", 2025, "A.2", "d", 3000.0), ("K", 2025, "A.3", "item1", 0.0)]
    return framework, hist_frame(rows)


def test_hand_case_growth_cap_and_fixed_denominators():
    framework, inputs = hand_case()
    # E 12,52 points, K 25,8. Without caps the old planner could raise staff to the full 10 % (480 more
    # people); a +20 % cap allows 194. Everything allowed, maxed (an unreachable total):
    plan = make_plan(framework, inputs, "E", 2025, target_total=1000.0, max_growth=0.2, difficulty={},
                     item_achievable={("A.3", "item1"): False})
    assert_growth_respected(framework, inputs, plan, 0.2)
    acts = plan.actions.set_index("indicator")
    assert acts.loc["A.2", "variable"] == "a" and acts.loc["A.2", "to_value"] <= 194
    assert acts.loc["A.1", "to_value"] <= 9  # floor(8 × 1.2): 9.6 people is not a person
    assert not plan.reachable and plan.total_after == pytest.approx(1.8 + 30 * (214 / 5000) / 0.1)
    assert plan.actions["to_value"].tolist() == [9.0, 194.0]
    top = make_plan(framework, inputs, "E", 2025, target_rank=1, max_growth=0.2, difficulty={},
                    item_achievable={("A.3", "item1"): False})
    assert not top.reachable and top.actions.empty  # K stays ahead: the cap binds, nothing helps
    # with the item allowed it is reachable; the effort of the item is difficulty × 1
    plan2 = make_plan(framework, inputs, "E", 2025, target_rank=1, max_growth=0.2, difficulty={"A.3": 1.0})
    assert plan2.reachable and plan2.verified
    assert plan2.actions["indicator"].tolist() == ["A.3"] and plan2.cost == pytest.approx(1.0)
    assert_growth_respected(framework, inputs, plan2, 0.2)
    # a per-variable mapping: 0 % on A.2.a keeps the staff as they are
    plan3 = make_plan(framework, inputs, "E", 2025, target_total=1000.0,
                      max_growth={("A.2", "a"): 0.0, ("A.1", "a"): 0.5}, difficulty={})
    assert "A.2" not in set(plan3.actions["indicator"])
    assert plan3.actions.set_index("indicator").loc["A.1", "to_value"] == 12.0


def brute_force_growth(framework, own, competitors_total, difficulty, growth, achievable, total_max):
    """Every whole-step plan within the growth caps: (relative-effort cost, total, rank)."""
    choices = {}
    for code in ("A.1", "A.2", "A.3"):
        hi = min(DEN[code], int(np.floor(own[code] * (1 + growth) + 1e-9)))
        choices[code] = range(own[code], max(own[code], hi) + 1)
    for item in ("item1", "item2"):
        choices[item] = [0, 1] if own[item] == 0 and achievable.get(("A.4", item), True) else [own[item]]
    keys = list(choices)
    combos = list(itertools.product(*(choices[k] for k in keys)))
    rows = []
    for i, combo in enumerate(combos):
        rows += tiny_rows(f"c{i}", dict(zip(keys, combo)))
    res = score(framework, to_frame(rows))
    pw = res.points_wide().set_index("entity")
    cost = {}
    for i, combo in enumerate(combos):
        st = dict(zip(keys, combo))
        c = sum(difficulty[code] * (st[code] - own[code]) / own[code] for code in ("A.1", "A.2", "A.3")
                if st[code] > own[code])
        c += sum(difficulty["A.4"] for item in ("item1", "item2") if st[item] > own[item])
        cost[f"c{i}"] = c
    cost = pd.Series(cost)
    total = pw["total"].loc[cost.index]
    others = np.round(np.asarray(competitors_total) / total_max, 9)
    rank = total.map(lambda t: 1 + int(np.count_nonzero(others > np.round(t / total_max, 9))))
    # a plan that changes nothing of value is free; keep only combos that are improvements or none
    return cost, total, rank


@pytest.mark.parametrize("seed", range(30))
def test_brute_force_growth_and_difficulty(seed):
    rng = np.random.default_rng(100 + seed)
    framework = tiny_framework()
    own = {"A.1": int(rng.integers(1, 11)), "A.2": int(rng.integers(1, 11)), "A.3": int(rng.integers(1, 6)),
           "item1": int(rng.integers(0, 2)), "item2": int(rng.integers(0, 2))}
    competitors = {f"K{j}": random_state(rng) for j in range(int(rng.integers(2, 5)))}
    rows = tiny_rows("E", own)
    for name, st in competitors.items():
        rows += tiny_rows(name, st)
    inputs = to_frame(rows)
    comp_totals = score(framework, inputs).total(2025).set_index("entity")["points"].drop("E").to_numpy()
    difficulty = {code: float(rng.integers(1, 6)) for code in TINY_MAX}
    growth = [0.2, 0.5, 1.0][seed % 3]
    achievable = {("A.4", "item1"): bool(rng.integers(0, 2)), ("A.4", "item2"): True}
    target = int(rng.integers(1, len(competitors) + 1))
    plan = make_plan(framework, inputs, "E", 2025, target_rank=target, max_growth=growth, difficulty=difficulty,
                     item_achievable=achievable)
    cost, total, rank = brute_force_growth(framework, own, comp_totals, difficulty, growth, achievable,
                                           framework.max_points)
    assert plan.verified
    goal = target if (rank <= target).any() else int(rank.min())
    assert plan.reachable == bool((rank <= target).any())
    assert plan.rank_after <= goal
    assert plan.cost == pytest.approx(float(cost[rank <= goal].min()), abs=1e-6)
    assert_growth_respected(framework, inputs, plan, growth)


def test_cli_plan_max_growth(tmp_path):
    out = tmp_path / "PLAN.csv"
    res = run_cli("plan", "--framework", FW, "--inputs", str(SAMPLE), "--entity", "Gia Lai", "--year", "2025",
                  "--target-rank", "20", "--max-growth", "0.2", "--out", str(out))
    assert res.returncode in (0, 4), res.stderr
    plan = pd.read_csv(out)
    assert len(plan) > 0
    assert (plan["to_value"] <= plan["from_value"] * 1.2 + 1e-9).all()
    assert (plan["growth_cap"] == 0.2).all()
    res = run_cli("plan", "--framework", FW, "--inputs", str(SAMPLE), "--entity", "Gia Lai", "--year", "2025",
                  "--target-rank", "20", "--max-growth", "history", "--out", str(out))
    assert res.returncode in (0, 4), res.stderr
    plan = pd.read_csv(out)
    assert ((plan["growth_cap"] >= MIN_GROWTH - 1e-12) & (plan["growth_cap"] <= MAX_HISTORY_GROWTH + 1e-12)).all()
    bad = run_cli("plan", "--framework", FW, "--inputs", str(SAMPLE), "--entity", "Gia Lai", "--year", "2025",
                  "--target-rank", "20", "--max-growth", "-1")
    assert bad.returncode == 2


def test_cli_default_is_the_plan_page_model(tmp_path):
    """Without options the command line plans with the page's model: caps from the province's own history
    (10–50 %), denominators fixed, effort on relative rises, every action with a lead (or 'to be assigned');
    the old points cap only behind --legacy-points-cap, whose help says it is the old model."""
    out = tmp_path / "PLAN.csv"
    res = run_cli("plan", "--framework", FW, "--inputs", str(SAMPLE), "--entity", "Gia Lai", "--year", "2025",
                  "--target-rank", "20", "--out", str(out))
    assert res.returncode == 0, res.stderr
    plan = pd.read_csv(out, dtype={"indicator": str})
    assert ((plan["growth_cap"] >= MIN_GROWTH - 1e-12) & (plan["growth_cap"] <= MAX_HISTORY_GROWTH + 1e-12)).all()
    assert (plan["to_value"] <= plan["from_value"] * (1 + plan["growth_cap"]) + 1e-6).all()
    assert plan["lead_agency"].fillna("").str.len().gt(0).all()
    fw = load_framework(FW)
    assert all(v not in fw.nodes[c].rule.get("denominator", []) for c, v in zip(plan["indicator"], plan["variable"]))
    legacy = run_cli("plan", "--framework", FW, "--inputs", str(SAMPLE), "--entity", "Gia Lai", "--year", "2025",
                     "--target-rank", "20", "--legacy-points-cap", "--out", str(tmp_path / "OLD.csv"))
    assert legacy.returncode == 0, legacy.stderr
    old = pd.read_csv(tmp_path / "OLD.csv")
    assert old["growth_cap"].isna().all()  # the old model has no growth caps
    helptext = run_cli("plan", "--help").stdout
    assert "--legacy-points-cap" in helptext and "OLD MODEL" in helptext
