"""Chart builders are pure: DataFrames in, plotly figures out (no Streamlit needed)."""
import pandas as pd
import pytest

from dashboard import analysis, charts, fmt
from office.bootstrap import sample_file
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


def many_entities(n: int, years=(2023, 2024, 2025)) -> pd.DataFrame:
    rows = [{"entity": f"Xã {i:04d}", "year": y, "points": 500 + (i * 37 % 400) + 10 * k, "rank": 1 + (i + k) % n}
            for i in range(n) for k, y in enumerate(years)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("n", [3, 34, 700])
@pytest.mark.parametrize("builder", ["trend_lines", "rank_trajectories"])
def test_trend_charts_do_not_grow_with_the_number_of_entities(n, builder):
    df = many_entities(n)
    focus, peers = "Xã 0001", ["Xã 0002"]
    fig = getattr(charts, builder)(df, focus, highlight=peers, lang="vi")
    assert len(fig.data) == 3  # the others in one trace, the peer, the focus (drawn last, on top)
    others, peer, mine = fig.data
    assert (peer.name, mine.name) == ("Xã 0002", focus) and mine.line.color == charts.FOCUS_COLOR
    assert not others.showlegend and peer.showlegend and mine.showlegend
    # n - 2 lines of 3 points, separated by n - 3 gaps; each point's entity in the hover data.
    assert len(others.x) == 3 * (n - 2) + (n - 3)
    assert sum(v is None for v in others.customdata) == n - 3
    import math
    assert sum(math.isnan(v) for v in others.y) == n - 3
    first = others.customdata[0]
    assert first == "Xã 0000" and list(others.x[:3]) == [2023, 2024, 2025]
    expected_hover = "#%{y}" if builder == "rank_trajectories" else "%{y:,.2f}"
    assert all(expected_hover in tr.hovertemplate for tr in fig.data)
    assert "%{customdata}" in others.hovertemplate
    assert fig.layout.separators == ",."


def test_gapped_lines_keeps_each_entity_values_in_year_order():
    df = pd.DataFrame({"entity": ["b", "a", "b", "a"], "year": [2025, 2025, 2024, 2024], "points": [4, 2, 3, 1]})
    x, y, cols = charts.gapped_lines(df, "entity", "year", "points")
    assert list(cols["entity"]) == ["a", "a", None, "b", "b"]
    assert [v for v in y if v == v] == [1, 2, 3, 4] and x[2] != x[2]  # NaN gap between the two lines


@pytest.mark.parametrize("n", [4, 700])
def test_slope_chart_has_at_most_three_traces(n):
    df = many_entities(n, years=(2024, 2025))
    fig = charts.slope_chart(df, 2024, 2025, "Xã 0001", lang="vi")
    assert len(fig.data) <= 3
    focus = fig.data[-1]
    assert focus.name == "Xã 0001" and list(focus.text) == ["", "Xã 0001"]
    segments = sum(len(tr.x) // 3 for tr in fig.data[:-1])
    assert segments == n - 1


def test_history_chart_others_in_one_trace():
    history = pd.DataFrame({"entity": ["A", "A", "B", "B", "Gia Lai", "Gia Lai"], "year": [2021, 2022] * 3,
                            "value": [0.4, 0.5, 0.3, 0.35, 0.45, 0.5],
                            "value_kind": ["press", "third_party"] * 3, "rank": [None] * 6, "n_ranked": [None] * 6,
                            "rank_kind": [None] * 6})
    fig = charts.history_chart(history, ["Gia Lai"], {"press": "báo chí", "third_party": "bên thứ ba"},
                               breaks={2022: "phương pháp mới"})
    assert len(fig.data) == 2 and fig.data[1].name == "Gia Lai"
    others = fig.data[0]
    # A and B, each cut at the 2022 method break: four one-point segments joined by gaps
    assert list(others.x[~pd.isna(others.x)]) == [2021, 2022, 2021, 2022]
    assert sum(pd.isna(others.x)) == 3
    assert list(others.marker.symbol)[:1] == ["circle"] and "diamond" in list(others.marker.symbol)


def ranked(n: int, missing: int = 0) -> pd.DataFrame:
    """n entities, 'Xã 0000' best; the last `missing` have no value."""
    values = [1000.0 - i for i in range(n - missing)] + [float("nan")] * missing
    return pd.DataFrame({"entity": [f"Xã {i:04d}" for i in range(n)], "v": values,
                         "rank": list(range(1, n - missing + 1)) + [float("nan")] * missing})


def layout_of(rows: pd.DataFrame) -> list:
    """Rows as ranks for bars and ('gap', hidden) for gaps, top to bottom."""
    return [int(r.rank) if r.kind == "bar" else ("gap", int(r.hidden)) for r in rows.itertuples()]


@pytest.mark.parametrize("n,focus,peers,expected", [
    # the focus in the middle: top 10, gap, focus ±2, gap, bottom 5
    (3321, "Xã 1500", (), list(range(1, 11)) + [("gap", 1488)] + list(range(1499, 1504))
     + [("gap", 1813)] + list(range(3317, 3322))),
    # the focus inside the top 10: no neighbourhood of its own
    (3321, "Xã 0003", (), list(range(1, 11)) + [("gap", 3306)] + list(range(3317, 3322))),
    # the focus next to the top 10: the runs join, no gap between them
    (3321, "Xã 0011", (), list(range(1, 15)) + [("gap", 3302)] + list(range(3317, 3322))),
    # the focus last; a peer far away
    (700, "Xã 0699", ("Xã 0300",), list(range(1, 11)) + [("gap", 290), 301, ("gap", 394)]
     + list(range(696, 701))),
    # unknown focus and peer: top and bottom only
    (50, "Nowhere", ("Nobody",), list(range(1, 11)) + [("gap", 35)] + list(range(46, 51))),
])
def test_ranking_rows_choose_top_focus_bottom_peers_and_mark_gaps(n, focus, peers, expected):
    rows = charts.ranking_rows(ranked(n), focus, "v", peers=peers)
    assert layout_of(rows) == expected
    assert rows["hidden"].sum() + (rows["kind"] == "bar").sum() == n  # every entity drawn or counted
    assert (rows["kind"] == "bar").sum() <= 30
    roles = dict(zip(rows["entity"], rows["role"]))
    if focus in roles:
        assert roles[focus] == "focus"
    for p in peers:
        assert roles.get(p, "peer") in ("peer", "top", "bottom", "neighbour")


def test_ranking_rows_leave_entities_without_a_value_in_a_trailing_gap():
    rows = charts.ranking_rows(ranked(60, missing=4), "Xã 0058", "v")  # the focus has no value
    assert layout_of(rows) == list(range(1, 11)) + [("gap", 41)] + list(range(52, 57)) + [("gap", 4)]
    assert "focus" not in set(rows["role"])


@pytest.mark.parametrize("n,condensed", [(34, False), (40, False), (41, True), (700, True), (3321, True)])
def test_ranking_bars_stay_small_above_the_full_limit(n, condensed):
    table = ranked(n)
    focus = f"Xã {n // 2:04d}"
    fig = charts.ranking_bars(table, focus, "v", cutoffs=(20, 15), lang="vi", title="t",
                              gap_label="… {n} đơn vị khác …", peers=("Xã 0030",))
    bars = fig.data[0]
    assert len(fig.data) == 1
    colors = list(bars.marker.color)
    assert colors.count(charts.FOCUS_COLOR) == 1
    assert len(bars.x) <= 30 if condensed else len(bars.x) == n
    assert fig.layout.height <= (22 * 32 + 80 if condensed else 22 * n + 80)
    gaps = [a.text for a in fig.layout.annotations if "khác" in a.text]
    cut = [a.text for a in fig.layout.annotations if a.text.startswith("Top")]
    assert sorted(cut) == ["Top 15", "Top 20"]
    if not condensed:
        assert gaps == [] and list(bars.y)[-1] == "Xã 0000"
        return
    rows = charts.ranking_rows(table, focus, "v", peers=("Xã 0030",))
    hidden = rows.loc[rows["kind"] == "gap", "hidden"]
    assert gaps == [f"… {fmt.number(h, 0, 'vi')} đơn vị khác …" for h in hidden]
    ticks = list(fig.layout.yaxis.ticktext)
    assert ticks[0] == "1. Xã 0000" and ticks[-1] == f"{fmt.number(n, 0, 'vi')}. Xã {n - 1:04d}"
    assert fig.layout.yaxis.autorange == "reversed"
    # gaps sit on rows of their own: no gap annotation shares a row with a bar
    assert not set(a.y for a in fig.layout.annotations if "khác" in a.text) & set(bars.y)
    assert colors[list(bars.y).index(rows.index[rows["entity"] == "Xã 0030"][0])] == charts.SERIES_COLORS["peer"]


def test_gap_label_uses_vietnamese_thousands():
    fig = charts.ranking_bars(ranked(3321), "Xã 1500", "v", cutoffs=(), gap_label="… {n} đơn vị khác …")
    assert "… 1.813 đơn vị khác …" in [a.text for a in fig.layout.annotations]


@pytest.mark.parametrize("n", [41, 700, 3321])
def test_value_distribution_is_one_binned_trace_with_the_focus_marked(n):
    table = ranked(n)
    fig = charts.value_distribution(table, "Xã 0005", "v", peers=("Xã 0010", "Xã 0005"), lang="vi",
                                    focus_text="Xã 0005: 995,00 (hạng 6)", bins=40)
    hist, peer = fig.data
    assert len(hist.x) == 40 and sum(hist.y) == n  # every entity counted, the size fixed
    assert list(peer.text) == ["Xã 0010"] and list(peer.x) == [990.0]
    focus_lines = [s for s in fig.layout.shapes if s.line.color == charts.FOCUS_COLOR]
    assert [s.x0 for s in focus_lines] == [995.0]
    assert [a.text for a in fig.layout.annotations] == ["Xã 0005: 995,00 (hạng 6)"]
    assert "," in hist.customdata[0] and fig.layout.separators == ",."


def test_value_distribution_without_focus_or_values():
    fig = charts.value_distribution(ranked(50, missing=50), "Xã 0001", "v")
    assert sum(fig.data[0].y) == 0 and len(fig.data) == 1 and not fig.layout.shapes
