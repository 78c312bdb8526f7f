"""The briefing's charts drawn with matplotlib (no browser): ranking, map, radar, trend, gap.

Each `draw_<kind>(fig, chart)` draws one chart of the slide model into a matplotlib figure; `png(chart, w, h)`
returns it as PNG bytes for a slide box of w × h inches. Fonts: DejaVu Sans (ships with matplotlib, full
Vietnamese). Numbers on axes in the language's format (1.234,5).
"""
from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import LinearSegmentedColormap, Normalize  # noqa: E402
from matplotlib.patches import Polygon  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from dashboard import fmt  # noqa: E402

FOCUS = "#c0392b"
GREY = "#9aa5b1"
DARK = "#1f2933"
BLUE, TEAL = "#1f6fb2", "#16957f"
DPI = 150
plt.rcParams.update({"font.family": "DejaVu Sans", "font.size": 12, "axes.edgecolor": "#9aa5b1",
                     "axes.spines.top": False, "axes.spines.right": False})


def _fmt_axis(ax, lang, axis="y", decimals=0):
    f = FuncFormatter(lambda v, _pos: fmt.number(v, decimals, lang))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(f)


def draw_ranking(fig, c):
    ax = fig.add_subplot(111)
    names, pts = c["names"], c["points"]
    x = np.arange(len(names))
    ax.bar(x, pts, color=[FOCUS if n == c["focus"] else GREY for n in names], width=0.75, zorder=2)
    ax.set_ylim(0, max(pts) * 1.12)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_xticks(x, names, rotation=60, ha="right", rotation_mode="anchor", fontsize=10)
    for lab in ax.get_xticklabels():
        if lab.get_text() == c["focus"]:
            lab.set_color(FOCUS)
            lab.set_fontweight("bold")
    ax.yaxis.set_major_locator(MaxNLocator(6))
    _fmt_axis(ax, c["lang"])
    ax.set_ylabel(c["axis"], labelpad=12)
    ax.grid(axis="y", color="#e4e8ec", zorder=0)
    cuts = sorted(c["cutoffs"], key=lambda cut: cut["y"])
    for i, cut in enumerate(cuts):  # the lower label under its line, the higher above: never overlapping
        ax.axhline(cut["y"], ls="--", color=DARK, lw=1.4, zorder=3)
        above = i == len(cuts) - 1 and len(cuts) > 1
        ax.annotate(cut["label"], (1.0, cut["y"]), xycoords=("axes fraction", "data"), xytext=(6, 3 if above else -3),
                    textcoords="offset points", va="bottom" if above else ("top" if len(cuts) > 1 else "center"),
                    ha="left", fontsize=12, color=DARK)
    if c["focus"] in names:
        i = names.index(c["focus"])
        ax.annotate(fmt.number(pts[i], 2, c["lang"]), (i, pts[i]), xytext=(0, 4), textcoords="offset points",
                    ha="center", va="bottom", fontsize=12, fontweight="bold", color=FOCUS, zorder=5,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none"))
    fig.subplots_adjust(left=0.075, right=0.86, top=0.97, bottom=0.27)


def draw_map(fig, c):
    ax = fig.add_axes([0.0, 0.06, 0.78, 0.94])
    vals = c["values"]
    known = [v for v in vals.values()]
    norm = Normalize(vmin=min(known) if known else 0, vmax=max(known) if known else 1)
    cmap = LinearSegmentedColormap.from_list("dti", ["#e8f1fa", "#1f3b57"])
    xs, ys = [], []
    for feat in c["geojson"]["features"]:
        props, geom = feat["properties"], feat["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        island = props.get("kind") != "province"
        name = props.get("name")
        v = vals.get(name)
        face = "#f4b183" if island else ("#eeeeee" if v is None else cmap(norm(v)))
        if island:
            face = "#d9d9d9"
        for poly in polys:
            ring = np.asarray(poly[0])
            xs += list(ring[:, 0])
            ys += list(ring[:, 1])
            ax.add_patch(Polygon(ring, closed=True, facecolor=face, edgecolor="white" if not island else "#7b8794",
                                 lw=0.5 if not island else 0.8, zorder=1))
        if island:
            label = next((txt for key, txt in c["islands"].items() if key in name), name)
            ax.annotate(textwrap.fill(label, 18), (props["label_lon"], props["label_lat"]), xytext=(0, 30),
                        textcoords="offset points", ha="center", va="bottom", fontsize=10, color=DARK)
    for feat in c["geojson"]["features"]:
        if feat["properties"].get("name") == c["focus"]:
            geom = feat["geometry"]
            polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
            for poly in polys:
                ax.add_patch(Polygon(np.asarray(poly[0]), closed=True, fill=False, edgecolor=FOCUS, lw=2.5, zorder=3))
            p = feat["properties"]
            ax.annotate(c["focus"], (p["label_lon"], p["label_lat"]), xytext=(-60, 10), textcoords="offset points",
                        fontsize=14, fontweight="bold", color=FOCUS, ha="right",
                        arrowprops=dict(arrowstyle="-", color=FOCUS, lw=1.5),
                        bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none"))
    ax.set_xlim(min(xs) - 0.3, max(xs) + 0.3)
    ax.set_ylim(min(ys) - 0.3, max(ys) + 0.3)
    ax.set_aspect(1 / np.cos(np.radians(16)))
    ax.axis("off")
    cax = fig.add_axes([0.86, 0.35, 0.03, 0.45])
    cb = fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), cax=cax)
    cb.set_label(c["colorbar"])
    cb.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt.number(v, 0, c["lang"])))
    fig.text(0.01, 0.01, textwrap.fill(c["source"], 110), fontsize=8, color="#5b6775", va="bottom")


def draw_radar(fig, c):
    ax = fig.add_axes([0.22, 0.14, 0.42, 0.72], polar=True)
    labels = c["labels"]
    ang = np.linspace(0, 2 * np.pi, len(labels), endpoint=False)
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    colours = {"focus": FOCUS, "cutoff": BLUE, "average": "#7b8794", "best": TEAL}
    for s in c["series"]:
        v = np.asarray(s["values"], dtype=float) * 100
        ax.plot(np.r_[ang, ang[:1]], np.r_[v, v[:1]], color=colours.get(s["key"], DARK),
                lw=3 if s["key"] == "focus" else 1.8, ls="-" if s["key"] in ("focus", "best") else "--",
                label=s["name"])
        if s["key"] == "focus":
            ax.fill(np.r_[ang, ang[:1]], np.r_[v, v[:1]], color=FOCUS, alpha=0.12)
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75, 100], [fmt.percent(x / 100, 0, c["lang"]) for x in (25, 50, 75, 100)], fontsize=9,
                  color="#5b6775")
    ax.set_xticks(ang, labels, fontsize=11)
    ax.tick_params(axis="x", pad=22)
    ax.legend(loc="center left", bbox_to_anchor=(1.3, 0.5), frameon=False, fontsize=12)


def draw_trend(fig, c):
    ax = fig.add_subplot(111)
    lang = c["lang"]
    pub = [p for p in c["points"] if not p["derived"]]
    der = [p for p in c["points"] if p["derived"]]
    allp = sorted(c["points"], key=lambda p: p["year"])
    if allp:
        ax.plot([p["year"] for p in allp], [p["value"] for p in allp], color=BLUE, lw=2, zorder=2)
    if pub:
        ax.plot([p["year"] for p in pub], [p["value"] for p in pub], "o", ms=11, color=BLUE, label=c["published_name"],
                zorder=3)
    if der:
        ax.plot([p["year"] for p in der], [p["value"] for p in der], "o", ms=11, mfc="white", mec=BLUE, mew=2.5,
                label=c["derived_name"], zorder=3)
    for p in allp:
        ax.annotate(p["label"], (p["year"], p["value"]), xytext=(0, 10), textcoords="offset points", ha="center",
                    va="bottom", fontsize=11)
    now = c["now"]
    ax.plot([now["year"]], [now["value"]], "*", ms=22, color=FOCUS, label=now["name"], zorder=4)
    ax.annotate(now["label"], (now["year"], now["value"]), xytext=(0, 12), textcoords="offset points", ha="center",
                va="bottom", fontsize=11, color=FOCUS, fontweight="bold")
    years = sorted({p["year"] for p in allp} | {now["year"]})
    ax.axvline(now["year"] - 0.5, ls=":", color="#d68910", lw=2)
    ax.annotate(c["break"], (now["year"] - 0.5, 1.12), xytext=(-6, 0), textcoords="offset points", ha="right",
                va="top", fontsize=11, color="#9a6a00")
    ax.set_xlim(min(years) - 0.5, max(years) + 0.5)
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_ylim(0, 1.15)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt.number(v, 1, lang)))
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_ylabel(c["axis"], labelpad=12)
    ax.grid(axis="y", color="#e4e8ec")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False, fontsize=11)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.96, bottom=0.2)


def draw_gap(fig, c):
    ax = fig.add_subplot(111)
    labels = [textwrap.fill(x, 34) for x in c["labels"]]
    k = len(c["series"])
    y = np.arange(len(labels))
    h = 0.8 / k
    colours = [FOCUS, BLUE, TEAL]
    top = max(max(s["values"]) for s in c["series"])
    for i, s in enumerate(c["series"]):
        pos = y - 0.4 + h * (i + 0.5)
        ax.barh(pos, s["values"], height=h * 0.92, color=colours[i % 3], label=s["name"], zorder=2)
        for p, v in zip(pos, s["values"]):
            ax.annotate(fmt.number(v, 0, c["lang"]), (v, p), xytext=(4, 0), textcoords="offset points", va="center",
                        fontsize=10, color=colours[i % 3])
    ax.set_yticks(y, labels, fontsize=11)
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.1)
    _fmt_axis(ax, c["lang"], "x")
    ax.set_xlabel(c["axis"], labelpad=8)
    ax.grid(axis="x", color="#e4e8ec", zorder=0)
    ax.legend(loc="lower center", bbox_to_anchor=(0.4, 1.0), ncol=k, frameon=False, fontsize=11)
    fig.subplots_adjust(left=0.3, right=0.97, top=0.91, bottom=0.14)


DRAW = {"ranking": draw_ranking, "map": draw_map, "radar": draw_radar, "trend": draw_trend, "gap": draw_gap}


def png(chart: dict, width_in: float, height_in: float) -> bytes:
    fig = plt.figure(figsize=(width_in, height_in), dpi=DPI)
    try:
        DRAW[chart["kind"]](fig, chart)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
        return buf.getvalue()
    finally:
        plt.close(fig)
