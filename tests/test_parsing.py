"""loaders.parsing: numbers, N/A, entity names, file reading and every import problem's message."""
import csv
import hashlib
import io
import math
import re
import string
import time
import unicodedata
from pathlib import Path

import openpyxl
import pytest

from loaders.parsing import (
    DATA_COLUMNS, DEFAULT_ALIASES, EntityResolver, ImportProblem, fold, format_number, is_not_applicable,
    load_catalog, load_provinces, parse_inputs, parse_number,
)
from scoring.framework import load_framework, parse_framework

HERE = Path(__file__).parent
MINI = HERE / "fixtures" / "mini.toml"
PROVINCES = HERE.parent / "data" / "reference" / "provinces_2025.csv"


@pytest.fixture(scope="module")
def fw():
    return load_framework(MINI)


@pytest.fixture(scope="module")
def resolver():
    return EntityResolver.provinces_2025(PROVINCES)


# A complete, valid set of inputs for one entity-year of the mini framework.
VALID = {
    "A.1.1": {"a": 5, "b": 10},
    "A.1.2": {"a": 100, "b": 50, "c": 100, "d": 50},
    "A.1.3": {"a": 1, "b": 1},
    "A.2": {"item1": 1, "item2": 0, "item3": 1},
    "B.1": {"a": 100, "b": 20, "c": 30},
    "B.2": {"total": 100, "layer4": 10, "layer3": 20, "layer2": 30, "layer1": 40},
    "B.3": {"n": 3},
    "B.4": {"infected": 5, "machines": 100},
    "B.5": {"points": 3.5},
}


# --- builders -----------------------------------------------------------------------------------

def csv_bytes(rows, delimiter=",", encoding="utf-8", bom=False):
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(sheets):
    """sheets: {title: rows}."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def cp1258(text):
    """Text encoded the way old Vietnamese Windows software saves it: base letters + combining tones."""
    tones = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
    out = b""
    for ch in text:
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            marks = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(m for m in marks if m not in tones))
            out += (base + "".join(m for m in marks if m in tones)).encode("cp1258")
    return out


def letter(index):
    return openpyxl.utils.get_column_letter(index + 1)


LONG_HEADER = ["tỉnh", "năm", "chỉ số", "biến", "giá trị"]


def long_rows(entity, year, values):
    return [[entity, year, ind, var, v] for ind, vs in values.items() for var, v in vs.items()]


# --- parse_number / is_not_applicable / fold ------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("1.234,56", 1234.56),
    ("1.234", 1234.0),  # dot + exactly 3 digits = thousands (Vietnamese convention)
    ("1.234.567", 1234567.0),
    ("1.234.567,5", 1234567.5),
    ("0,85", 0.85),
    ("1,5", 1.5),
    (",5", 0.5),
    ("1,234", 1.234),  # a lone comma is a decimal comma
    ("85%", 0.85),
    ("85 %", 0.85),
    ("85,5%", 0.855),
    ("100%", 1.0),
    ("1234.5", 1234.5),
    ("12.5", 12.5),
    ("0.123", 0.123),  # no thousands group starts with 0
    ("1234.567", 1234.567),  # 4 digits before the dot: not a thousands group
    ("1,234.56", 1234.56),
    ("1,234,567", 1234567.0),
    ("1 234", 1234.0),
    ("1 234 567,5", 1234567.5),
    ("1\u00a0234,5", 1234.5),
    ("1\u202f234", 1234.0),
    ("  42  ", 42.0),
    ("-5", -5.0),
    ("\u22125", -5.0),
    ("+7", 7.0),
    ("1e3", 1000.0),
    (1234, 1234.0),
    (12.5, 12.5),
    (True, 1.0),
    ("có", 1.0), ("Có", 1.0), ("CÓ", 1.0), ("x", 1.0), ("X", 1.0), ("đạt", 1.0), ("Đạt", 1.0), ("yes", 1.0),
    ("không", 0.0), ("Không", 0.0), ("chưa", 0.0), ("no", 0.0), ("chưa đạt", 0.0),
])
def test_parse_number(text, expected):
    assert parse_number(text) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("text", [
    "", "   ", "abc", "1.2.3", "1,2,3", "12,34,567", "1.234,5,6", "1..2", "12%%", "%12", "1 23", "12 3456",
    "1-2", "N/A", "không áp dụng", "--5", None, float("nan"), float("inf"), "2025-01-01",
])
def test_parse_number_rejects(text):
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.mark.parametrize("text, expected", [
    ("N/A", True), ("n/a", True), ("NA", True), ("na", True), ("KAD", True), ("kad", True),
    ("không áp dụng", True), ("Không áp dụng", True), ("KHÔNG ÁP DỤNG", True), ("khong ap dung", True),
    (" N / A ", True), ("Not applicable", True),
    ("0", False), ("", False), ("không", False), ("nan", False), (None, False), (0, False),
])
def test_is_not_applicable(text, expected):
    assert is_not_applicable(text) is expected


@pytest.mark.parametrize("text, expected", [
    ("Gia Lai", "gia lai"),
    ("GIA  LAI", "gia lai"),
    ("Đắk Lắk", "dak lak"),
    ("Bà Rịa - Vũng Tàu", "ba ria vung tau"),
    ("TP.HCM", "tp hcm"),
    ("T.P. Hồ Chí Minh", "t p ho chi minh"),
    ("Thừa Thiên–Huế", "thua thien hue"),
    ("Hoà Bình", "hoa binh"),
    ("Hòa Bình", "hoa binh"),
    ("tỉnh\u00a0Gia\tLai ", "tinh gia lai"),
])
def test_fold(text, expected):
    assert fold(text) == expected


# --- entities ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Gia Lai", "Gia Lai"), ("gia lai", "Gia Lai"), ("Tỉnh Gia Lai", "Gia Lai"), ("GIA LAI", "Gia Lai"),
    ("tinh gia lai", "Gia Lai"), ("UBND tỉnh Gia Lai", "Gia Lai"), ("  Gia   Lai ", "Gia Lai"), ("Gialai", "Gia Lai"),
    ("TP. Hồ Chí Minh", "Hồ Chí Minh"), ("Thành phố Hồ Chí Minh", "Hồ Chí Minh"), ("TP HCM", "Hồ Chí Minh"),
    ("TP.HCM", "Hồ Chí Minh"), ("HCM", "Hồ Chí Minh"), ("TPHCM", "Hồ Chí Minh"), ("Sài Gòn", "Hồ Chí Minh"),
    ("T.P. Hồ Chí Minh", "Hồ Chí Minh"), ("tp ho chi minh", "Hồ Chí Minh"),
    ("Huế", "Huế"), ("Thành phố Huế", "Huế"), ("Thừa Thiên Huế", "Huế"), ("Thừa Thiên - Huế", "Huế"),
    ("TP Hà Nội", "Hà Nội"), ("ha noi", "Hà Nội"), ("Đắk Lắk", "Đắk Lắk"), ("Dak Lak", "Đắk Lắk"),
    ("Đăk Lăk", "Đắk Lắk"), ("Thanh Hoá", "Thanh Hóa"), ("Khánh Hoà", "Khánh Hòa"),
    ("Atlantis", None), ("", None), ("Bình Định", None), ("Tỉnh", None), (None, None),
])
def test_resolver_34(resolver, text, expected):
    assert resolver.resolve(text) == expected


def test_reference_lists_have_34_and_63_names():
    ref = load_provinces(PROVINCES)
    assert len(ref.new) == 34 and len(set(ref.new)) == 34
    assert len(ref.old) == 63 and len(set(ref.old)) == 63
    assert {"Hà Nội", "Huế", "Hồ Chí Minh", "Đắk Lắk", "Gia Lai"} <= set(ref.new)


def test_every_34_and_63_name_resolves_to_itself_and_no_two_fold_alike():
    ref = load_provinces(PROVINCES)
    for names in (ref.new, ref.old, list(dict.fromkeys(ref.new + ref.old))):
        folded = [fold(n) for n in names]
        assert len(set(folded)) == len(names), "two canonical names fold to the same key"
        compact = [re.sub(r"[^a-z0-9]", "", f) for f in folded]
        assert len(set(compact)) == len(names)
        res = EntityResolver({n: [] for n in names})
        for name in names:
            assert res.resolve(name) == name
            assert res.resolve(name.upper()) == name
            assert res.resolve(fold(name)) == name
            assert res.resolve(f"Tỉnh {name}") == name
    # The pre-merger name wins over the built-in alias when it is itself a canonical name.
    both = EntityResolver(list(dict.fromkeys(ref.new + ref.old)))
    assert both.resolve("Thừa Thiên Huế") == "Thừa Thiên Huế"
    assert both.resolve("Thừa Thiên - Huế") == "Thừa Thiên Huế"
    assert both.resolve("Huế") == "Huế"


def test_default_aliases_point_at_reference_names():
    ref = load_provinces(PROVINCES)
    assert set(DEFAULT_ALIASES) <= set(ref.new) | set(ref.old)


def test_resolver_rejects_colliding_names_and_takes_aliases():
    with pytest.raises(ValueError, match="same key"):
        EntityResolver(["Hoà Bình", "Hòa Bình"])
    res = EntityResolver({"Gia Lai": ["GL", "Pleiku"]})
    assert res.resolve("gl") == "Gia Lai" and res.resolve("PLEIKU") == "Gia Lai"
    assert res.resolve("HCM") is None  # a default alias only for a canonical name that is present


def test_resolver_former_names_and_suggestions(resolver):
    assert resolver.successor("Bình Định") == "Gia Lai"
    assert resolver.successor("tỉnh Kon Tum") == "Quảng Ngãi"
    assert resolver.successor("Gia Lai") is None
    assert resolver.suggest("Gia Lia") == "Gia Lai"
    assert resolver.suggest("zzzz") is None


# --- catalogs ---------------------------------------------------------------------------------------

PROBLEM_CODES = [
    "file_type", "unreadable", "encoding", "empty_file", "no_values", "header_not_recognised", "missing_columns",
    "unknown_column", "missing_entity", "unknown_entity", "missing_year", "bad_year", "unknown_indicator",
    "unknown_variable", "not_a_number", "negative", "duplicate", "missing_variable", "zero_denominator",
    "part_exceeds_whole", "item_not_binary", "na_not_allowed", "points_out_of_range", "year_not_covered",
    "engine_other", "ambiguous_number", "word_not_number", "not_finite", "formula_no_value", "extra_fields",
    "cell_too_long", "xml_error", "sheet_unreadable", "csv_unreadable", "too_large", "xml_too_large",
    "too_many_rows", "too_many_cells", "too_many_columns", "more_problems", "read_failed",
]


def _fields(text):
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_catalogs_have_the_same_keys_and_placeholders():
    vi, en = load_catalog("vi"), load_catalog("en")
    assert set(vi) == set(en)
    assert set(vi["template"]) == set(en["template"])
    for key, text in vi.items():
        if isinstance(text, str):
            assert _fields(text) == _fields(en[key]), key
    for code in PROBLEM_CODES:
        assert code in vi and vi[code].startswith("{where}"), code
    assert load_catalog("fr") is vi  # unknown language falls back to Vietnamese


@pytest.mark.parametrize("code", PROBLEM_CODES)
def test_every_message_renders_in_both_languages(code):
    p = ImportProblem("x.xlsx", "Trang 1", 3, "D", code, {})
    vi, en = p.message("vi"), p.message("en")
    assert vi.startswith("Tệp “x.xlsx”, trang “Trang 1”, dòng 3, cột D: ")
    assert en.startswith("File “x.xlsx”, sheet “Trang 1”, row 3, column D: ")
    assert re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùýÂÊÔĐ]", vi)


@pytest.mark.parametrize("value, lang, expected", [
    (1234.5, "vi", "1.234,5"), (1234.5, "en", "1,234.5"), (7.0, "vi", "7"), (0.855, "vi", "0,855"),
    (-5.0, "vi", "-5"), (1234567.0, "vi", "1.234.567"),
])
def test_format_number(value, lang, expected):
    assert format_number(value, lang) == expected


# --- good files ---------------------------------------------------------------------------------------

def _values_of(parsed):
    return {(r.entity, r.year, r.indicator, r.variable): r.value for r in parsed.data.itertuples()}


def test_long_csv_round_trip(fw, resolver):
    rows = [LONG_HEADER] + long_rows("Gia Lai", 2025, VALID) + long_rows("TP. Hồ Chí Minh", "2026", VALID)
    raw = csv_bytes(rows)
    parsed = parse_inputs(raw, "so_lieu.csv", fw, resolver)
    assert parsed.ok, parsed.messages()
    assert parsed.form == "long"
    assert parsed.n_rows == len(rows) - 1
    assert parsed.sha256 == hashlib.sha256(raw).hexdigest()
    assert parsed.file_name == "so_lieu.csv"
    assert list(parsed.data.columns) == DATA_COLUMNS
    assert set(parsed.data["entity"]) == {"Gia Lai", "Hồ Chí Minh"}
    values = _values_of(parsed)
    assert values[("Hồ Chí Minh", 2026, "B.5", "points")] == 3.5
    assert len(values) == 2 * sum(len(v) for v in VALID.values())
    first = parsed.data.iloc[0]
    assert (first["sheet"], first["row"], first["column"]) == ("", 2, "giá trị")
    assert parsed.data["year"].dtype == "int64" and parsed.data["value"].dtype == "float64"
    assert not parsed.data["not_applicable"].any()


@pytest.mark.parametrize("delimiter, bom", [(";", False), (";", True), (",", True), ("\t", False)])
def test_long_csv_delimiters_bom_and_vietnamese_numbers(fw, resolver, delimiter, bom):
    header = ["Tỉnh/Thành phố", "Năm", "Mã chỉ số", "Biến", "Giá trị"]
    rows = [header] + long_rows("Gia Lai", 2025, VALID)
    rows[1][4] = "5,0"  # A.1.1.a with a decimal comma (quoted when the delimiter is a comma)
    rows[2][4] = "1.000"  # A.1.1.b = 1000: the file writes decimals with a comma (5,0 and 3,5), so the dot groups
    rows[-1][4] = "3,5"  # B.5.points (the file's own convention must be consistent: see test_trust.py)
    parsed = parse_inputs(csv_bytes(rows, delimiter=delimiter, bom=bom), "a.csv", fw, resolver)
    assert parsed.ok, parsed.messages()
    values = _values_of(parsed)
    assert values[("Gia Lai", 2025, "A.1.1", "a")] == 5.0
    assert values[("Gia Lai", 2025, "A.1.1", "b")] == 1000.0


def test_wide_csv_with_label_row_above_header(fw, resolver):
    cols = [f"{ind}.{var}" for ind, vs in VALID.items() for var in vs]
    labels = ["Tỉnh, thành phố", "Năm"] + [f"nhãn {c}" for c in cols]
    rows = [labels, ["entity", "year"] + cols,
            ["Gia Lai", 2025] + [v for vs in VALID.values() for v in vs.values()],
            ["Huế", 2025] + [v for vs in VALID.values() for v in vs.values()],
            ["Hà Nội", 2025] + [None] * len(cols)]  # a row without values is not provided
    parsed = parse_inputs(csv_bytes(rows), "wide.csv", fw, resolver)
    assert parsed.ok, parsed.messages()
    assert parsed.form == "wide" and parsed.n_rows == 2
    row = parsed.data.loc[(parsed.data["entity"] == "Huế") & (parsed.data["variable"] == "points")].iloc[0]
    assert (row["row"], row["column"], row["value"]) == (4, "B.5.points", 3.5)


def test_wide_excel_with_na_and_default_year(fw, resolver):
    header = ["Tỉnh", "A.1.3.a", "A.1.3.b", "A.1.1.a", "A.1.1.b"]
    rows = [header, ["Gia Lai", "N/A", None, 1, 2], ["Huế", "Không áp dụng", "KAD", "1.234,5", "2.000"]]
    parsed = parse_inputs(xlsx_bytes({"Dữ liệu": rows}), "w.xlsx", fw, resolver, default_year=2026)
    assert parsed.ok, parsed.messages()
    na = parsed.data.loc[parsed.data["not_applicable"]]
    assert len(na) == 3 and na["value"].isna().all() and set(na["year"]) == {2026}
    values = _values_of(parsed)
    assert values[("Huế", 2026, "A.1.1", "a")] == 1234.5
    assert values[("Huế", 2026, "A.1.1", "b")] == 2000.0
    huea = parsed.data.loc[(parsed.data["entity"] == "Huế") & (parsed.data["variable"] == "a")
                           & (parsed.data["indicator"] == "A.1.1")].iloc[0]
    assert (huea["sheet"], huea["row"], huea["column"]) == ("Dữ liệu", 3, "D")


def test_excel_skips_instruction_and_list_sheets_and_empty_sheets(fw, resolver):
    sheets = {
        "Hướng dẫn": [["Cách điền", "bất kỳ chữ nào"], ["entity", "year"]],
        "Danh mục": [["Tỉnh, thành phố"], ["Gia Lai"]],
        "Trống": [],
        "A": [["entity", "year", "A.1.1.a", "A.1.1.b"], ["Gia Lai", 2025, 5, 10]],
        "Long": [LONG_HEADER] + long_rows("Gia Lai", 2025, {"B.3": {"n": 2}}),
    }
    parsed = parse_inputs(xlsx_bytes(sheets), "m.xlsx", fw, resolver)
    assert parsed.ok, parsed.messages()
    assert parsed.form == "wide"  # the first recognised sheet
    assert set(parsed.data["sheet"]) == {"A", "Long"}


def test_partial_import_checks_only_touched_indicators(fw, resolver):
    # Only pillar B is given: pillar A's indicators are not part of this import.
    b_only = {k: v for k, v in VALID.items() if k.startswith("B")}
    rows = [LONG_HEADER] + long_rows("Gia Lai", 2025, b_only)
    assert parse_inputs(csv_bytes(rows), "b.csv", fw, resolver).ok
    # A.1.2 with two of its four variables is a missing-variable problem (twice), named precisely.
    rows += long_rows("Gia Lai", 2025, {"A.1.2": {"a": 100, "b": 50}})
    parsed = parse_inputs(csv_bytes(rows), "b.csv", fw, resolver)
    assert [(p.code, p.params["indicator"], p.params["variable"]) for p in parsed.problems] == [
        ("missing_variable", "A.1.2", "c"), ("missing_variable", "A.1.2", "d")]


def test_a_file_path_is_read_and_named(tmp_path, fw, resolver):
    path = tmp_path / "so lieu.csv"
    path.write_bytes(csv_bytes([LONG_HEADER] + long_rows("Gia Lai", 2025, {"B.3": {"n": 2}})))
    parsed = parse_inputs(path, None, fw, resolver)
    assert parsed.ok and parsed.file_name == "so lieu.csv"
    assert parse_inputs(io.BytesIO(path.read_bytes()), "x.csv", fw, resolver).ok


# --- bad files: every problem code, its location and its words ------------------------------------

A11 = ["entity", "year", "A.1.1.a", "A.1.1.b"]
A12 = ["entity", "year", "A.1.2.a", "A.1.2.b", "A.1.2.c", "A.1.2.d"]
A2 = ["entity", "year", "A.2.item1", "A.2.item2", "A.2.item3"]
B5 = ["entity", "year", "B.5.points"]

# (id, rows including the header, code, row, column header name (None = no column), words in Vietnamese)
LONG_CASES = [
    ("unknown_entity", [["Atlantis", 2025, "B.3", "n", 2]], "unknown_entity", 2, "tỉnh",
     ["không nhận ra tỉnh/thành phố “Atlantis”", "34 tỉnh, thành phố", "Gia Lai"]),
    ("former_entity", [["Bình Định", 2025, "B.3", "n", 2]], "unknown_entity", 2, "tỉnh",
     ["“Bình Định”", "trước khi sắp xếp", "nay thuộc “Gia Lai”"]),
    ("missing_entity", [[None, 2025, "B.3", "n", 2]], "missing_entity", 2, "tỉnh", ["chưa ghi tỉnh/thành phố"]),
    ("bad_year", [["Gia Lai", 2050, "B.3", "n", 2]], "bad_year", 2, "năm", ["năm “2050” không hợp lệ", "2015", "2035"]),
    ("bad_year_text", [["Gia Lai", "2025a", "B.3", "n", 2]], "bad_year", 2, "năm", ["năm “2025a”"]),
    ("missing_year", [["Gia Lai", None, "B.3", "n", 2]], "missing_year", 2, "năm", ["chưa ghi năm"]),
    ("unknown_indicator", [["Gia Lai", 2025, "Z.9", "n", 2]], "unknown_indicator", 2, "chỉ số",
     ["không có chỉ số “Z.9”", "khung đánh giá mini"]),
    ("unknown_variable", [["Gia Lai", 2025, "B.3", "m", 2]], "unknown_variable", 2, "biến",
     ["chỉ số B.3 – Đếm sự kiện: không có biến “m”", "các biến: n"]),
    ("word_not_number", [["Gia Lai", 2025, "B.3", "n", "có"]], "word_not_number", 2, "giá trị",
     ["“có”", "không phải mục đạt/không đạt"]),
    ("not_finite", [["Gia Lai", 2025, "B.3", "n", "1e309"]], "not_finite", 2, "giá trị", ["“1e309”", "hữu hạn"]),
    ("negative_year", [["Gia Lai", "-2025", "B.3", "n", 2]], "bad_year", 2, "năm", ["năm “-2025”"]),
    ("not_a_number", [["Gia Lai", 2025, "B.3", "n", "hai"]], "not_a_number", 2, "giá trị",
     ["“hai”", "không phải là số", "1.234,5", "85%"]),
    ("negative", [["Gia Lai", 2025, "B.3", "n", "-2"]], "negative", 2, "giá trị", ["số âm", "-2"]),
    ("duplicate", [["Gia Lai", 2025, "B.3", "n", 2], ["gia lai", 2025, "B.3", "n", 3]], "duplicate", 3, "giá trị",
     ["Gia Lai, năm 2025, chỉ số B.3 – Đếm sự kiện: n", "đã được nhập ở dòng 2"]),
    ("missing_variable", [["Gia Lai", 2025, "A.1.1", "a", 5]], "missing_variable", None, None,
     ["Gia Lai, năm 2025, chỉ số A.1.1 – Tuyến tính", "thiếu số liệu “b”"]),
    ("zero_denominator", [["Gia Lai", 2025, "A.1.1", "a", 0], ["Gia Lai", 2025, "A.1.1", "b", 0]],
     "zero_denominator", 3, "giá trị", ["tổng thể “b” bằng 0", "lớn hơn 0"]),
    ("part_exceeds_whole", [["Gia Lai", 2025, "A.1.1", "a", 20], ["Gia Lai", 2025, "A.1.1", "b", "1.0"]],
     "part_exceeds_whole", 2, "giá trị", ["phần “a” (20) lớn hơn tổng thể “b” (1)"]),
    ("item_not_binary", [["Gia Lai", 2025, "A.2", "item1", 2], ["Gia Lai", 2025, "A.2", "item2", 0],
                         ["Gia Lai", 2025, "A.2", "item3", "có"]], "item_not_binary", 2, "giá trị",
     ["mục “item1” đang là 2", "1 (có, đạt) hoặc 0"]),
    ("na_not_allowed", [["Gia Lai", 2025, "A.1.1", "a", "N/A"], ["Gia Lai", 2025, "A.1.1", "b", 3]],
     "na_not_allowed", 2, "giá trị", ["không được ghi N/A"]),
    ("points_out_of_range", [["Gia Lai", 2025, "B.5", "points", 9]], "points_out_of_range", 2, "giá trị",
     ["điểm chấm 9 vượt quá điểm tối đa", "từ 0 đến 7"]),
    ("year_not_covered", [["Gia Lai", 2024, "A.1.2", v, x] for v, x in VALID["A.1.2"].items()],
     "year_not_covered", 2, "giá trị", ["không có tham số cho năm 2024", "2025–2030"]),
]

WIDE_CASES = [
    ("unknown_entity", [A11, ["Atlantis", 2025, 5, 10]], "unknown_entity", 2, "entity", ["“Atlantis”"]),
    ("missing_entity", [A11, [None, 2025, 5, 10]], "missing_entity", 2, "entity", ["chưa ghi tỉnh/thành phố"]),
    ("bad_year", [A11, ["Gia Lai", 2025.5, 5, 10]], "bad_year", 2, "year", ["không hợp lệ"]),
    ("missing_year", [A11, ["Gia Lai", None, 5, 10]], "missing_year", 2, "year", ["chưa ghi năm"]),
    ("not_a_number", [A11, ["Gia Lai", 2025, "5 người", 10]], "not_a_number", 2, "A.1.1.a",
     ["“5 người”", "không phải là số"]),
    ("negative", [A11, ["Gia Lai", 2025, 5, -10]], "negative", 2, "A.1.1.b", ["số âm"]),
    ("duplicate", [A11, ["Gia Lai", 2025, 5, 10], ["Tỉnh Gia Lai", 2025, None, 10]], "duplicate", 3, "A.1.1.b",
     ["đã được nhập ở", "dòng 2"]),
    ("missing_variable", [A11, ["Gia Lai", 2025, 5, None]], "missing_variable", 2, "A.1.1.b", ["thiếu số liệu “b”"]),
    ("missing_variable_no_column", [A11[:3], ["Gia Lai", 2025, 5]], "missing_variable", 2, None, ["thiếu số liệu “b”"]),
    ("zero_denominator", [A11, ["Gia Lai", 2025, 0, 0]], "zero_denominator", 2, "A.1.1.b", ["tổng thể “b” bằng 0"]),
    # "1.234" alone is ambiguous (issue 9); "1.234.000" can only group thousands
    ("part_exceeds_whole", [A11, ["Gia Lai", 2025, "1.234.000", "1.000.000"]], "part_exceeds_whole", 2, "A.1.1.a",
     ["phần “a” (1.234.000) lớn hơn tổng thể “b” (1.000.000)"]),
    ("ambiguous_number", [A11, ["Gia Lai", 2025, "1.234", 2000]], "ambiguous_number", 2, "A.1.1.a",
     ["“1.234”", "hai cách", "số nguyên 1234", "1,234 nếu dấu “.” là dấu thập phân"]),
    ("item_not_binary", [A2, ["Gia Lai", 2025, 0.5, 0, 1]], "item_not_binary", 2, "A.2.item1", ["đang là 0,5"]),
    ("na_not_allowed", [A11, ["Gia Lai", 2025, "n/a", 10]], "na_not_allowed", 2, "A.1.1.a", ["không được ghi N/A"]),
    ("points_out_of_range", [B5, ["Gia Lai", 2025, "7,5"]], "points_out_of_range", 2, "B.5.points",
     ["7,5 vượt quá điểm tối đa"]),
    ("year_not_covered", [A12, ["Gia Lai", 2031, 100, 50, 100, 50]], "year_not_covered", 2, "A.1.2.a",
     ["năm 2031"]),
    ("unknown_column", [A11 + ["Số dân"], ["Gia Lai", 2025, 5, 10, 3]], "unknown_column", 1, "Số dân",
     ["không nhận ra cột “Số dân”", "A.1.1.a"]),
    ("unknown_indicator", [A11 + ["Z.9.a"], ["Gia Lai", 2025, 5, 10, 3]], "unknown_indicator", 1, "Z.9.a",
     ["không có chỉ số “Z.9”"]),
    ("unknown_variable", [A11 + ["A.1.1.z"], ["Gia Lai", 2025, 5, 10, 3]], "unknown_variable", 1, "A.1.1.z",
     ["không có biến “z”", "a, b"]),
    ("header_not_recognised", [["foo", "bar"], [1, 2]], "header_not_recognised", None, None,
     ["không tìm thấy dòng tiêu đề", "5 dòng đầu"]),
    ("missing_columns", [["tỉnh", "năm", "giá trị"], ["Gia Lai", 2025, 3]], "missing_columns", 1, None,
     ["thiếu: chỉ số, biến"]),
    ("missing_columns_wide", [["tỉnh", "ghi chú"], ["Gia Lai", "x"]], "missing_columns", 1, None,
     ["thiếu: năm, ít nhất một cột số liệu"]),
]

CASES = (
    [pytest.param("long", [LONG_HEADER] + rows, *rest, id=f"long-{name}") for name, rows, *rest in LONG_CASES]
    + [pytest.param("wide", rows, *rest, id=f"wide-{name}") for name, rows, *rest in WIDE_CASES]
)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("form, rows, code, row, column, words", CASES)
def test_bad_file_problem(fw, resolver, fmt, form, rows, code, row, column, words):
    sheet = "Nhập liệu"
    raw = csv_bytes(rows) if fmt == "csv" else xlsx_bytes({sheet: rows})
    name = f"bad.{fmt}"
    parsed = parse_inputs(raw, name, fw, resolver)
    assert [p.code for p in parsed.problems] == [code], parsed.messages()
    assert not parsed.ok
    p = parsed.problems[0]
    assert p.file == name and p.row == row
    header = [h for h in rows[0]]
    if column is None:
        assert p.column is None
    elif fmt == "csv":
        assert p.column == column
    else:
        assert p.column == letter(header.index(column))
    assert p.sheet == (sheet if fmt == "xlsx" else None)
    vi, en = p.message("vi"), p.message("en")
    assert vi.startswith(f"Tệp “{name}”") and en.startswith(f"File “{name}”")
    if fmt == "xlsx":
        assert f"trang “{sheet}”" in vi and f"sheet “{sheet}”" in en
    else:
        assert "trang" not in vi.split(":")[0]
    if row is not None:
        assert f"dòng {row}" in vi and f"row {row}" in en
    if column is not None:
        assert (f"cột {p.column}" if fmt == "xlsx" else f"cột “{column}”") in vi
    for word in words:
        assert word in vi, vi
    assert "?" not in re.sub(r"(Có phải ý bạn là .*\?)", "", vi), vi  # no unfilled placeholder


@pytest.mark.parametrize("file_name, raw, code, words", [
    ("data.xls", b"\xd0\xcf\x11\xe0old excel", "file_type", ["“.xls”", ".xlsx", "CSV"]),
    ("data.txt", b"a,b", "file_type", ["“.txt”"]),
    ("data.xlsx", b"this is not a zip file", "unreadable", ["không mở được tệp Excel", ".xlsx"]),
    ("data.csv", cp1258("tỉnh,năm,chỉ số,biến,giá trị\r\nHà Nội,2025,B.3,n,2\r\n"), "encoding",
     ["UTF-8", "CSV UTF-8"]),
    ("data.csv", "tỉnh,năm,chỉ số,biến,giá trị\r\nHà Nội,2025,B.3,n,2\r\n".encode("utf-8").decode("cp1252")
     .encode("utf-8"), "encoding", ["UTF-8"]),
    ("data.csv", b"", "empty_file", ["không có số liệu"]),
    ("data.csv", "entity,year,B.3.n\r\nGia Lai,2025,\r\n".encode(), "no_values", ["chưa có ô giá trị"]),
])
def test_bad_file_level_problem(fw, resolver, file_name, raw, code, words):
    parsed = parse_inputs(raw, file_name, fw, resolver)
    assert [p.code for p in parsed.problems] == [code]
    assert parsed.data.empty and parsed.form == "unknown" or code == "no_values"
    vi = parsed.problems[0].message()
    assert vi.startswith(f"Tệp “{file_name}”")
    for word in words:
        assert word in vi, vi
    assert parsed.problems[0].message("en").startswith(f"File “{file_name}”")


def test_unrecognised_sheet_is_named_among_good_ones(fw, resolver):
    sheets = {"Tốt": [A11, ["Gia Lai", 2025, 5, 10]], "Ghi chép": [["Ngày", "Nội dung"], ["1/1", "họp"]]}
    parsed = parse_inputs(xlsx_bytes(sheets), "m.xlsx", fw, resolver)
    assert [(p.code, p.sheet) for p in parsed.problems] == [("header_not_recognised", "Ghi chép")]
    assert "trang “Ghi chép”" in parsed.problems[0].message()
    assert len(parsed.data) == 2  # the good sheet is still read


def test_unreadable_cell_is_not_also_reported_missing(fw, resolver):
    rows = [LONG_HEADER, ["Gia Lai", 2025, "A.1.1", "a", "năm"], ["Gia Lai", 2025, "A.1.1", "b", 10]]
    parsed = parse_inputs(csv_bytes(rows), "x.csv", fw, resolver)
    assert [p.code for p in parsed.problems] == ["not_a_number"]


def test_suggestions_are_appended(fw, resolver):
    rows = [LONG_HEADER, ["Gia Lia", 2025, "B.3", "n", 2], ["Gia Lai", 2025, "B.33", "n", 2]]
    parsed = parse_inputs(csv_bytes(rows), "x.csv", fw, resolver)
    messages = parsed.messages()
    assert "Có phải ý bạn là “Gia Lai”?" in messages[0]
    assert "Có phải ý bạn là “B.3”?" in messages[1]
    assert "Did you mean “Gia Lai”?" in parsed.problems[0].message("en")


# --- performance ------------------------------------------------------------------------------------

def _big_framework(n_leaves=7, n_vars=10):
    nodes = [{"code": "1", "parent": "total", "name_vi": "Một", "max_points": 10.0 * n_leaves}]
    half = n_vars // 2
    for i in range(1, n_leaves + 1):
        names = [f"v{j}" for j in range(n_vars)]
        nodes.append({"code": f"1.{i}", "parent": "1", "name_vi": f"Chỉ số {i}", "max_points": 10.0,
                      "rule": {"type": "linear", "numerator": names[:half], "denominator": names[half:]},
                      "variables": [{"name": n} for n in names]})
    return parse_framework({"framework": {"id": "big", "version": "t", "name_vi": "Lớn"}, "node": nodes})


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_wide_file_34_provinces_2_years_70_variables_parses_fast(resolver, fmt):
    big = _big_framework()
    cols = big.input_columns()
    assert len(cols) == 70
    header = ["entity", "year"] + cols
    rows = [header] + [
        [name, year] + ["1,5" if int(c.rsplit("v", 1)[1]) < 5 else "1.000" for c in cols]
        for name in resolver.names for year in (2024, 2025)
    ]
    raw = csv_bytes(rows) if fmt == "csv" else xlsx_bytes({"Dữ liệu": rows})
    parse_inputs(raw, f"big.{fmt}", big, resolver)  # warm-up (imports)
    start = time.perf_counter()
    parsed = parse_inputs(raw, f"big.{fmt}", big, resolver)
    elapsed = time.perf_counter() - start
    assert parsed.ok, parsed.messages()[:3]
    assert len(parsed.data) == 34 * 2 * 70 and parsed.n_rows == 68
    assert elapsed < 0.6, f"{elapsed:.3f} s"
    assert math.isclose(parsed.data["value"].sum(), 34 * 2 * 7 * (5 * 1.5 + 5 * 1000))


@pytest.mark.parametrize("framework_id, column, value, code", [
    ("dti_province_2025", "1.1.a", "abc", "not_a_number"),        # a ratio's part
    ("dti_province_2025", "1.1.b", "-5", "negative"),              # its whole
    ("dti_province_2025", "1.4.item2", "3", "item_not_binary"),    # a yes/no item
    ("dti_district_2021", "CQS.2.3_4.points", "abc", "not_a_number"),  # our joined code reads CQS.2.3–2.4
])
def test_messages_name_the_criterion_and_the_figure_in_words(framework_id, column, value, code):
    """'chỉ số 1.1 – <tên chỉ số>: <ý nghĩa của số liệu>', never '(chỉ số 1.1, biến a)' or '1.6 item2'."""
    from scoring.framework import criterion_words, load_framework, variable_meaning

    fw = load_framework(framework_id)
    indicator, variable = column.rsplit(".", 1)
    entity = "Gia Lai"
    resolver = None
    if framework_id == "dti_district_2021":
        from loaders.names import EntityResolver

        entity, resolver = "Huyện Mẫu", EntityResolver(["Huyện Mẫu"])
    data = f"entity,year,indicator,variable,value\n{entity},2021,{indicator},{variable},{value}\n".encode()
    parsed = parse_inputs(data, "x.csv", fw, resolver=resolver)
    problem = next(p for p in parsed.problems if p.code == code)
    text = problem.message("vi")
    assert f"chỉ số {criterion_words(fw, indicator)}" in text
    assert variable_meaning(fw, indicator, variable) in text
    assert f"biến {variable}" not in text and f"{indicator} {variable}" not in text and "_" not in text
    assert criterion_words(fw, indicator).startswith(fw.nodes[indicator].code.replace("_4", "–2.4") + " – ")
