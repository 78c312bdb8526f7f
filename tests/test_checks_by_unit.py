"""Checks by unit (issue 18): a percentage or a fraction where the framework's unit says the variable
counts people, households, enterprises, documents… is refused by cell with the expected unit; a
percentage stays accepted where the unit is a share. CSV and .xlsx alike (Excel stores "89,6%" typed
in a cell as 0.896 with a percentage format: that is a percentage too)."""
import io
from pathlib import Path

import openpyxl
import pytest

from loaders.parsing import EntityResolver, parse_inputs, unit_takes_percent
from loaders.readers import XLPercent, read_xlsx_grids
from office import collection as col
from scoring.framework import parse_framework

PROVINCES = Path(__file__).parent.parent / "data" / "reference" / "provinces_2025.csv"
LONG = ["tỉnh", "năm", "chỉ số", "biến", "giá trị"]


@pytest.fixture(scope="module")
def fw():
    def leaf(code, unit_a, unit_b):
        return {"code": code, "parent": "C", "name_vi": code, "max_points": 10.0,
                "rule": {"type": "linear", "numerator": ["a"], "denominator": ["b"]},
                "variables": [{"name": "a", "unit": unit_a}, {"name": "b", "unit": unit_b}]}

    nodes = [{"code": "C", "parent": "total", "name_vi": "Chung", "max_points": 40.0},
             leaf("P", "người", "người"), leaf("M", "tỷ đồng", "tỷ đồng"), leaf("R", "%", "tỷ lệ"),
             leaf("N", "", "")]
    return parse_framework({"framework": {"id": "units", "version": "t", "name_vi": "Thử"}, "node": nodes})


@pytest.fixture(scope="module")
def resolver():
    return EntityResolver.provinces_2025(PROVINCES)


def as_csv(rows):
    return "\r\n".join(",".join(f'"{c}"' for c in r) for r in rows).encode()


def as_xlsx(rows, percent_cells=()):
    """rows as a sheet; `percent_cells`: {(row, value)} written as a number with the format 0.0%."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Số liệu"
    for r in rows:
        ws.append(r)
    for row, value in percent_cells:
        ws.cell(row, 5).value = value
        ws.cell(row, 5).number_format = "0.0%"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rows(a, b):
    return [LONG, ["Gia Lai", 2025, a[0], "a", a[1]], ["Gia Lai", 2025, b[0], "b", b[1]]]


# (id, rows, codes expected, {variable: value} when accepted, words of the first message)
CASES = [
    ("percent_text_in_people", rows(("P", "89,6%"), ("P", 100)), ["percent_in_count"], {},
     ["dòng 2", "“89,6%”", "số liệu “a” của chỉ số P", "đơn vị: người", "số nguyên không âm", "không phải tỷ lệ phần trăm"]),
    ("fraction_in_people", rows(("P", "12,5"), ("P", 100)), ["not_whole"], {},
     ["dòng 2", "12,5", "đơn vị: người", "số nguyên không âm"]),
    ("percent_in_money", rows(("M", "12%"), ("M", 100)), ["percent_in_amount"], {},
     ["“12%”", "đơn vị: tỷ đồng", "không phải tỷ lệ phần trăm"]),
    ("fraction_in_money_ok", rows(("M", "12,5"), ("M", 100)), [], {"a": 12.5, "b": 100.0}, []),
    ("whole_people_ok", rows(("P", "1.234"), ("P", "2.000.000")), [], {"a": 1234.0, "b": 2000000.0}, []),
    ("percent_in_share_ok", rows(("R", "89,6%"), ("R", "1")), [], {"a": 0.896, "b": 1.0}, []),
    ("percent_without_unit_ok", rows(("N", "50%"), ("N", 1)), [], {"a": 0.5, "b": 1.0}, []),
    ("negative_fraction_is_one_problem", rows(("P", "-1,5"), ("P", 100)), ["negative"], {}, []),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("case_id, table, codes, values, words", CASES, ids=[c[0] for c in CASES])
def test_checks_by_unit(fw, resolver, fmt, case_id, table, codes, values, words):
    raw = as_csv(table) if fmt == "csv" else as_xlsx(table)
    parsed = parse_inputs(raw, f"phieu.{fmt}", fw, resolver)
    assert [p.code for p in parsed.problems] == codes, parsed.messages()
    if codes:
        first = parsed.problems[0]
        assert first.row == 2 and first.column == ("E" if fmt == "xlsx" else "giá trị")
        msg = first.message("vi")
        for w in words:
            assert w in msg, msg
        assert "…" not in msg and "{" not in msg  # never cut, no placeholder left
        assert "{" not in first.message("en")
    else:
        got = dict(zip(parsed.data["variable"], parsed.data["value"]))
        assert got == pytest.approx(values)


@pytest.mark.parametrize("leaf, codes, value", [("P", ["percent_in_count"], None), ("M", ["percent_in_amount"], None),
                                                ("R", [], 0.896)])
def test_an_excel_percentage_cell_is_a_percentage(fw, resolver, leaf, codes, value):
    """A clerk typing 89,6% in Excel gets the number 0.896 formatted as a percentage."""
    raw = as_xlsx(rows((leaf, 1), (leaf, 1)), percent_cells=[(2, 0.896)])
    parsed = parse_inputs(raw, "phieu.xlsx", fw, resolver)
    assert [p.code for p in parsed.problems] == codes, parsed.messages()
    if codes:
        assert "“89,6%”" in parsed.problems[0].message("vi")
    else:
        assert parsed.data.set_index("variable").loc["a", "value"] == pytest.approx(value)


def test_reader_marks_percentage_cells_only():
    raw = as_xlsx([["x", 0.5, 0.25]], percent_cells=[(1, 0.896)])
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    wb.active["C1"].number_format = '"%"0'  # a % inside quotes is literal text, not a percentage format
    out = io.BytesIO()
    wb.save(out)
    grids = read_xlsx_grids(out.getvalue(), lambda *a, **k: pytest.fail(str(a)))
    row = grids[0].row(0)
    assert row[1] == 0.5 and row[1].__class__ is float
    assert row[2] == 0.25 and row[2].__class__ is float
    assert row[4] == XLPercent(0.896) and str(row[4]) == "89,6%"
    assert XLPercent(1.0) != 1.0  # never merged with a plain number when cells are grouped


@pytest.mark.parametrize("unit, takes", [("%", True), ("tỷ lệ", True), ("Tỷ lệ (%)", True), ("", True),
                                         ("người", False), ("hộ", False), ("tỷ đồng", False), ("điểm", False),
                                         ("doanh nghiệp", False), ("GB", False)])
def test_which_units_take_a_percentage(unit, takes):
    assert unit_takes_percent(unit) is takes


def test_returned_agency_workbook_with_a_percentage_in_a_count_is_refused_by_cell(resolver):
    """The collection round: 4.5 b (people) and 4.5 d (enterprises) typed as "89,6%" (a number cell with a
    percentage format, and a text) are refused by cell with the unit; nothing else of 4.5 is taken."""
    from scoring.framework import load_framework

    fw = load_framework("dti_province_2025")
    agency = next(a for a, codes in col.agency_leaves(fw).items() if "4.5" in codes)
    blob = col.build_request_workbook(fw, agency, col.agency_leaves(fw)[agency], "Gia Lai", 2025, None)
    wb = openpyxl.load_workbook(io.BytesIO(blob))
    ws = wb[col.DATA_SHEET]
    cells = {}
    for r in range(col.HEADER_ROW + 1, ws.max_row + 1):
        code, var = ws.cell(r, col.COL["indicator"]).value, ws.cell(r, col.COL["variable"]).value
        cell = ws.cell(r, col.COL["value"])
        if code == "4.5" and var == "b":
            cell.value, cell.number_format = 0.896, "0.0%"
        elif code == "4.5" and var == "d":
            cell.value = "89,6%"
        else:
            cell.value = 1000
        cells[(code, var)] = r
    out = io.BytesIO()
    wb.save(out)
    read = col.read_returned_workbook(fw, agency, out.getvalue(), "van_phong.xlsx", "Gia Lai", 2025, resolver)
    assert not read.ok
    refused = [p.message for p in read.problems if "tỷ lệ phần trăm" in p.message]
    assert len(refused) == 2, [p.message for p in read.problems]
    letter = openpyxl.utils.get_column_letter(col.COL["value"])
    assert f"dòng {cells[('4.5', 'b')]}, cột {letter}" in refused[0] and "đơn vị: người" in refused[0]
    assert f"dòng {cells[('4.5', 'd')]}, cột {letter}" in refused[1] and "đơn vị: doanh nghiệp" in refused[1]
    assert all("“van_phong.xlsx”" in m and f"“{col.DATA_SHEET}”" in m for m in refused)
