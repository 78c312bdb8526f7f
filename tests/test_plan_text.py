"""Plan actions as sentences for agencies (dashboard.plan_text): words, units, Vietnamese numbers."""
import pandas as pd
import pytest

from dashboard import plan_text
from dashboard.i18n import t
from scoring import load_framework
from scoring.plan_settings import ACTION_COLUMNS
from scoring.planning import Plan

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
    assert sentence.startswith("Cần phân công cơ quan chủ trì: hoàn thành: thực hiện tái cấu trúc")
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


HUE = load_framework("hue_units").for_level("commune")
DISTRICT = load_framework("dti_district_2021")


def _row(fw, code, var, old, new, lead=None):
    leaf = fw.nodes[code]
    return {"indicator": code, "variable": var, "from_value": old, "to_value": new, "points_gain": 1.0,
            "lead_agency": leaf.lead_agency if lead is None else lead, "points_from": 0.0, "points_to": 1.0,
            "cost": 1.0}


def _sentence(fw, row, lang="vi"):
    (s,) = plan_text.sentences(plan_with([row]), fw, lang, lambda k, **kw: t(k, lang, **kw))
    return s


@pytest.mark.parametrize("fw, code, var, old, new, must, must_not", [
    # the commune criterion's own variable, in full (the bug: "tăng số công chức, viên chức từ 33 lên 39 người")
    (HUE, "VII.1", "a", 33.0, 39.0, ["tài khoản định danh điện tử mức độ 2 trên VNeID", "từ 33 lên 39 người",
                                      "chỉ số VII.1"], ["…", "Cơ quan chủ trì chưa xác định"]),
    # full meaning, never cut
    (FW, "4.5", "b", 81255.0, 84087.0, ["từ 81.255 lên 84.087"], ["…", "đến… từ"]),
    # assessed points: the criterion named once, no "điểm đánh giá điểm do hội đồng"
    (DISTRICT, None, None, 2.0, 3.0, ["nâng điểm đánh giá tiêu chí", "từ 2,0 lên 3,0 điểm"],
     ["điểm đánh giá điểm", "…"]),
])
def test_sentence_table(fw, code, var, old, new, must, must_not):
    if code is None:  # the first direct criterion of the district framework
        leaf = next(lf for lf in fw.leaves if lf.rule["type"] == "direct")
        code, var = leaf.code, leaf.rule["variable"]
    s = _sentence(fw, _row(fw, code, var, old, new))
    for m in must:
        assert m in s, s
    for m in must_not:
        assert m not in s, s


@pytest.mark.parametrize("text, expected", [
    ("tỷ lệ HTTT được kiểm tra", "tỷ lệ hệ thống thông tin (HTTT) được kiểm tra"),
    ("hồ sơ DVCTT và DVC", "hồ sơ dịch vụ công trực tuyến (DVCTT) và dịch vụ công (DVC)"),
    ("dữ liệu trên NDXP", "dữ liệu trên Nền tảng tích hợp, chia sẻ dữ liệu quốc gia (NDXP)"),
    ("Nền tảng tích hợp, chia sẻ dữ liệu quốc gia (NDXP) và NDXP", "Nền tảng tích hợp, chia sẻ dữ liệu quốc gia (NDXP) và NDXP"),
    ("CSDL, CSDL", "cơ sở dữ liệu (CSDL), CSDL"),
])
def test_abbreviations_spelled_out_once(text, expected):
    assert plan_text.spell_out(text) == expected


def test_abbreviation_spelled_out_only_the_first_time_across_sentences():
    rows = [_row(FW, "3.2", "a", 67.0, 81.0), _row(FW, "3.2", "a", 81.0, 92.0)]
    out = plan_text.sentences(plan_with(rows), FW, "vi", lambda k, **kw: t(k, "vi", **kw))
    text = " ".join(out)
    for abbr, full in plan_text.ABBREVIATIONS.items():
        if f"({abbr})" in text:
            assert text.count(f"{full} ({abbr})") == 1


@pytest.mark.parametrize("lead", ["", None, "Cơ quan chủ trì chưa xác định trong văn bản", "  "])
def test_unassigned_lead_never_names_a_non_agency(lead):
    s = _sentence(FW, _row(FW, "6.4", "a", 1820796.0, 1822939.0, lead=lead or ""))
    assert s.startswith("Cần phân công cơ quan chủ trì: ") and "chưa xác định" not in s
    a = plan_with([_row(FW, "6.4", "a", 1.0, 2.0, lead=lead or "")]).actions
    assert plan_text.unassigned_codes(a) == ["6.4"]
    assigned = plan_text.with_assigned_leads(a, {"6.4": "Sở Khoa học và Công nghệ"})
    assert _sentence(FW, {**_row(FW, "6.4", "a", 1.0, 2.0), "lead_agency": assigned["lead_agency"].iloc[0]}
                     ).startswith("Sở Khoa học và Công nghệ: ")


@pytest.mark.parametrize("v, text", [(162.0, "162"), (1799.0, "1.799"), (48971.73, "48.971,73"), (0.5, "0,5"),
                                     (float("nan"), "—")])
def test_value_text_counts_whole(v, text):
    assert plan_text.value_text(v, "vi") == text


def test_plan_table_meanings_units_no_ids():
    a = plan_with([_row(FW, "2.2", "a", 162.0, 180.0), _row(FW, "1.4", "item1", 0.0, 1.0)]).actions.assign(
        year=2025, implementing_agencies="", max_to_value=[194.0, float("nan")])
    table = plan_text.plan_table(a, FW, "vi", lambda k, **kw: t(k, "vi", **kw))
    assert table["Đơn vị"][0] == "người" and table["Đơn vị"][1] == "—"
    assert table["Từ"][0] == "162" if "Từ" in table else table[t("ui.plan2y.from", "vi")][0] == "162"
    assert all(m not in ("a", "item1") for m in table[t("ui.plan.variable_col", "vi")])
