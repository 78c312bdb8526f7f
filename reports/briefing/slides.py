"""The briefing as a slide model: a list of `Slide` (title, text lines, chart data, table, cards), built
from the gathered figures and a language only. The PowerPoint (`pptx_out`) and the PDF (`pdf_out`) draw the
same model with the same boxes (`boxes`), so both documents show the same pages.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dashboard import fmt, provenance
from dashboard.i18n import display_code, t

W, H = 13.333, 7.5  # inches, 16:9
ACTIONS_PER_SLIDE = 5  # at most; a plan's actions are spread evenly over its slides


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    widths: list[float]
    left_cols: set = field(default_factory=lambda: {0})
    font: int = 13


@dataclass
class Slide:
    title: str
    layout: str = "text"  # cover | cards | chart | chart_side | table | text
    lines: list = field(default_factory=list)  # (text, size, bold, colour) colour: dark|grey|navy|white|red
    lines2: list = field(default_factory=list)  # cover: the lines under the band
    chart: dict | None = None
    table: Table | None = None
    cards: list = field(default_factory=list)  # (label, value, sub)
    foot: str = ""


@dataclass
class Deck:
    slides: list[Slide]
    footer: str
    sample: bool
    lang: str
    entity: str
    year: int


def bottom(sample: bool) -> float:
    return 6.35 if sample else 6.8


def boxes(slide: Slide, sample: bool) -> dict[str, tuple[float, float, float, float]]:
    """Where each part of a slide goes (left, top, width, height in inches) — for both documents."""
    b = bottom(sample)
    if slide.layout == "cover":
        return {"band": (0, 0, W, 4.2), "title": (0.8, 1.0, 11.7, 1.7), "lines": (0.8, 2.8, 11.7, 1.3),
                "lines2": (0.8, 4.6, 11.7, b - 4.6)}
    out = {"bar": (0, 0, W, 1.05), "title": (0.45, 0.08, 12.4, 0.92)}
    if slide.layout == "cards":
        out["cards"] = (0.45, 1.45, 12.4, 2.5)
        out["lines"] = (0.5, 4.2, 12.3, b - 4.25)
    elif slide.layout == "chart":
        note = 0.32 * len(slide.lines) + 0.15 if slide.lines else 0.0
        out["chart"] = (0.45, 1.15, 12.4, b - 1.2 - note)
        out["lines"] = (0.5, b - note, 12.3, note)
    elif slide.layout == "chart_side":
        h = b - 1.2
        out["chart"] = (0.45, 1.15, 7.6, h)
        out["lines"] = (8.25, 1.5, 4.6, h - 0.4)
    elif slide.layout == "table":
        lh = sum((1 + len(ln[0]) * ln[1] * 0.56 // (12.1 * 72)) * ln[1] * 1.25 / 72 + 0.1 for ln in slide.lines) \
            + (0.1 if slide.lines else 0)
        out["lines"] = (0.5, 1.2, 12.3, lh)
        foot = 0.75 if slide.foot else 0.0
        out["table"] = (0.45, 1.22 + lh, 12.4, b - 1.3 - lh - foot)
        out["foot"] = (0.5, b - 0.7, 12.3, 0.68)
    else:
        out["lines"] = (0.5, 1.3, 12.3, b - 1.35)
    return out


def card_boxes(cards_box: tuple[float, float, float, float], n: int):
    """Each of `n` cards side by side in the cards box: (background, label, value, sub-line) boxes, in inches."""
    left, top, width, height = cards_box
    w = width / n
    for i in range(n):
        x = left + i * w
        yield ((x + 0.05, top, w - 0.1, height), (x + 0.1, top + 0.1, w - 0.2, 0.5),
               (x + 0.1, top + 0.6, w - 0.2, 1.0), (x + 0.1, top + 1.6, w - 0.2, 0.85))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _inside(ov, n) -> bool:
    return ov.rank is not None and ov.rank <= n


def file_name(entity: str, year: int, ext: str) -> str:
    """DTI_Gia_Lai_2025.pptx: no spaces, no diacritics (safe in every mail client and file system)."""
    import re
    import unicodedata

    plain = unicodedata.normalize("NFKD", entity.replace("Đ", "D").replace("đ", "d"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return f"DTI_{re.sub(r'[^A-Za-z0-9]+', '_', plain).strip('_')}_{year}.{ext}"


def build_slides(inp, lang: str) -> Deck:
    """The slides of the briefing, from the gathered figures (`gather.BriefingInput`) and the language."""
    tr = lambda key, **kw: t(key, lang, **kw)  # noqa: E731
    num = lambda v, d: fmt.number(v, d, lang)  # noqa: E731
    ov = inp.overview
    n1, n2 = inp.target_ranks
    y1, y2 = inp.year, inp.year + 1
    rank_txt = fmt.rank(ov.rank, ov.n_ranked)
    sample = "sample" in inp.origin
    full_field = ov.n_ranked >= n1  # else too few provinces scored: no rank, no top-N claims
    slides: list[Slide] = []
    if not full_field:
        rank_txt = "—"

    gap_words = []
    for n in inp.target_ranks if full_field else ():
        if _inside(ov, n):
            gap_words.append(tr("ui.briefing.in_top", n=n))
        elif ov.n_ranked >= n and not np.isnan(ov.gaps.get(n, np.nan)):
            gap_words.append(tr("ui.briefing.gap", n=n, points=num(ov.gaps[n], 2)))

    # 1. Cover
    slides.append(Slide(tr("ui.briefing.title", entity=inp.entity, year=inp.year), "cover",
                        lines=[(inp.framework_name, 20, False, "white"), (tr("ui.briefing.subtitle"), 20, False, "white")],
                        lines2=[(tr("ui.briefing.cover_line" if full_field else "ui.briefing.cover_line_norank",
                                    rank=rank_txt, points=num(ov.points, 2), max=num(ov.max_points, 0),
                                    n=ov.n_ranked, total=inp.group_size), 22, False, "dark")]
                        + ([(_cap("; ".join(gap_words)) + ".", 22, False, "dark")] if gap_words else [])))

    # 2. Headline figures
    rank_sub = tr("ui.briefing.band", best=inp.band[0], worst=inp.band[1]) if ov.n_ranked >= inp.group_size \
        else tr("ui.briefing.partial_rank", n=ov.n_ranked, total=inp.group_size)
    cards = [(tr("ui.briefing.card_total"), num(ov.points, 2), tr("ui.briefing.card_total_sub", max=num(ov.max_points, 0))),
             (tr("ui.briefing.card_rank"), rank_txt, rank_sub),
             (tr("ui.briefing.card_value"), num(ov.value, 4), tr("ui.briefing.card_value_sub"))]
    for n in inp.target_ranks:
        if ov.n_ranked >= n:
            inside = _inside(ov, n)
            cards.append((tr("ui.briefing.card_gap", n=n), "✓" if inside else num(ov.gaps[n], 2),
                          tr("ui.briefing.in_top", n=n) if inside else tr("ui.briefing.card_gap_sub")))
    lines = []
    if inp.published:
        lines += [(tr("ui.briefing.baseline_head"), 18, True, "dark")] + [(x, 16, False, "dark") for x in inp.published]
        lines.append((tr("ui.briefing.no_compare_sample" if sample else "ui.briefing.no_compare_method",
                         year=inp.year), 15, False, "grey"))
    else:
        lines.append((tr("ui.briefing.no_baseline"), 16, False, "grey"))
    if ov.n_ranked >= inp.group_size:
        lines.append((inp.band_note, 13, False, "grey"))
    slides.append(Slide(tr("ui.briefing.headline_title" if full_field else "ui.briefing.headline_title_norank",
                           entity=inp.entity, rank=rank_txt, points=num(ov.points, 2), n=ov.n_ranked,
                           total=inp.group_size), "cards", lines=lines, cards=cards))

    # 3. Ranking (only when the field is there to rank in)
    table = inp.ranking.sort_values(["points", "entity"], ascending=[False, True])
    if full_field:
        ordered = table["points"].to_numpy()
        cutoffs = [{"n": n, "y": float(ordered[n - 1]), "label": f"{tr('ui.briefing.cutoff', n=n)}: {num(float(ordered[n - 1]), 1)}"}
                   for n in sorted(inp.target_ranks) if len(ordered) >= n]
        slides.append(Slide(tr("ui.briefing.ranking_title", entity=inp.entity, rank=rank_txt)
                            + (": " + gap_words[0] if gap_words else ""), "chart",
                            chart={"kind": "ranking", "names": list(table["entity"]),
                                   "points": [round(float(v), 4) for v in table["points"]], "focus": inp.entity,
                                   "cutoffs": cutoffs, "axis": tr("ui.briefing.points_axis"), "lang": lang}))

    # 4. Map
    if inp.geojson is not None:
        top_names = list(table["entity"].head(3))
        side = [(tr("ui.briefing.map_focus" if full_field else "ui.briefing.map_focus_norank", entity=inp.entity,
                    rank=rank_txt, points=num(ov.points, 2)), 22, True, "dark")]
        if full_field:
            side.append((tr("ui.briefing.map_top", names=", ".join(top_names)), 18, False, "dark"))
        side.append((tr("ui.briefing.map_note_geo"), 14, False, "grey"))
        slides.append(Slide(tr("ui.briefing.map_title", year=inp.year, entity=inp.entity), "chart_side", lines=side,
                            chart={"kind": "map", "values": {e: round(float(p), 4) for e, p in zip(table["entity"], table["points"])},
                                   "focus": inp.entity, "geojson": inp.geojson, "lang": lang,
                                   "islands": {"Hoàng Sa": tr("ui.map.hoang_sa"), "Trường Sa": tr("ui.map.truong_sa")},
                                   "colorbar": _cap(tr("ui.common.points")), "no_data": tr("ui.map.no_data"),
                                   "source": tr("ui.briefing.map_source")}))

    # 5. Radar
    main = ov.main.assign(name=lambda f: [inp.main_labels[c] for c in f["code"]])
    best = main.sort_values("value", ascending=False).iloc[0]
    worst = main.sort_values("value").iloc[0]
    codes = list(ov.main["code"])
    series = []
    for key in ("focus", "cutoff", "average", "best"):
        sub = inp.radar.loc[inp.radar["series"] == key].set_index("code")
        if key in inp.radar_names and len(sub) and (key == "focus" or ov.n_ranked > 1):
            series.append({"key": key, "name": inp.radar_names[key],
                           "values": [round(float(sub["value"].get(c, np.nan)), 4) for c in codes]})
    slides.append(Slide(tr("ui.briefing.radar_title", best=best["name"].split(". ", 1)[-1],
                           best_pct=fmt.percent(best["value"], 0, lang), worst=worst["name"].split(". ", 1)[-1],
                           worst_pct=fmt.percent(worst["value"], 0, lang)), "chart",
                        chart={"kind": "radar", "labels": [textwrap.fill(inp.main_labels[c], 24) for c in codes], "series": series, "lang": lang}))

    # 6. Trend: the published history (each point with its kind) and this year's figure; no comparison
    points = []
    for _, r in inp.history.dropna(subset=["value"]).sort_values("year").iterrows():
        derived = provenance.is_derived(r["value_kind"])
        rank = "" if pd.isna(r["rank"]) else tr("ui.briefing.rank_short", rank=fmt.rank(r["rank"], r["n_ranked"]))
        if rank and provenance.is_derived(r["rank_kind"]):
            rank += f" ({_short(provenance.label(r['rank_kind'], lang))})"
        points.append({"year": int(r["year"]), "value": round(float(r["value"]), 4), "derived": derived,
                       "label": num(float(r["value"]), 4) + ("\n" + rank if rank else "")})
    pub_kinds = sorted({k for _, r in inp.history.iterrows() if provenance.is_published(r["value_kind"])
                        for k in str(r["value_kind"]).split("+")})
    now_kind = "sample" if sample else "self_assessed"
    slides.append(Slide(tr("ui.briefing.trend_title2" if full_field else "ui.briefing.trend_title_norank", entity=inp.entity, year=inp.year, rank=rank_txt,
                           value=num(ov.value, 4),
                           why=tr("ui.briefing.why_sample" if sample else "ui.briefing.why_method")), "chart",
                        lines=[(tr("ui.briefing.trend_note"), 12, False, "grey")],
                        chart={"kind": "trend", "points": points, "lang": lang,
                               "published_name": tr("ui.briefing.series_published2",
                                                    kinds=" / ".join(provenance.label(k, lang) for k in pub_kinds) or "—"),
                               "derived_name": tr("ui.briefing.series_derived", kind=provenance.label("derived_mean", lang)),
                               "now": {"year": inp.year, "value": round(float(ov.value), 4),
                                       "label": num(ov.value, 4) + ("\n" + tr("ui.briefing.rank_short", rank=rank_txt)
                                                                    if full_field else ""),
                                       "name": f"{inp.year}: {provenance.label(now_kind, lang)}"},
                               "break": tr("ui.briefing.method_break"), "axis": tr("ui.briefing.value_axis")}))

    # 7. Gap to each target by main index
    m = inp.main_cutoffs
    if full_field and any(f"rank_{n}" in m for n in inp.target_ranks):
        gap_series = [{"name": inp.entity, "focus": True, "values": [round(float(v), 4) for v in m["focus"]]}]
        for n in inp.target_ranks:
            if f"rank_{n}" in m:
                gap_series.append({"name": tr("ui.briefing.cutoff_series", n=n, entity=inp.cutoff_entities[n]),
                                   "focus": False, "values": [round(float(v), 4) for v in m[f"rank_{n}"]]})
        short = "; ".join(tr("ui.briefing.in_top", n=n) if _inside(ov, n) else
                          tr("ui.briefing.gap_short", n=n, points=num(ov.gaps[n], 2)) for n in inp.target_ranks
                          if ov.n_ranked >= n)
        slides.append(Slide(_cap(short), "chart",
                            chart={"kind": "gap", "labels": [inp.main_labels[c] for c in m["code"]],
                                   "series": gap_series, "axis": tr("ui.briefing.points_axis"), "lang": lang}))

    # 8–9. The plans: target 1 this year, target 2 next year (or why none, or what keeps the place)
    if not full_field:
        slides.append(_headroom(inp, tr, num))
    else:
        slides += _plan_slides(inp, inp.plan1, inp.rows1, n1, y1, True, tr, num)
        if ov.n_ranked >= n2:
            slides += _plan_slides(inp, inp.plan2, inp.rows2, n2, y2, inp.plan2_reachable, tr, num)

    # 10. Per agency (only when there is work to give)
    pa = inp.plan_agencies
    if pa is not None and len(pa) and "agency" in pa:
        cols = [tr("ui.targets.agency")]
        data = {cols[0]: list(pa["agency"])}
        for n, y in ((n1, y1), (n2, y2)):
            acts = pa.get(f"actions_{n}", pd.Series(0, index=pa.index))
            pts = pa.get(f"points_{n}", pd.Series(0.0, index=pa.index))
            data[tr("ui.briefing.col_actions2", n=n, year=y)] = [str(int(v)) if v else "—" for v in acts]
            data[tr("ui.briefing.col_points2", n=n, year=y)] = [num(v, 1) if a else "—" for v, a in zip(pts, acts)]
        data[tr("ui.briefing.col_indicators")] = list(pa["indicators"])
        frame = pd.DataFrame(data).head(9 if sample else 10)
        slides.append(Slide(tr("ui.briefing.agencies_title"), "table",
                            table=Table(list(frame.columns), frame.astype(str).values.tolist(),
                                        [3.6, 1.5, 1.5, 1.5, 1.5, 2.8], {0, 5}, 14)))

    # 11. Method and origin
    lines = [(tr("ui.briefing.method_text"), 16, False, "dark"), (inp.growth_note, 16, False, "dark"),
             (tr("ui.briefing.origin_head"), 18, True, "dark")]
    lines += [(provenance.label(k, lang), 16, False, "dark") for k in inp.origin]
    lines += [(x, 15, False, "dark") for x in inp.published]
    slides.append(Slide(tr("ui.briefing.method"), "text", lines=lines))

    origin = "; ".join(provenance.label(k, lang) for k in inp.origin) or tr("ui.briefing.origin_none")
    return Deck(slides, tr("ui.briefing.footer", entity=inp.entity, year=inp.year, origin=origin), sample, lang,
                inp.entity, inp.year)


def _short(label: str) -> str:
    return label.split(" (", 1)[0]


def _plan_title(plan, rows, n, year, reachable, tr, num) -> str:
    agencies = len(set(rows["agency"])) if len(rows) else 0
    gain = float(rows["points_gain"].sum()) if len(rows) else 0.0
    if reachable:
        return tr("ui.briefing.plan_ok2", n=n, year=year, count=len(rows), a=agencies, points=num(gain, 1))
    return tr("ui.briefing.plan_no2", n=n, year=year, best=getattr(plan, "best_reachable_rank", "—"))


def _plan_slides(inp, plan, rows, n, year, reachable, tr, num) -> list[Slide]:
    if plan is None:
        return [Slide(tr("ui.briefing.plan_none2", n=n, year=year), "text",
                      lines=[(tr("ui.briefing.plan_none_text"), 22, False, "dark")])]
    if rows.empty and reachable:
        return [_keep(inp, n, year, tr, num)]
    per = -(-len(rows) // -(-len(rows) // ACTIONS_PER_SLIDE))  # 8 actions: 4 + 4, not 5 + 3
    chunks = [rows.iloc[i:i + per] for i in range(0, len(rows), per)]
    out = []
    for part, chunk in enumerate(chunks):
        title = _plan_title(plan, rows, n, year, reachable, tr, num)
        if len(chunks) > 1:
            title += f" ({part + 1}/{len(chunks)})"
        start = part * per
        body = [[str(start + i + 1), a, _cap(w), c, num(g, 1)] for i, (a, w, c, g) in
                enumerate(zip(chunk["agency"], chunk["what"], chunk["indicator"].map(display_code), chunk["points_gain"]))]
        foot = ""
        if part == len(chunks) - 1:
            foot = tr("ui.briefing.plan_foot", before=fmt.rank(plan.rank_before, plan.n_ranked),
                      after=fmt.rank(plan.rank_after, plan.n_ranked), total=num(plan.total_after, 2),
                      effort=num(plan.cost, 2))
            if year != inp.year:
                foot = tr("ui.briefing.plan2_foot", year=year) + " " + foot
        out.append(Slide(title, "table", foot=foot,
                         table=Table(["#", tr("ui.targets.agency"), tr("ui.briefing.col_action"),
                                      tr("ui.briefing.col_indicator"), tr("ui.briefing.col_gain")],
                                     body, [0.5, 2.9, 6.7, 1.3, 1.0], {1, 2, 3}, 13)))
    return out


def _keep(inp, n, year, tr, num) -> Slide:
    """The province is already inside the target: its margin, what keeps it there, who could pass it."""
    ov = inp.overview
    table = inp.ranking.sort_values("points", ascending=False).reset_index(drop=True)
    me = float(ov.points)
    below = table.loc[table["points"] < me]
    nxt = table.iloc[n] if len(table) > n else None
    lines = []
    if nxt is not None:
        lines.append((tr("ui.briefing.keep_margin", n=n, first_out=n + 1, entity=nxt["entity"],
                         points=num(me - float(nxt["points"]), 2), ranks=n - int(ov.rank),
                         rank=fmt.rank(ov.rank, ov.n_ranked)), 17, True, "dark"))
    if inp.strengths:
        lines.append((tr("ui.briefing.keep_strengths", items="; ".join(inp.strengths[:3])), 15, False, "dark"))
    close_pts = 0.02 * inp.max_points
    near = below.loc[me - below["points"] <= close_pts].head(6)
    if len(near):
        lines.append((tr("ui.briefing.keep_risks", points=num(close_pts, 0), count=len(near)), 15, False, "dark"))
        rows = [[str(r["entity"]), fmt.rank(r["rank"], ov.n_ranked), num(r["points"], 2), num(me - r["points"], 2)]
                for _, r in near.iterrows()]
        tab = Table([tr("ui.briefing.col_peer"), tr("ui.briefing.col_rank"), tr("ui.briefing.col_total"),
                     tr("ui.briefing.col_behind", entity=inp.entity)], rows, [4, 2, 2, 3], {0}, 15)
    else:
        lines.append((tr("ui.briefing.keep_no_risk", points=num(close_pts, 0)), 15, False, "dark"))
        tab = None
    margin = num(me - float(nxt["points"]), 2) if nxt is not None else "—"
    return Slide(tr("ui.briefing.keep_title", n=n, year=year, points=margin), "table", lines=lines, table=tab)


def _headroom(inp, tr, num) -> Slide:
    """Too few provinces scored to rank against: where the most points are still missing, by main index."""
    ov = inp.overview
    main = ov.main.assign(missing=lambda f: f["max_points"] - f["points"]).sort_values("missing", ascending=False)
    rows = [[inp.main_labels[r["code"]], num(r["points"], 2), num(r["max_points"], 0), num(r["missing"], 2),
             fmt.percent(r["value"], 0, inp.lang)] for _, r in main.iterrows()]
    return Slide(tr("ui.briefing.headroom_title", n=ov.n_ranked, total=inp.group_size), "table",
                 lines=[(tr("ui.briefing.headroom_text", n1=inp.target_ranks[0], n2=inp.target_ranks[1]), 15, False, "dark")],
                 table=Table([tr("ui.briefing.col_indicator"), tr("ui.briefing.col_points_now"), tr("ui.briefing.col_max"),
                              tr("ui.briefing.col_missing"), tr("ui.briefing.col_pct")], rows, [6, 1.6, 1.4, 1.6, 1.4], {0}, 15))
