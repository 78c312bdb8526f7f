"""Plan actions as sentences for agencies (dashboard.plan_text): words, units, Vietnamese numbers."""
import pandas as pd
import pytest

from dashboard import plan_text
from dashboard.i18n import t
from scoring import load_framework
from scoring.planning import ACTION_COLUMNS, Plan

FW = load_framework("dti_province_2025")


def plan_with(rows):
    actions = pd.DataFrame([{**dict.fromkeys(ACTION_COLUMNS), **r} for r in rows], columns=ACTION_COLUMNS)
    return Plan(entity="Gia Lai", year=2025, target_kind="rank", target=20, required_points=0, reachable=True,
                best_reachable_rank=None, total_before=0, total_after=0, rank_before=27, rank_after=20, cost=0,
                actions=actions)


@pytest.mark.parametrize("lang, row, expected", [
    ("vi", {"indicator": "2.2", "variable": "a", "from_value": 162.0, "to_value": 180.0, "points_gain": 4.5},
     "Sở Nội vụ, Sở Khoa học và Công nghệ: tăng số lượng công chức chuyên trách về chuyển đổi số từ 162 lên "
     "180 người (+11%) — chỉ số 2.2, +4,5 điểm."),
    ("vi", {"indicator": "5.1", "variable": "a", "from_value": 48971.73, "to_value": 50000.5, "points_gain": 0.61},
     "Thống kê tỉnh: tăng giá trị tăng thêm của kinh tế số từ 48.971,73 lên 50.000,50 tỷ đồng (+2,1%) — "
     "chỉ số 5.1, +0,6 điểm."),
    ("en", {"indicator": "2.2", "variable": "a", "from_value": 1620.0, "to_value": 1800.0, "points_gain": 4.5},
     "Sở Nội vụ, Sở Khoa học và Công nghệ: raise number of civil servants dedicated to digital transformation "
     "from 1,620 to 1,800 people (+11%) — indicator 2.2, +4.5 points."),
])
def test_sentences(lang, row, expected):
    leaf = FW.nodes[row["indicator"]]
    row = {**row, "lead_agency": leaf.lead_agency, "points_from": 0.0, "points_to": row["points_gain"], "cost": 1.0}
    (sentence,) = plan_text.sentences(plan_with([row]), FW, lang, lambda k, **kw: t(k, lang, **kw))
    assert sentence == expected


def test_item_and_unknown_agency_and_labels():
    item = FW.nodes["1.4"]
    rows = [{"indicator": "1.4", "variable": "item1", "from_value": 0.0, "to_value": 1.0, "points_gain": 5.0,
             "lead_agency": "", "points_from": 0.0, "points_to": 5.0, "cost": 3.0}]
    (sentence,) = plan_text.sentences(plan_with(rows), FW, "vi", lambda k, **kw: t(k, "vi", **kw))
    assert sentence.startswith("Cơ quan chủ trì chưa xác định trong văn bản: hoàn thành: thực hiện tái cấu trúc")
    assert "item1" not in sentence and "Mục 1" not in sentence
    assert plan_text.item_label(FW, "1.4", "item1").startswith("1.4 — thực hiện tái cấu trúc")
    assert item.rule["type"] == "weighted_items"


def test_history_basis_keeps_sample_apart():
    rows = pd.DataFrame({"entity": ["Gia Lai"] * 3 + ["Huế"], "year": [2024, 2025, 2025, 2025],
                         "indicator": ["2.2"] * 4, "variable": ["a"] * 4, "value": [100.0, 130.0, 131.0, 5.0],
                         "flag": ["sample", "self_assessed", "self_assessed", "sample"]})
    own = plan_text.history_basis(rows, "Gia Lai", 2025)
    assert set(own["flag"]) == {"self_assessed"}  # a real 2025 is not paced on a sample 2024
    sample = plan_text.history_basis(rows.assign(flag="sample"), "Gia Lai", 2025)
    assert len(sample) == 4  # sample against sample
    assert plan_text.history_basis(rows.drop(columns="flag"), "Gia Lai", 2025).shape[0] == 4
