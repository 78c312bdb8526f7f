"""The slide model as one PDF (matplotlib PdfPages, 16:9 pages): the same boxes, texts, charts and tables as
the PowerPoint, with no LibreOffice. `libreoffice(pptx)` converts the PowerPoint instead (an option)."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from reports.briefing import charts  # noqa: E402
from reports.briefing.slides import H, W, Deck, boxes, card_boxes  # noqa: E402

HEX = {"navy": "#1f3b57", "dark": "#1f2933", "grey": "#5b6775", "light": "#f2f5f8", "red": "#c0392b",
       "amber": "#fff4d6", "white": "#ffffff"}
CHAR_EM = 0.56  # average DejaVu Sans character width, in ems (for wrapping; bold: 0.62)


def _wrap(text: str, size: float, width_in: float, bold: bool = False) -> list[str]:
    per_line = max(6, int(width_in * 72 / (size * (CHAR_EM + (0.06 if bold else 0)))))
    out = []
    for para in str(text).split("\n"):
        out += textwrap.wrap(para, per_line, break_long_words=False) or [""]
    return out


def _lines(fig, box, lines, space=6, valign="top", halign="left"):
    """Draw (text, size, bold, colour) lines into a box (inches from the top-left); wrapped to its width."""
    left, top, width, height = box
    blocks = [(_wrap(txt, size, width - 0.16, bold), size, bold, colour) for txt, size, bold, colour in lines]
    total = sum(len(b[0]) * b[1] * 1.2 / 72 + space / 72 for b in blocks)
    y = top + (height - total) / 2 if valign == "middle" else top + 0.05
    x = left + 0.08 if halign == "left" else left + width - 0.08
    for wrapped, size, bold, colour in blocks:
        for ln in wrapped:
            fig.text(x / W, 1 - (y + size / 72) / H, ln, fontsize=size, fontweight="bold" if bold else "normal",
                     color=HEX[colour], ha=halign, va="baseline")
            y += size * 1.2 / 72
        y += space / 72


def _rect(fig, box, fill, edge=None):
    left, top, width, height = box
    fig.add_artist(Rectangle((left / W, 1 - (top + height) / H), width / W, height / H, transform=fig.transFigure,
                             facecolor=HEX[fill], edgecolor=HEX[edge] if edge else "none", lw=1.2))


def _table(fig, tab, box):
    left, top, width, _height = box
    total = sum(tab.widths)
    widths = [width * w / total for w in tab.widths]
    y = top
    for i, row in enumerate([tab.columns] + tab.rows):
        cells = [_wrap(v, tab.font, w - 0.16, i == 0) for v, w in zip(row, widths)]
        rh = max(0.34, max(len(c) for c in cells) * tab.font * 1.2 / 72 + 0.12)
        x = left
        for j, (lines, w) in enumerate(zip(cells, widths)):
            _rect(fig, (x, y, w, rh), "navy" if i == 0 else ("light" if i % 2 else "white"))
            fig.add_artist(Rectangle((x / W, 1 - (y + rh) / H), w / W, rh / H, transform=fig.transFigure,
                                     fill=False, edgecolor="white", lw=1))
            right = j not in tab.left_cols
            _lines(fig, (x, y, w, rh), [("\n".join(lines), tab.font, False, "white" if i == 0 else "dark")],
                   space=0, valign="middle", halign="right" if right else "left")
            x += w
        y += rh


def draw_page(deck: Deck, number: int, sample_text: str):
    sl = deck.slides[number - 1]
    fig = plt.figure(figsize=(W, H), dpi=charts.DPI)
    b = boxes(sl, deck.sample)
    if sl.layout == "cover":
        _rect(fig, b["band"], "navy")
        _lines(fig, b["title"], [(sl.title, 34, True, "white")], valign="middle")
        _lines(fig, b["lines"], sl.lines)
        _lines(fig, b["lines2"], sl.lines2)
    else:
        _rect(fig, b["bar"], "navy")
        _lines(fig, b["title"], [(sl.title, 22 if len(sl.title) <= 64 else 18, True, "white")], valign="middle",
               space=0)
    if sl.cards:
        places = card_boxes(b["cards"], len(sl.cards))
        for (label, value, sub), (back, at_label, at_value, at_sub) in zip(sl.cards, places):
            _rect(fig, back, "light")
            _lines(fig, at_label, [(label, 15, False, "grey")])
            _lines(fig, at_value, [(value, 30, True, "navy")])
            _lines(fig, at_sub, [(sub, 12, False, "grey")])
    if sl.chart is not None:
        left, top, width, height = b["chart"]
        ax = fig.add_axes([left / W, 1 - (top + height) / H, width / W, height / H])
        ax.imshow(mpimg.imread(io.BytesIO(charts.png(sl.chart, width, height)), format="png"), aspect="auto")
        ax.axis("off")
    if sl.table is not None:
        _table(fig, sl.table, b["table"])
    if sl.lines and sl.layout != "cover":
        _lines(fig, b["lines"], sl.lines, space=10 if sl.layout in ("text", "chart_side") else 6)
    if sl.foot:
        _lines(fig, b["foot"], [(sl.foot, 13, True, "navy")], space=0)
    _lines(fig, (0.45, 7.0, 11.2, 0.4), [(deck.footer, 10, False, "grey")], space=0)
    _lines(fig, (11.9, 7.0, 1.0, 0.4), [(str(number), 10, False, "grey")], space=0, halign="right")
    if deck.sample:
        _rect(fig, (0.45, 6.45, 12.43, 0.5), "amber", edge="red")
        fig.text((0.45 + 12.43 / 2) / W, 1 - 6.7 / H, sample_text, fontsize=15, fontweight="bold", color=HEX["red"],
                 ha="center", va="center")
    return fig


def to_pdf(deck: Deck, sample_text: str) -> bytes:
    buf = io.BytesIO()
    with PdfPages(buf) as pdf:
        for number in range(1, len(deck.slides) + 1):
            fig = draw_page(deck, number, sample_text)
            pdf.savefig(fig)
            plt.close(fig)
    return buf.getvalue()


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice(pptx: bytes, timeout: float) -> bytes | None:
    """The PDF of a .pptx by LibreOffice headless (private profile); None when it cannot (not installed,
    failed or slower than `timeout` seconds)."""
    exe = soffice_path()
    if exe is None:
        return None
    with tempfile.TemporaryDirectory(prefix="dti_briefing_") as tmp:
        src = Path(tmp) / "briefing.pptx"
        src.write_bytes(pptx)
        cmd = [exe, f"-env:UserInstallation=file://{Path(tmp) / 'profile'}", "--headless", "--convert-to", "pdf",
               "--outdir", tmp, str(src)]
        try:
            subprocess.run(cmd, capture_output=True, timeout=timeout, check=False, env={**os.environ, "HOME": tmp})
        except subprocess.TimeoutExpired:
            return None
        out = Path(tmp) / "briefing.pdf"
        return out.read_bytes() if out.exists() else None
