"""Pure chart builders: DataFrames in, plotly figures out (unit-tested without Streamlit).

One colour per main index, used everywhere. Labels come from the caller (already translated);
number separators follow the UI language (Vietnamese 1.234,56).

Why one module: the pure plotly builders share one look (fonts, separators, margins for presentation mode,
the map's islands); each builder is a plain function tested on its own in tests/test_charts.py.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.fmt import number as fmt_number
from dashboard.fmt import plotly_separators

FONT = "Inter, 'Source Sans Pro', 'DejaVu Sans', 'Liberation Sans', sans-serif"
MAIN_COLORS = {
    "1": "#1f6fb2",  # hạ tầng & nền tảng số — blue
    "2": "#7b4fb0",  # nhân lực số — purple
    "3": "#c0392b",  # an toàn thông tin — red
    "4": "#16957f",  # chính quyền số — teal
    "5": "#d68910",  # kinh tế số — amber
    "6": "#4f8a1f",  # xã hội số — green
}
FOCUS_COLOR = "#d62828"
OTHER_COLOR = "#9aa5b1"
SERIES_COLORS = {"focus": FOCUS_COLOR, "average": "#555f6d", "cutoff": "#1f6fb2", "best": "#16957f",
                 "peer": "#d68910"}
SERIES_DASH = {"focus": "solid", "average": "dot", "cutoff": "dash", "best": "solid", "peer": "dashdot"}

# Tile-grid map of the 34 provinces (col, row): north at the top, roughly geographic.
TILE_GRID = {
    "Lai Châu": (1, 0), "Lào Cai": (2, 0), "Tuyên Quang": (3, 0), "Cao Bằng": (4, 0),
    "Điện Biên": (0, 1), "Sơn La": (1, 1), "Phú Thọ": (2, 1), "Thái Nguyên": (3, 1), "Lạng Sơn": (4, 1),
    "Hà Nội": (2, 2), "Bắc Ninh": (3, 2), "Quảng Ninh": (4, 2),
    "Ninh Bình": (2, 3), "Hưng Yên": (3, 3), "Hải Phòng": (4, 3),
    "Thanh Hóa": (2, 4), "Nghệ An": (2, 5), "Hà Tĩnh": (2, 6), "Quảng Trị": (3, 7), "Huế": (3, 8),
    "Đà Nẵng": (4, 9), "Quảng Ngãi": (4, 10), "Gia Lai": (4, 11), "Đắk Lắk": (4, 12),
    "Lâm Đồng": (3, 13), "Khánh Hòa": (4, 13),
    "Tây Ninh": (1, 14), "Đồng Nai": (2, 14), "Hồ Chí Minh": (3, 14),
    "An Giang": (0, 15), "Đồng Tháp": (1, 15), "Vĩnh Long": (2, 15),
    "Cà Mau": (0, 16), "Cần Thơ": (1, 16),
}
# Vietnam's archipelagos are shown on every map of the country (administered by Đà Nẵng and Khánh Hòa).
ARCHIPELAGOS = [((6.2, 9), "archipelago_hoang_sa"), ((6.2, 13.6), "archipelago_truong_sa")]


def _catalog(key: str, lang: str) -> str:
    from dashboard.i18n import t

    return t(key, lang)


def _layout(fig: go.Figure, lang: str, height: int | None = None, title: str | None = None) -> go.Figure:
    fig.update_layout(
        font=dict(family=FONT, size=14),
        separators=plotly_separators(lang),
        margin=dict(l=10, r=30, t=60 if title else 20, b=10),
        paper_bgcolor="white",
        plot_bgcolor="white",
        title=dict(text=title, x=0, xanchor="left", y=0.98, yanchor="top") if title else None,
        # Legends sit under the plot so they never run into the title.
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0),
    )
    if height:
        fig.update_layout(height=height)
    return fig


def main_index_bars(main: pd.DataFrame, labels: dict[str, str], lang: str = "vi",
                    title: str | None = None, points_label: str = "điểm", fmt=None) -> go.Figure:
    """Horizontal bars of each main index's points against its maximum (grey track)."""
    fmt = fmt or (lambda v, d: f"{v:,.{d}f}")
    main = main.iloc[::-1]
    names = [labels.get(c, c) for c in main["code"]]
    fig = go.Figure()
    fig.add_bar(y=names, x=main["max_points"], orientation="h", marker_color="#e9edf1", hoverinfo="skip",
                showlegend=False, name="max")
    fig.add_bar(
        y=names, x=main["points"], orientation="h",
        marker_color=[MAIN_COLORS.get(c, OTHER_COLOR) for c in main["code"]],
        customdata=np.stack([main["max_points"], 100 * main["value"]], axis=1),
        hovertemplate="%{y}<br>%{x:,.2f} / %{customdata[0]:,.0f} " + points_label
                      + " (%{customdata[1]:.1f}%)<extra></extra>",
        text=[f"{fmt(p, 1)} / {fmt(m, 0)}" for p, m in zip(main["points"], main["max_points"])],
        textposition="outside", showlegend=False, name="points",
    )
    fig.update_layout(barmode="overlay", xaxis=dict(showgrid=True, gridcolor="#eef1f4"))
    return _layout(fig, lang, height=60 + 48 * len(main), title=title)


# Up to this many entities the ranking chart draws every bar (the 34 provinces, a province's
# departments or communes); above it, the condensed chart below plus a distribution of all values.
FULL_RANKING_MAX = 40


def ranking_rows(table: pd.DataFrame, focus: str | None, value_col: str = "total", peers=(),
                 top: int = 10, around: int = 2, bottom: int = 5) -> pd.DataFrame:
    """The rows a condensed ranking chart draws, best first: the top `top`, the focus with `around`
    neighbours each side, the bottom `bottom` of the scored entities and the chosen `peers`; every run
    of rows left out becomes one gap row carrying how many it hides. Entities without a value come
    last and are never drawn (a trailing gap counts them).

    Columns: kind ('bar' | 'gap'), entity, value, rank, role ('top' | 'focus' | 'neighbour' |
    'bottom' | 'peer'; '' for gaps), hidden (entities a gap row stands for; 0 for bars)."""
    t = table.assign(_v=pd.to_numeric(table[value_col], errors="coerce"))
    t = t.sort_values(["_v", "entity"], ascending=[False, True], na_position="last").reset_index(drop=True)
    scored = int(t["_v"].notna().sum())
    entities = t["entity"].tolist()
    role: dict[int, str] = {}

    def take(positions, name):
        for i in positions:
            if 0 <= i < scored:
                role.setdefault(i, name)

    pos = {e: i for i, e in enumerate(entities)}
    if focus in pos and pos[focus] < scored:
        f = pos[focus]
        take([f], "focus")
        take(range(f - around, f + around + 1), "neighbour")
    take(range(min(top, scored)), "top")
    take(range(max(scored - bottom, 0), scored), "bottom")
    take([pos[p] for p in peers if p in pos], "peer")
    rows, prev = [], -1
    ranks = t["rank"].to_numpy() if "rank" in t else np.arange(1, len(t) + 1)
    for i in sorted(role):
        if i - prev > 1:
            rows.append(("gap", None, np.nan, np.nan, "", i - prev - 1))
        rows.append(("bar", entities[i], float(t["_v"].iat[i]), ranks[i], role[i], 0))
        prev = i
    if len(t) - 1 - prev > 0:
        rows.append(("gap", None, np.nan, np.nan, "", len(t) - 1 - prev))
    return pd.DataFrame(rows, columns=["kind", "entity", "value", "rank", "role", "hidden"])


def _cutoff_lines(fig: go.Figure, table: pd.DataFrame, value_col: str, cutoffs, cutoff_label: str) -> list:
    ranked = table.sort_values(value_col, ascending=False)[value_col].dropna().to_numpy()
    # Cut-off lines are often a few points apart: the lower line's label goes to its left, the higher
    # line's to its right, so "Nhóm 20" and "Nhóm 15" never print over each other.
    lines = sorted(((float(ranked[n - 1]), n) for n in cutoffs if len(ranked) >= n))
    for i, (x, n) in enumerate(lines):
        side = "left" if i == 0 and len(lines) > 1 else "right"
        fig.add_vline(x=x, line_dash="dash", line_color="#1f2933", line_width=1,
                      annotation_text=cutoff_label.format(n=n), annotation_position=f"top {side}",
                      annotation=dict(xanchor="right" if side == "left" else "left", yref="paper", y=1.0,
                                      yanchor="bottom", font=dict(size=13, color="#1f2933")))
    return lines


def ranking_bars(table: pd.DataFrame, focus: str, value_col: str = "total", cutoffs=(20, 15),
                 lang: str = "vi", title: str | None = None, cutoff_label: str = "Top {n}",
                 entity_labels: dict[str, str] | None = None, peers=(),
                 gap_label: str = "… {n} khác …") -> go.Figure:
    """Horizontal bars, best at the top; the focus highlighted; top-N cut-off lines. Up to
    FULL_RANKING_MAX entities every one is drawn; above, only the rows of `ranking_rows` (about 30,
    whatever the number of entities), each labelled with its rank, and each run of rows left out
    marked by `gap_label` ("{n}" = how many, in the UI's number format)."""
    if len(table) > FULL_RANKING_MAX:
        return _condensed_ranking_bars(table, focus, value_col, cutoffs, lang, title, cutoff_label,
                                       entity_labels, peers, gap_label)
    t = table.sort_values(value_col, ascending=True)
    labels = [entity_labels.get(e, e) if entity_labels else e for e in t["entity"]]
    colors = [FOCUS_COLOR if e == focus else (SERIES_COLORS["peer"] if e in peers else OTHER_COLOR)
              for e in t["entity"]]
    fig = go.Figure(go.Bar(
        y=labels, x=t[value_col].to_numpy(dtype=float), orientation="h", marker=dict(color=colors),
        customdata=t[["rank"]].to_numpy(),
        hovertemplate="%{y}: %{x:,.2f} (#%{customdata[0]})<extra></extra>",
    ))
    lines = _cutoff_lines(fig, table, value_col, cutoffs, cutoff_label)
    fig.update_layout(yaxis=dict(tickfont=dict(size=12)), bargap=0.25 if len(t) > 6 else 0.6)
    fig.update_xaxes(rangemode="tozero")  # a bar's length is its value: the axis starts at 0
    fig = _layout(fig, lang, height=max(360, 22 * len(t) + 80), title=title)
    if lines:  # room above the bars for the cut-off labels, under the title
        fig.update_layout(margin=dict(t=90 if title else 40))
    return fig


def _condensed_ranking_bars(table, focus, value_col, cutoffs, lang, title, cutoff_label, entity_labels,
                            peers, gap_label) -> go.Figure:
    rows = ranking_rows(table, focus, value_col, peers=peers)
    bars = rows.loc[rows["kind"] == "bar"]
    y = bars.index.to_numpy()  # one row per drawn bar or gap, top to bottom
    names = [entity_labels.get(e, e) if entity_labels else e for e in bars["entity"]]
    ranks = ["—" if pd.isna(r) else fmt_number(r, 0, lang) for r in bars["rank"]]
    colors = [FOCUS_COLOR if r == "focus" else (SERIES_COLORS["peer"] if r == "peer" else OTHER_COLOR)
              for r in bars["role"]]
    fig = go.Figure(go.Bar(
        y=y, x=bars["value"].to_numpy(dtype=float), orientation="h", marker=dict(color=colors),
        customdata=np.stack([names, ranks], axis=1),
        hovertemplate="%{customdata[0]}: %{x:,.2f} (#%{customdata[1]})<extra></extra>",
    ))
    for i, hidden in rows.loc[rows["kind"] == "gap", "hidden"].items():
        fig.add_annotation(x=0.5, xref="paper", xanchor="center", y=i, yref="y", showarrow=False,
                           text=gap_label.format(n=fmt_number(hidden, 0, lang)),
                           font=dict(size=12, color="#52606d"))
    lines = _cutoff_lines(fig, table, value_col, cutoffs, cutoff_label)
    fig.update_layout(bargap=0.25, yaxis=dict(
        tickmode="array", tickvals=y, ticktext=[f"{r}. {n}" for r, n in zip(ranks, names)],
        tickfont=dict(size=12), autorange="reversed", showgrid=False, zeroline=False))
    fig.update_xaxes(rangemode="tozero")
    fig = _layout(fig, lang, height=max(360, 22 * len(rows) + 80), title=title)
    if lines:
        fig.update_layout(margin=dict(t=90 if title else 40))
    return fig


def value_distribution(table: pd.DataFrame, focus: str | None, value_col: str = "total", peers=(),
                       lang: str = "vi", title: str | None = None, x_title: str = "", y_title: str = "",
                       focus_text: str | None = None, bins: int = 40) -> go.Figure:
    """Every entity's value in one histogram trace (its size does not grow with the number of
    entities); the focus as a red line named by `focus_text`, the chosen peers as markers on the axis."""
    values = pd.to_numeric(table[value_col], errors="coerce")
    # Binned here, not by plotly: the figure carries `bins` bars, not every value.
    counts, edges = np.histogram(values.dropna().to_numpy(dtype=float), bins=bins)
    ranges = [f"{fmt_number(a, 1, lang)}–{fmt_number(b, 1, lang)}" for a, b in zip(edges[:-1], edges[1:])]
    fig = go.Figure(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts, width=np.diff(edges),
                           marker=dict(color=OTHER_COLOR, line=dict(width=0)), showlegend=False,
                           customdata=ranges, hovertemplate="%{customdata}: %{y:,.0f}<extra></extra>"))
    by_entity = dict(zip(table["entity"], values))
    shown = [p for p in peers if p != focus and pd.notna(by_entity.get(p, np.nan))]
    if shown:
        fig.add_scatter(x=[by_entity[p] for p in shown], y=[0] * len(shown), mode="markers",
                        marker=dict(color=SERIES_COLORS["peer"], size=10, symbol="triangle-up"),
                        text=shown, hovertemplate="%{text}: %{x:,.2f}<extra></extra>", showlegend=False)
    if focus is not None and pd.notna(by_entity.get(focus, np.nan)):
        fig.add_vline(x=float(by_entity[focus]), line_color=FOCUS_COLOR, line_width=2,
                      annotation_text=focus_text or focus, annotation_position="top",
                      annotation=dict(yref="paper", y=1.0, yanchor="bottom",
                                      font=dict(size=13, color=FOCUS_COLOR)))
    fig.update_xaxes(title=x_title, showgrid=True, gridcolor="#eef1f4")
    fig.update_yaxes(title=y_title, gridcolor="#eef1f4")
    fig = _layout(fig, lang, height=260, title=title)
    fig.update_layout(margin=dict(t=80 if title else 40))
    return fig


def wrap_label(text: str, width: int = 22, max_lines: int | None = None) -> str:
    """Break a long axis label into short lines (radar axes have little room); never cut unless
    `max_lines` is given."""
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: width - 1] + "…"
    return "<br>".join(lines)


def radar(series: pd.DataFrame, axis_labels: dict[str, str], series_names: dict[str, str],
          lang: str = "vi", title: str | None = None, points_label: str = "điểm") -> go.Figure:
    """One trace per series; r = % of max; hover shows the points."""
    fig = go.Figure()
    for name in ["average", "cutoff", "best", "peer", "focus"]:
        s = series.loc[series["series"] == name]
        if s.empty:
            continue
        theta = [wrap_label(axis_labels.get(c, c), width=20) for c in s["code"]]
        r = list(100 * s["value"])
        fig.add_trace(go.Scatterpolar(
            r=r + r[:1], theta=theta + theta[:1], name=series_names.get(name, name), mode="lines+markers",
            line=dict(color=SERIES_COLORS[name], dash=SERIES_DASH[name], width=3 if name == "focus" else 2),
            fill="toself" if name == "focus" else None, opacity=1 if name == "focus" else 0.85,
            customdata=np.stack([list(s["points"]) + [s["points"].iloc[0]],
                                 list(s["max_points"]) + [s["max_points"].iloc[0]]], axis=1),
            hovertemplate="%{theta}<br>%{r:.1f}% — %{customdata[0]:,.2f} / %{customdata[1]:,.0f} "
                          + points_label + "<extra>%{fullData.name}</extra>",
        ))
    fig.update_layout(polar=dict(radialaxis=dict(range=[0, 100], ticksuffix="%", angle=90, tickfont=dict(size=10)),
                                 angularaxis=dict(tickfont=dict(size=12))))
    return _layout(fig, lang, height=600, title=title).update_layout(margin=dict(l=150, r=150, t=90, b=40))


def gapped_lines(df: pd.DataFrame, key_col: str, x_col: str, y_col: str,
                 extra: tuple[str, ...] = ()) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Many lines as one trace: x and y of every group (sorted by key, then x) joined with a NaN gap
    between groups (plotly breaks a line at a gap), and per point the key and the `extra` columns
    (None in the gaps). One trace draws as one path, however many entities there are."""
    d = df.sort_values([key_col, x_col], kind="stable")
    keys = d[key_col].to_numpy(dtype=object)
    n = len(d)
    breaks = np.flatnonzero(keys[1:] != keys[:-1]) + 1 if n else np.empty(0, dtype=np.int64)
    at = np.arange(n) + np.searchsorted(breaks, np.arange(n), side="right")  # shifted past the gaps
    size = n + len(breaks)
    x, y = np.full(size, np.nan), np.full(size, np.nan)
    x[at] = d[x_col].to_numpy(dtype=float)
    y[at] = d[y_col].to_numpy(dtype=float)
    cols = {}
    for col in (key_col, *extra):
        cols[col] = np.full(size, None, dtype=object)
        cols[col][at] = d[col].to_numpy(dtype=object)
    return x, y, cols


def trend_lines(df: pd.DataFrame, focus: str, value_col: str = "points", color_col: str = "entity",
                highlight: list[str] | None = None, lang: str = "vi", title: str | None = None,
                y_title: str = "", dashed: pd.Series | None = None) -> go.Figure:
    """Lines over years: every other entity in ONE grey trace (lines split by gaps, so the figure
    does not grow with the number of entities), then the highlighted ones and the focus on top,
    each its own coloured trace with a legend entry."""
    fig = go.Figure()
    highlight = [h for h in (highlight or []) if h != focus]
    palette = ["#1f6fb2", "#16957f", "#d68910", "#7b4fb0", "#4f8a1f"]
    names = df[color_col]
    others = df.loc[~names.isin([focus, *highlight])]
    if len(others):
        x, y, cols = gapped_lines(others, color_col, "year", value_col)
        # Small dots too: with a single year there is no line, and the others must still show.
        fig.add_scatter(x=x, y=y, customdata=cols[color_col], mode="lines+markers", name="", showlegend=False,
                        line=dict(color="#c5ccd3", width=1), marker=dict(color="#c5ccd3", size=4), connectgaps=False,
                        hovertemplate="%{customdata} %{x}: %{y:,.2f}<extra></extra>")
    for name in [*highlight, focus]:
        g = df.loc[names == name].sort_values("year")
        if g.empty:
            continue
        if name == focus:
            line = dict(color=FOCUS_COLOR, width=4)
        else:
            line = dict(color=palette[highlight.index(name) % len(palette)], width=2.5)
        fig.add_scatter(x=g["year"], y=g[value_col], mode="lines+markers", name=str(name), line=line,
                        marker=dict(size=10 if name == focus else 8),
                        showlegend=True, hovertemplate=f"{name} %{{x}}: %{{y:,.2f}}<extra></extra>")
    fig.update_xaxes(dtick=1, tickformat="d")
    fig.update_yaxes(title=y_title, gridcolor="#eef1f4")
    return _layout(fig, lang, height=420, title=title)


def add_published_history(fig: go.Figure, history: pd.DataFrame, y_col: str, colors: dict[str, str],
                          names: dict[str, str], kind_label, hover, breaks: dict[int, str] | None = None,
                          x_range: tuple[int, int] | None = None) -> go.Figure:
    """Draw published history (`analysis.published_beside_own` rows) beside a trend chart's own figures.

    One dotted trace per entity in its own colour (`colors[entity]`), legend `names[entity]`; the line is
    cut at every method period (never joined across methods, nor to the own figures, another trace);
    marker filled = published (official, press, third party), open = derived (`provenance.is_derived`).
    `hover(row)` writes a point's hover text (its value or rank and `kind_label(kind)`). `breaks`: {first
    year of a new method: label}, drawn as a dotted vertical line before that year."""
    from dashboard.provenance import is_derived

    kind_col = "rank_kind" if y_col == "rank" else "value_kind"
    for entity, g in history.dropna(subset=[y_col]).groupby("entity", sort=False):
        g = g.sort_values("year")
        xs, ys, symbols, texts, prev = [], [], [], [], None
        for _, r in g.iterrows():
            if prev is not None and r["period"] != prev:
                xs.append(None), ys.append(None), symbols.append("circle"), texts.append("")
            xs.append(int(r["year"])), ys.append(float(r[y_col]))
            symbols.append("circle-open" if is_derived(r[kind_col]) else "circle")
            texts.append(hover(r))
            prev = r["period"]
        color = colors.get(entity, OTHER_COLOR)
        fig.add_scatter(x=xs, y=ys, mode="lines+markers", name=names.get(entity, str(entity)), showlegend=True,
                        connectgaps=False, line=dict(color=color, width=2, dash="dot"),
                        marker=dict(symbol=symbols, size=10, color=color, line=dict(color=color, width=2)),
                        text=texts, hovertemplate="%{text}<extra></extra>")
    for year, label in (breaks or {}).items():
        if x_range is None or x_range[0] < year <= x_range[1]:
            fig.add_vline(x=year - 0.5, line_dash="dot", line_color="#d68910",
                          annotation_text=label, annotation_position="top left",
                          annotation=dict(font=dict(size=12, color="#9a6a00")))
    if x_range is not None:
        fig.update_xaxes(range=[x_range[0] - 0.4, x_range[1] + 0.4])
    return fig


TREND_PALETTE = ["#1f6fb2", "#16957f", "#d68910", "#7b4fb0", "#4f8a1f"]


def trend_colors(focus: str, highlight: list[str] | None) -> dict[str, str]:
    """The colour of each line of a trend chart: the focus red, the highlighted ones from TREND_PALETTE."""
    out = {h: TREND_PALETTE[i % len(TREND_PALETTE)] for i, h in enumerate(x for x in (highlight or []) if x != focus)}
    out[focus] = FOCUS_COLOR
    return out


def rank_trajectories(df: pd.DataFrame, focus: str, highlight: list[str] | None = None, lang: str = "vi",
                      title: str | None = None, y_title: str = "") -> go.Figure:
    fig = trend_lines(df, focus, value_col="rank", highlight=highlight, lang=lang, title=title, y_title=y_title)
    # A tick every 5 ranks for a few dozen entities; plotly's own ticks beyond that.
    fig.update_yaxes(autorange="reversed", dtick=5 if df["entity"].nunique() <= 60 else None)
    n = pd.to_numeric(df.get("n_ranked", df.get("rank")), errors="coerce").max() if len(df) else np.nan
    if pd.notna(n):  # the whole scale, rank 1 at the top (no rank 0)
        fig.update_yaxes(autorange=False, range=[float(n) + 0.5, 0.5])
    for tr in fig.data:
        tr.hovertemplate = tr.hovertemplate.replace("%{y:,.2f}", "#%{y}")
    return fig


def slope_chart(df: pd.DataFrame, year_a: int, year_b: int, focus: str, value_col: str = "points",
                lang: str = "vi", title: str | None = None) -> go.Figure:
    """Two columns (years), one line per entity; the focus in red, risers green, fallers grey.
    Risers and fallers are one trace each (segments split by gaps); the focus is its own trace."""
    a = df.loc[df["year"] == year_a].set_index("entity")[value_col]
    b = df.loc[df["year"] == year_b].set_index("entity")[value_col]
    common = a.index.intersection(b.index)
    a, b = a.loc[common], b.loc[common]
    fig = go.Figure()
    xa, xb = str(year_a), str(year_b)
    rising = (b >= a).to_numpy()
    is_focus = (common == focus)
    for mask, color in ((~is_focus & rising, "#4f8a1f"), (~is_focus & ~rising, "#9aa5b1")):
        if not mask.any():
            continue
        n = int(mask.sum())
        x = np.tile(np.array([xa, xb, None], dtype=object), n)
        y = np.column_stack([a.to_numpy()[mask], b.to_numpy()[mask], np.full(n, np.nan)]).reshape(-1)
        who = np.repeat(np.asarray(common[mask], dtype=object), 3)
        fig.add_scatter(x=x, y=y, customdata=who, mode="lines+markers", line=dict(color=color, width=1.5),
                        marker=dict(size=5), name="", showlegend=False, connectgaps=False,
                        hovertemplate="%{customdata}: %{y:,.2f}<extra></extra>")
    if is_focus.any():
        # The end label is the full name, never clipped: drawn outside the axes, with room kept for it.
        fig.add_scatter(x=[xa, xb], y=[a[focus], b[focus]], mode="lines+markers+text", cliponaxis=False,
                        line=dict(color=FOCUS_COLOR, width=4), text=["", focus],
                        textposition="middle right", textfont=dict(color=FOCUS_COLOR, size=14),
                        name=focus, showlegend=False, hovertemplate=f"{focus}: %{{y:,.2f}}<extra></extra>")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=[xa, xb])
    return _layout(fig, lang, height=480, title=title).update_layout(
        margin=dict(r=max(110, slope_label_room(focus))))


def slope_label_room(name: str, size: float = 14) -> int:
    """Pixels right of the plot a bold end label of `name` needs at `size` px (≈ 0.62 em a character)."""
    return int(len(str(name)) * 0.62 * size + 24)


def tile_map(values: pd.DataFrame, focus: str, value_col: str, labels: dict[str, str], lang: str = "vi",
             title: str | None = None, colorbar_title: str = "", archipelago_labels: dict[str, str] | None = None,
             fmt=lambda v: f"{v:,.1f}") -> go.Figure:
    """Tile-grid map of the 34 provinces (offline: no map tiles or CDN), coloured by `value_col`."""
    v = values.set_index("entity")[value_col]
    names = [n for n in TILE_GRID if n in v.index]
    xs = [TILE_GRID[n][0] for n in names]
    ys = [-TILE_GRID[n][1] for n in names]
    vals = [float(v[n]) for n in names]
    fig = go.Figure(go.Scatter(
        x=xs, y=ys, mode="markers+text",
        marker=dict(symbol="square", size=46, color=vals, colorscale="Blues", showscale=True,
                    colorbar=dict(title=colorbar_title, thickness=12),
                    line=dict(color=[FOCUS_COLOR if n == focus else "white" for n in names],
                              width=[4 if n == focus else 1 for n in names])),
        text=[f"{labels.get(n, n)}<br>{fmt(x)}" for n, x in zip(names, vals)],
        textfont=dict(size=9, color=["white" if x >= np.nanmedian(vals) else "#1f2933" for x in vals]),
        hovertemplate="%{customdata}<extra></extra>", customdata=[f"{n}: {fmt(x)}" for n, x in zip(names, vals)],
    ))
    for (x, y), key in ARCHIPELAGOS:
        text = (archipelago_labels or {}).get(key) or _catalog(f"ui.map.{key}", lang)
        fig.add_annotation(x=x, y=-y, text=text, showarrow=False, font=dict(size=10, color="#1f6fb2"),
                           bgcolor="#eef5fb", bordercolor="#1f6fb2", borderwidth=1)
    fig.update_xaxes(visible=False, range=[-0.7, 7.6])
    fig.update_yaxes(visible=False, range=[-16.7, 0.7], scaleanchor="x", scaleratio=1)
    return _layout(fig, lang, height=820, title=title)


def waterfall(steps: pd.DataFrame, start_label: str, end_label: str, start: float, lang: str = "vi",
              title: str | None = None, fmt=None) -> go.Figure:
    """Point gains by indicator from a baseline total to a scenario total."""
    fmt = fmt or (lambda v: f"{v:,.2f}")
    fig = go.Figure(go.Waterfall(
        x=[start_label] + list(steps["label"]) + [end_label],
        measure=["absolute"] + ["relative"] * len(steps) + ["total"],
        y=[start] + list(steps["gain"]) + [0],
        connector=dict(line=dict(color="#9aa5b1")),
        increasing=dict(marker=dict(color="#4f8a1f")), decreasing=dict(marker=dict(color="#c0392b")),
        totals=dict(marker=dict(color="#1f6fb2")),
        text=[fmt(start)] + [("+" if g > 0 else "") + fmt(g) for g in steps["gain"]]
             + [fmt(start + steps["gain"].sum())],
        textposition="outside",
    ))
    # Codes such as "1.3" are labels, not numbers; zoom the value axis onto the range that moves.
    path = start + np.concatenate([[0.0], np.cumsum(steps["gain"].to_numpy())])
    pad = max(5.0, 0.25 * (path.max() - path.min()))
    fig.update_xaxes(type="category")
    fig.update_yaxes(range=[path.min() - pad, path.max() + pad], gridcolor="#eef1f4")
    return _layout(fig, lang, height=420, title=title)


def rank_distribution(ranks: pd.Series, target_ranks=(20, 15), lang: str = "vi", title: str | None = None,
                      x_title: str = "", y_title: str = "") -> go.Figure:
    counts = ranks.value_counts(normalize=True).sort_index()
    colors = ["#4f8a1f" if r <= min(target_ranks) else ("#1f6fb2" if r <= max(target_ranks) else OTHER_COLOR)
              for r in counts.index]
    fig = go.Figure(go.Bar(x=counts.index, y=100 * counts.to_numpy(), marker_color=colors,
                           hovertemplate="#%{x}: %{y:.1f}%<extra></extra>"))
    fig.update_xaxes(title=x_title, dtick=1)
    fig.update_yaxes(title=y_title, ticksuffix="%")
    return _layout(fig, lang, height=360, title=title)


def main_index_lines(df: pd.DataFrame, lang: str = "vi", title: str | None = None, y_title: str = "") -> go.Figure:
    """One line per main index (its own colour) for one entity over the years."""
    fig = go.Figure()
    for code, g in df.groupby("code", sort=True):
        g = g.sort_values("year")
        fig.add_scatter(x=g["year"], y=g["points"], mode="lines+markers", name=str(g["series"].iloc[0]),
                        line=dict(color=MAIN_COLORS.get(str(code), OTHER_COLOR), width=3), marker=dict(size=9),
                        hovertemplate="%{x}: %{y:,.2f}<extra>%{fullData.name}</extra>")
    fig.update_xaxes(dtick=1, tickformat="d")
    fig.update_yaxes(title=y_title, gridcolor="#eef1f4")
    return _layout(fig, lang, height=420, title=title)


def history_chart(history: pd.DataFrame, highlight: list[str], kind_labels: dict[str, str],
                  breaks: dict[int, str] | None = None, lang: str = "vi", title: str | None = None,
                  rank_word: str = "#", number=None) -> go.Figure:
    """Published 0–1 totals of one group over the years (`analysis.published_history_*` rows).

    Every province in light grey for context; `highlight` in colour (its first entry, the focus, in red).
    Marker by the value's kind: filled circle = a published value (official or press), filled diamond =
    a third-party compiled value, open circle = a value derived by the published averaging rule.
    Hover: value, its kind in words (`kind_labels[kind]`), and the rank with its kind. `breaks`:
    {first year of a new method: label} drawn as a dotted line before that year.
    """
    number = number or (lambda v, d: f"{v:.{d}f}")
    palette = ["#1f6fb2", "#16957f", "#d68910", "#7b4fb0", "#4f8a1f", "#555f6d"]
    fig = go.Figure()
    h = history.dropna(subset=["value"])

    def symbol(kind) -> str:
        kind = str(kind or "")
        if kind.startswith("derived"):
            return "circle-open"
        return "diamond" if kind == "third_party" else "circle"

    def hover(r) -> str:
        text = f"{r['entity']} {int(r['year'])}: {number(r['value'], 4)} ({kind_labels.get(r['value_kind'], '')})"
        if not pd.isna(r["rank"]):
            n = "" if pd.isna(r["n_ranked"]) else f"/{int(r['n_ranked'])}"
            text += f"<br>{rank_word} {int(r['rank'])}{n} ({kind_labels.get(r['rank_kind'], '')})"
        return text

    # Every other province in ONE grey trace (lines split at gaps and at method breaks), then the
    # highlighted ones on top: the figure does not grow with the number of provinces.
    cuts = sorted(breaks or {})
    others = h.loc[~h["entity"].isin(highlight)]
    if len(others):
        segment = others["entity"].astype(str) + "|" + np.searchsorted(cuts, others["year"].to_numpy(),
                                                                        side="right").astype(str)
        x, y, cols = gapped_lines(others.assign(segment=segment), "segment", "year", "value", extra=("entity",))
        texts = np.full(len(x), "", dtype=object)
        keyed = others.assign(segment=segment).sort_values(["segment", "year"], kind="stable")
        texts[~np.isnan(x)] = [hover(r) for _, r in keyed.iterrows()]
        kinds = np.full(len(x), None, dtype=object)
        kinds[~np.isnan(x)] = keyed["value_kind"].to_numpy(dtype=object)
        fig.add_scatter(
            x=x, y=y, mode="lines+markers", name="", showlegend=False, connectgaps=False,
            line=dict(color="#d5dae0", width=1), marker=dict(symbol=[symbol(k) for k in kinds], size=5),
            text=texts, hovertemplate="%{text}<extra></extra>")
    for entity in reversed(highlight):
        g = h.loc[h["entity"] == entity].sort_values("year")
        if g.empty:
            continue
        i = highlight.index(entity)
        line = dict(color=FOCUS_COLOR if i == 0 else palette[(i - 1) % len(palette)], width=4 if i == 0 else 2.5)
        # The line is cut at each method break (no segment joins years measured by different methods).
        xs, ys, symbols, texts = [], [], [], []
        for _, r in g.iterrows():
            if xs and any(xs[-1] is not None and xs[-1] < b <= r["year"] for b in cuts):
                xs.append(None), ys.append(None), symbols.append("circle"), texts.append("")
            xs.append(int(r["year"])), ys.append(float(r["value"]))
            symbols.append(symbol(r["value_kind"])), texts.append(hover(r))
        fig.add_scatter(
            x=xs, y=ys, mode="lines+markers", name=str(entity), showlegend=True, connectgaps=False,
            line=line, marker=dict(symbol=symbols, size=9), text=texts, hovertemplate="%{text}<extra></extra>")
    for year, label in (breaks or {}).items():
        fig.add_vline(x=year - 0.5, line_dash="dot", line_color="#d68910",
                      annotation_text=label, annotation_position="top left")
    years = sorted(set(history["year"]) | set(breaks or {}))
    if years:
        fig.update_xaxes(range=[min(years) - 0.4, max(years) + 0.4])
    fig.update_xaxes(dtick=1, tickformat="d")
    fig.update_yaxes(range=[0, 1], gridcolor="#eef1f4")
    return _layout(fig, lang, height=440, title=title)


def target_bars(progress: pd.DataFrame, labels: dict[str, str], lang: str = "vi", title: str | None = None,
                names: dict[str, str] | None = None) -> go.Figure:
    """Per component: current points (coloured by main index) against the maximum and the plan target."""
    names = names or {"points": "points", "target": "target", "max": "max"}
    p = progress.iloc[::-1]
    y = [wrap_label(labels.get(c, c), width=48, max_lines=1) for c in p["code"]]
    fig = go.Figure()
    fig.add_bar(y=y, x=p["max_points"], orientation="h", marker_color="#e9edf1", name=names["max"],
                hovertemplate="%{x:,.0f}<extra>%{fullData.name}</extra>")
    fig.add_bar(y=y, x=p["points"], orientation="h", name=names["points"],
                marker_color=[MAIN_COLORS.get(m, OTHER_COLOR) for m in p["main"]],
                hovertemplate="%{x:,.2f}<extra>%{fullData.name}</extra>")
    fig.add_scatter(y=y, x=p["target_points"], mode="markers", name=names["target"],
                    marker=dict(symbol="line-ns", size=18, line=dict(width=3, color="#1f2933")),
                    hovertemplate="%{x:,.2f}<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="overlay", yaxis=dict(tickfont=dict(size=11)))
    return _layout(fig, lang, height=max(420, 26 * len(p) + 120), title=title)


# --- geographic map (offline) ---------------------------------------------------------------------

# A fixed view over the mainland and both archipelagos (Web Mercator, MapLibre 512-px tiles).
MAP_VIEW = {"center": {"lon": 109.9, "lat": 14.95}, "zoom": 4.7}
# Archipelago feature ids in data/geo/*.geojson → their label key in locales (ui.map.<key>).
ARCHIPELAGO_LABEL_KEYS = {"QĐ Hoàng Sa": "hoang_sa", "QĐ Trường Sa": "truong_sa"}


def archipelago_label(feature_id: str, labels: dict[str, str] | None, lang: str = "vi") -> str:
    """The name shown for an archipelago feature: from `labels` keyed by the feature id, by its catalog
    key ("hoang_sa") or by the tile map's key ("archipelago_hoang_sa"); else the catalog's full name.
    Never the feature id ("QĐ …" reads as "Quyết định")."""
    from dashboard.i18n import t

    labels = labels or {}
    key = ARCHIPELAGO_LABEL_KEYS.get(feature_id, "")
    for k in (feature_id, key, f"archipelago_{key}"):
        if k and k in labels:
            return labels[k]
    return t(f"ui.map.{key}", lang) if key else feature_id
NO_DATA_COLOR = "#e4e7eb"
# "Blues" without its near-white end, so the lowest value still stands out from the white sea.
MAP_COLORSCALE = [[0.0, "#d6e6f4"], [0.25, "#9ecae1"], [0.5, "#5aa1cf"], [0.75, "#2171b5"], [1.0, "#08306b"]]
MAP_LINE_COLOR = "#ffffff"
FOCUS_LINE_COLOR = "#111827"


def _map_features(geojson: dict, kind: str) -> list[dict]:
    return [f for f in geojson["features"] if f["properties"].get("kind") == kind]


def _map_shift(lon: float, lat: float, zoom: float | None = None) -> tuple[float, float]:
    """Pixel offset of (lon, lat) from the centre of the map at MAP_VIEW (Web Mercator, 512-px world at
    zoom 0, y up). Labels are plotly annotations placed at the centre of the plot area and shifted by
    this much: SVG text, so the map needs no font (glyph) download, and they stay put at any width."""
    world = 512 * 2 ** (MAP_VIEW["zoom"] if zoom is None else zoom)

    def xy(lo, la):
        return (lo + 180) / 360 * world, math.log(math.tan(math.pi / 4 + math.radians(la) / 2)) / (2 * math.pi) * world

    x, y = xy(lon, lat)
    x0, y0 = xy(MAP_VIEW["center"]["lon"], MAP_VIEW["center"]["lat"])
    return x - x0, y - y0


def _map_label(fig: go.Figure, lon: float, lat: float, text: str, zoom: float, **kw) -> None:
    dx, dy = _map_shift(lon, lat, zoom)
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0.5, y=0.5, xshift=dx, yshift=dy,
                       showarrow=False, **kw)


def _east_edge(feature: dict) -> tuple[float, float]:
    """Where a label can sit just east of a province, at its label latitude."""
    lat = feature["properties"]["label_lat"]
    geom = feature["geometry"]
    polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    near = [x for poly in polys for x, y in poly[0] if abs(y - lat) < 0.3]
    every = [x for poly in polys for x, _ in poly[0]]
    return (max(near or every) + 0.1, lat)


def _collection(features: list[dict]) -> dict:
    """Each trace carries only its own outlines (the figure goes to the browser on every rerun)."""
    return {"type": "FeatureCollection", "features": features}


def province_map(values: pd.DataFrame, geojson: dict, focus: str | None, lang: str = "vi", *,
                 value_col: str = "value", title: str | None = None, colorbar_title: str = "",
                 archipelago_labels: dict[str, str] | None = None, source_note: str = "",
                 no_data_label: str = "—", reverse: bool = False, decimals: int = 1,
                 value_fmt=None, height: int = 780, scale: float = 1.0) -> go.Figure:
    """Choropleth of the provinces on their real outlines (offline: own GeoJSON, no tiles, no CDN).

    `values` has `entity` and `value_col`; provinces without a value are drawn grey. The archipelagos
    (features of kind "archipelago", each with the `province` it belongs to) always show, coloured
    like their province, with a label from `archipelago_labels` (keyed by feature id). The focus
    province gets a thick dark outline and its name on the map. `reverse=True` for ranks (1 = dark).
    `scale`: the figure will be shown that many times taller (presentation mode): the map zooms to match.
    """
    zoom = MAP_VIEW["zoom"] + math.log2(scale)
    fmt_value = value_fmt or (lambda v: fmt_number(v, decimals, lang))
    v = values.dropna(subset=[value_col]).set_index("entity")[value_col].astype(float)
    provinces = _map_features(geojson, "province")
    islands = _map_features(geojson, "archipelago")
    labels = archipelago_labels or {}

    def value_of(feature) -> float:
        name = feature["properties"].get("province") or feature["id"]
        return float(v.get(name, np.nan))

    def display(feature) -> str:
        return archipelago_label(feature["id"], labels, lang) if feature["properties"]["kind"] == "archipelago" \
            else feature["id"]

    every = provinces + islands
    missing = [f for f in every if np.isnan(value_of(f))]
    shown = [f for f in every if not np.isnan(value_of(f))]
    fig = go.Figure()
    if missing:  # drawn grey, so a province (or an archipelago) without a value still shows
        fig.add_trace(go.Choroplethmap(
            geojson=_collection(missing), locations=[f["id"] for f in missing], z=[0] * len(missing),
            featureidkey="id", colorscale=[[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]], showscale=False,
            marker=dict(line=dict(color=MAP_LINE_COLOR, width=0.8)),
            customdata=[f"{display(f)}: {no_data_label}" for f in missing],
            hovertemplate="%{customdata}<extra></extra>", name=""))
    if shown:
        z = [value_of(f) for f in shown]
        fig.add_trace(go.Choroplethmap(
            geojson=_collection(shown), locations=[f["id"] for f in shown], z=z, featureidkey="id",
            colorscale=MAP_COLORSCALE, reversescale=reverse, zmin=min(z), zmax=max(z),
            showscale=max(z) > min(z),  # one value (one province with own figures): no scale to read
            marker=dict(line=dict(color=MAP_LINE_COLOR, width=0.8)),
            # Inside the plot, over the empty top-right corner: the map keeps the full width.
            colorbar=dict(title=dict(text=colorbar_title[:1].upper() + colorbar_title[1:]), thickness=12,
                          len=0.42, x=0.99, xanchor="right", y=0.98, yanchor="top", tickformat=",~f",
                          bgcolor="rgba(255,255,255,0.8)"),
            customdata=[f"{display(f)}: {fmt_value(x)}" for f, x in zip(shown, z)],
            hovertemplate="%{customdata}<extra></extra>", name=""))
    focus_feats = [f for f in provinces if f["id"] == focus]
    if focus_feats:
        fig.add_trace(go.Choroplethmap(
            geojson=_collection(focus_feats), locations=[focus], z=[0], featureidkey="id",
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False,
            marker=dict(line=dict(color=FOCUS_LINE_COLOR, width=3)), hoverinfo="skip", name=focus))
        east, lat = _east_edge(focus_feats[0])
        fv = float(v.get(focus, np.nan))
        label = f"<b>{focus}</b>: {fmt_value(fv)}" if not np.isnan(fv) else f"<b>{focus}</b>"
        _map_label(fig, east, lat, label, zoom, xanchor="left", yanchor="middle", font=dict(color=FOCUS_LINE_COLOR),
                   bgcolor="rgba(255,255,255,0.85)", borderpad=2)
    for f in islands:
        text = archipelago_label(f["id"], labels, lang).replace("<br>", " ").replace(" (", "<br>(", 1)
        _map_label(fig, f["properties"]["label_lon"], f["properties"]["label_lat"] + 0.25, text, zoom,
                   xanchor="center", yanchor="bottom", font=dict(color="#1f4e79"))
    # "white-bg": no tiles; with no text on the map itself MapLibre fetches nothing.
    fig.update_layout(map=dict(style="white-bg", center=MAP_VIEW["center"], zoom=zoom), showlegend=False)
    note_lines = 0
    if source_note:  # wrapped, never cut: about 80 characters fit a 600-px plot at 12 px
        note = wrap_label(source_note, width=80, max_lines=4)
        note_lines = note.count("<br>") + 1
        fig.add_annotation(text=note, xref="paper", yref="paper", x=0, y=0, xanchor="left",
                           yanchor="top", yshift=-4, showarrow=False, align="left",
                           font=dict(size=12, color="#52606d"))
    fig = _layout(fig, lang, height=height, title=title)
    fig.update_layout(margin=dict(l=10, r=10, t=60 if title else 20, b=12 + 16 * note_lines))
    return fig


def for_projector(fig: go.Figure, factor: float = 1.5) -> go.Figure:
    """The same figure, readable on a projector: every font (layout, titles, axes' tick labels — also
    those a builder set explicitly —, legend, annotations, trace texts) and every marker and line scaled by
    `factor`, the height by 1.25. Returns a new figure (the builder's output is left as it was)."""
    out = go.Figure(fig)

    def bigger(size, default):
        return round((size or default) * factor, 1)

    out.update_layout(font=dict(size=bigger(out.layout.font.size, 14)),
                      height=int((out.layout.height or 450) * 1.25))
    # Margins hold titles, notes under a map, radar labels: they grow with the text they hold.
    m = out.layout.margin
    out.update_layout(margin=dict(**{side: round(getattr(m, side) * factor) for side in ("l", "r", "t", "b")
                                     if getattr(m, side) is not None}))
    if out.layout.title and out.layout.title.text:
        out.update_layout(title_font=dict(size=bigger(out.layout.title.font.size, 18)))
    out.update_layout(legend_font=dict(size=bigger(out.layout.legend.font.size, out.layout.font.size / factor)))
    for axis in list(out.layout):
        if axis.startswith(("xaxis", "yaxis")):
            ax = out.layout[axis]
            ax.update(tickfont=dict(size=bigger(ax.tickfont.size, 14)))
            if ax.title and ax.title.text:
                ax.update(title_font=dict(size=bigger(ax.title.font.size, 14)))
    for polar in [k for k in list(out.layout) if k.startswith("polar")]:
        pl = out.layout[polar]
        pl.radialaxis.update(tickfont=dict(size=bigger(pl.radialaxis.tickfont.size, 12)))
        pl.angularaxis.update(tickfont=dict(size=bigger(pl.angularaxis.tickfont.size, 14)))
    for ann in out.layout.annotations or ():
        ann.update(font=dict(size=bigger(ann.font.size, 14)))
    for trace in out.data:
        if getattr(trace, "textfont", None) is not None:
            size = trace.textfont.size
            if isinstance(size, (int, float)) or size is None:
                trace.textfont.size = bigger(size, 14)
            else:
                trace.textfont.size = [bigger(v, 14) for v in size]
        marker = getattr(trace, "marker", None)
        if marker is not None and "size" in marker and marker.size is not None:
            marker.size = (marker.size * factor if isinstance(marker.size, (int, float))
                           else [v * factor for v in marker.size])
        line = getattr(trace, "line", None)
        if line is not None and "width" in line and line.width is not None:
            line.width = line.width * factor
    return out
