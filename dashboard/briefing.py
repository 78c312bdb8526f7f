"""Steering-committee briefing: a 16:9 PowerPoint for a projector (python-pptx), and its PDF (LibreOffice).

One message per slide, said in the slide's title; charts are the dashboard's plotly builders restyled for
a projector (large type) and exported as PNG with kaleido; every number in the language's format
(Vietnamese 1.234,56 and 12,5%); a SAMPLE banner on every slide when the figures are sample data;
published baselines labelled with their kind; the plans to the two target ranks as agency actions.

`prepare` gathers the figures (engine, planner, published history); `build_briefing` lays the slides out;
`to_pdf` renders the .pptx with LibreOffice headless. Nothing in `scoring` imports this module.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from dashboard import charts, fmt, plan_text
from dashboard.fmt import plotly_separators

WIDE = (Inches(13.333), Inches(7.5))
FONT = "Arial"  # LibreOffice renders it with the metric-compatible Liberation Sans (Vietnamese included)
CHART_FONT = "Liberation Sans, Arial, DejaVu Sans, sans-serif"
NAVY = RGBColor(0x1F, 0x3B, 0x57)
DARK = RGBColor(0x1F, 0x29, 0x33)
GREY = RGBColor(0x5B, 0x67, 0x75)
LIGHT = RGBColor(0xF2, 0xF5, 0xF8)
RED = RGBColor(0xC0, 0x39, 0x2B)
GREEN = RGBColor(0x2E, 0x7D, 0x32)
AMBER_BG = RGBColor(0xFF, 0xF4, 0xD6)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
PX_PER_IN = 110  # chart images: pixels per inch of slide (then exported at scale 2 for sharpness)
CHART_BASE_FONT = 17  # px at PX_PER_IN: about 11 pt on the slide
ACTIONS_PER_SLIDE = 8  # plan actions per slide (the rest go to a continuation slide)
WHAT_ON_SLIDE = 70  # characters of a figure's meaning in a slide's action


class BriefingError(RuntimeError):
    """A briefing cannot be made (e.g. no LibreOffice for the PDF); the message is for people."""


@dataclass
class BriefingInput:
    entity: str
    year: int
    framework_name: str
    overview: object  # dashboard.analysis.Overview
    band: tuple[int, int]
    band_note: str
    strengths: pd.DataFrame
    weaknesses: pd.DataFrame
    main_labels: dict[str, str]
    node_names: dict[str, str]
    plan: object | None  # the plan to the first target rank (kept for callers of the old field)
    agencies: pd.DataFrame  # analysis.agency_summary
    origin: list[str]  # value flags of the figures shown (e.g. ["sample"])
    published: list[str] = field(default_factory=list)  # published 2024 baseline lines, each with its kind
    lang: str = "vi"
    target_ranks: tuple[int, ...] = (20, 15)
    plans: dict[int, object] = field(default_factory=dict)  # target rank -> scoring.planning.Plan
    plan_sentences: dict[int, list[str]] = field(default_factory=dict)
    plan_rows: dict[int, pd.DataFrame] = field(default_factory=dict)  # plan_text.action_rows (short meanings)
    plan_agencies: pd.DataFrame | None = None  # plan_text.by_agency
    ranking: pd.DataFrame | None = None  # entity, total, rank (the year's ranking)
    radar: pd.DataFrame | None = None  # analysis.radar_series of the main indices
    radar_names: dict[str, str] = field(default_factory=dict)
    history: pd.DataFrame | None = None  # the focus's published history (34 group), HISTORY_COLUMNS
    history_kinds: dict[str, str] = field(default_factory=dict)  # kind -> words
    main_cutoffs: pd.DataFrame | None = None  # code, focus, and one column per target rank (points)
    cutoff_entities: dict[int, str] = field(default_factory=dict)
    geojson: dict | None = None  # province outlines (charts.province_map), else the tile map
    growth_note: str = ""


# --- text helpers ---------------------------------------------------------------------------------------

def _run_style(run, size, bold=False, color=DARK):
    run.font.name = FONT
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = color


def _text(slide, left, top, width, height, text, size=18, bold=False, color=DARK, align=PP_ALIGN.LEFT,
          anchor=MSO_ANCHOR.TOP, space_after=6):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = Inches(0.08)
    lines = text if isinstance(text, list) else [text]
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = align
        para.space_after = Pt(space_after)
        if isinstance(line, tuple):  # (text, size, bold, color)
            txt, sz, bd, col = line
        else:
            txt, sz, bd, col = line, size, bold, color
        _run_style(para.add_run(), sz, bd, col)
        para.runs[0].text = txt
    return box


def _rect(slide, left, top, width, height, fill, line=None):
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, left, top, width, height)
    shape.fill.solid()
    shape.fill.fore_color.rgb = fill
    if line is None:
        shape.line.fill.background()
    else:
        shape.line.color.rgb = line
    shape.shadow.inherit = False
    return shape


class _Deck:
    """The slides with the common frame: title bar, footer with origin and page number, SAMPLE banner."""

    def __init__(self, inp: BriefingInput, t: Callable[..., str]):
        self.inp, self.t = inp, t
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDE
        self.blank = self.prs.slide_layouts[6]
        self.sample = "sample" in inp.origin
        self.n = 0

    @property
    def content_bottom(self) -> float:  # inches
        return 6.35 if self.sample else 6.8

    def slide(self, title: str):
        s = self.prs.slides.add_slide(self.blank)
        self.n += 1
        _rect(s, 0, 0, WIDE[0], Inches(1.05), NAVY)
        _text(s, Inches(0.45), Inches(0.08), Inches(12.4), Inches(0.92), title, size=24 if len(title) <= 64 else 21,
              bold=True, color=WHITE,
              anchor=MSO_ANCHOR.MIDDLE, space_after=0)
        self._frame(s)
        return s

    def _frame(self, s):
        inp, t = self.inp, self.t
        origin = "; ".join(t(f"ui.briefing.origin_{f}") for f in inp.origin) or t("ui.briefing.origin_none")
        _text(s, Inches(0.45), Inches(7.0), Inches(11.2), Inches(0.4),
              t("ui.briefing.footer", entity=inp.entity, year=inp.year, origin=origin), size=11, color=GREY,
              space_after=0)
        _text(s, Inches(11.9), Inches(7.0), Inches(1.0), Inches(0.4), str(self.n), size=11, color=GREY,
              align=PP_ALIGN.RIGHT, space_after=0)
        if self.sample:
            band = _rect(s, Inches(0.45), Inches(6.45), Inches(12.43), Inches(0.5), AMBER_BG, line=RED)
            frame = band.text_frame
            frame.margin_left = Inches(0.15)
            frame.vertical_anchor = MSO_ANCHOR.MIDDLE
            para = frame.paragraphs[0]
            para.alignment = PP_ALIGN.CENTER
            run = para.add_run()
            run.text = t("ui.briefing.sample")
            _run_style(run, 16, True, RED)

    def picture(self, s, png: bytes | None, left, top, width, height):
        if png is None:
            _text(s, left, top, width, Inches(1.0), self.t("ui.briefing.no_image"), size=18, color=GREY)
            return
        s.shapes.add_picture(io.BytesIO(png), left, top, width, height)

    def table(self, s, frame: pd.DataFrame, left, top, width, col_widths=None, font=14, header_font=14,
              row_height=0.42, left_cols=frozenset({0})):
        rows, cols = len(frame) + 1, len(frame.columns)
        shape = s.shapes.add_table(rows, cols, left, top, width, Emu(int(Inches(row_height)) * rows))
        table = shape.table
        if col_widths:
            total = sum(col_widths)
            for j, w in enumerate(col_widths):
                table.columns[j].width = Emu(int(width * w / total))
        for j, col in enumerate(frame.columns):
            cell = table.cell(0, j)
            cell.fill.solid()
            cell.fill.fore_color.rgb = NAVY
            cell.text_frame.paragraphs[0].text = ""
            _run_style(cell.text_frame.paragraphs[0].add_run(), header_font, True, WHITE)
            cell.text_frame.paragraphs[0].runs[0].text = str(col)
        for i, (_, r) in enumerate(frame.iterrows(), start=1):
            for j, col in enumerate(frame.columns):
                cell = table.cell(i, j)
                cell.fill.solid()
                cell.fill.fore_color.rgb = LIGHT if i % 2 else WHITE
                value = r[col]
                para = cell.text_frame.paragraphs[0]
                run = para.add_run()
                _run_style(run, font, False, DARK)
                run.text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
                if j not in left_cols:
                    para.alignment = PP_ALIGN.RIGHT
                cell.vertical_anchor = MSO_ANCHOR.MIDDLE
        return table


# --- charts (plotly -> PNG with kaleido) -----------------------------------------------------------------

_KALEIDO_LOCK = threading.Lock()
_KALEIDO_STARTED = False


def _png(fig: go.Figure, width_in: float, height_in: float) -> bytes | None:
    """The figure as a PNG sized for `width_in` × `height_in` inches of slide (kaleido, one server);
    None when no image can be made here (no kaleido or no Chromium): the slide then says so."""
    try:
        return _kaleido_png(fig, width_in, height_in)
    except Exception:  # noqa: BLE001 - any failure of the headless browser: the deck is still made
        return None


def _kaleido_png(fig: go.Figure, width_in: float, height_in: float) -> bytes:
    global _KALEIDO_STARTED
    import kaleido

    with _KALEIDO_LOCK:
        if not _KALEIDO_STARTED:
            kaleido.start_sync_server()  # finds /usr/bin/chromium; never kaleido.get_chrome() (downloads)
            _KALEIDO_STARTED = True
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "kopts ignored with a server": expected
            return fig.to_image(format="png", width=int(width_in * PX_PER_IN), height=int(height_in * PX_PER_IN),
                                scale=2)


def _style(fig: go.Figure, lang: str, legend: bool = True) -> go.Figure:
    fig.update_layout(font=dict(family=CHART_FONT, size=CHART_BASE_FONT, color="#1f2933"),
                      separators=plotly_separators(lang), title=None, height=None, width=None,
                      paper_bgcolor="white", plot_bgcolor="white", showlegend=legend,
                      legend=dict(orientation="h", yanchor="top", y=-0.08, x=0, font=dict(size=CHART_BASE_FONT)))
    return fig


def ranking_figure(inp: BriefingInput, t, num) -> go.Figure:
    """Columns of every province's total, best on the left, the focus in red and labelled; a dashed
    line at the total of each target rank, its label at the right end (the two never overlap)."""
    table = inp.ranking.sort_values(["points", "entity"], ascending=[False, True])
    colors = [charts.FOCUS_COLOR if e == inp.entity else "#9aa5b1" for e in table["entity"]]
    fig = go.Figure(go.Bar(x=list(table["entity"]), y=table["points"], marker_color=colors))
    lo, hi = float(table["points"].min()), float(table["points"].max())
    ordered = table["points"].to_numpy()
    for i, n in enumerate(sorted(inp.target_ranks)):
        if len(ordered) >= n:
            y = float(ordered[n - 1])
            fig.add_hline(y=y, line_dash="dash", line_color="#1f2933", line_width=2)
            fig.add_annotation(x=1.0, xref="paper", xanchor="left", y=y, yanchor="middle",
                               text=f"{t('ui.briefing.cutoff', n=n)}: {num(y, 1)}", showarrow=False,
                               font=dict(size=CHART_BASE_FONT, color="#1f2933"))
    focus = table.loc[table["entity"] == inp.entity]
    if len(focus):
        fig.add_annotation(x=inp.entity, y=float(focus["points"].iloc[0]), yanchor="bottom", showarrow=False,
                           text=f"<b>{num(float(focus['points'].iloc[0]), 2)}</b>", yshift=4,
                           font=dict(size=CHART_BASE_FONT + 1, color=charts.FOCUS_COLOR))
    fig.update_xaxes(tickangle=-55, tickfont=dict(size=14), tickmode="linear")
    fig.update_yaxes(range=[max(0.0, lo - 0.25 * (hi - lo)), hi + 0.06 * (hi - lo)], gridcolor="#eef1f4",
                     title=t("ui.briefing.points_axis"))
    _style(fig, inp.lang, legend=False)
    fig.update_layout(margin=dict(l=10, r=150, t=20, b=10), bargap=0.2)
    return fig


def radar_figure(inp: BriefingInput, t) -> go.Figure:
    labels = {c: inp.main_labels[c] for c in inp.main_labels}
    fig = charts.radar(inp.radar, labels, inp.radar_names, lang=inp.lang)
    _style(fig, inp.lang)
    for tr in fig.data:  # axis labels on two full lines (no "…")
        tr.theta = [charts.wrap_label(inp.main_labels.get(c, c), width=26, max_lines=3)
                    for c in list(inp.radar.loc[inp.radar["series"] == _series_of(inp, tr.name), "code"])
                    + list(inp.radar.loc[inp.radar["series"] == _series_of(inp, tr.name), "code"])[:1]]
    fig.update_layout(polar=dict(radialaxis=dict(range=[0, 100], ticksuffix="%", angle=90, tickfont=dict(size=13)),
                                 angularaxis=dict(tickfont=dict(size=17))),
                      margin=dict(l=150, r=150, t=40, b=20),
                      legend=dict(orientation="v", x=1.02, xanchor="left", y=0.5, yanchor="middle"))
    return fig


def _series_of(inp: BriefingInput, name: str) -> str:
    return next((k for k, v in inp.radar_names.items() if v == name), name)


def trend_figure(inp: BriefingInput, t, num) -> go.Figure:
    """The focus's DTI value (0–1) over the years: published history (each point with its kind) and
    this year's computed value (own data or SAMPLE), ranks written at the points."""
    h = inp.history if inp.history is not None else pd.DataFrame(columns=["year", "value", "rank", "n_ranked",
                                                                        "value_kind", "rank_kind"])
    h = h.dropna(subset=["value"]).sort_values("year")
    fig = go.Figure()
    if len(h):
        labels = []
        for _, r in h.iterrows():
            rank = "" if pd.isna(r["rank"]) else "<br>" + t("ui.briefing.rank_short",
                                                            rank=fmt.rank(r["rank"], r["n_ranked"]))
            labels.append(f"{num(r['value'], 4)}{rank}")
        fig.add_scatter(x=h["year"].astype(int), y=h["value"], mode="lines+markers+text", text=labels,
                        textposition="top center", textfont=dict(size=15),
                        line=dict(color="#1f6fb2", width=4), marker=dict(size=13),
                        name=t("ui.briefing.series_published"))
    ov = inp.overview
    now_kind = "ui.briefing.series_sample" if "sample" in inp.origin else "ui.briefing.series_own"
    fig.add_scatter(x=[inp.year], y=[ov.value], mode="markers+text", marker=dict(size=20, color=charts.FOCUS_COLOR,
                                                                                symbol="star"),
                    text=[f"{num(ov.value, 4)}<br>" + t("ui.briefing.rank_short", rank=fmt.rank(ov.rank, ov.n_ranked))],
                    textposition="top center", textfont=dict(size=15, color=charts.FOCUS_COLOR),
                    name=t(now_kind, year=inp.year))
    years = sorted(set(h["year"].astype(int)) | {inp.year}) if len(h) else [inp.year]
    fig.add_vline(x=inp.year - 0.5, line_dash="dot", line_color="#d68910",
                  annotation_text=t("ui.briefing.method_break"), annotation_position="top left",
                  annotation_font=dict(size=14, color="#9a6a00"))
    fig.update_xaxes(dtick=1, tickformat="d", range=[min(years) - 0.5, max(years) + 0.5])
    fig.update_yaxes(range=[0, 1.05], gridcolor="#eef1f4", title=t("ui.briefing.value_axis"), tickformat=".1f")
    _style(fig, inp.lang)
    fig.update_layout(margin=dict(l=10, r=20, t=30, b=10))
    return fig


def map_figure(inp: BriefingInput, t, num, height_in: float = 5.0) -> go.Figure:
    values = inp.ranking.rename(columns={"points": "total"})
    islands = {"archipelago_hoang_sa": t("ui.map.archipelago_hoang_sa"),
               "archipelago_truong_sa": t("ui.map.archipelago_truong_sa")}
    if inp.geojson is not None and hasattr(charts, "province_map"):
        fig = charts.province_map(values, inp.geojson, inp.entity, inp.lang, value_col="total",
                                  colorbar_title=t("ui.common.points"), archipelago_labels=islands,
                                  source_note=t("ui.map.source"), no_data_label=t("ui.map.no_data"),
                                  value_fmt=lambda v: num(v, 1), height=int(height_in * PX_PER_IN),
                                  scale=height_in * PX_PER_IN / 780)
        _style(fig, inp.lang, legend=False)
        return fig
    labels = {e: e for e in values["entity"]}
    fig = charts.tile_map(values, inp.entity, "total", labels, inp.lang, colorbar_title=_cap(t("ui.common.points")),
                          archipelago_labels=islands, fmt=lambda v: num(v, 0))
    _style(fig, inp.lang, legend=False)
    fig.data[0].mode = "markers"  # tiles too small for names on a slide: the focus is named beside it
    fig.data[0].marker.size = 30
    fig.data[0].marker.colorbar.update(thickness=14, len=0.5, y=0.75, title=dict(text=_cap(t("ui.common.points"))))
    if inp.entity in charts.TILE_GRID:
        x, y = charts.TILE_GRID[inp.entity]
        fig.add_annotation(x=x + 0.45, y=-y, ax=70, ay=0, xanchor="left", text=f"<b>{inp.entity}</b>", showarrow=True, arrowwidth=2,
                           arrowcolor=charts.FOCUS_COLOR, font=dict(size=CHART_BASE_FONT, color=charts.FOCUS_COLOR),
                           bgcolor="white")
    for ann in fig.layout.annotations[:len(charts.ARCHIPELAGOS)]:
        ann.font.size = 12
    fig.update_layout(margin=dict(l=0, r=0, t=0, b=0))
    return fig


def gap_figure(inp: BriefingInput, t, num) -> go.Figure:
    """Per main index: the focus's points beside those of the provinces at each target rank."""
    m = inp.main_cutoffs
    names = [charts.wrap_label(inp.main_labels[c], width=22, max_lines=3) for c in m["code"]]
    fig = go.Figure()
    fig.add_bar(x=names, y=m["focus"], name=inp.entity, marker_color=charts.FOCUS_COLOR,
                text=[num(v, 0) for v in m["focus"]], textposition="outside")
    palette = ["#1f6fb2", "#16957f"]
    for i, n in enumerate(inp.target_ranks):
        col = f"rank_{n}"
        if col not in m:
            continue
        fig.add_bar(x=names, y=m[col], name=t("ui.briefing.cutoff_series", n=n, entity=inp.cutoff_entities.get(n, "")),
                    marker_color=palette[i % 2], text=[num(v, 0) for v in m[col]], textposition="outside")
    fig.update_traces(textfont=dict(size=14), cliponaxis=False)
    fig.update_yaxes(gridcolor="#eef1f4", title=t("ui.briefing.points_axis"))
    _style(fig, inp.lang)
    fig.update_layout(barmode="group", bargap=0.25, margin=dict(l=10, r=10, t=10, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0))
    fig.update_xaxes(tickfont=dict(size=15))
    return fig


# --- the deck --------------------------------------------------------------------------------------------

def _gap_sentence(inp: BriefingInput, t, num, first_only: bool = False, short: bool = False) -> str:
    ov = inp.overview
    parts = []
    for n in inp.target_ranks[:1] if first_only else inp.target_ranks:
        gap = ov.gaps.get(n)
        if ov.rank is not None and ov.rank <= n:
            parts.append(t("ui.briefing.in_top", n=n))
        elif gap is not None and not np.isnan(gap):
            parts.append(t("ui.briefing.gap_short" if short else "ui.briefing.gap", n=n, points=num(gap, 2)))
    return "; ".join(parts)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _plan_title(plan, n: int, t, num) -> str:
    if plan is None:
        return t("ui.briefing.plan_none", n=n)
    if plan.reachable and plan.actions.empty:
        return t("ui.briefing.plan_already", n=n)
    agencies = len({a for a in plan.actions["lead_agency"].fillna("")})
    if plan.reachable:
        return t("ui.briefing.plan_ok", n=n, count=len(plan.actions), a=agencies,
                 points=num(plan.total_after - plan.total_before, 1))
    return t("ui.briefing.plan_no", n=n, best=plan.best_reachable_rank)


def build_briefing(inp: BriefingInput, t: Callable[..., str], num: Callable[[float, int], str]) -> bytes:
    """The .pptx bytes (16:9): cover, headline, ranking, map, radar, trend, gaps, plans, agencies, origin."""
    d = _Deck(inp, t)
    ov = inp.overview
    bottom = d.content_bottom

    # 1. Cover
    s = d.prs.slides.add_slide(d.blank)
    d.n += 1
    _rect(s, 0, 0, WIDE[0], Inches(4.2), NAVY)
    _text(s, Inches(0.8), Inches(1.2), Inches(11.7), Inches(1.6), t("ui.briefing.title", entity=inp.entity,
                                                                       year=inp.year), size=40, bold=True, color=WHITE)
    _text(s, Inches(0.8), Inches(2.8), Inches(11.7), Inches(1.2), [inp.framework_name, t("ui.briefing.subtitle")],
          size=20, color=WHITE)
    _text(s, Inches(0.8), Inches(4.6), Inches(11.7), Inches(1.6),
          [t("ui.briefing.cover_line", rank=fmt.rank(ov.rank, ov.n_ranked), points=num(ov.points, 2),
             max=num(ov.max_points, 0))] + ([_cap(_gap_sentence(inp, t, num)) + "."]
                                            if _gap_sentence(inp, t, num) else []),
          size=22, bold=False)
    d._frame(s)

    # 2. Headline figures as cards
    s = d.slide(t("ui.briefing.headline_title", entity=inp.entity, rank=fmt.rank(ov.rank, ov.n_ranked),
                  points=num(ov.points, 2)))
    cards = [(t("ui.briefing.card_total"), f"{num(ov.points, 2)}", t("ui.briefing.card_total_sub",
                                                                     max=num(ov.max_points, 0))),
             (t("ui.briefing.card_rank"), fmt.rank(ov.rank, ov.n_ranked),
              t("ui.briefing.band", best=inp.band[0], worst=inp.band[1])),
             (t("ui.briefing.card_value"), num(ov.value, 4), t("ui.briefing.card_value_sub"))]
    for n in inp.target_ranks:
        gap = ov.gaps.get(n)
        inside = ov.rank is not None and ov.rank <= n
        cards.append((t("ui.briefing.card_gap", n=n), "✓" if inside else num(gap, 2),
                      t("ui.briefing.in_top", n=n) if inside else t("ui.briefing.card_gap_sub")))
    w = 12.4 / len(cards)
    for i, (label, value, sub) in enumerate(cards):
        left = Inches(0.45 + i * w)
        _rect(s, left + Inches(0.05), Inches(1.45), Inches(w - 0.1), Inches(2.5), LIGHT)
        _text(s, left + Inches(0.1), Inches(1.55), Inches(w - 0.2), Inches(0.5), label, size=16, color=GREY)
        _text(s, left + Inches(0.1), Inches(2.05), Inches(w - 0.2), Inches(1.0), value, size=36, bold=True,
              color=NAVY)
        _text(s, left + Inches(0.1), Inches(3.05), Inches(w - 0.2), Inches(0.85), sub, size=13, color=GREY)
    lines = []
    if inp.published:
        lines += [(t("ui.briefing.baseline_head"), 18, True, DARK)] + [(x, 16, False, DARK) for x in inp.published]
    else:
        lines.append((t("ui.briefing.no_baseline"), 16, False, GREY))
    lines.append((inp.band_note, 13, False, GREY))
    _text(s, Inches(0.5), Inches(4.2), Inches(12.3), Inches(bottom - 4.25), lines, size=16)

    # 3. Ranking
    s = d.slide(t("ui.briefing.ranking_title", entity=inp.entity, rank=fmt.rank(ov.rank, ov.n_ranked))
                + ": " + _gap_sentence(inp, t, num, first_only=True))
    h = bottom - 1.2
    d.picture(s, _png(ranking_figure(inp, t, num), 12.4, h), Inches(0.45), Inches(1.15), Inches(12.4), Inches(h))

    # 4. Map
    top_names = list(inp.ranking.sort_values("rank")["entity"].head(3))
    s = d.slide(t("ui.briefing.map_title", year=inp.year, entity=inp.entity))
    h = bottom - 1.2
    mw = h * 0.62 if inp.geojson is None else h * 0.95
    d.picture(s, _png(map_figure(inp, t, num, h), mw, h), Inches(0.6), Inches(1.15), Inches(mw), Inches(h))
    _text(s, Inches(0.9 + mw), Inches(1.5), Inches(12.4 - mw - 0.6), Inches(h - 0.5),
          [(t("ui.briefing.map_focus", entity=inp.entity, rank=fmt.rank(ov.rank, ov.n_ranked),
              points=num(ov.points, 2)), 22, True, DARK),
           (t("ui.briefing.map_top", names=", ".join(top_names)), 18, False, DARK),
           (t("ui.briefing.map_note_geo") if inp.geojson is not None else t("ui.briefing.map_note_tiles"), 14,
            False, GREY)], space_after=14)

    # 5. Radar
    main = ov.main.assign(name=lambda f: [inp.main_labels[c] for c in f["code"]])
    best = main.sort_values("value", ascending=False).iloc[0]
    worst = main.sort_values("value").iloc[0]
    s = d.slide(t("ui.briefing.radar_title", best=best["name"].split(". ", 1)[-1], best_pct=fmt.percent(best["value"], 0, inp.lang),
                  worst=worst["name"].split(". ", 1)[-1], worst_pct=fmt.percent(worst["value"], 0, inp.lang)))
    h = bottom - 1.2
    d.picture(s, _png(radar_figure(inp, t), 12.4, h), Inches(0.45), Inches(1.15), Inches(12.4), Inches(h))

    # 6. Trend with the published history
    s = d.slide(t("ui.briefing.trend_title", entity=inp.entity) + _history_words(inp, t))
    h = bottom - 1.2 - 0.55
    d.picture(s, _png(trend_figure(inp, t, num), 12.4, h), Inches(0.45), Inches(1.15), Inches(12.4), Inches(h))
    _text(s, Inches(0.5), Inches(1.2 + h), Inches(12.3), Inches(0.55), t("ui.briefing.trend_note"), size=12,
          color=GREY)

    # 7. Gap to each target, by main index
    if inp.main_cutoffs is not None and len(inp.main_cutoffs):
        s = d.slide(_cap(_gap_sentence(inp, t, num, short=True)))
        h = bottom - 1.2
        d.picture(s, _png(gap_figure(inp, t, num), 12.4, h), Inches(0.45), Inches(1.15), Inches(12.4), Inches(h))

    # 8–9. The plans to each target rank, as agency actions (a table: agency | action | indicator | points)
    for n in inp.target_ranks:
        plan = inp.plans.get(n)
        rows = inp.plan_rows.get(n)
        rows = rows if rows is not None else pd.DataFrame()
        chunks = [rows.iloc[i:i + ACTIONS_PER_SLIDE] for i in range(0, len(rows), ACTIONS_PER_SLIDE)] or [rows]
        for part, chunk in enumerate(chunks):
            title = _plan_title(plan, n, t, num)
            if len(chunks) > 1:
                title += f" ({part + 1}/{len(chunks)})"
            s = d.slide(title)
            if chunk.empty:
                msg = t("ui.briefing.plan_already_text", n=n, rank=fmt.rank(ov.rank, ov.n_ranked)) \
                    if plan is not None and plan.reachable else t("ui.briefing.plan_none_text")
                _text(s, Inches(0.6), Inches(1.5), Inches(12.1), Inches(1.5), msg, size=22)
                continue
            start = part * ACTIONS_PER_SLIDE
            frame = pd.DataFrame({
                "#": [str(start + i + 1) for i in range(len(chunk))],
                t("ui.targets.agency"): list(chunk["agency"]),
                t("ui.briefing.col_action"): [_cap(x) for x in chunk["what"]],
                t("ui.briefing.col_indicator"): list(chunk["indicator"]),
                t("ui.briefing.col_gain"): [num(v, 1) for v in chunk["points_gain"]],
            })
            d.table(s, frame, Inches(0.45), Inches(1.22), Inches(12.4), col_widths=[0.5, 2.6, 7.1, 1.2, 1.0],
                    font=13, header_font=13, row_height=0.36, left_cols={1, 2, 3})
            if part == len(chunks) - 1 and plan is not None:
                foot = t("ui.briefing.plan_foot", before=fmt.rank(plan.rank_before, plan.n_ranked),
                         after=fmt.rank(plan.rank_after, plan.n_ranked), total=num(plan.total_after, 2),
                         effort=num(plan.cost, 2))
                _text(s, Inches(0.5), Inches(bottom - 0.42), Inches(12.3), Inches(0.4), foot, size=14, bold=True,
                      color=NAVY, space_after=0)

    # 10. Per agency
    s = d.slide(t("ui.briefing.agencies_title"))
    pa = inp.plan_agencies
    if pa is not None and len(pa) and "agency" in pa:
        frame = pd.DataFrame({t("ui.targets.agency"): pa["agency"]})
        for n in inp.target_ranks:
            acts = pa.get(f"actions_{n}", pd.Series(0, index=pa.index))
            pts = pa.get(f"points_{n}", pd.Series(0.0, index=pa.index))
            frame[t("ui.briefing.col_actions", n=n)] = [str(int(v)) if v else "—" for v in acts]
            frame[t("ui.briefing.col_points", n=n)] = [num(v, 1) if a else "—" for v, a in zip(pts, acts)]
        frame[t("ui.briefing.col_indicators")] = pa["indicators"]
        rows = min(len(frame), 9 if d.sample else 10)
        d.table(s, frame.head(rows), Inches(0.45), Inches(1.3), Inches(12.4),
                col_widths=[4.2] + [1.4, 1.4] * len(inp.target_ranks) + [2.6], font=15, header_font=14,
                row_height=0.46, left_cols={0, 1 + 2 * len(inp.target_ranks)})
    else:
        _text(s, Inches(0.6), Inches(1.5), Inches(12), Inches(1), t("ui.briefing.no_actions"), size=20)

    # 11. Method and data origin
    s = d.slide(t("ui.briefing.method"))
    origin = [t(f"ui.badge.{f}") for f in inp.origin]
    lines = [(t("ui.briefing.method_text"), 16, False, DARK), (inp.growth_note, 16, False, DARK),
             (t("ui.briefing.origin_head"), 18, True, DARK)] + [(o, 16, False, DARK) for o in origin]
    lines += [(x, 15, False, DARK) for x in inp.published]
    _text(s, Inches(0.5), Inches(1.3), Inches(12.3), Inches(bottom - 1.35), lines, space_after=8)

    buf = io.BytesIO()
    d.prs.save(buf)
    return buf.getvalue()


def _history_words(inp: BriefingInput, t) -> str:
    h = inp.history
    if h is None or h.empty:
        return ""
    ranked = h.dropna(subset=["rank"]).sort_values("year")
    if ranked.empty:
        return ""
    last = ranked.iloc[-1]
    ov = inp.overview
    return " " + t("ui.briefing.trend_words", rank_then=fmt.rank(last["rank"], last["n_ranked"]),
                   year_then=int(last["year"]), rank_now=fmt.rank(ov.rank, ov.n_ranked), year_now=inp.year)


# --- PDF ---------------------------------------------------------------------------------------------------

def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(pptx: bytes, t: Callable[..., str], timeout: float = 180.0) -> bytes:
    """The PDF of a .pptx rendered by LibreOffice headless (a private profile: no clash with others)."""
    exe = soffice_path()
    if exe is None:
        raise BriefingError(t("ui.briefing.no_soffice"))
    with tempfile.TemporaryDirectory(prefix="dti_briefing_") as tmp:
        src = Path(tmp) / "briefing.pptx"
        src.write_bytes(pptx)
        profile = Path(tmp) / "profile"
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf", "--outdir", tmp,
               str(src)]
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout, check=False,
                           env={**os.environ, "HOME": tmp})
        except subprocess.TimeoutExpired as exc:
            raise BriefingError(t("ui.briefing.pdf_failed")) from exc
        out = Path(tmp) / "briefing.pdf"
        if not out.exists():
            raise BriefingError(t("ui.briefing.pdf_failed"))
        return out.read_bytes()


# --- gathering the figures --------------------------------------------------------------------------------

def prepare(result, entity: str, year: int, inputs: pd.DataFrame, plan_values: pd.DataFrame, origin: list[str],
            lang: str, name_of: Callable, t_lang: Callable[..., str],
            baseline: pd.DataFrame | None = None, history: pd.DataFrame | None = None,
            target_ranks: tuple[int, ...] = (20, 15), difficulty: dict[str, float] | None = None,
            geojson: dict | None = None) -> BriefingInput:
    """Gather everything the briefing shows, from the scoring engine, the planner and the published history.

    `inputs`: every year of the group's inputs (the growth caps come from the entity's own last two years).
    `baseline`: `analysis.baseline_2024(...)`; when given, the entity's published 2024 rank and value are
    stated with their kind in words. `history`: `analysis.published_history_34(...)` (the trend slide).
    `difficulty`: the office's difficulty per indicator (default 3). `geojson`: province outlines for
    `charts.province_map` (else the tile map)."""
    from dashboard import analysis
    from scoring import montecarlo, planning

    fw = result.framework
    ov = analysis.overview(result, entity, year, target_ranks)
    totals = result.total(year).set_index("entity")["points"]
    sim = montecarlo.simulate_ranks(totals, entity, n_draws=10_000, seed=2025, sd=20.0, max_total=fw.max_points)
    strengths, weaknesses = analysis.strengths_and_weaknesses(result, entity, year)
    year_inputs = inputs.loc[pd.to_numeric(inputs["year"], errors="coerce") == year]
    caps = planning.growth_caps(planning.growth_from_history(fw, plan_text.history_basis(inputs, entity, year),
                                                             entity, year))
    plans, sentences, rows = {}, {}, {}
    for n in target_ranks:
        if ov.n_ranked >= n:
            plans[n] = planning.make_plan(fw, year_inputs, entity, year, target_rank=n, max_growth=caps,
                                          difficulty=difficulty or {})
            sentences[n] = plan_text.sentences(plans[n], fw, lang, t_lang)
            rows[n] = plan_text.action_rows(plans[n], fw, lang, t_lang, limit=WHAT_ON_SLIDE)
    progress = analysis.target_progress(result, entity, year,
                                        plan_values.loc[plan_values["entity"] == entity] if len(plan_values) else plan_values)
    main_codes = [m.code for m in fw.main_indices()]
    radar = analysis.radar_series(result, year, entity, main_codes, target_rank=target_ranks[0])
    who = analysis.radar_entities(result, year, target_rank=target_ranks[0])
    radar_names = {"focus": entity, "average": t_lang("ui.pillars.average"),
                   "cutoff": t_lang("ui.pillars.cutoff", n=target_ranks[0], entity=who.get("cutoff", "")),
                   "best": t_lang("ui.pillars.best", entity=who["best"])}
    table = result.table(year)
    ordered = totals.sort_values(ascending=False)
    cut = {"code": main_codes,
           "focus": [float(table.loc[(table["entity"] == entity) & (table["code"] == c), "points"].iloc[0])
                     for c in main_codes]}
    cutoff_entities = {}
    for n in target_ranks:
        if len(ordered) >= n:
            e = ordered.index[n - 1]
            cutoff_entities[n] = e
            cut[f"rank_{n}"] = [float(table.loc[(table["entity"] == e) & (table["code"] == c), "points"].iloc[0])
                                for c in main_codes]
    hist = None
    kinds = {}
    if history is not None and len(history):
        hist = history.loc[(history["entity"] == entity) & (history["entity_group"] == "34")
                           & (history["year"] < year)] if "entity_group" in history else \
            history.loc[(history["entity"] == entity) & (history["year"] < year)]
    ranking = result.total(year)[["entity", "points", "rank"]]
    growth_note = t_lang("ui.briefing.growth_note", min=fmt.percent(planning.MIN_GROWTH, 0, lang),
                         max=fmt.percent(planning.MAX_HISTORY_GROWTH, 0, lang),
                         default=fmt.percent(planning.DEFAULT_GROWTH, 0, lang))
    return BriefingInput(
        entity=entity, year=year, framework_name=fw.name_en if lang == "en" else fw.name_vi, overview=ov,
        band=sim.band(0.8), band_note=montecarlo.rank_band_note(sim, lang), strengths=strengths,
        weaknesses=weaknesses,
        main_labels={m.code: f"{m.code}. {name_of(m, lang)}" for m in fw.main_indices()},
        node_names={c: name_of(n, lang) for c, n in fw.nodes.items()}, plan=plans.get(target_ranks[0]),
        agencies=analysis.agency_summary(progress), origin=origin,
        published=published_lines(baseline, entity, lang, t_lang), lang=lang, target_ranks=tuple(target_ranks),
        plans=plans, plan_sentences=sentences, plan_rows=rows,
        plan_agencies=plan_text.by_agency({str(n): p for n, p in plans.items()}, fw, lang, t_lang),
        ranking=ranking, radar=radar, radar_names=radar_names, history=hist, history_kinds=kinds,
        main_cutoffs=pd.DataFrame(cut), cutoff_entities=cutoff_entities, geojson=geojson, growth_note=growth_note)


def published_lines(baseline: pd.DataFrame | None, entity: str, lang: str, t_lang: Callable[..., str]) -> list[str]:
    """The entity's 2024 baseline as one line: rank and value, each with its kind in words."""
    from dashboard import analysis

    if baseline is None or entity not in set(baseline["entity"]):
        return []
    r = baseline.loc[baseline["entity"] == entity].iloc[0]
    rank = "—" if pd.isna(r["rank"]) else fmt.rank(r["rank"], r["n_ranked"])
    return [t_lang("ui.briefing.published_2024", rank=rank, rank_kind=analysis.kind_words(r["rank_kind"], t_lang) or "—",
                   value=fmt.number(r["value"], 4, lang),
                   value_kind=analysis.kind_words(r["value_kind"], t_lang, r["constituent_kinds"]) or "—")]
