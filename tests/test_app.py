"""AppTest per page, through the entry point and switch_page: widgets change what is shown."""
import storage.units
import storage.targets
import storage.plans
import storage.inputs
import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT
from tests.helpers import app_session

APP = str(ROOT / "app.py")
TIMEOUT = 120


@pytest.fixture()
def app(tmp_path, monkeypatch):
    # these tests change data, so an editor is signed in; tests/test_auth.py covers a reader
    yield from app_session(tmp_path, monkeypatch, prepare=sign_in_editor)


def sign_in_editor(at, name="Kiểm thử"):
    """An editor configured in the app's secrets and signed in for this session."""
    from tests.helpers import editor_secrets

    at.secrets["dti_studio"] = editor_secrets(name)
    at.session_state["_editor"] = name


def charts(at):
    return [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def go(at, page):
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_overview_defaults_to_gia_lai_and_follows_the_focus(app):
    assert app.title[0].value == "Tổng quan — Gia Lai"
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Xếp hạng"] == "27/34"
    assert "," in metrics["Giá trị DTI (0–1)"]  # Vietnamese decimal comma
    assert metrics["Tổng điểm (trên 1.000)"] == "673,64"
    assert any("DỮ LIỆU MẪU" in w.value for w in app.warning)
    assert app.query_params["focus"] == ["Gia Lai"] or app.query_params["focus"] == "Gia Lai"
    app.sidebar.selectbox(key="w_focus").set_value("Hà Nội").run()
    metrics = {m.label: m.value for m in app.metric}
    assert app.title[0].value == "Tổng quan — Hà Nội" and metrics["Xếp hạng"] == "1/34"
    assert any("nhóm 20" in s.value for s in app.success)


def test_language_toggle_and_year(app):
    app.sidebar.selectbox(key="w_lang").set_value("en").run()
    assert app.title[0].value == "Overview — Gia Lai"
    metrics = {m.label: m.value for m in app.metric}
    assert "." in metrics["DTI value (0–1)"]
    app.sidebar.selectbox(key="w_year").set_value(2024).run()
    assert {m.label: m.value for m in app.metric}["Rank"] == "31/34"


def test_choice_survives_page_changes(app):
    app.sidebar.selectbox(key="w_focus").set_value("Huế").run()
    go(app, "pages/pillars.py")
    assert "Huế" in app.title[0].value
    go(app, "pages/overview.py")
    assert app.title[0].value == "Tổng quan — Huế"


def test_rankings_table_sort_and_group(app):
    go(app, "pages/rankings.py")
    table = app.dataframe[0].value
    assert len(table) == 34 and table.iloc[0]["Tỉnh, thành phố"] == "Hà Nội"
    bars = charts(app)[0]
    colors = bars["data"][0]["marker"]["color"]
    assert colors.count("#d62828") == 1  # the focus province highlighted
    app.selectbox(key="rank_sort").set_value("6.4").run()
    by_component = app.dataframe[0].value
    assert list(by_component.columns)[:2] == ["Hạng", "Tỉnh, thành phố"]
    assert by_component.iloc[0]["Tỉnh, thành phố"] != "Hà Nội" or by_component.iloc[0]["Hạng"] == 1
    app.sidebar.radio(key="w_group").set_value("63").run()
    assert app.title[0].value == "Kết quả đã công bố"
    assert len(app.dataframe[0].value) > 0


def test_pillars_peer_adds_a_series(app):
    go(app, "pages/pillars.py")
    before = len(charts(app)[0]["data"])
    app.selectbox(key="pillar_peer").set_value("Đắk Lắk").run()
    after = charts(app)[0]["data"]
    assert len(after) == before + 1 and any("Đắk Lắk" in tr["name"] for tr in after)
    assert len(charts(app)) == 2  # the 6 main indices + the components of the chosen one
    first = charts(app)[1]["layout"]["title"]["text"]
    app.radio(key="pillar_main").set_value("5").run()
    assert charts(app)[1]["layout"]["title"]["text"] != first and "kinh tế số" in charts(app)[1]["layout"]["title"]["text"]


def test_trends_compare_highlights(app):
    go(app, "pages/trends.py")
    legend_before = sum(1 for tr in charts(app)[0]["data"] if tr.get("showlegend"))
    app.multiselect(key="trend_compare").set_value(["Hà Nội", "Huế"]).run()
    legend_after = sum(1 for tr in charts(app)[0]["data"] if tr.get("showlegend"))
    assert legend_after == legend_before + 2


def test_methodology_shows_the_chosen_formula(app):
    go(app, "pages/methodology.py")
    app.selectbox(key="method_leaf").set_value("4.5").run()
    text = " ".join(m.value for m in app.markdown)
    assert "2025–2027: 95%" in text and "2028–2030: 99%" in text
    assert "Văn phòng UBND tỉnh" in text
    assert any("b + d" in latex.value for latex in app.latex)


def test_data_page_bad_file_then_good_file(app):
    from dashboard import data

    go(app, "pages/data.py")
    log_before = len(storage.inputs.import_log(data.store()))
    bad = "entity,year,indicator,variable,value\nAtlantis,2025,1.1,a,1\n".encode()
    app.get("file_uploader")[0].upload("xau.csv", bad, "text/csv")  # noqa: SLF001
    app.run()
    assert app.error and "xau.csv" in " ".join(m.value for m in app.text)  # problems as plain text
    assert len(storage.inputs.import_log(data.store())) == log_before  # nothing written
    good = "entity,year,indicator,variable,value\nGia Lai,2026,1.1,a,5\nGia Lai,2026,1.1,b,10\n".encode()
    app.get("file_uploader")[0].upload("tot.csv", good, "text/csv")
    app.run()
    assert any("hợp lệ" in s.value for s in app.success)
    app.button(key="commit_import").click().run()
    assert any("Đã ghi" in s.value for s in app.success)
    log = storage.inputs.import_log(data.store())
    assert len(log) == log_before + 1 and log.loc[0, "file_name"] == "tot.csv"
    go(app, "pages/rankings.py")
    app.sidebar.selectbox(key="w_year").set_value(2026).run()
    assert app.title[0].value == "Xếp hạng 2026"
    assert any("2026" in i.value and "chưa tỉnh nào đủ" in i.value for i in app.info)


def test_whatif_slider_changes_points_and_rank_and_saves(app):
    from dashboard import data

    go(app, "pages/whatif.py")
    metrics = [m.value for m in app.metric]
    assert metrics[:2] == ["673,64", "27/34"]
    slider = app.select_slider(key="wi_Gia Lai_2025_6.3")
    assert "70,0%" in slider.options  # values shown the Vietnamese way
    slider.set_value(70.0).run()
    metrics = [m.value for m in app.metric]
    assert metrics[1] != "27/34" and metrics[0] != "673,64"
    assert len(app.get("plotly_chart")) == 1  # the waterfall
    app.text_input(key="wi_name").input("Chữ ký số 70%").run()
    app.button(key="wi_save").click().run()
    assert "Chữ ký số 70%" in set(storage.plans.scenarios(data.store(), "dti_province_2025")["name"])
    app.button(key="wi_delete").click().run()
    assert storage.plans.scenarios(data.store(), "dti_province_2025").empty


def test_targets_by_agency(app):
    go(app, "pages/targets.py")
    agencies = app.dataframe[0].value
    assert "Công an tỉnh" in set(agencies.iloc[:, 0])
    app.selectbox(key="target_agency").set_value("Công an tỉnh").run()
    detail = app.dataframe[1].value
    assert list(detail.iloc[:, 0]) == ["3.1", "3.2", "6.1"]
    app.selectbox(key="target_agency").set_value("Văn phòng UBND tỉnh").run()
    assert list(app.dataframe[1].value.iloc[:, 0]) == ["4.1", "4.3", "4.4", "4.5"]


def test_rank_odds_follow_the_focus_points(app):
    go(app, "pages/odds.py")
    p20 = app.metric[0].value
    assert p20 == "0,0%"  # 27th with fixed points: the top 20 is out of reach by noise alone
    box = app.text_input(key="odds_focus_points_Gia Lai_2025")
    assert box.value == "673,64"  # shown the Vietnamese way, read with the importer's number parser
    box.input("720,5").run()
    assert app.metric[0].value != p20 and "–" in app.metric[2].value
    assert "dao động" in app.info[0].value or "ổn định" in app.info[0].value
    assert len(app.get("plotly_chart")) == 1


def test_overview_shows_rank_band(app):
    assert any("Khoảng hạng hợp lý" in c.value for c in app.caption)


def test_plan_page_reaches_the_target_and_reacts(app):
    go(app, "pages/plan.py")
    # the top-20 and the top-15 plans side by side, as sentences for agencies
    assert [h.value for h in app.subheader[:2]] == ["Để vào nhóm 20", "Để vào nhóm 15"]
    ranks = [m.value for m in app.metric if m.label == "Hạng"]
    assert ranks[0].startswith("27 → ") and ranks[1].startswith("27 → ")
    text = " ".join(m.value for m in app.markdown)
    assert "Sở " in text and " từ " in text and " lên " in text and "%)" in text
    assert "Biến" not in text and "0,0" not in text.replace("0,0 điểm", "")
    agencies = next(d.value for d in app.dataframe if "Cơ quan chủ trì" in d.value.columns)
    assert len(agencies) >= 1 and agencies.iloc[:, 2].str.contains(",").any()  # Vietnamese decimals
    app.radio(key="plan_growth_mode").set_value("common").run()
    app.slider(key="plan_growth_pct").set_value(5).run()
    assert not app.exception
    assert any("Không đạt được" in e.value for e in app.error)  # +5 % a year is not enough for the top 15
    app.radio(key="plan_kind").set_value("rank").run()
    app.number_input(key="plan_rank_n").set_value(1).run()
    assert any("Không đạt được" in e.value for e in app.error)


def test_plan_page_in_english_and_items_in_words(app):
    app.sidebar.selectbox(key="w_lang").set_value("en").run()
    go(app, "pages/plan.py")
    assert [h.value for h in app.subheader[:2]] == ["To reach the top 20", "To reach the top 15"]
    text = " ".join(m.value for m in app.markdown)
    assert ": raise " in text and " from " in text and " people " in text
    options = app.multiselect(key="plan_items").options
    assert options and not any("item" in o for o in options)


def test_plan_targets_section_filters_by_plan_and_level(app):
    app.sidebar.selectbox(key="w_focus").set_value("Huế").run()  # the plans are Huế's
    go(app, "pages/targets.py")
    table = app.dataframe[-1].value
    assert len(table) > 0 and set(table["Cấp"]) == {"Tỉnh"}
    app.selectbox(key="target_plan").set_value("hue_model_2023").run()
    levels = set(app.dataframe[-1].value["Cấp"])
    assert levels == {"Tỉnh", "Huyện", "Xã"}
    app.multiselect(key="target_levels").set_value(["commune"]).run()
    assert set(app.dataframe[-1].value["Cấp"]) == {"Xã"}
    assert "Chưa có số liệu" in set(app.dataframe[-1].value["Tình trạng"])  # nothing imported yet


def test_unexpected_error_is_explained_not_a_traceback(app, monkeypatch):
    from dashboard import analysis

    monkeypatch.delenv("DTI_STUDIO_RAISE")
    monkeypatch.setattr(analysis, "overview", lambda *a, **k: 1 / 0)
    # A fresh session: its first run goes through the frame (app.py), which catches page errors.
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.run()
    assert not app.exception
    assert any("lỗi ngoài dự kiến" in e.value and "ZeroDivisionError" in e.value for e in app.error)


def test_overview_offers_the_briefing(app):
    buttons = app.get("download_button")
    assert any("Ban Chỉ đạo" in b.proto.label for b in buttons)


def test_group_63_overview_shows_merger_and_published_history(app):
    app.sidebar.radio(key="w_group").set_value("63").run()
    app.sidebar.selectbox(key="w_focus").set_value("Bình Định").run()
    assert any("Gia Lai" in m.value and "Bình Định" in m.value for m in app.markdown)
    app.button(key="switch_34").click().run()
    assert app.title[0].value == "Tổng quan — Gia Lai"
    assert app.sidebar.radio(key="w_group").value == "34"


def test_data_page_imports_target_progress(app):
    from dashboard import data

    go(app, "pages/data.py")
    uploader = app.get("file_uploader")[1]
    uploader.upload("tien_do.csv", b"target_id,year,value\nhue_dt_2025.05,2024,45%\n", "text/csv")
    app.run()
    assert any("1 giá trị" in s.value for s in app.success)
    app.button(key="commit_targets").click().run()
    assert len(storage.targets.target_progress(data.store())) == 1
    app.sidebar.selectbox(key="w_focus").set_value("Huế").run()
    go(app, "pages/targets.py")
    table = app.dataframe[-1].value.set_index("Mã")
    assert table.loc["hue_dt_2025.05", "Tình trạng"] == "Chưa đạt"


# --- units below the province ------------------------------------------------------------------------

@pytest.mark.parametrize("level, n_units, max_points", [("department", 14, "436"), ("commune", 20, "500"),
                                                         ("district", 9, "670")])
def test_internal_ranking_of_a_level(app, level, n_units, max_points):
    app.sidebar.selectbox(key="w_level").set_value(level).run()
    app.sidebar.selectbox(key="w_framework_id").set_value("hue_units").run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.sidebar.selectbox(key="w_province").value == "Huế"
    go(app, "pages/units.py")
    ranking = app.dataframe[0].value
    assert len(ranking) == n_units
    # the column names the level's units (one wording per level, dashboard/levels.py)
    assert ranking.columns[1] == {"department": "Sở, ban, ngành", "commune": "Xã, phường",
                                  "district": "Huyện, thị xã, thành phố"}[level]
    assert list(ranking["Hạng"])[0] == 1
    assert any(f"trên {max_points}" in m.label for m in app.metric)
    assert any("DỮ LIỆU MẪU" in w.value for w in app.warning)
    weakest = app.dataframe[1].value
    assert len(weakest) == 10 and "Cơ quan chủ trì theo dõi, đánh giá" in weakest.columns
    bars = charts(app)[0]
    assert len(bars["data"][0]["y"]) == n_units


def test_every_page_runs_on_communes(app):
    app.sidebar.selectbox(key="w_level").set_value("commune").run()
    app.sidebar.selectbox(key="w_framework_id").set_value("hue_units").run()
    for page in ("overview", "rankings", "pillars", "trends", "whatif", "plan", "odds", "targets", "methodology",
                 "data"):
        go(app, f"pages/{page}.py")
    go(app, "pages/odds.py")
    assert {m.label for m in app.metric} >= {"Xác suất vào nhóm 5", "Xác suất vào nhóm 3"}
    go(app, "pages/rankings.py")
    names = set(app.dataframe[0].value["Xã, phường"])
    assert "Phường Thuận Hóa" in names and not names & {"Gia Lai", "Sở Nội vụ", "Huyện A Lưới"}


def test_plan_targets_belong_to_their_province(app):
    go(app, "pages/targets.py")
    assert "Gia Lai" in app.subheader[-1].value
    assert any("Chưa có danh mục chỉ tiêu kế hoạch của Gia Lai" in i.value for i in app.info)
    app.sidebar.selectbox(key="w_focus").set_value("Huế").run()
    go(app, "pages/targets.py")
    shown = app.dataframe[-1].value
    assert len(shown) > 0 and shown.iloc[:, 0].str.startswith("hue_").all()


def test_unit_list_is_edited_on_screen_as_a_new_version(app):
    from dashboard import data

    go(app, "pages/data.py")
    app.selectbox(key="units_province").set_value("Huế").run()
    before = storage.units.units(data.store(), "Huế")
    assert len(before) == 43
    app.button(key="units_save").click().run()
    assert not app.exception
    assert any("Đã ghi danh sách đơn vị của Huế" in s.value for s in app.success), [s.value for s in app.success]
    after = storage.units.units(data.store(), "Huế")
    assert len(after) == 43 and after["import_id"].iloc[0] > before["import_id"].iloc[0]
    assert dict(zip(after["name"], after["level"])) == dict(zip(before["name"], before["level"]))


def test_unit_profile_shows_where_appraisal_changed_points(app):
    app.sidebar.selectbox(key="w_level").set_value("commune").run()
    app.sidebar.selectbox(key="w_framework_id").set_value("hue_units").run()
    assert app.sidebar.radio(key="w_basis").value == "appraised"
    go(app, "pages/units.py")
    gap = next(d.value for d in app.dataframe if "Chênh lệch (thẩm định − tự đánh giá)" in d.value.columns)
    assert list(gap.columns)[1:] == ["Tự đánh giá", "Thẩm định", "Chênh lệch (thẩm định − tự đánh giá)"]
    diffs = gap.iloc[:, 3].str.replace(".", "", regex=False).str.replace(",", ".").astype(float)
    assert (diffs <= 0).all() and (diffs < 0).any()  # the SAMPLE appraisal only cuts
    app.sidebar.radio(key="w_basis").set_value("self").run()
    assert app.sidebar.selectbox(key="w_year").options[-1] == "2026"  # self-assessed years go further


def test_province_assigns_criterion_leads_shown_on_weak_criteria(app):
    app.sidebar.selectbox(key="w_level").set_value("commune").run()
    app.sidebar.selectbox(key="w_framework_id").set_value("hue_units").run()
    go(app, "pages/units.py")
    weakest = app.dataframe[1].value
    code = weakest.iloc[0, 0]
    assert weakest.iloc[0, -1] == "Chưa phân công"
    from dashboard import data

    storage.units.assign_criterion_leads(data.store(), "hue_units", "Huế", {code: "Sở Khoa học và Công nghệ"},
                                         "kiểm thử")
    app.run()
    assert app.dataframe[1].value.iloc[0, -1] == "Sở Khoa học và Công nghệ"


def test_methodology_of_a_unit_framework_lists_levels_and_discrepancies(app):
    app.sidebar.selectbox(key="w_level").set_value("district").run()
    app.sidebar.selectbox(key="w_framework_id").set_value("dti_district_2021").run()
    go(app, "pages/methodology.py")
    tree = app.dataframe[0].value
    assert "direct" not in set(tree["Quy tắc"]) and "Chấm điểm trực tiếp" in set(tree["Quy tắc"])
    assert "Văn bản không nêu" in set(tree["Cơ quan chủ trì theo dõi, đánh giá"])
    gaps = next(d.value for d in app.dataframe if "Điểm in trong văn bản" in d.value.columns)
    from scoring import load_framework

    assert len(gaps) == len(load_framework("dti_district_2021").discrepancies())
    assert "Không in" in set(gaps["Điểm in trong văn bản"])


def test_every_rule_type_has_words_in_both_catalogs():
    from dashboard.i18n import catalog
    from scoring.rules import RULES

    for lang in ("vi", "en"):
        assert {k.split(".")[-1] for k in catalog(lang) if k.startswith("ui.rules.")} == set(RULES)
