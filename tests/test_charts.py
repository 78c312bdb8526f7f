"""Chart builders are pure: DataFrames in, plotly figures out (no Streamlit needed)."""
import pandas as pd
import pytest

from dashboard import analysis, charts, fmt
from loaders.bootstrap import sample_file
from scoring import load_framework, score

FW = load_framework("dti_province_2025")
RESULT = score(FW, pd.read_csv(sample_file()))


@pytest.mark.parametrize("x,decimals,lang,expected", [
    (1234.5678, 2, "vi", "1.234,57"), (1234.5678, 2, "en", "1,234.57"), (-0.5, 1, "vi", "-0,5"),
    (float("nan"), 2, "vi", "—"), (3, 0, "vi", "3"), (1000000, 0, "vi", "1.000.000"),
])
def test_vietnamese_number_format(x, decimals, lang, expected):
    assert fmt.number(x, decimals, lang) == expected


def test_main_index_bars_use_one_colour_per_main_index():
    ov = analysis.overview(RESULT, "Gia Lai", 2025)
    fig = charts.main_index_bars(ov.main, {c: c for c in ov.main["code"]}, "vi",
                                 fmt=lambda v, d: fmt.number(v, d, "vi"))
    bars = fig.data[1]
    assert list(bars.marker.color) == [charts.MAIN_COLORS[c] for c in reversed(list(ov.main["code"]))]
    assert all("," in t or t.endswith(" / 200") or "/" in t for t in bars.text)
    assert fig.layout.separators == ",."


def test_ranking_bars_highlight_focus_and_cutoffs():
    table = analysis.ranking_table(RESULT, 2025)
    fig = charts.ranking_bars(table, "Gia Lai", value_col="total")
    assert list(fig.data[0].marker.color).count(charts.FOCUS_COLOR) == 1
    cut_lines = [s for s in fig.layout.shapes if s.line.dash == "dash"]
    ordered = table.sort_values("total", ascending=False)["total"].to_numpy()
    assert sorted(s.x0 for s in cut_lines) == sorted([ordered[19], ordered[14]])


def test_radar_series_and_figure():
    codes = [m.code for m in FW.main_indices()]
    series = analysis.radar_series(RESULT, 2025, "Gia Lai", codes, peer="Huế")
    assert set(series["series"]) == {"focus", "average", "cutoff", "best", "peer"}
    fig = charts.radar(series, {c: c for c in codes}, {k: k for k in set(series["series"])})
    focus = next(t for t in fig.data if t.name == "focus")
    assert len(focus.r) == 7 and focus.r[0] == focus.r[-1]  # closed polygon
    assert max(max(t.r) for t in fig.data) <= 100


def test_tile_map_has_all_34_and_the_archipelagos():
    table = analysis.ranking_table(RESULT, 2025)
    fig = charts.tile_map(table, "Gia Lai", "total", {}, archipelago_labels={
        "archipelago_hoang_sa": "Hoàng Sa", "archipelago_truong_sa": "Trường Sa"})
    assert len(fig.data[0].x) == 34 == len(charts.TILE_GRID)
    assert {a.text for a in fig.layout.annotations} == {"Hoàng Sa", "Trường Sa"}


def test_waterfall_and_rank_distribution():
    steps = pd.DataFrame({"label": ["1.3", "6.3"], "gain": [10.0, -2.5]})
    fig = charts.waterfall(steps, "before", "after", 600.0, fmt=lambda v: fmt.number(v, 2, "vi"))
    assert list(fig.data[0].x) == ["before", "1.3", "6.3", "after"] and fig.layout.xaxis.type == "category"
    assert fig.data[0].text[-1] == "607,50"
    dist = charts.rank_distribution(pd.Series([20, 20, 21, 15]))
    assert list(dist.data[0].x) == [15, 20, 21]
