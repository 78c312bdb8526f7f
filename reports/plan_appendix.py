"""The two-year plan's appendix table (indicator, the figure to raise in words and its unit, target value
and points, lead agency, implementing agencies, year) as Excel and as Word (.docx, the format provincial
plans are issued in), Vietnamese. Counts are whole numbers ("162", never "162,00"). In Excel the figures
are numeric cells with number formats (#,##0 for counts, #,##0.00 otherwise, 0.0% for ratios), shown
with the reader's separators (Vietnamese Excel: 1.234,56); in Word they are text in the Vietnamese format.
Pure: a `scoring.plan2y.TwoYearPlan` (and the framework, for meanings and units) in, bytes out. Text cells
are neutralised (`safe_cell`)."""
from __future__ import annotations

import io
import math

import pandas as pd

from office.collection import safe_cell
from scoring.framework import display_code

HEADERS = ["STT", "Năm", "Mã chỉ số", "Tên chỉ số thành phần", "Số liệu cần tăng", "Đơn vị", "Giá trị đầu năm",
           "Giá trị mục tiêu", "Tỷ lệ mục tiêu", "Điểm hiện tại", "Điểm mục tiêu", "Điểm tăng", "Cơ quan chủ trì",
           "Cơ quan phối hợp"]
VALUE_COLS = ("Giá trị đầu năm", "Giá trị mục tiêu")
POINT_COLS = ("Điểm hiện tại", "Điểm mục tiêu", "Điểm tăng")
UNASSIGNED = "Cần phân công cơ quan chủ trì"


def num_vi(x, decimals: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    s = f"{abs(float(x)):,.{decimals}f}".replace(",", "\0").replace(".", ",").replace("\0", ".")
    if decimals and "," in s:
        s = s.rstrip("0").rstrip(",")
    return ("-" if float(x) < 0 and s.strip("0,.") else "") + s


def pct_vi(x) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{num_vi(100 * float(x), 1)}%"


def _decimals(*values) -> int:
    """0 for whole numbers (people, households, enterprises), else the decimals written (at most 2)."""
    dec = 0
    for v in values:
        if v is None or v != v:
            continue
        for d in range(3):
            if abs(float(v) * 10 ** d - round(float(v) * 10 ** d)) < 1e-6:
                break
        else:
            d = 2
        dec = max(dec, d)
    return dec


def _meaning(framework, code: str, var: str) -> tuple[str, str]:
    """(the variable's full meaning, its unit) from the framework; the id when there is no framework."""
    if framework is None or code not in framework.nodes:
        return var, ""
    for v in framework.nodes[code].variables:
        name = v.get("name") if isinstance(v, dict) else getattr(v, "name", None)
        if name == var:
            get = (lambda k: v.get(k, "")) if isinstance(v, dict) else (lambda k: getattr(v, k, ""))
            unit = get("unit") or ""
            return (get("meaning_vi") or var), ("" if unit == "0/1" else unit)
    return var, ""


def appendix_values(plan, framework=None) -> pd.DataFrame:
    """The appendix with numbers as numbers (Excel), one row per action, year then code."""
    a = plan.actions.sort_values(["year", "indicator", "variable"], kind="stable")
    from dashboard.plan_text import spell_out

    seen: set = set()  # abbreviations (HTTT, DVC, …) spelled out the first time in the document
    meanings = [(spell_out(m, seen), u) for m, u in (_meaning(framework, c, v) for c, v in zip(a["indicator"], a["variable"]))]
    leads = [str(x or "").strip() for x in a["lead_agency"]]
    return pd.DataFrame({
        "STT": range(1, len(a) + 1), "Năm": a["year"].astype(int).to_numpy(),
        "Mã chỉ số": [display_code(c) for c in a["indicator"]], "Tên chỉ số thành phần": a["name_vi"].to_numpy(),
        "Số liệu cần tăng": [m for m, _ in meanings], "Đơn vị": [u or "—" for _, u in meanings],
        "Giá trị đầu năm": a["from_value"].astype(float).to_numpy(),
        "Giá trị mục tiêu": a["to_value"].astype(float).to_numpy(),
        "Tỷ lệ mục tiêu": a["ratio_to"].astype(float).to_numpy(),
        "Điểm hiện tại": a["points_from"].astype(float).to_numpy(),
        "Điểm mục tiêu": a["points_to"].astype(float).to_numpy(),
        "Điểm tăng": a["points_gain"].astype(float).to_numpy(),
        "Cơ quan chủ trì": [x if x and x.lower() != "cơ quan chủ trì chưa xác định trong văn bản" else UNASSIGNED
                            for x in leads],
        "Cơ quan phối hợp": a["implementing_agencies"].fillna("").to_numpy(),
    }, columns=HEADERS)


def appendix_rows(plan, framework=None) -> pd.DataFrame:
    """The appendix as text cells (Vietnamese number format; counts whole), one row per action."""
    df = appendix_values(plan, framework)
    out = df.astype(object)
    for col in VALUE_COLS:
        out[col] = [num_vi(v, _decimals(v)) for v in df[col]]
    for col in POINT_COLS:
        out[col] = [num_vi(v) for v in df[col]]
    out["Tỷ lệ mục tiêu"] = [pct_vi(v) for v in df["Tỷ lệ mục tiêu"]]
    return out


def summary_lines(plan, framework_name: str, sample: bool) -> list[str]:
    lines = [
        f"Bộ chỉ số: {framework_name}.",
        f"Mục tiêu: nhóm {plan.target1} dẫn đầu năm {plan.year1} và nhóm {plan.target2} dẫn đầu năm {plan.year2}.",
        f"Tổng điểm hiện tại {num_vi(plan.total_start)}; sau các nhiệm vụ năm {plan.year1}: {num_vi(plan.total1)} "
        f"(hạng dự kiến {plan.rank1}); sau các nhiệm vụ năm {plan.year2}: {num_vi(plan.total2)} "
        f"(hạng dự kiến {plan.rank2}, so với điểm dự báo của các tỉnh khác).",
        f"Tổng điểm tăng: {num_vi(plan.actions['points_gain'].sum())} điểm; tổng nỗ lực {num_vi(plan.cost)}"
        + (" (phương án ít nỗ lực nhất)." if plan.optimal else " (chưa chứng minh là ít nỗ lực nhất)."),
    ]
    lines.append("Cách lập: mẫu số (dân số, tổng số cán bộ, số hộ…) là thực tế, không thay đổi; mỗi năm một số liệu tăng "
                 "không quá mức tối đa của năm, tính từ giá trị kế hoạch năm trước; mục có/không là việc làm được hoặc "
                 "không; nỗ lực = độ khó × mức tăng so với hiện tại. Cột “Đơn vị” là đơn vị của số liệu cần tăng.")
    if sample:
        lines.append("DỮ LIỆU MẪU: số liệu đầu vào sinh tự động để minh họa, không phải số liệu thật.")
    return lines


def build_xlsx(plan, framework_name: str, sample: bool = False, framework=None) -> bytes:
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
    numeric = {HEADERS.index(c) for c in VALUE_COLS + POINT_COLS + ("Tỷ lệ mục tiêu",)}
    for row in appendix_values(plan, framework).itertuples(index=False):
        r += 1
        ws.row_dimensions[r].height = 15 * max(math.ceil(len(str(row[3])) / 38), math.ceil(len(str(row[4])) / 38),
                                               math.ceil(len(str(row[12])) / 24), math.ceil(len(str(row[13])) / 28), 1)
        for j, v in enumerate(row):
            v = v.item() if hasattr(v, "item") else v
            if j in numeric:
                value = None if v is None or v != v else float(v)
                cell = ws.cell(row=r, column=j + 1, value=value)
                col = HEADERS[j]
                if col == "Tỷ lệ mục tiêu":
                    cell.number_format = "0.0%"
                elif col in VALUE_COLS:
                    cell.number_format = "#,##0" if _decimals(value) == 0 else "#,##0.00"
                else:
                    cell.number_format = "#,##0.00"
            else:
                cell = ws.cell(row=r, column=j + 1, value=safe_cell(v))
            cell.alignment = Alignment(wrap_text=j + 1 in (4, 5, 13, 14), vertical="top")
    for j, w in enumerate([5, 7, 9, 36, 36, 9, 14, 14, 11, 10, 10, 9, 26, 30], start=1):
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


def build_docx(plan, framework_name: str, sample: bool = False, framework=None) -> bytes:
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
    rows = appendix_rows(plan, framework)
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
    widths = [0.8, 1.1, 1.2, 4.0, 4.0, 1.3, 1.8, 1.8, 1.4, 1.3, 1.3, 1.2, 2.6, 2.7]
    table.autofit = False
    for j, w in enumerate(widths):  # the grid (read by LibreOffice) and every cell (read by Word)
        table.columns[j].width = Cm(w)
    for row in table.rows:
        for j, w in enumerate(widths):
            row.cells[j].width = Cm(w)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
