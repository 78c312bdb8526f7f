"""The two-year plan's appendix table (indicator, target value and points, lead agency, implementing
agencies, year) as Excel and as Word (.docx, the format provincial plans are issued in), Vietnamese.
Pure: a `scoring.plan2y.TwoYearPlan` in, bytes out. Text cells are neutralised (`safe_cell`)."""
from __future__ import annotations

import io
import math

import pandas as pd

from office.collection import safe_cell

HEADERS = ["STT", "Năm", "Mã chỉ số", "Tên chỉ số thành phần", "Biến", "Giá trị hiện tại", "Giá trị mục tiêu",
           "Tỷ lệ mục tiêu", "Điểm hiện tại", "Điểm mục tiêu", "Điểm tăng", "Cơ quan chủ trì", "Cơ quan phối hợp"]


def num_vi(x, decimals: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    s = f"{abs(float(x)):,.{decimals}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
    if decimals and "," in s:
        s = s.rstrip("0").rstrip(",")
    return ("-" if float(x) < 0 and s.strip("0,.") else "") + s


def pct_vi(x) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{num_vi(100 * float(x), 1)}%"


def appendix_rows(plan) -> pd.DataFrame:
    """The appendix as text cells (Vietnamese number format), one row per action, year then code."""
    a = plan.actions.sort_values(["year", "indicator", "variable"], kind="stable")
    return pd.DataFrame({
        "STT": range(1, len(a) + 1), "Năm": a["year"].astype(int).to_numpy(),
        "Mã chỉ số": a["indicator"].to_numpy(), "Tên chỉ số thành phần": a["name_vi"].to_numpy(),
        "Biến": a["variable"].to_numpy(),
        "Giá trị hiện tại": [num_vi(v) for v in a["from_value"]],
        "Giá trị mục tiêu": [num_vi(v) for v in a["to_value"]],
        "Tỷ lệ mục tiêu": [pct_vi(v) for v in a["ratio_to"]],
        "Điểm hiện tại": [num_vi(v) for v in a["points_from"]],
        "Điểm mục tiêu": [num_vi(v) for v in a["points_to"]],
        "Điểm tăng": [num_vi(v) for v in a["points_gain"]],
        "Cơ quan chủ trì": a["lead_agency"].fillna("").replace("", "Chưa có cơ quan chủ trì").to_numpy(),
        "Cơ quan phối hợp": a["implementing_agencies"].fillna("").to_numpy(),
    }, columns=HEADERS)


def summary_lines(plan, framework_name: str, sample: bool) -> list[str]:
    lines = [
        f"Bộ chỉ số: {framework_name}.",
        f"Mục tiêu: nhóm {plan.target1} dẫn đầu năm {plan.year1} và nhóm {plan.target2} dẫn đầu năm {plan.year2}.",
        f"Tổng điểm hiện tại {num_vi(plan.total_start)}; sau các nhiệm vụ năm {plan.year1}: {num_vi(plan.total1)} "
        f"(hạng dự kiến {plan.rank1}); sau các nhiệm vụ năm {plan.year2}: {num_vi(plan.total2)} "
        f"(hạng dự kiến {plan.rank2}, so với điểm dự báo của các tỉnh khác).",
        f"Tổng điểm cần tăng: {num_vi(plan.actions['points_gain'].sum())} điểm"
        + (" (phương án ít nỗ lực nhất)." if plan.optimal else " (chưa chứng minh là ít nỗ lực nhất)."),
    ]
    if sample:
        lines.append("DỮ LIỆU MẪU: số liệu đầu vào sinh tự động để minh họa, không phải số liệu thật.")
    return lines


def build_xlsx(plan, framework_name: str, sample: bool = False) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    ws.cell(row=1, column=1, value=safe_cell(
        f"PHỤ LỤC: NHIỆM VỤ NÂNG HẠNG CHỈ SỐ DTI CỦA {plan.entity.upper()} NĂM {plan.year1}–{plan.year2}")).font = Font(bold=True, size=13)
    r = 2
    for line in summary_lines(plan, framework_name, sample):
        ws.cell(row=r, column=1, value=safe_cell(line))
        r += 1
    r += 1
    for j, h in enumerate(HEADERS, start=1):
        c = ws.cell(row=r, column=j, value=h)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="DDE7F3")
        c.alignment = Alignment(wrap_text=True, vertical="top")
    header_row = r
    ws.row_dimensions[r].height = 30
    for row in appendix_rows(plan).itertuples(index=False):
        r += 1
        ws.row_dimensions[r].height = 15 * max(math.ceil(len(str(row[3])) / 38), math.ceil(len(str(row[11])) / 24),
                                               math.ceil(len(str(row[12])) / 28), 1)
        for j, v in enumerate(row, start=1):
            cell = ws.cell(row=r, column=j, value=safe_cell(v if not hasattr(v, "item") else v.item()))
            cell.alignment = Alignment(wrap_text=j in (4, 12, 13), vertical="top")
    for j, w in enumerate([5, 7, 9, 40, 7, 14, 14, 11, 10, 10, 9, 26, 30], start=1):
        ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = w
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def build_docx(plan, framework_name: str, sample: bool = False) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(1.5))
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(f"PHỤ LỤC\nNHIỆM VỤ NÂNG HẠNG CHỈ SỐ CHUYỂN ĐỔI SỐ (DTI) CỦA {plan.entity.upper()} "
                        f"NĂM {plan.year1}–{plan.year2}")
    run.bold = True
    run.font.size = Pt(13)
    for line in summary_lines(plan, framework_name, sample):
        p = doc.add_paragraph(line)
        p.paragraph_format.space_after = Pt(2)
    rows = appendix_rows(plan)
    table = doc.add_table(rows=1, cols=len(HEADERS))
    table.style = "Table Grid"
    for j, h in enumerate(HEADERS):
        cell = table.rows[0].cells[j]
        cell.text = h
        for p in cell.paragraphs:
            for rn in p.runs:
                rn.bold = True
                rn.font.size = Pt(9)
    for row in rows.itertuples(index=False):
        cells = table.add_row().cells
        for j, v in enumerate(row):
            cells[j].text = str(v)
            for p in cells[j].paragraphs:
                for rn in p.runs:
                    rn.font.size = Pt(9)
    widths = [0.9, 1.2, 1.3, 5.5, 1.1, 2.0, 2.0, 1.6, 1.5, 1.5, 1.4, 3.4, 3.3]
    table.autofit = False
    for j, w in enumerate(widths):  # the grid (read by LibreOffice) and every cell (read by Word)
        table.columns[j].width = Cm(w)
    for row in table.rows:
        for j, w in enumerate(widths):
            row.cells[j].width = Cm(w)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
