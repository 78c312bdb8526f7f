"""Steering-committee briefing as a PowerPoint file (python-pptx, native charts: no browser needed).

Pure: takes the analysis results and a translate function, returns the .pptx bytes.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.util import Emu, Inches, Pt

from dashboard.charts import MAIN_COLORS

WIDE = (Inches(13.333), Inches(7.5))
DARK = RGBColor(0x1F, 0x29, 0x33)
RED = RGBColor(0xC0, 0x39, 0x2B)
AMBER_BG = RGBColor(0xFF, 0xF4, 0xD6)


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
    plan: object | None  # scoring.planning.Plan to the top 20 (or None)
    agencies: pd.DataFrame  # analysis.agency_summary
    origin: list[str]  # value flags of the figures shown (e.g. ["sample"])
    published: list[str] = field(default_factory=list)  # published 2024 baseline lines, each with its kind


def _text(slide, left, top, width, height, text, size=18, bold=False, color=DARK):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    lines = text if isinstance(text, list) else [text]
    for i, line in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.text = line
        para.font.size = Pt(size)
        para.font.bold = bold
        para.font.color.rgb = color
    return box


def _title(slide, text, t):
    _text(slide, Inches(0.5), Inches(0.3), Inches(12.3), Inches(0.9), text, size=30, bold=True)


def _sample_banner(slide, inp: BriefingInput, t):
    if "sample" in inp.origin:
        box = _text(slide, Inches(0.5), Inches(6.85), Inches(12.3), Inches(0.45), t("ui.briefing.sample"), size=12,
                    bold=True, color=RED)
        box.fill.solid()
        box.fill.fore_color.rgb = AMBER_BG


def _table(slide, frame: pd.DataFrame, left, top, width, font=12):
    rows, cols = len(frame) + 1, len(frame.columns)
    shape = slide.shapes.add_table(rows, cols, left, top, width, Emu(int(Inches(0.4)) * rows))
    table = shape.table
    for j, col in enumerate(frame.columns):
        table.cell(0, j).text = str(col)
    for i, (_, r) in enumerate(frame.iterrows(), start=1):
        for j, col in enumerate(frame.columns):
            table.cell(i, j).text = "" if pd.isna(r[col]) else str(r[col])
    for i in range(rows):
        for j in range(cols):
            for p in table.cell(i, j).text_frame.paragraphs:
                p.font.size = Pt(font)
    return table


def build_briefing(inp: BriefingInput, t: Callable[..., str], num: Callable[[float, int], str]) -> bytes:
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE
    blank = prs.slide_layouts[6]
    ov = inp.overview

    # 1. Title
    s = prs.slides.add_slide(blank)
    _text(s, Inches(0.8), Inches(2.2), Inches(11.7), Inches(1.5),
          t("ui.briefing.title", entity=inp.entity, year=inp.year), size=40, bold=True)
    _text(s, Inches(0.8), Inches(3.7), Inches(11.7), Inches(1.2),
          [inp.framework_name, t("ui.briefing.subtitle")], size=20)
    _sample_banner(s, inp, t)

    # 2. Headline figures
    s = prs.slides.add_slide(blank)
    _title(s, t("ui.briefing.headline", entity=inp.entity, year=inp.year), t)
    change = "" if ov.rank_change is None else t("ui.briefing.rank_change", n=f"{ov.rank_change:+d}",
                                                  year=ov.previous_year)
    lines = [
        t("ui.briefing.total", points=num(ov.points, 2), max=num(ov.max_points, 0), value=num(ov.value, 4)),
        t("ui.briefing.rank", rank=ov.rank, n=ov.n_ranked) + (f" ({change})" if change else ""),
        t("ui.briefing.band", best=inp.band[0], worst=inp.band[1]) + " " + inp.band_note,
    ]
    for n, gap in ov.gaps.items():
        lines.append(t("ui.briefing.in_top", n=n) if ov.rank is not None and ov.rank <= n
                     else t("ui.briefing.gap", n=n, points=num(gap, 2)))
    _text(s, Inches(0.6), Inches(1.4), Inches(12.1), Inches(5), lines + inp.published, size=22)
    _sample_banner(s, inp, t)

    # 3. Main indices (native bar chart, one colour per main index)
    s = prs.slides.add_slide(blank)
    _title(s, t("ui.briefing.main"), t)
    main = ov.main
    data = CategoryChartData()
    data.categories = [inp.main_labels[c] for c in main["code"]]
    data.add_series(t("ui.briefing.points"), [round(float(p), 2) for p in main["points"]])
    data.add_series(t("ui.briefing.max"), [float(m) for m in main["max_points"]])
    chart = s.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, Inches(0.6), Inches(1.3), Inches(12.1), Inches(5.4),
                               data).chart
    chart.has_legend = True
    chart.legend.position = XL_LEGEND_POSITION.BOTTOM
    chart.legend.include_in_layout = False
    chart.category_axis.reverse_order = True
    chart.plots[0].has_data_labels = True
    chart.plots[0].data_labels.font.size = Pt(12)
    chart.plots[0].data_labels.number_format = "0.0"  # shown with the viewer's decimal separator
    chart.plots[0].data_labels.number_format_is_linked = False
    for idx, code in enumerate(main["code"]):
        point = chart.series[0].points[idx]
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = RGBColor.from_string(MAIN_COLORS.get(code, "#9AA5B1").lstrip("#"))
    chart.series[1].format.fill.solid()
    chart.series[1].format.fill.fore_color.rgb = RGBColor(0xE9, 0xED, 0xF1)
    _sample_banner(s, inp, t)

    # 4. Strengths and weaknesses
    s = prs.slides.add_slide(blank)
    _title(s, t("ui.briefing.sw"), t)
    for col, (frame, key) in enumerate(((inp.strengths, "ui.overview.strengths"), (inp.weaknesses, "ui.overview.weaknesses"))):
        lines = [t(key)] + [f"{r['code']} {inp.node_names[r['code']]}: {num(r['points'], 2)}/{num(r['max_points'], 0)}"
                            for _, r in frame.iterrows()]
        _text(s, Inches(0.6 + 6.2 * col), Inches(1.4), Inches(5.9), Inches(4.8), lines, size=16)
    _text(s, Inches(0.6), Inches(6.2), Inches(12.1), Inches(0.6), t("ui.overview.sw_rule"), size=11)
    _sample_banner(s, inp, t)

    # 5. Least-effort plan to the top 20
    s = prs.slides.add_slide(blank)
    _title(s, t("ui.briefing.plan"), t)
    plan = inp.plan
    if plan is None or plan.actions.empty:
        _text(s, Inches(0.6), Inches(1.4), Inches(12), Inches(1), t("ui.briefing.no_plan"), size=18)
    else:
        head = (t("ui.briefing.plan_ok", rank=plan.rank_after, points=num(plan.total_after - plan.total_before, 2))
                if plan.reachable else t("ui.briefing.plan_no", best=plan.best_reachable_rank))
        _text(s, Inches(0.6), Inches(1.2), Inches(12), Inches(0.6), head, size=16, bold=True)
        a = plan.actions
        frame = pd.DataFrame({
            t("ui.methodology.code"): a["indicator"],
            t("ui.methodology.indicator"): [inp.node_names[c][:60] for c in a["indicator"]],
            t("ui.plan.ratio_from"): [num(100 * v, 1) + "%" if pd.notna(v) else "—" for v in a["ratio_from"]],
            t("ui.plan.ratio_to"): [num(100 * v, 1) + "%" if pd.notna(v) else "—" for v in a["ratio_to"]],
            t("ui.plan.gain"): [num(v, 2) for v in a["points_gain"]],
            t("ui.methodology.lead"): a["lead_agency"],
        })
        _table(s, frame, Inches(0.6), Inches(1.9), Inches(12.1), font=12)
    _sample_banner(s, inp, t)

    # 6. Agencies
    s = prs.slides.add_slide(blank)
    _title(s, t("ui.briefing.agencies"), t)
    ag = inp.agencies.head(10)  # the ten agencies with the most points missing fit one slide
    frame = pd.DataFrame({
        t("ui.targets.agency"): [a or t("ui.methodology.unknown_agency") for a in ag["agency"]],
        t("ui.targets.indicators"): ag["indicators"],
        t("ui.targets.points"): [num(v, 2) for v in ag["points"]],
        t("ui.targets.max"): [num(v, 0) for v in ag["max_points"]],
        t("ui.targets.missing"): [num(v, 2) for v in ag["missing"]],
    })
    _table(s, frame, Inches(0.6), Inches(1.3), Inches(12.1), font=11)
    _sample_banner(s, inp, t)

    # 7. Method and data origin
    s = prs.slides.add_slide(blank)
    _title(s, t("ui.briefing.method"), t)
    origin = [t(f"ui.badge.{f}") for f in inp.origin]
    _text(s, Inches(0.6), Inches(1.4), Inches(12.1), Inches(5), [t("ui.briefing.method_text")] + origin, size=16)
    _sample_banner(s, inp, t)

    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def prepare(result, entity: str, year: int, inputs: pd.DataFrame, plan_values: pd.DataFrame, origin: list[str],
            lang: str, name_of: Callable, t_lang: Callable[..., str],
            baseline: pd.DataFrame | None = None) -> BriefingInput:
    """Gather everything the briefing shows, from the scoring engine and the planner.

    `baseline`: `analysis.baseline_2024(...)`; when given, the entity's published 2024 rank and value
    are added to the headline slide, each with its kind in words (published, press, third-party, derived)."""
    from dashboard import analysis
    from scoring import montecarlo, planning

    fw = result.framework
    ov = analysis.overview(result, entity, year)
    totals = result.total(year).set_index("entity")["points"]
    sim = montecarlo.simulate_ranks(totals, entity, n_draws=10_000, seed=2025, sd=20.0, max_total=fw.max_points)
    strengths, weaknesses = analysis.strengths_and_weaknesses(result, entity, year)
    plan = None
    if ov.rank is not None and ov.rank > 20 and ov.n_ranked >= 20:
        plan = planning.make_plan(fw, inputs.loc[inputs["year"] == year], entity, year, target_rank=20, max_gain=0.3)
    progress = analysis.target_progress(result, entity, year,
                                        plan_values.loc[plan_values["entity"] == entity] if len(plan_values) else plan_values)
    return BriefingInput(
        entity=entity, year=year, framework_name=fw.name_en if lang == "en" else fw.name_vi, overview=ov,
        band=sim.band(0.8), band_note=montecarlo.rank_band_note(sim, lang), strengths=strengths,
        weaknesses=weaknesses,
        main_labels={m.code: f"{m.code}. {name_of(m, lang)}" for m in fw.main_indices()},
        node_names={c: name_of(n, lang) for c, n in fw.nodes.items()}, plan=plan,
        agencies=analysis.agency_summary(progress), origin=origin,
        published=published_lines(baseline, entity, lang, t_lang))


def published_lines(baseline: pd.DataFrame | None, entity: str, lang: str, t_lang: Callable[..., str]) -> list[str]:
    """The entity's 2024 baseline as one line: rank and value, each with its kind in words."""
    from dashboard import analysis, fmt

    if baseline is None or entity not in set(baseline["entity"]):
        return []
    r = baseline.loc[baseline["entity"] == entity].iloc[0]
    rank = "—" if pd.isna(r["rank"]) else fmt.rank(r["rank"], r["n_ranked"])
    return [t_lang("ui.briefing.published_2024", rank=rank, rank_kind=analysis.kind_words(r["rank_kind"], t_lang) or "—",
                   value=fmt.number(r["value"], 4, lang),
                   value_kind=analysis.kind_words(r["value_kind"], t_lang, r["constituent_kinds"]) or "—")]
