"""The command line: score and describe, and bad input messages naming the line."""
import subprocess
import sys

import pandas as pd
import pytest

from scoring import load_framework
from scoring.rules import item_variables, ratio_pairs
from tests.conftest import ROOT

FW = "dti_province_2025"


def synthetic_long(framework, entities_shares, year=2025):
    """Valid long inputs: every ratio at `share` of its whole, every item done when share >= 0.5."""
    rows = []
    for entity, share in entities_shares:
        for leaf in framework.leaves:
            values = {}
            for num, den in ratio_pairs(leaf.rule):
                for v in den:
                    values[v] = 1000.0
                for v in num:
                    values[v] = 1000.0 * share * len(den) / len(num)
            for v in item_variables(leaf.rule):
                values[v] = 1.0 if share >= 0.5 else 0.0
            for v, val in values.items():
                rows.append({"entity": entity, "year": year, "indicator": leaf.code, "variable": v, "value": val})
    return pd.DataFrame(rows)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "scoring", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_describe_prints_the_tree():
    out = run_cli("describe", "--framework", FW)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "code,parent,name,max_points"
    assert lines[1].startswith("total,,") and lines[1].endswith(",1000.0")
    codes = [line.split(",")[0] for line in lines[1:]]
    assert len([c for c in codes if "." in c]) == 27
    assert {"1", "2", "3", "4", "5", "6"} <= set(codes)


def test_score_writes_component_main_and_total_rows(tmp_path):
    fw = load_framework(FW)
    inputs = synthetic_long(fw, [("Gia Lai", 0.5), ("Hà Nội", 1.0), ("Huế", 1.0)])
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    inputs.to_csv(src, index=False)
    res = run_cli("score", "--framework", FW, "--inputs", str(src), "--out", str(out))
    assert res.returncode == 0, res.stderr
    scored = pd.read_csv(out, dtype={"code": str})
    assert {"entity", "year", "code", "points"} <= set(scored.columns)
    assert len(scored) == 3 * (27 + 6 + 1)
    totals = scored.loc[scored["code"] == "total"].set_index("entity")
    assert totals.loc["Hà Nội", "points"] == pytest.approx(1000.0)
    assert totals.loc["Hà Nội", "rank"] == 1 and totals.loc["Huế", "rank"] == 1  # tie: 1, 1, 3
    assert totals.loc["Gia Lai", "rank"] == 3
    gl = scored.loc[scored["entity"] == "Gia Lai"].set_index("code")["points"]
    # 4.5 at 50% against the 95% threshold of 2025: 0.5 / 0.95 × 40
    assert gl["4.5"] == pytest.approx(0.5 / 0.95 * 40, abs=1e-6)
    # 2.1 is all-or-nothing at 100%
    assert gl["2.1"] == 0
    # 5.2: 0.5 enterprises per 1,000 people against 1 → half of 50
    assert gl["5.2"] == pytest.approx(25.0)
    # main indices add up
    assert gl[["1", "2", "3", "4", "5", "6"]].sum() == pytest.approx(gl["total"])


BAD_FILES = [
    ("unknown indicator", ("Gia Lai", 2025, "9.9", "a", "1"), "line 2", "unknown indicator '9.9'"),
    ("unknown variable", ("Gia Lai", 2025, "1.1", "z", "1"), "line 2", "unknown variable 'z'"),
    ("not a number", ("Gia Lai", 2025, "1.1", "a", "nhiều"), "line 2", "value must be a number"),
]


@pytest.mark.parametrize("name,row,where,what", BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_row_exits_non_zero_naming_the_line(tmp_path, name, row, where, what):
    src = tmp_path / "bad.csv"
    src.write_text("entity,year,indicator,variable,value\n" + ",".join(str(x) for x in row) + "\n", encoding="utf-8")
    res = run_cli("score", "--framework", FW, "--inputs", str(src))
    assert res.returncode != 0
    assert where in res.stderr and what in res.stderr


@pytest.mark.parametrize("variable,value,what", [
    ("b", 0, "the whole (b) is 0"),
    ("a", 2000, "the part (a) is larger than its whole (b)"),
])
def test_bad_ratio_names_line_and_expectation(tmp_path, variable, value, what):
    fw = load_framework(FW)
    inputs = synthetic_long(fw, [("Gia Lai", 0.5)])
    mask = (inputs["indicator"] == "1.1") & (inputs["variable"] == variable)
    line = int(inputs.index[mask][0]) + 2
    inputs.loc[mask, "value"] = value
    src = tmp_path / "bad.csv"
    inputs.to_csv(src, index=False)
    res = run_cli("score", "--framework", FW, "--inputs", str(src))
    assert res.returncode != 0
    assert what in res.stderr
    assert "Gia Lai 2025 1.1" in res.stderr
    if variable == "b":
        assert f"line {line}" in res.stderr


def test_missing_variable_and_missing_header(tmp_path):
    fw = load_framework(FW)
    inputs = synthetic_long(fw, [("Gia Lai", 0.5)])
    inputs = inputs.loc[~((inputs["indicator"] == "6.5") & (inputs["variable"] == "b"))]
    src = tmp_path / "missing.csv"
    inputs.to_csv(src, index=False)
    res = run_cli("score", "--framework", FW, "--inputs", str(src))
    assert res.returncode != 0 and "6.5.b: variable b is missing" in res.stderr
    src.write_text("province,year,value\nGia Lai,2025,1\n", encoding="utf-8")
    res = run_cli("score", "--framework", FW, "--inputs", str(src))
    assert res.returncode != 0 and "line 1" in res.stderr and "header" in res.stderr


def test_unknown_framework_is_named():
    res = run_cli("describe", "--framework", "nope")
    assert res.returncode != 0 and "nope" in res.stderr and "dti_province_2025" in res.stderr


# --- every framework, units below the province -----------------------------------------------------

from scoring.framework import available_frameworks as _frameworks  # noqa: E402


@pytest.mark.parametrize("framework_id", _frameworks())
def test_describe_prints_every_node_of_every_framework(framework_id, capsys):
    from scoring.cli import main
    from scoring.framework import load_framework

    assert main(["describe", "--framework", framework_id]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "code,parent,name,max_points"
    assert out[1].startswith("total,,")
    assert len(out) - 1 == len(load_framework(framework_id).nodes)


def test_unit_framework_scores_and_plans_one_level(tmp_path, capsys):
    from scoring.cli import main

    sample = pd.read_csv(ROOT / "data/sample/SAMPLE_units_inputs_hue_units.csv")
    communes = sample.loc[sample["entity"].str.startswith(("Phường", "Xã"))]
    path = tmp_path / "xa.csv"
    communes.to_csv(path, index=False)
    assert main(["score", "--framework", "hue_units", "--inputs", str(path)]) == 2
    assert "--level" in capsys.readouterr().err
    out = tmp_path / "scores.csv"
    assert main(["score", "--framework", "hue_units", "--inputs", str(path), "--level", "commune",
                 "--out", str(out)]) == 0
    scores = pd.read_csv(out)
    totals = scores.loc[(scores["code"] == "total") & (scores["year"] == 2025)]
    assert len(totals) == 20 and set(totals["max_points"]) == {500.0}
    assert sorted(totals["rank"]) == list(range(1, 21))
    worst = totals.sort_values("rank")["entity"].iloc[-1]
    plan = tmp_path / "plan.csv"
    # the default model caps each figure's yearly rise (one year of data: +20 %): from 20th, 15th is reachable
    assert main(["plan", "--framework", "hue_units", "--inputs", str(path), "--level", "commune", "--entity", worst,
                 "--year", "2025", "--target-rank", "15", "--out", str(plan)]) == 0
    assert len(pd.read_csv(plan)) > 0
    # ... 10th is not: exit 4, and the best reachable rank is said
    capsys.readouterr()
    assert main(["plan", "--framework", "hue_units", "--inputs", str(path), "--level", "commune", "--entity", worst,
                 "--year", "2025", "--target-rank", "10", "--out", str(plan)]) == 4
    assert "not reachable under these caps" in capsys.readouterr().err
