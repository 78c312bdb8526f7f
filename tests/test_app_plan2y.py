"""AppTest of the two-year plan page ("Kế hoạch"): the plan page's model, the table in words (variable
meanings, units, whole counts), the sentences per year, and the annex with numeric cells and a unit column."""
import io

import openpyxl

from reports.plan_appendix import HEADERS, build_xlsx
from scoring import load_framework
from scoring.plan_settings import MAX_HISTORY_GROWTH
from tests.test_app import app, go  # noqa: F401  (fixture)


def test_two_year_page_in_words_with_units_and_whole_counts(app):  # noqa: F811
    at = go(app, "pages/plan2y.py")
    assert at.radio(key="p2_growth_mode").value == "history"
    assert not any(s.key == "p2_gain" for s in at.slider)  # the old "điểm phần trăm" cap is gone
    at.button(key="p2_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    plan = at.session_state["p2_plan"][3]
    assert plan.reachable and plan.rank1 <= 20 and plan.rank2 <= 15
    a = plan.actions
    assert (a["to_value"] <= a["from_value"] * (1 + MAX_HISTORY_GROWTH) + 1e-6).all()
    table = at.dataframe[0].value
    assert {"Số liệu", "Đơn vị", "Giá trị đầu năm", "Giá trị mục tiêu"} <= set(table.columns)
    assert not set(table["Số liệu"]) & {"a", "b", "item1", "item3"}  # meanings, never ids
    assert "người" in set(table["Đơn vị"]) or "tỷ đồng" in set(table["Đơn vị"])
    fw = load_framework("dti_province_2025")
    for v in list(table["Giá trị đầu năm"]) + list(table["Giá trị mục tiêu"]):
        assert not v.endswith(",00"), v  # counts are whole: "162", never "162,00"
    text = " ".join(m.value for m in at.markdown)
    assert "…" not in text and "Việc cần làm năm" in " ".join(h.value for h in at.subheader)
    ws = openpyxl.load_workbook(io.BytesIO(build_xlsx(plan, fw.name_vi, True, framework=fw))).active
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "STT")
    assert [ws.cell(header, j).value for j in range(1, len(HEADERS) + 1)] == HEADERS
    col = {h: j + 1 for j, h in enumerate(HEADERS)}
    first = header + 1
    assert isinstance(ws.cell(first, col["Giá trị mục tiêu"]).value, (int, float))  # a number, not text
    assert ws.cell(first, col["Giá trị mục tiêu"]).number_format in ("#,##0", "#,##0.00")
    assert ws.cell(first, col["Tỷ lệ mục tiêu"]).number_format == "0.0%"
    assert ws.cell(first, col["Đơn vị"]).value not in (None, "")
    assert ws.cell(first, col["Số liệu cần tăng"]).value not in ("a", "b")


def test_plan_page_at_commune_level_names_the_criterion_and_sends_unassigned_to_targets(app):  # noqa: F811
    """Commune level: sentences use the criterion's own variable in full; an action without a lead agency says
    "Cần phân công cơ quan chủ trì" (never the placeholder) and the page links to the Targets page."""
    app.sidebar.selectbox(key="w_level").set_value("commune").run()
    at = go(app, "pages/plan.py")
    assert not at.exception, [e.value for e in at.exception]
    text = " ".join(m.value for m in at.markdown)
    assert "Cơ quan chủ trì chưa xác định" not in text and "…" not in text
    assert "nâng điểm đánh giá điểm" not in text
    if "Cần phân công cơ quan chủ trì" in text:
        assert any("Mục tiêu & phân công" in str(w.proto) for w in at.get("page_link")) or \
            any("chưa có cơ quan chủ trì" in w.value.lower() for w in at.warning)


def test_recorded_plans_of_the_old_model_are_labelled_not_compared(app):  # noqa: F811
    """A plan recorded before the effort model changed (effort in points) sits in the history labelled
    "mô hình cũ (điểm)", beside the current plan's relative effort, with a note that they do not compare."""
    import pandas as pd

    from dashboard import data

    at = go(app, "pages/plan2y.py")
    at.button(key="p2_make").click().run()   # the signed-in editor's plan is recorded (current model)
    assert not at.exception, [e.value for e in at.exception]
    plan = at.session_state["p2_plan"][3]
    data.store().write(lambda c: c.execute(  # id 0: older than any recorded since
        "INSERT INTO office_plans (plan_id, framework_id, entity, year1, year2, target1, target2, max_gain, method, "
        "cost, optimal, reachable, actions_json, note, created_by, created_at) "
        "VALUES (0, 'dti_province_2025', ?, 2025, 2026, 20, 15, 30, 'final_first', 87.5, TRUE, TRUE, '[]', NULL, "
        "'Kiểm thử', ?)", [plan.entity, pd.Timestamp("2026-12-02 07:00")]))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    history = next(d.value for d in at.dataframe if "Mục tiêu" in d.value.columns)
    efforts = history["Tổng nỗ lực"].tolist()
    assert len(efforts) == 2 and efforts[1] == "mô hình cũ (điểm): 87,50"
    assert "mô hình cũ" not in efforts[0] and efforts[0] != "—"
    assert any("không so sánh được" in c.value for c in at.caption)
