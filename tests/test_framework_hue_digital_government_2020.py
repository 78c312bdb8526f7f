"""hue_digital_government_2020: seed 000 (Thừa Thiên Huế plan of 21/10/2020), Phụ lục 4, digital-government criteria.

Table-driven: the tree and its maxima against the seed's printed numbers, the recorded discrepancies, the unit levels,
and hand-computed cases of every stated formula scored through `scoring.score`.
"""
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from scoring import load_framework, score

ROOT = Path(__file__).resolve().parent.parent
FW_ID = "hue_digital_government_2020"
FW = load_framework(FW_ID)

# Every criterion as the seed numbers it, with its printed maximum ("Điểm tối đa" column).
# 5.8 and 5.9 stand for 5.8.1 + 5.8.2 and 5.9.1 + 5.9.2 (one merged cell each: one formula, one maximum).
LEAVES = {
    "1.1.1": 5, "1.1.2": 5, "1.2.1": 3, "1.2.2": 3, "1.2.3.1": 2, "1.2.3.2": 2, "1.2.4": 3, "1.3.1": 3, "1.3.2": 2,
    "1.4.1": 2,
    "2.1.1": 2, "2.1.2": 2, "2.1.3": 2, "2.2.1": 2, "2.2.2": 2, "2.3.1": 1, "2.3.2": 2, "2.3.3": 1, "2.3.4": 2,
    "2.3.5": 1, "2.3.6": 1, "2.3.7": 1, "2.3.8": 6, "2.3.9": 1, "2.4.1": 1, "2.4.2": 1, "2.4.3": 2, "2.4.4": 2,
    "2.5.1": 2, "2.5.2": 2, "2.5.3": 2,
    "3.1.1": 2, "3.1.2": 2, "3.1.3": 2, "3.2.1": 2, "3.2.2": 2, "3.2.3": 2, "3.3.1.1": 2, "3.3.1.2": 2, "3.3.1.3": 2,
    "3.3.2.1": 4, "3.3.3.1": 4, "3.3.4.1": 2, "3.3.4.2": 2, "3.3.4.3": 2, "3.3.4.4": 2, "3.4.1": 2, "3.4.2": 2,
    "3.5.1": 3, "3.5.2": 2,
    "4.1.1": 3, "4.1.2": 3, "4.1.3": 3, "4.1.4": 3, "4.2.1": 3, "4.2.2": 3, "4.2.3": 3, "4.2.4": 3, "4.2.5": 3,
    "4.2.6": 3, "4.2.7": 3, "4.2.8": 3, "4.3.1": 3, "4.3.2.1": 3, "4.3.2.2": 2,
    "5.1.1": 2, "5.2.1": 2, "5.2.2": 2, "5.2.3": 2, "5.3.1": 2, "5.3.2": 2, "5.4.1": 2, "5.4.2": 2, "5.4.3": 2,
    "5.4.4": 2, "5.5.1": 2, "5.5.2": 2, "5.6.1": 2, "5.7.1": 2, "5.8": 10, "5.9": 10, "5.10.1": 4, "5.10.2": 4,
    "5.10.3": 4, "5.11.1": 5, "5.12.1": 2, "5.12.2": 2, "5.12.3": 2, "5.13.1": 2, "5.13.2": 2, "5.13.3": 2,
    "5.14.1": 2, "5.14.2": 2, "5.14.3": 1, "5.14.4": 1,
    "6.1.1": 6, "6.2.1": 4, "6.2.2": 4, "6.3.1": 4, "6.3.2": 4, "6.3.3": 4,
    "7.1.1": 4, "7.1.2": 3, "7.1.3": 3, "7.2.1": 2, "7.2.2": 2, "7.2.3": 2, "7.2.4": 2, "7.2.5": 2,
}

# Groups whose printed maximum equals the sum of their criteria (the seed agrees with itself here).
PRINTED_GROUPS = {
    "1.1": 10, "1.2": 13, "1.2.3": 4, "1.3": 5, "1.4": 2,
    "2.1": 6, "2.3": 16, "2.4": 6, "2.5": 6,
    "3.2": 6, "3.3": 22, "3.3.1": 6, "3.3.2": 4, "3.3.3": 4, "3.3.4": 8, "3.4": 4, "3.5": 5,
    "4.1": 12, "4.2": 24, "4.3": 8, "4.3.2": 5,
    "5.1": 2, "5.2": 6, "5.3": 4, "5.4": 8, "5.5": 4, "5.6": 2, "5.7": 2, "5.10": 12, "5.11": 5, "5.12": 6,
    "5.13": 6, "5.14": 6,
    "6.1": 6, "6.2": 8, "6.3": 12,
    "7": 20, "7.1": 10, "7.2": 10,
}

# Where the seed contradicts itself: code -> (printed, used). None = not printed.
DISCREPANCIES = {
    "total": (None, 284.0),
    "1": (None, 30.0),
    "2": (40.0, 38.0),
    "2.2": (6.0, 4.0),
    "3": (70.0, 43.0),
    "3.1": (None, 6.0),
    "4": (50.0, 44.0),
    "5": (100.0, 83.0),
    "6": (30.0, 26.0),
}

DEPARTMENT_ONLY = {"3.1.1", "3.2.1", "3.3.1.1", "3.3.4.1", "4.2.5", "4.2.6", "4.2.8", "5.2.1", "5.10.1"}
DISTRICT_ONLY = {"3.1.2", "3.1.3", "3.2.2", "3.2.3", "3.3.1.2", "3.3.1.3", "3.3.4.2", "3.3.4.3", "5.2.2", "5.2.3",
                 "5.10.2", "5.10.3"}


def test_loads_with_header():
    assert FW.id == FW_ID
    assert FW.unit_levels == ("department", "district")
    assert "21/10/2020" in FW.source and "000_b3b4fa137aaa54ea" in FW.source
    assert [n.code for n in FW.main_indices()] == ["1", "2", "3", "4", "5", "6", "7"]


def test_every_criterion_of_the_seed_with_its_printed_maximum():
    assert {leaf.code: leaf.max_points for leaf in FW.leaves} == LEAVES


@pytest.mark.parametrize("code,printed", sorted(PRINTED_GROUPS.items()))
def test_group_maxima_add_up_as_printed(code, printed):
    node = FW.nodes[code]
    assert node.max_points == printed
    assert sum(FW.nodes[c].max_points for c in node.children) == printed
    assert node.printed_max_points is None


def test_every_discrepancy_is_recorded():
    got = {d["code"]: (d["printed"], d["used"]) for d in FW.discrepancies()}
    assert got == DISCREPANCIES
    assert all(d["why"] for d in FW.discrepancies())


@pytest.mark.parametrize("code,total", [("total", 284), ("1", 30), ("2", 38), ("3", 43), ("4", 44), ("5", 83),
                                        ("6", 26), ("7", 20)])
def test_main_index_maxima_used(code, total):
    assert FW.nodes[code].max_points == total


def test_every_leaf_quotes_the_seed_and_says_how_it_was_read():
    for leaf in FW.leaves:
        assert leaf.source.strip(), leaf.code
        assert leaf.reading.strip(), leaf.code
        assert leaf.name_en.strip(), leaf.code
        # names were restored with diacritics (the OCR has none)
        assert any(ord(ch) > 127 for ch in leaf.name_vi), leaf.code
        for v in leaf.variables:
            assert v.meaning_vi and v.meaning_en and v.unit, (leaf.code, v.name)
        # sources start at the criterion's own number (merged 5.8/5.9 start at their group row)
        assert leaf.source.strip().split()[0] == leaf.code, leaf.code


def test_no_criterion_is_left_to_judgement():
    assert {leaf.rule_type for leaf in FW.leaves} == {
        "linear", "threshold", "all_or_nothing", "weighted_items", "sum_of_ratios", "tiered", "count_capped",
        "capped_sum"}


@pytest.mark.parametrize("level, total, mains, absent", [
    ("department", 256, {"1": 30, "2": 38, "3": 27, "4": 44, "5": 71, "6": 26, "7": 20}, DISTRICT_ONLY),
    ("district", 261, {"1": 30, "2": 38, "3": 35, "4": 35, "5": 77, "6": 26, "7": 20}, DEPARTMENT_ONLY),
])
def test_per_level_maxima(level, total, mains, absent):
    view = FW.for_level(level)
    assert view.max_points == total
    assert {c: view.nodes[c].max_points for c in view.root.children} == mains
    assert not absent & set(view.nodes)
    assert {leaf.code for leaf in view.leaves} == set(LEAVES) - absent


def test_levels_where_the_seed_names_one():
    assert {leaf.code for leaf in FW.leaves if leaf.levels == ("department",)} == DEPARTMENT_ONLY
    assert {leaf.code for leaf in FW.leaves if leaf.levels == ("district",)} == DISTRICT_ONLY
    assert all(not FW.nodes[c].levels for c in FW.nodes if c not in DEPARTMENT_ONLY | DISTRICT_ONLY)


# --- hand-computed cases of every stated formula --------------------------------------------------------

THIRD = 1 / 3
CASES = [
    # (seed line quoted, code, inputs, expected points)
    ("1.1.1 'Tham gia miii h6i thao … dtrov 01 diem, toi da 05 diem'", "1.1.1", {"n": 3}, 3.0),
    ("1.1.1 capped at 5", "1.1.1", {"n": 7}, 5.0),
    ("2.3.9 'Mo van ban &roc 0,25 diem, toi da 01 diem'", "2.3.9", {"n": 3}, 0.75),
    ("2.3.9 capped at 1", "2.3.9", {"n": 6}, 1.0),
    ("1.2.1 'cap 016 oh lanh dao don vi: duov 1/3 diem toi da'", "1.2.1", {"item1": 0, "item2": 1}, 1.0),
    ("1.2.1 head of unit: max", "1.2.1", {"item1": 1, "item2": 0}, 3.0),
    ("1.2.3.1 'chtea trien khai: 1/2 diem tai da'", "1.2.3.1", {"item1": 0, "item2": 1}, 1.0),
    ("1.3.2 'trong do de cap … 1/3 diem toi da'", "1.3.2", {"item1": 0, "item2": 1}, 2 * THIRD),
    ("1.2.2 '01 diem/cu6c hop, toi da 03 diem' + '1/3 diem/cu'6c Imp, toi da 01 diem'", "1.2.2",
     {"n1": 2, "n2": 2}, 2 + 2 * THIRD),
    ("1.2.4 '01 diem/van ban, toi da 03' capped", "1.2.4", {"n1": 4, "n2": 0}, 3.0),
    ("2.3.8 '0,5 diem/linh vuc uu tien, 0,25 diem/linh we khac, tai da … 02 diem'", "2.3.8", {"n1": 4, "n2": 10}, 4.0),
    ("2.4.3 'moi nhan su 1/2 diem, toi da 1 diem'", "2.4.3", {"item1": 0, "n": 1}, 0.5),
    ("2.4.3 dedicated division: max", "2.4.3", {"item1": 1, "n": 0}, 2.0),
    ("2.2.1 'TS, re so He thong thong tin CQNN tuan thu Kien true: tST le * Diem tai da'", "2.2.1",
     {"item1": 0, "a": 5, "b": 2}, 0.8),
    ("2.3.4 'tinh theo tST le cac not dung da ban hanh * Diem t6i da' (3 of 4)", "2.3.4",
     {"item1": 1, "item2": 1, "item3": 0, "item4": 1}, 1.5),
    ("4.1.1 'Da ban hanh: Diem to'i da'", "4.1.1", {"item1": 1}, 3.0),
    ("4.1.1 'Chua ban hanh: 0 diem'", "4.1.1", {"item1": 0}, 0.0),
    ("3.3.1.1 'Di'm = Ty le *Diem tai (la' with 'Ty le = b/a'", "3.3.1.1", {"a": 20, "b": 15}, 1.5),
    ("3.1.2 'Ty Fe = b/a' read as computers / officials", "3.1.2", {"a": 45, "b": 60}, 1.5),
    ("3.1.1 more computers than officials", "3.1.1", {"a": 120, "b": 100}, 2.0),
    ("4.2.8 above the national average (not a share)", "4.2.8", {"a": 100, "b": 150}, 3.0),
    ("5.13.3 visits / population", "5.13.3", {"a": 1_000_000, "b": 400_000}, 0.8),
    ("2.5.1 'Ty le chi cho CNTT < 01%: diem = (tif tom) * Di6in toi da'", "2.5.1", {"a": 1000, "b": 5}, 1.0),
    ("2.5.2 above 10%", "2.5.2", {"a": 100, "b": 12}, 2.0),
    ("5.7.1 'Ty le duai 50%: Ty le/50% * Diem toi da'", "5.7.1", {"a": 100, "b": 30}, 1.2),
    ("5.10.2 '(tY le/60%)* Diem toi da'", "5.10.2", {"a": 100, "b": 45}, 3.0),
    ("7.1.1 'Duch 10%: Diem = TS, le*Diem toi da/10%'", "7.1.1", {"a": 100, "b": 5}, 2.0),
    ("7.1.2 from 80%: max", "7.1.2", {"a": 10, "b": 8}, 3.0),
    ("7.2.2 'Duai 3 lugt thi Diem=So lugt*Diem toi da/3' (2 per staff)", "7.2.2", {"a": 2, "b": 4}, 4 / 3),
    ("7.2.2 3 per staff: max", "7.2.2", {"a": 3, "b": 9}, 2.0),
    ("5.9 'x=(b+d)/(a+c)', '(x/70%)*Diem toi da'", "5.9", {"a": 40, "b": 20, "c": 60, "d": 30}, 0.5 / 0.7 * 10),
    ("5.9 at 70%", "5.9", {"a": 40, "b": 28, "c": 60, "d": 42}, 10.0),
    ("5.12.2 'Tir 5% tra len dg: Diem t6i da'", "5.12.2", {"a": 100, "b": 5}, 2.0),
    ("5.12.2 'Dual. 5% dat: 0 diem'", "5.12.2", {"a": 100, "b": 4.9}, 0.0),
    ("5.12.3 'Died 20% dat: 0 diem'", "5.12.3", {"a": 100, "b": 19}, 0.0),
    ("5.2.1 'Diem= (b/a) * Diem tOi da * 1/2 + (c/a) * Diem toi da'", "5.2.1", {"a": 100, "b": 40, "c": 60}, 1.6),
    ("5.2.3 all electronic", "5.2.3", {"a": 50, "b": 0, "c": 50}, 2.0),
    ("6.1.1 4 lop × max, 3 lop × 50%, 2 lop × 30%, 1 lop × 10%", "6.1.1",
     {"n": 10, "l4": 5, "l3": 2, "l2": 2, "l1": 1}, 6 * (0.5 + 0.1 + 0.06 + 0.01)),
    ("5.8 'b/a * (Diem toi da/2) + c/a * Diem toi da'", "5.8", {"a": 100, "b": 30, "c": 50}, 6.5),
    ("5.8 'DVCTT mix dO 4 tir 80% troy len thi dat Diem toi da'", "5.8", {"a": 100, "b": 0, "c": 85}, 10.0),
    ("5.11.1 '(tY 100%)* Di6rn thi da' below 80%, as printed", "5.11.1", {"a": 100, "b": 79}, 3.95),
    ("5.11.1 at 80%: max", "5.11.1", {"a": 100, "b": 80}, 5.0),
    ("7.2.3 'Duai 2 lugt thi Diem=So luot*Diem toi da' (no /2, as printed)", "7.2.3", {"a": 4, "b": 2}, 1.0),
    ("7.2.3 one per staff already gives max, as printed", "7.2.3", {"a": 4, "b": 4}, 2.0),
]


def _long(entity, year, code, values):
    return pd.DataFrame([{"entity": entity, "year": year, "indicator": code, "variable": k, "value": v}
                         for k, v in values.items()])


@pytest.mark.parametrize("quote,code,values,expected", CASES, ids=[c[0] for c in CASES])
def test_formula_by_hand(quote, code, values, expected):
    result = score(FW, _long("Sở Thông tin và Truyền thông", 2024, code, values), strict=False)
    assert not [p for p in result.problems if p.indicator == code]
    points = result.scores.set_index("code").loc[code, "points"]
    assert points == pytest.approx(expected, abs=1e-12)


def _full_marks_inputs(framework, entity="Huyện A", year=2024):
    """Inputs that reach every criterion's maximum: shares of 1, counts of 100, options ticked."""
    rows = []
    for leaf in framework.leaves:
        rule = leaf.rule
        counts = {rule.get("variable")} if rule["type"] == "count_capped" else set()
        counts |= {t["variable"] for t in rule.get("terms", []) if "variable" in t and not t["variable"].startswith("item")}
        for v in leaf.variables:
            value = 100 if v.name in counts else 1
            if leaf.code == "7.2.2" and v.name == "b":
                value = 3  # three attendances per staff member
            rows.append({"entity": entity, "year": year, "indicator": leaf.code, "variable": v.name, "value": value})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("level, total", [(None, 284), ("department", 256), ("district", 261)])
def test_full_marks_reach_the_maximum_at_every_level(level, total):
    fw = FW if level is None else FW.for_level(level)
    result = score(fw, _full_marks_inputs(fw))
    scores = result.scores.set_index("code")
    assert scores.loc["total", "points"] == pytest.approx(total)
    assert scores.loc["total", "value"] == pytest.approx(1.0)


def test_describe_prints_every_node():
    out = subprocess.run([sys.executable, "-m", "scoring", "describe", "--framework", FW_ID], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert len(lines) == 1 + len(FW.nodes)
    codes = [line.split(",", 1)[0] for line in lines[1:]]
    assert codes == list(FW.nodes)
