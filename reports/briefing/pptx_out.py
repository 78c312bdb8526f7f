"""The slide model as a 16:9 PowerPoint (python-pptx); charts are matplotlib PNGs (`charts.png`)."""
from __future__ import annotations

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from reports.briefing import charts
from reports.briefing.slides import H, W, Deck, boxes, card_boxes

FONT = "Arial"
RGB = {"navy": RGBColor(0x1F, 0x3B, 0x57), "dark": RGBColor(0x1F, 0x29, 0x33), "grey": RGBColor(0x5B, 0x67, 0x75),
       "light": RGBColor(0xF2, 0xF5, 0xF8), "red": RGBColor(0xC0, 0x39, 0x2B), "amber": RGBColor(0xFF, 0xF4, 0xD6),
       "white": RGBColor(0xFF, 0xFF, 0xFF)}


def _in(box):
    return [Inches(v) for v in box]


def _text(s, box, lines, align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP, space_after=6):
    shape = s.shapes.add_textbox(*_in(box))
    frame = shape.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = Inches(0.08)
    for i, (txt, size, bold, colour) in enumerate(lines):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = align
        para.space_after = Pt(space_after)
        run = para.add_run()
        run.text = txt
        run.font.name, run.font.size, run.font.bold = FONT, Pt(size), bold
        run.font.color.rgb = RGB[colour]
    return shape


def _rect(s, box, fill, line=None):
    shape = s.shapes.add_shape(MSO_SHAPE.RECTANGLE, *_in(box))
    shape.fill.solid()
    shape.fill.fore_color.rgb = RGB[fill]
    if line is None:
        shape.line.fill.background()
    else:
        shape.line.color.rgb = RGB[line]
    shape.shadow.inherit = False
    return shape


def _table(s, tab, box):
    rows, cols = len(tab.rows) + 1, len(tab.columns)
    rh = min(0.5, max(0.34, box[3] / rows))
    shape = s.shapes.add_table(rows, cols, Inches(box[0]), Inches(box[1]), Inches(box[2]), Emu(int(Inches(rh)) * rows))
    table = shape.table
    total = sum(tab.widths)
    for j, w in enumerate(tab.widths):
        table.columns[j].width = Emu(int(Inches(box[2]) * w / total))
    for i, row in enumerate([tab.columns] + tab.rows):
        for j, value in enumerate(row):
            cell = table.cell(i, j)
            cell.fill.solid()
            cell.fill.fore_color.rgb = RGB["navy"] if i == 0 else (RGB["light"] if i % 2 else RGB["white"])
            para = cell.text_frame.paragraphs[0]
            run = para.add_run()
            run.text = str(value)
            run.font.name, run.font.size, run.font.bold = FONT, Pt(tab.font), i == 0
            run.font.color.rgb = RGB["white"] if i == 0 else RGB["dark"]
            if j not in tab.left_cols:
                para.alignment = PP_ALIGN.RIGHT
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE


def to_pptx(deck: Deck, sample_text: str) -> bytes:
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(W), Inches(H)
    blank = prs.slide_layouts[6]
    for number, sl in enumerate(deck.slides, start=1):
        s = prs.slides.add_slide(blank)
        b = boxes(sl, deck.sample)
        if sl.layout == "cover":
            _rect(s, b["band"], "navy")
            _text(s, b["title"], [(sl.title, 38, True, "white")], anchor=MSO_ANCHOR.BOTTOM)
            _text(s, b["lines"], sl.lines)
            _text(s, b["lines2"], sl.lines2)
        else:
            _rect(s, b["bar"], "navy")
            _text(s, b["title"], [(sl.title, 24 if len(sl.title) <= 64 else 20, True, "white")],
                  anchor=MSO_ANCHOR.MIDDLE, space_after=0)
        if sl.cards:
            places = card_boxes(b["cards"], len(sl.cards))
            for (label, value, sub), (back, at_label, at_value, at_sub) in zip(sl.cards, places):
                _rect(s, back, "light")
                _text(s, at_label, [(label, 16, False, "grey")])
                _text(s, at_value, [(value, 34, True, "navy")])
                _text(s, at_sub, [(sub, 13, False, "grey")])
        if sl.chart is not None:
            box = b["chart"]
            s.shapes.add_picture(io.BytesIO(charts.png(sl.chart, box[2], box[3])), *_in(box))
        if sl.table is not None:
            _table(s, sl.table, b["table"])
        if sl.lines and sl.layout != "cover":
            _text(s, b["lines"], sl.lines, space_after=10 if sl.layout in ("text", "chart_side") else 6)
        if sl.foot:
            _text(s, b["foot"], [(sl.foot, 14, True, "navy")], space_after=0)
        _text(s, (0.45, 7.0, 11.2, 0.4), [(deck.footer, 11, False, "grey")], space_after=0)
        _text(s, (11.9, 7.0, 1.0, 0.4), [(str(number), 11, False, "grey")], align=PP_ALIGN.RIGHT, space_after=0)
        if deck.sample:
            band = _rect(s, (0.45, 6.45, 12.43, 0.5), "amber", line="red")
            frame = band.text_frame
            frame.vertical_anchor = MSO_ANCHOR.MIDDLE
            para = frame.paragraphs[0]
            para.alignment = PP_ALIGN.CENTER
            run = para.add_run()
            run.text = sample_text
            run.font.name, run.font.size, run.font.bold = FONT, Pt(16), True
            run.font.color.rgb = RGB["red"]
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
