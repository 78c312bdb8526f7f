"""Pure plotly builders of the office pages (issue 10): progress of an agency's components toward
their targets, as small multiples — one small chart per component with its own scale (0 to its maximum),
points reached at each update, the projected year-end points and the target as markers. Kept apart from
dashboard/charts.py."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

REACHED, PROJECTED, TARGET = "#1f77b4", "#ff7f0e", "#d62728"


def _short(text: str, n: int = 42) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def progress_lines(over_time: pd.DataFrame, projected: pd.DataFrame, codes: list[str], targets: dict[str, float],
                   labels: dict[str, str], *, title: str, names: dict[str, str], separators: str = ",.",
                   maxima: dict[str, float] | None = None, columns: int = 3) -> go.Figure:
    """Small multiples: for each component, its points at each dated update (line), the projected
    year-end points (diamond, dotted from the last update) and its target (a red bar marker at the
    year's end). Three legend entries in all; each panel's y axis runs from 0 to the component's maximum."""
    n = max(len(codes), 1)
    cols = min(columns, n)
    rows = math.ceil(n / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[_short(labels.get(c, c)) for c in codes],
                        vertical_spacing=min(0.12, 0.5 / rows) if rows > 1 else 0.1, horizontal_spacing=0.07)
    shown = set()

    def legend(kind: str) -> dict:
        first = kind not in shown
        shown.add(kind)
        return {"name": names[kind], "legendgroup": kind, "showlegend": first}

    for i, code in enumerate(codes):
        r, c = i // cols + 1, i % cols + 1
        s = over_time.loc[over_time["code"] == code].sort_values("as_of")
        s = s.loc[s["points"].notna()]
        fig.add_trace(go.Scatter(x=s["as_of"], y=s["points"], mode="lines+markers", line={"color": REACHED},
                                 marker={"size": 7}, **legend("points")), row=r, col=c)
        p = projected.loc[projected["code"] == code]
        end = p["as_of"].iloc[0] if not p.empty else None
        if not p.empty and pd.notna(p["points"].iloc[0]):
            xs = [s["as_of"].iloc[-1], end] if not s.empty else [end]
            ys = [s["points"].iloc[-1], p["points"].iloc[0]] if not s.empty else [p["points"].iloc[0]]
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers", line={"color": PROJECTED, "dash": "dot"},
                                     marker={"symbol": "diamond", "size": [0, 11] if len(xs) == 2 else [11]},
                                     **legend("projected")), row=r, col=c)
        t = targets.get(code)
        if t is not None and pd.notna(t) and end is not None:
            fig.add_trace(go.Scatter(x=[end], y=[t], mode="markers",
                                     marker={"symbol": "line-ew-open", "size": 26, "color": TARGET,
                                             "line": {"width": 3, "color": TARGET}},
                                     **legend("target")), row=r, col=c)
        top = (maxima or {}).get(code)
        if top:
            fig.update_yaxes(range=[0, top * 1.08], row=r, col=c)
    fig.update_xaxes(tickformat="%d/%m", hoverformat="%d/%m/%Y", nticks=5)  # dates the Vietnamese way
    fig.update_annotations(font={"size": 12})
    height = 130 + 230 * rows
    fig.update_layout(title=title, separators=separators, height=height,
                      margin={"l": 40, "r": 20, "t": 80, "b": 60},
                      font={"family": "DejaVu Sans, Liberation Sans, sans-serif"},
                      legend={"orientation": "h", "x": 0, "y": -30 / height, "yanchor": "top"})
    return fig
