"""What-if: changes re-scored exactly, ratios turned into raw variables, rank against the others."""
import pandas as pd
import pytest

from office.bootstrap import sample_file
from scoring import load_framework, score
from scoring import whatif

FW = load_framework("dti_province_2025")
INPUTS = pd.read_csv(sample_file())
BASE = score(FW, INPUTS)


def test_no_change_is_the_baseline():
    r = whatif.run(FW, INPUTS, "Gia Lai", 2025, {}, base=BASE)
    assert r.total_after == pytest.approx(r.total_before)
    assert r.rank_after == r.rank_before == 27 and r.leaf_gains.empty


@pytest.mark.parametrize("code,ratio,expected_points", [
    ("6.3", 0.70, 40.0),   # threshold 70%: reaching it gives the maximum
    ("6.3", 0.35, 20.0),   # half the threshold → half the points
    ("2.1", 1.00, 30.0),   # all-or-nothing at 100%
    ("5.2", 1.00, 50.0),   # one enterprise per 1,000 people (not a share)
])
def test_ratio_changes_hit_the_formula(code, ratio, expected_points):
    values = whatif.entity_values(INPUTS, "Gia Lai", 2025)
    changes = whatif.ratio_changes(FW, values, code, ratio)
    r = whatif.run(FW, INPUTS, "Gia Lai", 2025, changes, base=BASE)
    after = r.scenario.points_wide().set_index("entity").loc["Gia Lai", code]
    assert after == pytest.approx(expected_points, rel=1e-3)
    assert r.total_after - r.total_before == pytest.approx(r.leaf_gains["gain"].sum())


def test_rank_is_recomputed_against_the_others():
    values = whatif.entity_values(INPUTS, "Gia Lai", 2025)
    changes = {**whatif.ratio_changes(FW, values, "6.3", 0.7), "1.6.item3": 1.0}
    r = whatif.run(FW, INPUTS, "Gia Lai", 2025, changes, base=BASE)
    totals = BASE.total(2025).set_index("entity")["points"].drop("Gia Lai")
    assert r.rank_after == 1 + int((totals > r.total_after + 1e-6).sum())
    assert r.rank_after < r.rank_before
    grown = whatif.run(FW, INPUTS, "Gia Lai", 2025, changes, growth=0.2, base=BASE)
    assert grown.rank_after >= r.rank_after  # the others progressing can only push the rank down


def test_controls_round_trip_and_json():
    values = whatif.entity_values(INPUTS, "Gia Lai", 2025)
    changes = {**whatif.ratio_changes(FW, values, "4.4", 0.9), "1.6.item3": 1.0}
    ratios, items = whatif.controls_from_changes(FW, values, changes)
    again = whatif.changes_from_controls(FW, values, ratios, items)
    assert again == changes
    assert whatif.changes_from_json(whatif.changes_to_json(changes)) == changes


def test_unknown_change_is_refused():
    with pytest.raises(KeyError):
        whatif.apply_changes(INPUTS, "Gia Lai", 2025, {"9.9.a": 1})


def test_raw_variable_table_and_invalid_change():
    values = whatif.entity_values(INPUTS, "Gia Lai", 2025)
    table = whatif.variables_table(FW, values)
    assert len(table) == len(values) and set(table["indicator"]) == {leaf.code for leaf in FW.leaves}
    edited = table.copy()
    edited.loc[edited["name"] == "1.3.a", "new"] = edited.loc[edited["name"] == "1.3.b", "current"].iloc[0]
    changes = whatif.changes_from_table(edited)
    assert list(changes) == ["1.3.a"]
    r = whatif.run(FW, INPUTS, "Gia Lai", 2025, changes, base=BASE)
    assert r.scenario.points_wide().set_index("entity").loc["Gia Lai", "1.3"] == pytest.approx(20.0)
    # a part larger than its whole is reported, not scored
    bad = whatif.run(FW, INPUTS, "Gia Lai", 2025, {"1.3.a": values["1.3.b"] * 2}, base=BASE)
    assert [p.code for p in bad.scenario.problems] == ["part_exceeds_whole"]
