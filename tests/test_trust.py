"""Issue 9, reading without guessing: ambiguous numbers, yes-words, non-finite numbers, extra CSV fields,
years, formulas without results, sheets that lie about their size or are broken, limits, capped and
shortened messages, and formula-safe output. Table-driven where it can be."""
import storage.targets
import io
import re
import zipfile

import openpyxl
import pandas as pd
import pytest

from loaders import limits
from loaders.parsing import EntityResolver, parse_inputs, variable_kind
from loaders.safe_output import neutralise, neutralise_frame, neutralise_workbook
from loaders.targets import parse_target_progress
from scoring.framework import parse_framework
from tests.test_parsing import PROVINCES, csv_bytes, xlsx_bytes

LONG = ["tỉnh", "năm", "chỉ số", "biến", "giá trị"]


@pytest.fixture(scope="module")
def fw():
    nodes = [
        {"code": "C", "parent": "total", "name_vi": "Chung", "max_points": 30.0},
        {"code": "C.1", "parent": "C", "name_vi": "Người", "max_points": 10.0,
         "rule": {"type": "linear", "numerator": ["a"], "denominator": ["b"]},
         "variables": [{"name": "a", "unit": "người"}, {"name": "b", "unit": "người"}]},
        {"code": "C.2", "parent": "C", "name_vi": "Tiền", "max_points": 10.0,
         "rule": {"type": "linear", "numerator": ["a"], "denominator": ["b"]},
         "variables": [{"name": "a", "unit": "tỷ đồng"}, {"name": "b", "unit": "tỷ đồng"}]},
        {"code": "C.3", "parent": "C", "name_vi": "Mục", "max_points": 10.0,
         "rule": {"type": "weighted_items", "items": [{"var": "item1", "weight": 0.5}, {"var": "item2", "weight": 0.5}]},
         "variables": [{"name": "item1", "unit": "0/1"}, {"name": "item2", "unit": "0/1"}]},
    ]
    return parse_framework({"framework": {"id": "trust", "version": "t", "name_vi": "Thử"}, "node": nodes})


@pytest.fixture(scope="module")
def resolver():
    return EntityResolver.provinces_2025(PROVINCES)


def test_variable_kinds(fw):
    kinds = {(leaf.code, v.name): variable_kind(leaf, v) for leaf in fw.leaves for v in leaf.variables}
    assert kinds == {("C.1", "a"): "count", ("C.1", "b"): "count", ("C.2", "a"): "amount",
                     ("C.2", "b"): "amount", ("C.3", "item1"): "item", ("C.3", "item2"): "item"}


def rows(*cells):
    """(indicator, variable, value) triples for Gia Lai 2025, long form."""
    return [LONG] + [["Gia Lai", 2025, i, v, x] for i, v, x in cells]


# (id, rows, expected problem codes, {(indicator, variable): value} read when accepted, words in the first message)
NUMBER_CASES = [
    ("count_comma_3_digits_alone", rows(("C.1", "a", 5), ("C.1", "b", "931,895")), ["ambiguous_number"], {},
     ["“931,895”", "931895", "931,895 nếu dấu “,” là dấu thập phân", "phải là số nguyên"]),
    ("count_dot_3_digits_alone_is_thousands", rows(("C.1", "a", 5), ("C.1", "b", "1.234")), [],
     {("C.1", "b"): 1234.0}, []),
    ("amount_dot_3_digits_alone", rows(("C.2", "a", 5), ("C.2", "b", "662.125")), ["ambiguous_number"], {},
     ["“662.125”", "662125", "662,125", "không có số nào khác"]),
    ("amount_file_uses_decimal_comma", rows(("C.2", "a", "0,5"), ("C.2", "b", "662.125")), [],
     {("C.2", "b"): 662125.0}, []),
    ("amount_file_uses_decimal_point", rows(("C.2", "a", "12.5"), ("C.2", "b", "662.125")), [],
     {("C.2", "b"): 662.125}, []),
    ("count_file_uses_decimal_point_so_comma_groups", rows(("C.2", "a", "12.5"), ("C.2", "b", "20.5"),
                                                          ("C.1", "a", 5), ("C.1", "b", "931,895")), [],
     {("C.1", "b"): 931895.0}, []),
    ("count_file_uses_decimal_comma_conflict", rows(("C.2", "a", "0,5"), ("C.2", "b", "2,5"),
                                                    ("C.1", "a", 5), ("C.1", "b", "931,895")), ["ambiguous_number"],
     {}, ["phải là số nguyên"]),
    # the variable's own cells show a convention (English grouping) although the file mixes both
    ("column_convention_beats_file", [LONG, ["Gia Lai", 2025, "C.2", "a", "0,5"], ["Gia Lai", 2025, "C.2", "b", "1.234,5"],
                                      ["Gia Lai", 2025, "C.1", "a", 5], ["Gia Lai", 2025, "C.1", "b", "1,234,567"],
                                      ["Huế", 2025, "C.1", "a", 5], ["Huế", 2025, "C.1", "b", "2,000"]], [],
     {("C.1", "b"): 2000.0}, []),
    ("count_2000_or_2_refused", rows(("C.1", "a", 1), ("C.1", "b", "2,000")), ["ambiguous_number"], {}, []),
    ("mixed_file_count_one_whole_reading", rows(("C.2", "a", "0,5"), ("C.2", "b", "12.5"), ("C.1", "a", 5),
                                                ("C.1", "b", "1.234")), [], {("C.1", "b"): 1234.0}, []),
    ("count_1000_or_1_refused", rows(("C.1", "a", 1), ("C.1", "b", "1.000")), ["ambiguous_number"], {}, []),
    # (the fractions in a count are refused too since issue 18; they still show both conventions)
    ("mixed_file_amount_refused", rows(("C.1", "a", "0,5"), ("C.1", "b", "12.5"), ("C.2", "a", 5),
                                       ("C.2", "b", "1.000")), ["not_whole", "not_whole", "ambiguous_number"], {}, []),
    ("yes_word_in_count", rows(("C.1", "a", "có"), ("C.1", "b", 10)), ["word_not_number"], {},
     ["“có”", "đơn vị người", "không phải mục đạt/không đạt"]),
    ("x_in_count", rows(("C.1", "a", "x"), ("C.1", "b", 10)), ["word_not_number"], {}, []),
    ("true_in_count", rows(("C.1", "a", "TRUE"), ("C.1", "b", 10)), ["word_not_number"], {}, []),
    ("yes_word_in_item", rows(("C.3", "item1", "có"), ("C.3", "item2", "không")), [],
     {("C.3", "item1"): 1.0, ("C.3", "item2"): 0.0}, []),
    ("1e309", rows(("C.1", "a", "1e309"), ("C.1", "b", 10)), ["not_finite"], {}, ["hữu hạn"]),
    ("400_digits", rows(("C.1", "a", "9" * 400), ("C.1", "b", 10)), ["not_finite"], {}, ["…"]),
    ("nan_text", rows(("C.1", "a", "NaN"), ("C.1", "b", 10)), ["not_finite"], {}, []),
    ("inf_text", rows(("C.1", "a", "-inf"), ("C.1", "b", 10)), ["not_finite"], {}, []),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("name, table, codes, values, words", [pytest.param(*c, id=c[0]) for c in NUMBER_CASES])
def test_numbers_are_read_without_guessing(fw, resolver, fmt, name, table, codes, values, words):
    raw = csv_bytes(table) if fmt == "csv" else xlsx_bytes({"Số liệu": table})
    parsed = parse_inputs(raw, f"f.{fmt}", fw, resolver)
    assert [p.code for p in parsed.problems] == codes, parsed.messages()
    got = {(r.indicator, r.variable): r.value for r in parsed.data.itertuples() if r.entity == "Huế"}
    got.update({(r.indicator, r.variable): r.value for r in parsed.data.itertuples() if r.entity == "Gia Lai"
                and (r.indicator, r.variable) not in got})
    for key, value in values.items():
        assert got[key] == pytest.approx(value)
    if codes:
        vi = parsed.problems[0].message("vi")
        assert parsed.problems[0].row is not None and parsed.problems[0].column is not None
        for word in words:
            assert word in vi, vi
        assert parsed.problems[0].message("en")


@pytest.mark.parametrize("year, ok", [("2024.0", True), ("2024,0", True), (2024.0, True), ("năm 2024", True),
                                      ("-2025", False), ("−2025", False), ("2025.5", False), (-2025, False),
                                      ("2,025", False), (2025.5, False)])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_years(fw, resolver, fmt, year, ok):
    table = [LONG, ["Gia Lai", year, "C.1", "a", 1], ["Gia Lai", year, "C.1", "b", 2]]
    raw = csv_bytes(table) if fmt == "csv" else xlsx_bytes({"S": table})
    parsed = parse_inputs(raw, f"y.{fmt}", fw, resolver)
    if ok:
        assert parsed.ok, parsed.messages()
        assert set(parsed.data["year"]) == {2024}
    else:
        assert {p.code for p in parsed.problems} == {"bad_year"} and parsed.data.empty


def test_csv_row_with_more_fields_than_the_header(fw, resolver):
    raw = "tỉnh,năm,chỉ số,biến,giá trị\nGia Lai,2025,C.1,a,14,569\nGia Lai,2025,C.1,b,20000\n".encode()
    parsed = parse_inputs(raw, "x.csv", fw, resolver)
    assert [(p.code, p.row) for p in parsed.problems] == [("extra_fields", 2)]
    vi = parsed.problems[0].message()
    assert "6 ô" in vi and "5 cột" in vi and "“569”" in vi and "14,569" in vi
    # an empty trailing field (a trailing delimiter) is not an extra value
    ok = "tỉnh,năm,chỉ số,biến,giá trị\nGia Lai,2025,C.1,a,14,\nGia Lai,2025,C.1,b,20,\n".encode()
    assert parse_inputs(ok, "x.csv", fw, resolver).ok


def test_csv_row_wider_than_the_first_lines_is_read_by_the_fallback(fw, resolver):
    body = "".join(f"Gia Lai,{2015 + i % 20},C.1,a,1\n" for i in range(1500))
    raw = ("tỉnh,năm,chỉ số,biến,giá trị\n" + body + "Gia Lai,2025,C.1,b,1,2,3\n").encode()
    parsed = parse_inputs(raw, "x.csv", fw, resolver)
    assert ("extra_fields", 1502) in [(p.code, p.row) for p in parsed.problems]


def _xlsx_with(table, edit):
    """An .xlsx of `table` whose sheet XML is passed through edit(xml) -> xml."""
    raw = xlsx_bytes({"S": table})
    zin = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode()).encode()
            zout.writestr(item, data)
    return out.getvalue()


def test_formula_without_a_cached_value_is_refused_by_name(fw, resolver):
    table = [LONG, ["Gia Lai", 2025, "C.1", "a", "=SUM(1,2)"], ["Gia Lai", 2025, "C.1", "b", 10]]
    parsed = parse_inputs(xlsx_bytes({"S": table}), "f.xlsx", fw, resolver)  # openpyxl saves no result
    assert [(p.code, p.row, p.column) for p in parsed.problems] == [("formula_no_value", 2, "E")]
    assert "SUM(1,2)" in parsed.problems[0].message()


def test_formula_with_a_cached_value_is_read(fw, resolver):
    table = [LONG, ["Gia Lai", 2025, "C.1", "a", 3], ["Gia Lai", 2025, "C.1", "b", 10]]
    raw = _xlsx_with(table, lambda xml: re.sub(r'<c r="E2"([^>]*)><v>3</v></c>', r'<c r="E2"\1><f>1+2</f><v>3</v></c>', xml))
    assert "<f>1+2</f>" in zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml").decode()
    parsed = parse_inputs(raw, "f.xlsx", fw, resolver)
    assert parsed.ok and set(parsed.data["value"]) == {3.0, 10.0}


def test_a_dimension_that_understates_the_sheet_is_not_trusted(fw, resolver):
    table = [LONG] + [["Gia Lai", y, "C.1", v, 1] for y in range(2015, 2027) for v in ("a", "b")]
    raw = _xlsx_with(table, lambda xml: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:E2"/>', xml))
    parsed = parse_inputs(raw, "d.xlsx", fw, resolver)
    assert parsed.ok and len(parsed.data) == 24


@pytest.mark.parametrize("edit", [
    pytest.param(lambda xml: xml.replace("</sheetData>", ""), id="not_well_formed"),
    pytest.param(lambda xml: xml.replace("<v>2025</v>", "<v>20\x0125</v>", 1), id="control_character"),
    pytest.param(lambda xml: xml[: len(xml) // 2], id="truncated"),
])
def test_broken_sheet_xml_is_a_message(fw, resolver, edit):
    table = [LONG] + [["Gia Lai", 2025, "C.1", "a", 1], ["Gia Lai", 2025, "C.1", "b", 2]]
    parsed = parse_inputs(_xlsx_with(table, edit), "b.xlsx", fw, resolver)
    assert [p.code for p in parsed.problems] == ["xml_error"] and parsed.data.empty
    assert "trang “S”" in parsed.problems[0].message() and "hỏng" in parsed.problems[0].message()


def test_nan_in_a_numeric_cell(fw, resolver):
    table = [LONG, ["Gia Lai", 2025, "C.1", "a", 1], ["Gia Lai", 2025, "C.1", "b", 2]]
    raw = _xlsx_with(table, lambda xml: xml.replace("<v>2</v>", "<v>NaN</v>"))
    parsed = parse_inputs(raw, "n.xlsx", fw, resolver)
    assert [p.code for p in parsed.problems] == ["not_finite"]


def test_huge_csv_cell_is_a_short_message(fw, resolver):
    table = [LONG, ["Gia Lai", 2025, "C.1", "a", "1" * 200_000], ["Gia Lai", 2025, "C.1", "b", 2]]
    parsed = parse_inputs(csv_bytes(table), "h.csv", fw, resolver)
    assert [p.code for p in parsed.problems] == ["cell_too_long"]
    vi = parsed.problems[0].message()
    assert "200000" in vi.replace(".", "") and str(limits.MAX_CELL_CHARS) in vi.replace(".", "") and len(vi) < 400


def test_long_cell_text_is_shortened_in_messages(fw, resolver):
    name = "Tỉnh Không Có " + "x" * 1000
    parsed = parse_inputs(csv_bytes([LONG, [name, 2025, "C.1", "a", 1]]), "l.csv", fw, resolver)
    vi = parsed.problems[0].message()
    assert parsed.problems[0].code == "unknown_entity"
    assert name[: limits.MESSAGE_VALUE_CHARS] + "…" in vi and name[: limits.MESSAGE_VALUE_CHARS + 1] not in vi


def test_messages_are_capped_per_kind_and_the_rest_counted(fw, resolver):
    table = [LONG] + [[f"Không rõ {i}", 2025, "C.1", "a", 1] for i in range(250)]
    parsed = parse_inputs(csv_bytes(table), "c.csv", fw, resolver)
    codes = [p.code for p in parsed.problems]
    assert codes.count("unknown_entity") == limits.MAX_PROBLEMS_PER_KIND
    summary = [p for p in parsed.problems if p.code == "more_problems"]
    assert len(summary) == 1 and summary[0].params["n"] == 150
    vi = summary[0].message()
    assert "150" in vi and str(limits.MAX_PROBLEMS_PER_KIND) in vi and "tên đơn vị không nhận ra" in vi


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("limit, value, code", [("MAX_UPLOAD_BYTES", 200, "too_large"),
                                                ("MAX_ROWS", 10, "too_many_rows"),
                                                ("MAX_CELLS", 40, "too_many_cells")])
def test_limits_are_stated(fw, resolver, monkeypatch, fmt, limit, value, code):
    table = [LONG] + [["Gia Lai", 2015 + i, "C.1", v, 1] for i in range(20) for v in ("a", "b")]
    raw = csv_bytes(table) if fmt == "csv" else xlsx_bytes({"S": table})
    monkeypatch.setattr(limits, limit, value)
    parsed = parse_inputs(raw, f"big.{fmt}", fw, resolver)
    assert [p.code for p in parsed.problems] == [code] and parsed.data.empty
    shown = str(value // (1024 * 1024)) if limit == "MAX_UPLOAD_BYTES" else str(value)
    assert shown in parsed.problems[0].message()


@pytest.mark.parametrize("max_cells, ok", [(12 * 5, True), (12 * 5 - 1, False)])
def test_cell_limit_counts_columns_not_quoted_delimiters(fw, resolver, monkeypatch, max_cells, ok):
    """"1,5" is one quoted cell: (header + 10 rows + the line after the last break) × 5 columns."""
    table = [LONG] + [["Gia Lai", 2015 + i, "C.2", v, "1,5"] for i in range(5) for v in ("a", "b")]
    monkeypatch.setattr(limits, "MAX_CELLS", max_cells)
    parsed = parse_inputs(csv_bytes(table), "quoted.csv", fw, resolver)
    assert [p.code for p in parsed.problems] == ([] if ok else ["too_many_cells"])
    assert len(parsed.data) == (10 if ok else 0)


@pytest.mark.parametrize("value, code", [("có", "word_not_number"), ("1e309", "not_finite"), ("NaN", "not_finite"),
                                         ("abc", "not_a_number")])
def test_target_progress_numbers(store, value, code):
    raw = f"target_id,year,value\nhue_dt_2025.02,2024,{value}\n".encode()
    parsed = parse_target_progress(raw, "t.csv", storage.targets.plan_targets(store))
    assert [p.code for p in parsed.problems] == [code]


@pytest.mark.parametrize("raw, name", [(b"PK\x03\x04garbage", "t.xlsx"), (b"\x00\x01\x02", "t.csv"),
                                       ("target_id,year,value\nx,-2024,1\n".encode(), "t.csv")])
def test_target_progress_never_raises(store, raw, name):
    parsed = parse_target_progress(raw, name, storage.targets.plan_targets(store))
    assert not parsed.ok and parsed.messages()


# --- safe output -------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [("=1+1", "'=1+1"), ("+41", "'+41"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
                                             ("\tx", "'\tx"), ("\rx", "'\rx"), ("Gia Lai", "Gia Lai"), (-2, -2),
                                             (1.5, 1.5), (None, None)])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_neutralise_frame_and_workbook():
    df = pd.DataFrame({"=x": ["=HYPERLINK(\"http://e\")", "ok"], "n": [-1, 2]})
    out = neutralise_frame(df)
    assert list(out.columns) == ["'=x", "n"] and out.iloc[0, 0].startswith("'=") and out["n"].tolist() == [-1, 2]
    assert df.iloc[0, 0].startswith("=")  # the input is not changed
    wb = openpyxl.Workbook()
    wb.active.append(["=cmd|' /C calc'!A0", "@x", 3, -4])
    assert neutralise_workbook(wb) == 2
    assert [c.value for c in wb.active[1]] == ["'=cmd|' /C calc'!A0", "'@x", 3, -4]


def test_template_neutralises_entity_names(fw):
    from loaders.templates import build_template

    raw = build_template(fw, ["=HYPERLINK(\"http://e\",\"x\")", "Gia Lai"], [2025])
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert not (isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@", "\t", "\r"))), (
                    ws.title, cell.coordinate, cell.value)


@pytest.mark.parametrize("declared_ok", [True, False])
def test_unpacked_xlsx_size_is_limited(fw, resolver, monkeypatch, declared_ok):
    """Refused at once from the sizes the package declares, else while streaming (a zip may lie)."""
    table = [LONG] + [["Gia Lai", 2015 + i, "C.1", v, 1] for i in range(20) for v in ("a", "b")]
    raw = xlsx_bytes({"S": table})
    monkeypatch.setattr(limits, "MAX_XML_BYTES", 3 * 1024 * 1024)
    # a sheet that unpacks to 4 MB (a long run of empty styled cells)
    raw = _xlsx_with(table, lambda xml: xml.replace("</sheetData>", '<row r="100">' + '<c s="0"/>' * 700_000 + "</row></sheetData>"))
    if not declared_ok:
        import loaders.readers as readers
        monkeypatch.setattr(readers.zipfile.ZipFile, "infolist", lambda self: [])  # the package declares nothing
    parsed = parse_inputs(raw, "z.xlsx", fw, resolver)
    assert [p.code for p in parsed.problems] == ["xml_too_large"] and parsed.data.empty
    assert "3 MB" in parsed.problems[0].message()


CHUNK_TABLES = {
    # long rows with a blank value, a whitespace-only value and a note column filled only in later rows
    "long": [LONG + ["ghi chú"]] + [["Gia Lai", 2015 + i, "C.1", v, (i + 1) * (2 if v == "b" else 1), ""]
                                    for i in range(6) for v in ("a", "b")]
            + [["Gia Lai", 2030, "C.1", "a", "", ""], ["Gia Lai", 2030, "C.1", "b", "   ", "x"],
               ["Huế", 2025, "C.3", "item1", "có", "ghi chú"]],
    "wide": [["tỉnh", "năm", "C.1.a", "C.1.b", "C.3.item1", "C.3.item2"]]
            + [[name, 2025, 1, 2, "", " "] for name in ("Gia Lai", "Huế", "Hà Nội", "Đắk Lắk")]
            + [["Gia Lai", 2026, 3, "", 1, 0]],
    "too long in a later chunk": [LONG] + [["Gia Lai", 2015 + i, "C.1", "a", 1] for i in range(5)]
                                 + [["Gia Lai", 2025, "C.1", "b", "9" * (limits.MAX_CELL_CHARS + 1)]],
}


@pytest.mark.parametrize("table", CHUNK_TABLES)
@pytest.mark.parametrize("chunk_rows", [1, 2, 5])
def test_csv_read_in_chunks_reads_the_same(fw, resolver, monkeypatch, table, chunk_rows):
    """A CSV parsed a few rows at a time gives the same data and the same messages (rows, columns)."""
    raw = csv_bytes(CHUNK_TABLES[table])
    whole = parse_inputs(raw, "t.csv", fw, resolver)
    monkeypatch.setattr(limits, "CSV_CHUNK_ROWS", chunk_rows)
    chunked = parse_inputs(raw, "t.csv", fw, resolver)
    assert chunked.messages() == whole.messages() and chunked.problems
    pd.testing.assert_frame_equal(chunked.data, whole.data)
    if table == "too long in a later chunk":
        assert [(p.code, p.row) for p in chunked.problems] == [("cell_too_long", 7)]


CODE_TABLES = dict(CHUNK_TABLES, **{
    "duplicates, unknown names, a repeated header, words": [LONG] + [
        ["Gia Lai", 2025, "C.1", "a", 1], ["Gia Lai", 2025, "C.1", "b", 2], ["Gia Lai", 2025, "C.1", "a", 3],
        LONG, ["Tỉnh Xyz", 2025, "C.1", "a", 1], ["Huế", "năm 2025", "C.1", "a", "1.234"],
        ["Huế", 2025, "C.1", "b", "1.234,5"], ["Huế", 2025, "C.9", "a", 1], ["Huế", 2025, "C.1", "zz", 1],
        ["Hà Nội", 2025, "C.3", "item1", "có"], ["Hà Nội", 2025, "C.3", "item2", "x"], ["Hà Nội", 20255, "C.1", "a", 1],
        ["Đắk Lắk", 2025, "C.2", "a", "N/A"], ["Đắk Lắk", 2025, "C.2", "b", "-3"], ["Đắk Lắk", 2025, "C.1", "a", "abc"]],
    "wide with problems": [["tỉnh", "năm", "C.1.a", "C.1.b", "C.9.a", "ghi chú"],
                           ["Gia Lai", 2025, "931,895", 2, 1, "x"], ["Gia Lai", 2025, 1, 2, "", ""],
                           ["tỉnh", "năm", "C.1.a", "C.1.b", "", ""], ["Không Có", 2024, 5, 3, "", ""]],
})


@pytest.mark.parametrize("table", CODE_TABLES)
def test_csv_reader_codes_give_the_same_result_as_reading_the_cells(fw, resolver, monkeypatch, table):
    """The parser reuses the CSV reader's text codes; without them (as for .xlsx) it factorises the
    cells: the data and every message must be the same either way."""
    import dataclasses

    from loaders import read as reading

    raw = csv_bytes(CODE_TABLES[table])
    with_codes = parse_inputs(raw, "t.csv", fw, resolver)
    read = reading.read_csv_grid

    def without_codes(*args, **kwargs):
        grid = read(*args, **kwargs)
        assert grid is None or grid.codes is not None  # the path compared against does use codes
        return None if grid is None else dataclasses.replace(grid, codes=None, texts=None)

    monkeypatch.setattr(reading, "read_csv_grid", without_codes)
    read_cells = parse_inputs(raw, "t.csv", fw, resolver)
    assert with_codes.messages() == read_cells.messages() and with_codes.problems
    pd.testing.assert_frame_equal(with_codes.data, read_cells.data)
