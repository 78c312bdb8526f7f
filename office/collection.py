"""A data-collection round (issue 10): one request workbook per lead agency, read back one by one.

Pure: no DuckDB, no Streamlit. `office.collection_round` stores what happens (sent, received, valid…).

- `agency_leaves(framework)`: the lead agency of every leaf, as the seed's appendix names it
  (`Node.lead_agency`); a shared lead "A; B" makes the leaf appear in A's and B's workbooks.
  A leaf whose lead agency the seed does not name goes to `UNASSIGNED` (the office fills it itself).
- `build_request_workbook(...)`: the .xlsx sent to one agency: an instructions sheet (agency, province,
  year, deadline) and a data sheet in the long layout `loaders.parsing.parse_inputs` reads (province,
  year, indicator code, variable code, value) with the indicator's name, the variable's meaning, its unit,
  last year's value and the evidence columns (document number, date, issuing body, link).
- `read_returned_workbook(...)`: the figures of a returned workbook, read through `parse_inputs`
  (the importer's checks), then refused by name and cell when the agency does not lead the indicator,
  the province or the year is not the round's; the evidence columns of each row are read beside.
- `tracker`, `consolidate`, `compare_official`: tables over what the store holds.

Every text cell written is neutralised (`safe_cell`): a cell beginning with = + - @ tab or CR gets a
leading apostrophe, so a spreadsheet never evaluates it as a formula.

Why one module: the agency workbook is one format — written (generate) and read back (receive) by the
same column contract; split, a change to one side could silently break the other.
"""
from __future__ import annotations

import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from loaders.parsing import EntityResolver, fold, parse_inputs, parse_number
from scoring.framework import Framework, display_code

UNASSIGNED = "Chưa có cơ quan chủ trì"
DATA_SHEET = "Số liệu"
GUIDE_SHEET = "Hướng dẫn"  # skipped by parse_inputs
HEADER_ROW = 3  # 1-based; parse_inputs looks for the header in the first 5 rows
EVIDENCE_FIELDS = ("doc_number", "doc_date", "issuer", "link")
HEADERS = [  # (key, Vietnamese header): the first five are the importer's long layout
    ("entity", "Tỉnh"), ("year", "Năm"), ("indicator", "Mã chỉ số"), ("variable", "Mã biến"),
    ("value", "Giá trị"), ("indicator_name", "Tên chỉ số thành phần"), ("meaning", "Ý nghĩa của biến"),
    ("unit", "Đơn vị tính"), ("last_year", "Giá trị năm trước"), ("last_year_origin", "Nguồn giá trị năm trước"),
    ("doc_number", "Số văn bản minh chứng"),
    ("doc_date", "Ngày văn bản"), ("issuer", "Cơ quan ban hành"), ("link", "Đường dẫn minh chứng"),
    ("remark", "Ghi chú"),
]
COL = {key: i + 1 for i, (key, _) in enumerate(HEADERS)}  # 1-based column of each key
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A text beginning with = + - @ tab or CR gets a leading apostrophe (never a formula)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def split_agencies(text: str) -> list[str]:
    """'Sở A; Sở B' → ['Sở A', 'Sở B']; '' → [UNASSIGNED]."""
    names = [a.strip() for a in re.split(r"[;\n]", text or "") if a.strip()]
    return names or [UNASSIGNED]


def agency_leaves(framework: Framework) -> dict[str, list[str]]:
    """Lead agency → the leaf codes it leads (in framework order); shared leads count for each."""
    out: dict[str, list[str]] = {}
    for leaf in framework.leaves:
        for agency in split_agencies(leaf.lead_agency):
            out.setdefault(agency, []).append(leaf.code)
    return out


def leads_of(framework: Framework, code: str) -> list[str]:
    return split_agencies(framework.nodes[code].lead_agency)


def evidence_required(framework: Framework, code: str) -> bool:
    """Whether the figures of a leaf need evidence: the node's `evidence_required`, else the framework's
    `[framework] evidence_required` (dti_province_2025: true for every component), else False."""
    node_flag = framework.nodes[code].evidence_required
    if node_flag is not None:
        return bool(node_flag)
    return bool(framework.meta.get("evidence_required", False))


def file_stem(agency: str) -> str:
    """A file name after the agency, safe on every system: 'Sở Khoa học và Công nghệ' → 'So_Khoa_hoc_va_Cong_nghe'."""
    return re.sub(r"[^A-Za-z0-9]+", "_", fold(agency).replace(" ", "_")).strip("_") or "co_quan"


def expected_cells(framework: Framework, codes: list[str]) -> pd.DataFrame:
    """indicator, variable of every figure asked for the given leaves."""
    rows = [(c, v.name) for c in codes for v in framework.nodes[c].variables]
    return pd.DataFrame(rows, columns=["indicator", "variable"])


def _lines(text: str, width: int) -> int:
    """Lines a wrapped text takes in a column `width` characters wide (row heights are not computed by
    every spreadsheet program)."""
    return max(1, math.ceil(len(text or "") / max(width - 2, 1)))


def _vi_date(d: date | None) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}" if d else ""


def number_format(x: float) -> str:
    """The Excel number format of a figure: grouped thousands, decimals only when it has some. Excel
    shows the separators of the reader's locale (1.234,5 in a Vietnamese one); the cell stays a number."""
    return "#,##0" if float(x).is_integer() else "#,##0.0###"


def framework_label(framework: Framework) -> str:
    """The framework's name as a person reads it (no draft identifier such as '(draft-3530-…)')."""
    return framework.name_vi


def _num_vi(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    s = f"{x:,.4f}".rstrip("0").rstrip(".")
    return s.replace(",", " ").replace(".", ",").replace(" ", ".")


# --- the request workbook --------------------------------------------------------------------------

def build_request_workbook(framework: Framework, agency: str, codes: list[str], province: str, year: int,
                           deadline: date | None, last_year: pd.DataFrame | None = None,
                           round_label: str = "", made_on: str = "") -> bytes:
    """The .xlsx asking one agency for the figures of the leaves it leads.

    `last_year`: long frame (indicator, variable, value[, not_applicable][, origin]) of the province's
    previous year — its own or published figures only, never SAMPLE (the caller chooses; `origin` is the
    label of where each figure comes from, written beside it). Missing there → the cell stays empty
    (never invented). Values are written as numbers with a grouped number format, not as text.
    `made_on`: the day the workbook is made (Vietnam time, dd/mm/yyyy)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    prev: dict[tuple[str, str], Any] = {}
    origin: dict[tuple[str, str], str] = {}
    if last_year is not None and not last_year.empty:
        for r in last_year.itertuples(index=False):
            na = bool(getattr(r, "not_applicable", False))
            v = getattr(r, "value", None)
            if not na and (v is None or pd.isna(v)):
                continue
            key = (str(r.indicator), str(r.variable))
            prev[key] = "N/A" if na else float(v)
            origin[key] = str(getattr(r, "origin", "") or "")

    wb = Workbook()
    guide = wb.active
    guide.title = GUIDE_SHEET
    lines = [
        ("Phiếu thu thập số liệu Chỉ số chuyển đổi số (DTI)", ""),
        ("Cơ quan chủ trì", agency),
        ("Tỉnh", province),
        ("Năm đánh giá", year),
        ("Hạn nộp", _vi_date(deadline)),
        ("Bộ chỉ số", framework_label(framework)),
        ("Đợt", round_label),
        ("Ngày lập phiếu", made_on),
        ("Số chỉ số thành phần", len(codes)),
        ("", ""),
        ("Cách điền", "Ở trang tính «Số liệu», điền cột «Giá trị» cho từng biến; không sửa các cột mã "
                      "(Tỉnh, Năm, Mã chỉ số, Mã biến)."),
        ("", "Số viết kiểu Việt Nam (1.234,56) hoặc tỷ lệ (85%); mục có/không điền 1 hoặc 0; "
             "chỉ số không áp dụng (nếu được phép) điền N/A."),
        ("", "Mỗi giá trị cần minh chứng: số văn bản, ngày văn bản, cơ quan ban hành, đường dẫn (nếu có)."),
        ("", "Chỉ điền các chỉ số do cơ quan chủ trì; số liệu của chỉ số khác sẽ bị từ chối."),
        ("", "Để trống ô Giá trị nếu chưa có số liệu: ô trống là chưa nộp, không phải số 0; các giá trị khác "
             "của phiếu vẫn được nhận."),
        ("", "Số lượng (người, hộ, doanh nghiệp, hồ sơ…) ghi số nguyên, không ghi phần trăm."),
        ("", "«Giá trị năm trước» lấy từ số liệu của tỉnh hoặc số liệu đã công bố (cột «Nguồn giá trị năm "
             "trước» ghi rõ); để trống khi không có."),
    ]
    for i, (k, v) in enumerate(lines, start=1):
        guide.cell(row=i, column=1, value=safe_cell(k)).font = Font(bold=True)
        guide.cell(row=i, column=2, value=safe_cell(str(v))).alignment = Alignment(wrap_text=True, vertical="top")
        guide.row_dimensions[i].height = 15 * _lines(str(v), 100)
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["B"].width = 100
    guide.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)

    ws = wb.create_sheet(DATA_SHEET)
    title = f"Số liệu DTI năm {year} — {agency} — {province} — hạn nộp {_vi_date(deadline) or 'chưa định'}"
    ws.cell(row=1, column=1, value=safe_cell(title)).font = Font(bold=True, size=13)
    ws.cell(row=2, column=1, value="Điền cột «Giá trị» (nền vàng) và minh chứng; không sửa các cột mã.")
    head_fill = PatternFill("solid", fgColor="DDE7F3")
    for key, text in HEADERS:
        c = ws.cell(row=HEADER_ROW, column=COL[key], value=text)
        c.font = Font(bold=True)
        c.fill = head_fill
        c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[HEADER_ROW].height = 30
    fill = PatternFill("solid", fgColor="FFF2CC")
    r = HEADER_ROW + 1
    for code in codes:
        leaf = framework.nodes[code]
        for v in leaf.variables:
            values = {
                "entity": province, "year": year, "indicator": code, "variable": v.name, "value": None,
                "indicator_name": f"{display_code(code)}. {leaf.name_vi}", "meaning": v.meaning_vi, "unit": v.unit,
                "last_year": prev.get((code, v.name)),
                "last_year_origin": origin.get((code, v.name), ""),
            }
            for key, val in values.items():
                cell = ws.cell(row=r, column=COL[key], value=safe_cell(val))
                cell.alignment = Alignment(wrap_text=key in ("indicator_name", "meaning", "last_year_origin"),
                                           vertical="top", horizontal="center" if key == "year" else None)
                if key == "last_year" and isinstance(val, float):
                    cell.number_format = number_format(val)
            ws.cell(row=r, column=COL["value"]).fill = fill
            ws.row_dimensions[r].height = 15 * max(_lines(values["indicator_name"], 40), _lines(v.meaning_vi, 46))
            r += 1
    # A date typed in the date column is checked by Excel (a text date is read too).
    if r > HEADER_ROW + 1:
        dv = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                            showErrorMessage=False)
        col = ws.cell(row=HEADER_ROW, column=COL["doc_date"]).column_letter
        dv.add(f"{col}{HEADER_ROW + 1}:{col}{r - 1}")
        ws.add_data_validation(dv)
    widths = {"entity": 12, "year": 7, "indicator": 9, "variable": 8, "value": 14, "indicator_name": 40,
              "meaning": 46, "unit": 14, "last_year": 14, "last_year_origin": 18, "doc_number": 18, "doc_date": 13, "issuer": 22,
              "link": 28, "remark": 20}
    for key, w in widths.items():
        ws.column_dimensions[ws.cell(row=1, column=COL[key]).column_letter].width = w
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=COL["indicator_name"])
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    for sheet in (guide, ws):  # printed: A4 landscape, one page wide
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    wb.active = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def build_round_zip(framework: Framework, province: str, year: int, deadline: date | None,
                    last_year: pd.DataFrame | None = None, round_label: str = "",
                    made_on: str = "") -> tuple[bytes, dict[str, str]]:
    """Every agency's workbook in one zip; returns (zip bytes, {agency: file name})."""
    names: dict[str, str] = {}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for agency, codes in agency_leaves(framework).items():
            name = f"{file_stem(agency)}_{year}.xlsx"
            names[agency] = name
            zf.writestr(name, build_request_workbook(framework, agency, codes, province, year, deadline,
                                                     last_year, round_label, made_on))
    return buf.getvalue(), names


def read_request_meta(source: bytes) -> dict[str, Any]:
    """The agency, province and year written on the instructions sheet (empty dict when absent)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(source), read_only=True, data_only=True)
    except Exception:
        return {}
    try:
        if GUIDE_SHEET not in wb.sheetnames:
            return {}
        rows = {str(a or "").strip(): b for a, b, *_ in wb[GUIDE_SHEET].iter_rows(min_row=1, max_row=9,
                                                                                  max_col=2, values_only=True)}
    finally:
        wb.close()
    return {"agency": rows.get("Cơ quan chủ trì"), "province": rows.get("Tỉnh"), "year": rows.get("Năm đánh giá")}


# --- a returned workbook -----------------------------------------------------------------------------

@dataclass
class Problem:
    """A problem of a returned workbook, in Vietnamese, with where it is (`located`: the message already
    starts with its place, as the importer's messages do)."""
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    located: bool = False

    def text(self) -> str:
        if self.located:
            return self.message
        where = ", ".join(x for x in (f"trang tính «{self.sheet}»" if self.sheet else "",
                                      f"dòng {self.row}" if self.row else "",
                                      f"cột {self.column}" if self.column else "") if x)
        return f"{where}: {self.message}" if where else self.message


MISSING_COLUMNS = ["indicator", "variable", "sheet", "row", "column"]


@dataclass
class ReturnedWorkbook:
    agency: str
    file_name: str
    sha256: str
    data: pd.DataFrame  # entity, year, indicator, variable, value, not_applicable, sheet, row, column
    evidence: pd.DataFrame  # indicator, variable, doc_number, doc_date, issuer, link
    problems: list[Problem] = field(default_factory=list)
    # figures not given (a blank value cell, or no row): indicator, variable, sheet, row, column
    missing: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MISSING_COLUMNS))

    @property
    def ok(self) -> bool:
        return not self.problems


def _sheet_rows(source: bytes) -> dict[tuple[str, int], dict[str, Any]]:
    """(sheet, row) → the cells of that row by HEADERS key, for sheets whose header row (in the first 5
    rows) names the indicator code column; rows without an indicator code are left out."""
    import openpyxl

    out: dict[tuple[str, int], dict[str, Any]] = {}
    try:
        wb = openpyxl.load_workbook(io.BytesIO(source), read_only=True, data_only=True)
    except Exception:
        return out
    wanted = {fold(text): key for key, text in HEADERS}
    try:
        for ws in wb.worksheets:
            cols: dict[str, int] = {}
            for r, cells in enumerate(ws.iter_rows(values_only=True), start=1):
                if not cols:
                    if r > 5:
                        break
                    found = {wanted[fold(c)]: i for i, c in enumerate(cells) if isinstance(c, str) and fold(c) in wanted}
                    if "indicator" in found and "value" in found:
                        cols = found
                    continue
                vals = {k: (cells[i] if i < len(cells) else None) for k, i in cols.items()}
                if _text(vals.get("indicator")):
                    vals["value_column"] = _letter(cols["value"] + 1)
                    out[(ws.title, r)] = vals
    finally:
        wb.close()
    return out


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _date_text(v: Any) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        v = v.date()
    if isinstance(v, date):
        return v.isoformat()
    s = str(v).strip()
    m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", s)
    if m:
        try:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1))).isoformat()
        except ValueError:
            return None
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        except ValueError:
            return None
    return None


def read_returned_workbook(framework: Framework, agency: str, source: bytes, file_name: str,
                           province: str, year: int, resolver: EntityResolver | None = None) -> ReturnedWorkbook:
    """Read one agency's returned workbook. Nothing is written; `ok` only when every check passes.

    The importer's checks (`parse_inputs`: numbers, names, duplicates, the engine's ratio checks) come
    first; then, by name and cell: an indicator the agency does not lead, another province, another year,
    an evidence date that cannot be read. An empty value cell is a figure not given (listed as missing)."""
    parsed = parse_inputs(source, file_name, framework, resolver, default_year=year)
    data = parsed.data
    led = set(agency_leaves(framework).get(agency, []))
    cells = _sheet_rows(source)
    # A blank value cell is a figure not given (the workbook says so): listed as missing with its cell,
    # never a reason to refuse the other figures. The importer would call the component incomplete
    # ("cần đủ các biến"); for the agency's own components that remark is the missing list itself.
    blank = {(str(c.get("indicator")).strip(), str(c.get("variable") or "").strip()): (sheet, row, c["value_column"])
             for (sheet, row), c in cells.items() if _blank(c.get("value"))}

    def kept(p) -> bool:
        ind = p.params.get("indicator")
        if p.code == "missing_variable" and ind in led:
            return False
        # an indicator the agency does not lead is refused below as such; the importer's other remarks on
        # it (say a missing second variable) would only repeat the problem
        return not (ind in framework.nodes and ind not in led
                    and p.code in ("missing_variable", "zero_denominator", "part_exceeds_whole"))

    problems = [Problem(p.message("vi"), p.sheet, p.row, p.column, located=True) for p in parsed.problems
                if kept(p)]
    if not led:
        problems.append(Problem(f"«{agency}» không chủ trì chỉ số nào của bộ chỉ số {framework.name_vi}."))
    bad_lead = data.loc[~data["indicator"].isin(led)]
    for r in bad_lead.drop_duplicates("indicator").itertuples(index=False):
        leads = ", ".join(leads_of(framework, r.indicator))
        problems.append(Problem(
            f"chỉ số {r.indicator} ({framework.nodes[r.indicator].name_vi}) do {leads} chủ trì, không phải "
            f"{agency}: số liệu này không được nhận từ {agency} (để không ghi đè số liệu của cơ quan khác).",
            r.sheet or None, int(r.row) or None, r.column or None))
    for r in data.loc[data["entity"] != province].drop_duplicates("entity").itertuples(index=False):
        problems.append(Problem(f"tỉnh «{r.entity}» không phải tỉnh của đợt thu thập ({province}).",
                                r.sheet or None, int(r.row) or None, "A"))
    for r in data.loc[data["year"] != year].drop_duplicates("year").itertuples(index=False):
        problems.append(Problem(f"năm {r.year} không phải năm của đợt thu thập ({year}).",
                                r.sheet or None, int(r.row) or None, "B"))
    ev_cells = cells
    ev_rows = []
    for r in data.itertuples(index=False):
        cells = ev_cells.get((r.sheet, int(r.row)))
        if not cells or all(_blank(cells.get(k)) for k in EVIDENCE_FIELDS):
            continue
        raw_date = cells.get("doc_date")
        d = _date_text(raw_date)
        if raw_date not in (None, "") and d is None:
            col = _letter(COL["doc_date"])
            problems.append(Problem(f"ngày văn bản «{raw_date}» không đọc được; ghi dạng ngày/tháng/năm "
                                    "(ví dụ 15/03/2026).", r.sheet, int(r.row), col))
        ev_rows.append({"indicator": r.indicator, "variable": r.variable,
                        "doc_number": _text(cells.get("doc_number")), "doc_date": d,
                        "issuer": _text(cells.get("issuer")), "link": _text(cells.get("link"))})
    evidence = pd.DataFrame(ev_rows, columns=["indicator", "variable", *EVIDENCE_FIELDS])
    expected = expected_cells(framework, [c for c in framework.nodes if c in led])
    got = set(zip(data["indicator"], data["variable"]))
    missing = expected.loc[[(i, v) not in got for i, v in zip(expected["indicator"], expected["variable"])]]
    where = [blank.get((i, v), (None, None, None)) for i, v in zip(missing["indicator"], missing["variable"])]
    missing = missing.assign(sheet=[w[0] for w in where], row=[w[1] for w in where],
                             column=[w[2] for w in where])[MISSING_COLUMNS]
    if data.empty and not problems:
        problems.append(Problem("tệp không có giá trị nào: mọi ô «Giá trị» đều trống."))
    return ReturnedWorkbook(agency, file_name, parsed.sha256, data, evidence, problems,
                            missing.reset_index(drop=True))


def missing_text(missing: pd.DataFrame, framework: Framework) -> list[str]:
    """Each figure not given, with its cell: 'trang tính «Số liệu», dòng 7, cột E: 1.1 b (…) để trống'."""
    out = []
    for r in missing.itertuples(index=False):
        leaf = framework.nodes.get(r.indicator)
        var = next((v for v in leaf.variables if v.name == r.variable), None) if leaf is not None else None
        what = f"{r.indicator} {r.variable}" + (f" ({var.meaning_vi})" if var is not None and var.meaning_vi else "")
        if r.sheet and pd.notna(r.row):
            out.append(f"trang tính «{r.sheet}», dòng {int(r.row)}, cột {r.column}: {what} để trống — ghi là "
                       "chưa có số liệu.")
        else:
            out.append(f"{what}: không có trong phiếu — ghi là chưa có số liệu.")
    return out


def _text(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


# --- tables over the round --------------------------------------------------------------------------

def has_evidence(ev: pd.DataFrame) -> pd.Series:
    """A figure has evidence when it names a document (number) or gives a link or an uploaded file."""
    def filled(col):
        return ev[col].notna() & (ev[col].astype(str).str.strip() != "") if col in ev else False
    return filled("doc_number") | filled("link") | filled("file_path")


_VALUE_COLUMNS = ["indicator", "variable", "value", "not_applicable", "agency", "received_at"]


def _same(a, a_na, b, b_na) -> bool:
    if bool(a_na) or bool(b_na):
        return bool(a_na) == bool(b_na)
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def by_agency(values: pd.DataFrame | None) -> pd.DataFrame:
    """Each agency's latest value of each figure (its latest valid file giving it)."""
    if values is None or values.empty:
        return pd.DataFrame(columns=[*_VALUE_COLUMNS, "import_id"])
    return (values.sort_values("import_id").drop_duplicates(["indicator", "variable", "agency"], keep="last")
            [[*_VALUE_COLUMNS, "import_id"]].reset_index(drop=True))


def conflicts(framework: Framework, values: pd.DataFrame | None,
              decisions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Figures of a shared component that two or more agencies returned with different values: one row per
    agency and figure (indicator, variable, meaning, unit, agency, value, not_applicable, received_at,
    chosen: this agency's value is the one the office decided on, and the decision still matches it).
    Nothing wins silently: a figure in conflict without a valid decision has no value in the consolidation."""
    per = by_agency(values)
    cols = [*_VALUE_COLUMNS, "meaning", "unit", "chosen", "decided_by", "decided_at"]
    if per.empty:
        return pd.DataFrame(columns=cols)
    rows = []
    dec = {} if decisions is None or decisions.empty else {
        (r.indicator, r.variable): r for r in decisions.itertuples(index=False)}
    meaning = {(leaf.code, v.name): (v.meaning_vi, v.unit) for leaf in framework.leaves for v in leaf.variables}
    for (ind, var), g in per.groupby(["indicator", "variable"], sort=True):
        if len(g) < 2:
            continue
        first = g.iloc[0]
        if all(_same(first["value"], first["not_applicable"], r.value, r.not_applicable)
               for r in g.itertuples(index=False)):
            continue
        d = dec.get((ind, var))
        for r in g.itertuples(index=False):
            chosen = d is not None and d.agency == r.agency and _same(d.value if d.value == d.value else 0.0,
                                                                       d.not_applicable, r.value, r.not_applicable)
            rows.append({"indicator": ind, "variable": var, "value": r.value, "not_applicable": bool(r.not_applicable),
                         "agency": r.agency, "received_at": r.received_at,
                         "meaning": meaning.get((ind, var), ("", ""))[0], "unit": meaning.get((ind, var), ("", ""))[1],
                         "chosen": bool(chosen), "decided_by": d.decided_by if chosen else None,
                         "decided_at": d.decided_at if chosen else None})
    return pd.DataFrame(rows, columns=cols)


def consolidate(framework: Framework, values: pd.DataFrame, evidence: pd.DataFrame,
                decisions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every figure the framework asks for, with the value received (latest valid import of a lead agency),
    who gave it, and whether it has evidence. Columns: indicator, name, variable, meaning, unit, lead_agency,
    value, not_applicable, agency, received_at, status ('received' | 'missing' | 'conflict'),
    evidence_required, has_evidence.

    A figure two agencies gave with different values is a 'conflict' with no value until the office picks
    one (`decisions`); agencies giving the same value agree (the latest file is named)."""
    exp = expected_cells(framework, [leaf.code for leaf in framework.leaves])
    per = by_agency(values)
    clash = conflicts(framework, values, decisions)
    latest = per.sort_values("import_id").drop_duplicates(["indicator", "variable"], keep="last")[_VALUE_COLUMNS]
    if not clash.empty:
        clashing = set(zip(clash["indicator"], clash["variable"]))
        pick = clash.loc[clash["chosen"], _VALUE_COLUMNS]
        undecided = sorted(clashing - set(zip(pick["indicator"], pick["variable"])))
        keep = [k not in clashing for k in zip(latest["indicator"], latest["variable"])]
        open_ = pd.DataFrame({"indicator": [k[0] for k in undecided], "variable": [k[1] for k in undecided],
                              "value": float("nan"), "not_applicable": False, "agency": "", "received_at": pd.NaT})
        latest = pd.concat([x for x in (latest.loc[keep], pick, open_) if not x.empty], ignore_index=True)
    out = exp.merge(latest, on=["indicator", "variable"], how="left")
    ev = evidence if evidence is not None and not evidence.empty else pd.DataFrame(
        columns=["indicator", "variable", *EVIDENCE_FIELDS, "file_path"])
    ev = ev.assign(has_evidence=has_evidence(ev))
    ev = ev.groupby(["indicator", "variable"], as_index=False)["has_evidence"].any()
    out = out.merge(ev, on=["indicator", "variable"], how="left")
    received = out["agency"].notna() & (out["agency"] != "")
    in_conflict = out["agency"].eq("").fillna(False).to_numpy(dtype=bool)
    meaning = {(leaf.code, v.name): (v.meaning_vi, v.unit) for leaf in framework.leaves for v in leaf.variables}
    return out.assign(
        name=[framework.nodes[c].name_vi for c in out["indicator"]],
        meaning=[meaning[(c, v)][0] for c, v in zip(out["indicator"], out["variable"])],
        unit=[meaning[(c, v)][1] for c, v in zip(out["indicator"], out["variable"])],
        lead_agency=["; ".join(leads_of(framework, c)) for c in out["indicator"]],
        status=["conflict" if c else "received" if r else "missing" for r, c in zip(received, in_conflict)],
        not_applicable=out["not_applicable"].astype("boolean").fillna(False).astype(bool),
        evidence_required=[evidence_required(framework, c) for c in out["indicator"]],
        has_evidence=out["has_evidence"].astype("boolean").fillna(False).astype(bool) & received,
        agency=out["agency"].mask(out["agency"].eq("").fillna(False).astype(bool)),
    )[["indicator", "name", "variable", "meaning", "unit", "lead_agency", "value", "not_applicable", "agency",
       "received_at", "status", "evidence_required", "has_evidence"]]


def consolidated_long(consolidated: pd.DataFrame, province: str, year: int) -> pd.DataFrame:
    """The received figures as the long CSV `python -m scoring score` reads (N/A written as N/A)."""
    got = consolidated.loc[consolidated["status"] == "received"]
    value = [("N/A" if na else repr(float(v)) if not float(v).is_integer() else str(int(v)))
             for v, na in zip(got["value"], got["not_applicable"])]
    return pd.DataFrame({"entity": province, "year": year, "indicator": got["indicator"].to_numpy(),
                         "variable": got["variable"].to_numpy(), "value": value,
                         "unit": got["unit"].to_numpy()})


STATUS_VI = {"received": "Đã nhận", "missing": "Còn thiếu", "conflict": "Hai cơ quan gửi khác nhau — chờ văn phòng chọn"}


def consolidated_xlsx(consolidated: pd.DataFrame, province: str, year: int, framework: Framework) -> bytes:
    """The consolidated figures as an Excel sheet a person reads: values as numbers with grouped number
    formats, the unit beside each value, who gave it, its state and evidence."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp"
    ws.cell(row=1, column=1, value=safe_cell(f"Số liệu tự đánh giá tổng hợp — {province} — năm {year} — "
                                             f"{framework_label(framework)}")).font = Font(bold=True, size=13)
    heads = ["Mã chỉ số", "Tên chỉ số thành phần", "Mã biến", "Ý nghĩa của biến", "Giá trị", "Đơn vị tính",
             "Cơ quan cung cấp", "Tình trạng", "Có minh chứng"]
    for j, h in enumerate(heads, start=1):
        ws.cell(row=3, column=j, value=h).font = Font(bold=True)
    for i, r in enumerate(consolidated.itertuples(index=False), start=4):
        value: Any = None
        if r.status == "received":
            value = "N/A" if r.not_applicable else float(r.value)
        cells = [r.indicator, r.name, r.variable, r.meaning, value, r.unit, r.agency if isinstance(r.agency, str) else "",
                 STATUS_VI.get(r.status, r.status), ("Có" if r.has_evidence else "Không") if r.status == "received" else ""]
        for j, v in enumerate(cells, start=1):
            c = ws.cell(row=i, column=j, value=safe_cell(v))
            c.alignment = Alignment(wrap_text=j in (2, 4), vertical="top")
            if j == 5 and isinstance(v, float):
                c.number_format = number_format(v)
    for j, w in enumerate([9, 44, 8, 44, 14, 14, 24, 22, 12], start=1):
        ws.column_dimensions[_letter(j)].width = w
    ws.freeze_panes = "A4"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def scoring_inputs(consolidated: pd.DataFrame, province: str, year: int) -> pd.DataFrame:
    """The received figures as the engine's long input (value NaN with not_applicable for N/A)."""
    got = consolidated.loc[consolidated["status"] == "received"]
    return pd.DataFrame({"entity": province, "year": year, "indicator": got["indicator"].to_numpy(),
                         "variable": got["variable"].to_numpy(),
                         "value": pd.to_numeric(got["value"], errors="coerce").to_numpy(dtype=float),
                         "not_applicable": got["not_applicable"].to_numpy(dtype=bool)})


def tracker(framework: Framework, deadline: date | None, sent: pd.DataFrame, attempts: pd.DataFrame,
            consolidated: pd.DataFrame, today: date | None = None) -> pd.DataFrame:
    """One row per lead agency: indicators led, sent (when), last file received (when), whether its last
    file was valid, figures still missing (codes), late (a valid file after the deadline's day, or nothing
    valid and the deadline passed — `late` uses today for the latter), figures without required evidence."""
    rows = []
    today = today or date.today()
    for agency, codes in agency_leaves(framework).items():
        s = sent.loc[sent["agency"] == agency] if not sent.empty else sent
        a = attempts.loc[attempts["agency"] == agency].sort_values("import_id") if not attempts.empty else attempts
        valid = a.loc[a["ok"]] if not a.empty else a
        mine = consolidated.loc[consolidated["indicator"].isin(codes)]
        missing = mine.loc[mine["status"] == "missing"]
        clash = mine.loc[mine["status"] == "conflict"]
        no_ev = mine.loc[(mine["status"] == "received") & mine["evidence_required"] & ~mine["has_evidence"]]
        first_valid = pd.Timestamp(valid["received_at"].min()) if not valid.empty else None
        if deadline is None:
            late = False
        elif first_valid is not None:
            late = first_valid.date() > deadline
        else:
            late = today > deadline
        rows.append({
            "agency": agency, "n_indicators": len(codes), "indicators": ", ".join(map(display_code, codes)),
            "sent_at": s["sent_at"].max() if not s.empty else None,
            "received_at": a["received_at"].max() if not a.empty else None,
            "n_files": len(a), "last_valid": bool(a["ok"].iloc[-1]) if not a.empty else None,
            "n_expected": len(mine), "n_missing": len(missing),
            "missing": ", ".join(dict.fromkeys(missing["indicator"])),
            "n_conflicts": len(clash), "conflicts": ", ".join(dict.fromkeys(clash["indicator"])),
            "late": late, "n_without_evidence": len(no_ev),
            "without_evidence": ", ".join(dict.fromkeys(no_ev["indicator"])),
        })
    return pd.DataFrame(rows)


# --- the official result ----------------------------------------------------------------------------

def parse_official(source: bytes, framework: Framework) -> tuple[pd.DataFrame, list[str]]:
    """A small CSV of the official result: `code,points` (component, main index or `total`; or the row
    `value,<published DTI value 0–1>`, read as the total's points = value × maximum); Vietnamese
    numbers accepted. Returns (code, points) and the problems (line and what is expected)."""
    import csv

    problems: list[str] = []
    try:
        text = source.decode("utf-8-sig")
    except UnicodeDecodeError:
        return pd.DataFrame(columns=["code", "points"]), ["tệp không phải văn bản UTF-8."]
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if text.split("\n")[0].count(";") else ","))
    if not rows or [fold(c) for c in rows[0][:2]] not in (["code", "points"], ["ma", "diem"]):
        return pd.DataFrame(columns=["code", "points"]), [
            "dòng 1 phải là tiêu đề «code,points» (hoặc «mã,điểm»)."]
    out = []
    for i, row in enumerate(rows[1:], start=2):
        if not row or all(not c.strip() for c in row):
            continue
        code = row[0].strip()
        if fold(code) in ("value", "gia tri"):  # the published DTI value (0–1): total = value × maximum
            try:
                v = parse_number(row[1] if len(row) > 1 else "")
            except ValueError:
                problems.append(f"dòng {i}: giá trị «{row[1] if len(row) > 1 else ''}» không phải số.")
                continue
            if not 0 <= v <= 1:
                problems.append(f"dòng {i}: giá trị DTI {v:g} ngoài khoảng 0–1.")
                continue
            out.append(("total", v * framework.max_points))
            continue
        if fold(code) in ("tong", "tong diem"):  # the total, written in Vietnamese
            code = "total"
        if code not in framework.nodes:
            problems.append(f"dòng {i}: mã «{code}» không có trong bộ chỉ số {framework.name_vi}.")
            continue
        try:
            pts = parse_number(row[1] if len(row) > 1 else "")
        except ValueError:
            problems.append(f"dòng {i}: điểm «{row[1] if len(row) > 1 else ''}» không phải số.")
            continue
        mx = framework.nodes[code].max_points
        if not 0 <= pts <= mx + 1e-9:
            problems.append(f"dòng {i}: điểm {pts:g} của {code} ngoài khoảng 0–{mx:g}.")
            continue
        out.append((code, pts))
    df = pd.DataFrame(out, columns=["code", "points"])
    dup = df.loc[df["code"].duplicated(), "code"].tolist()
    problems += [f"mã {c} xuất hiện nhiều lần." for c in dict.fromkeys(dup)]
    if df.empty and not problems:
        problems.append("tệp không có dòng điểm nào.")
    return df, problems


def compare_official(framework: Framework, self_points: pd.Series, official: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per node the official result publishes: self-assessed points, official points, difference
    (official − self, only where both exist: NaN otherwise), lead agencies, `compared`. Per agency: the
    points lost in verification (sum over its compared leaves of max(self − official, 0)); a leaf led by
    several agencies splits its loss equally between them (so the agencies' losses add up to the
    province's). An agency none of whose components could be compared is not listed (never "0 lost"
    where nothing was compared)."""
    off = official.set_index("code")["points"]
    rows = []
    for code, pts in off.items():
        node = framework.nodes[code]
        s = float(self_points.get(code, math.nan))
        rows.append({"code": code, "name": node.name_vi, "is_leaf": node.is_leaf, "max_points": node.max_points,
                     "self_points": s, "official_points": float(pts), "difference": float(pts) - s,
                     "lead_agency": "; ".join(leads_of(framework, code)) if node.is_leaf else "",
                     "compared": not math.isnan(s)})
    comp = pd.DataFrame(rows, columns=["code", "name", "is_leaf", "max_points", "self_points", "official_points",
                                       "difference", "lead_agency", "compared"])
    lost: dict[str, list[float]] = {}
    leaves = comp.loc[comp["is_leaf"] & comp["compared"]]
    for r in leaves.itertuples(index=False):
        loss = max(-r.difference, 0.0)
        leads = leads_of(framework, r.code)
        for a in leads:
            got = lost.setdefault(a, [0.0, 0])
            got[0] += loss / len(leads)
            got[1] += 1
    per_agency = pd.DataFrame(sorted(((a, v[0], v[1]) for a, v in lost.items()), key=lambda kv: -kv[1]),
                              columns=["agency", "points_lost", "n_compared"])
    return comp, per_agency
