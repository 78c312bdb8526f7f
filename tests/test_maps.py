"""Maps and trends agree with the tables beside them; targets on the indicator's own scale; rank deltas in words."""
import json

import numpy as np
import pandas as pd
import pytest

from dashboard import analysis, charts
from tests.test_app import app, go  # noqa: F401  (fixture)


def _arr(v) -> list:
    """A plotly JSON array: a list, or a typed array {"dtype", "bdata"} (base64)."""
    if isinstance(v, dict) and "bdata" in v:
        import base64

        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=np.dtype(v["dtype"])).tolist()
    return list(v)


def _maps(at):
    figs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    return [f for f in figs if any(t["type"] == "choroplethmap" for t in f["data"])]


def _coloured(fig) -> dict:
    """location -> colour value of the coloured (valued) trace of a province map."""
    shown = [t for t in fig["data"] if t["type"] == "choroplethmap" and "colorbar" in t]
    return dict(zip(shown[0]["locations"], _arr(shown[0]["z"]))) if shown else {}


def _vi(text) -> float:
    return float(str(text).replace(".", "").replace(",", "."))


def _grey(fig) -> set:
    return {loc for t in fig["data"] if t["type"] == "choroplethmap" and t.get("showscale") is False
            and len(t["locations"]) > 1 for loc in t["locations"]}


# --- the map is coloured from the table's own rows -----------------------------------------------------

def test_63_map_colours_every_ranked_province_of_the_table(app):
    go(app, "pages/rankings.py")
    app.sidebar.radio(key="w_group").set_value("63").run()
    # The sidebar's year (2025) has no 63-province results: the page's own, named year box starts at 2024.
    assert app.selectbox(key="pub_year").value == 2024
    assert "63 tỉnh" in app.selectbox(key="pub_year").label
    assert any("thanh bên" in c.value and "2025" in c.value for c in app.caption)
    assert not any("DỮ LIỆU MẪU" in w.value for w in app.warning)
    for year in (2024, 2023, 2022):
        app.selectbox(key="pub_year").set_value(year).run()
        table = app.dataframe[0].value
        ranks = dict(zip(table["Tỉnh, thành phố"], table["Hạng"]))
        (fig,) = _maps(app)
        z = _coloured(fig)
        ranked = {e: r for e, r in ranks.items() if not pd.isna(r)}
        assert len(ranked) == 63, year  # every province ranked in the table …
        assert set(ranked) <= set(z), (year, set(ranked) - set(z))  # … has a coloured outline
        assert all(z[e] == float(r) for e, r in ranked.items()), year  # with the table's value
        assert "Gia Lai" in z and "Gia Lai" not in _grey(fig)
        provinces = {loc for loc in set(z) | _grey(fig) if not loc.startswith("QĐ")}
        assert len(provinces) == 63  # 63 outlines for a 63-province year


@pytest.mark.parametrize("year", [2024, 2025])
def test_34_map_colours_the_tables_rows(app, year):
    go(app, "pages/rankings.py")
    app.sidebar.selectbox(key="w_year").set_value(year).run()
    table = app.dataframe[0].value
    points = dict(zip(table["Tỉnh, thành phố"], table["Tổng điểm"]))
    (fig,) = _maps(app)
    z = _coloured(fig)
    assert len(points) == 34 and set(points) <= set(z)
    assert all(z[e] == pytest.approx(_vi(v), abs=0.005) for e, v in points.items())  # shown with 2 decimals
    assert len({loc for loc in set(z) | _grey(fig) if not loc.startswith("QĐ")}) == 34  # 34 outlines
    assert not _grey(fig)


def test_map_outlines_follow_the_entities():
    assert analysis.map_outlines(["Gia Lai", "Hà Nội"]) == "34"
    assert analysis.map_outlines(["Gia Lai", "Bình Định"]) == "63"


def test_archipelagos_are_named_in_full_whatever_the_labels_given():
    from dashboard import data

    values = pd.DataFrame({"entity": ["Đà Nẵng", "Khánh Hòa"], "total": [700.0, 710.0]})
    for labels in (None, {"archipelago_hoang_sa": "Quần đảo Hoàng Sa<br>(Đà Nẵng)"}, {"hoang_sa": "Quần đảo Hoàng Sa"}):
        fig = charts.province_map(values, data.geojson("34"), "Gia Lai", "vi", value_col="total",
                                  archipelago_labels=labels)
        texts = " ".join(a.text for a in fig.layout.annotations) + " ".join(
            " ".join(map(str, t.customdata)) for t in fig.data if t.customdata is not None)
        assert "QĐ" not in texts and "Quần đảo Hoàng Sa" in texts and "Quần đảo Trường Sa" in texts


# --- trends: the province's own figures beside its published history ---------------------------------

def test_trends_after_an_own_import_show_the_published_2024_point(app):
    from dashboard import data
    from tests.test_provenance import own_file, upload_and_commit

    upload_and_commit(app, "gialai_2025.csv", own_file(data.store()))
    go(app, "pages/trends.py")
    assert app.session_state["dataset"] == "own"
    figs = [json.loads(el.proto.spec) for el in app.get("plotly_chart")]
    total, _, rank = figs[:3]
    pub = [t for t in total["data"] if t.get("name") == "Gia Lai — kết quả đã công bố"]
    assert len(pub) == 1
    xs, ys = _arr(pub[0]["x"]), _arr(pub[0]["y"])
    base = analysis.baseline_2024(data.published(), data.entities("63")).set_index("entity").loc["Gia Lai"]
    assert ys[xs.index(2024)] == pytest.approx(base["value"] * 1000)
    # No line across a method change (checked on every trace below); the 2025 own figure is another trace.
    assert 2025 not in xs and _no_line_across_methods(xs)
    symbols = pub[0]["marker"]["symbol"]
    assert symbols[xs.index(2024)] == "circle-open"  # the 34-group value of 2024 is derived (mean)
    own = [t for t in total["data"] if t.get("name") == "Gia Lai"]
    assert own and 2025 in _arr(own[0]["x"])
    rank_pub = [t for t in rank["data"] if t.get("name") == "Gia Lai — kết quả đã công bố"][0]
    rx = _arr(rank_pub["x"])
    assert _arr(rank_pub["y"])[rx.index(2024)] == 31
    assert rank_pub["marker"]["symbol"][rx.index(2024)] == "circle"  # a published (press) rank
    assert "hạng 31/34 — Báo chí" in rank_pub["text"][rx.index(2024)]
    # The own rank 1/1 is not drawn as a rank of the 34.
    assert not [t for t in rank["data"] if t.get("name") == "Gia Lai"]
    assert any("chưa vẽ" in c.value for c in app.caption)
    breaks = [s for s in total["layout"].get("shapes", []) if s.get("type") == "line"]
    assert 2024.5 in {s["x0"] for s in breaks}  # the 2025 method change between the published and own figures
    lo, hi = total["layout"]["xaxis"]["range"]
    assert all(lo < s["x0"] < hi for s in breaks)


def _no_line_across_methods(xs) -> bool:
    """Consecutive points of one line are in the same method period (a None cuts the line)."""
    return all(a is None or b is None or analysis.method_period(a) == analysis.method_period(b)
               for a, b in zip(xs, xs[1:]))


def test_published_history_is_cut_at_each_method_change_and_marks_derived_points():
    hist = pd.DataFrame({"entity": "A", "year": [2020, 2021, 2022, 2023, 2024],
                         "points": [400.0, 450, 600, 650, 700], "rank": [3, 2, 2, 1, 1],
                         "value_kind": ["official", "press", "derived_mean", "third_party", "derived_mean"],
                         "rank_kind": ["official", "press", "derived_sort", "press", "press"], "n_ranked": 34})
    hist["period"] = [analysis.method_period(y) for y in hist["year"]]
    fig = charts.trend_lines(pd.DataFrame({"entity": ["A"], "year": [2025], "points": [720.0]}), "A")
    charts.add_published_history(fig, hist, "points", {"A": charts.FOCUS_COLOR}, {"A": "A — công bố"},
                                 str, lambda r: "", {2022: "đổi 2022", 2025: "đổi 2025"}, (2020, 2025))
    pub = [t for t in fig.data if t.name == "A — công bố"][0]
    xs = list(pub.x)
    assert xs == [2020, 2021, None, 2022, 2023, 2024] and _no_line_across_methods(xs)
    assert list(pub.marker.symbol) == ["circle", "circle", "circle", "circle-open", "circle", "circle-open"]
    assert pub.line.dash == "dot" and pub.marker.color == charts.FOCUS_COLOR
    assert sorted(s.x0 for s in fig.layout.shapes) == [2021.5, 2024.5]


def test_trends_on_sample_data_draw_no_published_series(app):
    go(app, "pages/trends.py")
    figs = [json.loads(el.proto.spec) for el in app.get("plotly_chart")]
    assert not [t for t in figs[0]["data"] if "kết quả đã công bố" in str(t.get("name"))]


# --- targets on the indicator's own scale ------------------------------------------------------------

@pytest.mark.parametrize("target, scale, maximum, expected", [
    (20, 30, 80, 20 / 30 * 80),   # 1.5 as printed: 20/30 (QĐ 405 scale) of a draft maximum of 80
    (20, 30, 20, 20 / 30 * 20),   # 1.4
    (16, 20, 20, 16),             # printed on the indicator's own scale: unchanged
    (40, None, 40, 40),           # no printed scale: as printed
    (60, 50, 40, 40),             # never above the maximum
    (np.nan, 30, 80, np.nan),
])
def test_target_on_the_indicators_scale(target, scale, maximum, expected):
    got = analysis.target_on_scale(target, scale, maximum)
    assert (np.isnan(got) and np.isnan(expected)) or got == pytest.approx(expected)


def test_targets_page_puts_target_current_and_maximum_on_one_scale(app):
    go(app, "pages/targets.py")
    table = app.dataframe[1].value.set_index("Mã")
    row = table.loc["1.5"]
    assert _vi(row["Điểm tối đa"]) == 80 and _vi(row["Mục tiêu"]) == pytest.approx(20 / 30 * 80, abs=0.005)
    assert row["Mục tiêu như in (điểm/thang)"] == "20/30"
    assert all(_vi(t) <= _vi(m) for t, m in zip(table["Mục tiêu"], table["Điểm tối đa"]) if t not in (None, "", "—"))
    fig = json.loads(app.get("plotly_chart")[-1].proto.spec)
    marks = [t for t in fig["data"] if t["type"] == "scatter"][0]
    bars = [t for t in fig["data"] if t["type"] == "bar"]
    i = [y.startswith("1.5.") for y in _arr(marks["y"])].index(True)
    assert _arr(marks["x"])[i] == pytest.approx(20 / 30 * 80)  # the mark placed by its value on the points axis
    assert _arr(bars[0]["x"])[i] == 80 and _arr(bars[1]["x"])[i] == pytest.approx(_vi(row["Điểm hiện tại"]), abs=0.005)


# --- rank changes in words ------------------------------------------------------------------------------

@pytest.mark.parametrize("change, delta, arrow", [(0, "giữ nguyên hạng", "off"), (3, "+3 bậc", None),
                                                  (-2, "-2 bậc", None), (None, None, None)])
def test_rank_delta_words(change, delta, arrow):
    from dashboard.i18n import t

    got = analysis.rank_delta(change, lambda key, **kw: t(key, "vi", **kw))
    assert got.get("delta") == delta and got.get("delta_arrow") == arrow


def test_whatif_says_rank_kept_not_plus_zero(app):
    go(app, "pages/whatif.py")
    rank = [m for m in app.metric if m.label == "Hạng mô phỏng"][0]
    assert rank.delta == "giữ nguyên hạng" and "+0" not in str(rank.delta)


def test_whatif_item_labels_are_whole():
    from scoring import load_framework

    fw = load_framework("dti_province_2025")
    long = [v.meaning_vi for leaf in fw.leaves for v in leaf.variables if v.name.startswith("item")
            and len(v.meaning_vi) > 90]
    assert long  # the case the page used to cut at 90 characters
    src = open("pages/whatif.py", encoding="utf-8").read()
    assert "[:90]" not in src and "wrap=True" in src


def test_published_rankings_show_no_dataset_switch_but_scored_pages_do(app):
    from dashboard import data
    from tests.test_provenance import own_file, upload_and_commit

    upload_and_commit(app, "gialai_2025.csv", own_file(data.store()))
    go(app, "pages/rankings.py")
    switch = app.sidebar.radio(key="w_dataset")
    assert switch.value == "own" and "DỮ LIỆU MẪU" in switch.options
    switch.set_value("sample").run()
    assert any("DỮ LIỆU MẪU" in w.value for w in app.warning)  # SAMPLE figures shown: the SAMPLE badge
    app.sidebar.radio(key="w_group").set_value("63").run()
    sidebar_text = " ".join(r.label + " ".join(map(str, r.options)) for r in app.sidebar.radio)
    assert "DỮ LIỆU MẪU" not in sidebar_text and not any("DỮ LIỆU MẪU" in w.value for w in app.warning)
    assert any("chỉ có kết quả đã công bố" in c.value for c in app.sidebar.caption)
    app.sidebar.radio(key="w_group").set_value("34").run()
    assert app.sidebar.radio(key="w_dataset").value == "sample"  # the choice was kept
