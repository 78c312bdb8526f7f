"""Pure plotly builders of the office pages (issue 10): progress of an agency's components toward
their targets. Kept apart from dashboard/charts.py (being reworked in parallel)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"]


def progress_lines(over_time: pd.DataFrame, projected: pd.DataFrame, codes: list[str], targets: dict[str, float],
                   labels: dict[str, str], *, title: str, names: dict[str, str], separators: str = ",.") -> go.Figure:
    """One line per component: points at each dated update, a dotted segment to the projected year-end
    points, and its target as a dashed level in the same colour."""
    fig = go.Figure()
    for i, code in enumerate(codes):
        color = PALETTE[i % len(PALETTE)]
        s = over_time.loc[over_time["code"] == code].sort_values("as_of")
        fig.add_trace(go.Scatter(x=s["as_of"], y=s["points"], mode="lines+markers", name=labels.get(code, code),
                                 line={"color": color}, legendgroup=code))
        p = projected.loc[projected["code"] == code]
        if not s.empty and not p.empty and pd.notna(p["points"].iloc[0]):
            fig.add_trace(go.Scatter(x=[s["as_of"].iloc[-1], p["as_of"].iloc[0]],
                                     y=[s["points"].iloc[-1], p["points"].iloc[0]], mode="lines+markers",
                                     line={"color": color, "dash": "dot"}, marker={"symbol": "diamond"},
                                     name=f"{code} · {names['projected']}", legendgroup=code, showlegend=False))
        t = targets.get(code)
        if t is not None and pd.notna(t):
            x0 = s["as_of"].min() if not s.empty else None
            x1 = p["as_of"].iloc[0] if not p.empty else s["as_of"].max()
            fig.add_trace(go.Scatter(x=[x0, x1], y=[t, t], mode="lines", line={"color": color, "dash": "dash",
                                                                               "width": 1},
                                     name=f"{code} · {names['target']}", legendgroup=code))
    fig.update_xaxes(tickformat="%d/%m/%Y", hoverformat="%d/%m/%Y")  # dates the Vietnamese way, no month names
    fig.update_layout(title=title, separators=separators, height=420 + 24 * len(codes), margin={"l": 40, "r": 20, "t": 60, "b": 40},
                      yaxis_title=names["points"], font={"family": "DejaVu Sans, Liberation Sans, sans-serif"},
                      legend={"orientation": "h", "y": -0.2})
    return fig
