"""The appraisal round's pages (issue 12), per role: the editor opens a round and follows it, a unit fills
and submits only its own form, a council member appraises only the criteria assigned to them, a reader sees
the sign-in hints. Plus the pure helpers the pages show through (dashboard/round_view.py)."""
import math

import pandas as pd
import pytest

from dashboard import round_view as rv


# --- pure helpers ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, vi, en", [
    (12.0, "12", "12"), (0.5, "0,5", "0.5"), (1234.25, "1.234,25", "1,234.25"), (None, "", ""),
    (float("nan"), "", ""), (0.0, "0", "0"), (2 / 3, "0,6667", "0.6667"),
])
def test_number_text(value, vi, en):
    assert rv.number_text(value, "vi") == vi and rv.number_text(value, "en") == en


@pytest.mark.parametrize("stored, shown", [
    (pd.Timestamp("2026-12-15 16:59:59"), "15/12/2026 23:59"),   # naive UTC → Vietnam time
    (pd.Timestamp("2026-12-15 17:00:00"), "16/12/2026 00:00"),
    (None, "—"), (pd.NaT, "—"),
])
def test_stamp_in_vietnam_time(stored, shown):
    assert rv.stamp(stored) == shown


def _commune_form(values: dict) -> tuple[object, pd.DataFrame]:
    from scoring import load_framework

    fw = load_framework("hue_units").for_level("commune")
    rows = [{"code": leaf.code, "variable": v.name, "value": values.get((leaf.code, v.name)), "not_applicable": False}
            for leaf in fw.leaves for v in leaf.variables]
    return fw, pd.DataFrame(rows)


@pytest.mark.parametrize("values, typed, expected", [
    ({("I.1", "item1"): 1.0}, None, {"I.1": 5.0}),
    ({("I.1", "item1"): 0.0}, {("I.1", "item1"): 1.0}, {"I.1": 5.0}),     # typed, not saved yet, counts
    ({("I.2", "item1"): 1.0, ("I.2", "item2"): 0.0}, None, {"I.2": 5.0}),  # 0,5 × 10
    ({("I.4", "a"): 30.0}, None, {"I.4": 24.0}),                           # 2 per item, capped at 24
    ({("I.4", "a"): 3.0}, {("I.4", "a"): None}, {}),                       # cleared: no points
])
def test_points_now_by_the_engine(values, typed, expected):
    fw, form = _commune_form(values)
    pts = rv.points_now(fw, form, "Phường Thuận Hóa", 2026, typed)
    for code, points in expected.items():
        assert pts[code] == pytest.approx(points)
    if not expected:
        assert pts == {} or all(math.isnan(v) for v in pts.values())
    else:
        assert math.isnan(pts["I.3"])  # a criterion not entered has no points


def test_criteria_groups_cover_every_leaf_once():
    from scoring import load_framework

    fw = load_framework("hue_units").for_level("commune")
    groups = rv.criteria(fw)
    assert [g for g, _, _ in groups] == [m.code for m in fw.main_indices()]
    codes = [c for _, _, cs in groups for c in cs]
    assert sorted(codes) == sorted(leaf.code for leaf in fw.leaves) and len(codes) == len(set(codes))


def test_gap_table_words_and_numbers():
    gap = pd.DataFrame({"unit": ["Phường A"], "code": ["I.4"], "name": ["Bản tin"], "appraiser": ["Nguyễn Văn A"],
                        "self_points": [24.0], "appraised_points": [12.5], "difference": [-11.5],
                        "reason": ["=thiếu minh chứng"]})
    shown = rv.gap_table(gap, "vi")
    assert list(shown.columns) == ["Đơn vị", "Mã", "Tiêu chí", "Người thẩm định", "Điểm tự đánh giá",
                                   "Điểm thẩm định", "Chênh lệch", "Lý do"]
    assert shown.iloc[0].tolist()[4:7] == ["24,00", "12,50", "-11,50"]
    numeric = rv.gap_table(gap, "vi", numeric=True)
    assert numeric["Chênh lệch"].dtype == float
    from dashboard.tables import to_csv_bytes

    assert "'=thiếu minh chứng" in to_csv_bytes(numeric, "vi").decode("utf-8-sig")  # neutralised formula
