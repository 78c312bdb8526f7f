"""loaders.templates: the Excel input template, and its round trip through loaders.parsing."""
import io
import itertools
import math
from pathlib import Path

import openpyxl
import pytest

from loaders.parsing import (KIND_COUNT, EntityResolver, format_number, load_provinces, parse_inputs,
                             unit_takes_percent, variable_kind)
from loaders.templates import (
    FIRST_DATA_ROW, HEADER_ROW, LABEL_ROW, build_template, leaves_by_main_index, sheet_title,
)
from scoring.framework import FrameworkError, load_framework
from scoring.rules import NUMERIC_PARAMS, item_variables, param_years_covered, ratio_pairs

HERE = Path(__file__).parent
MINI = HERE / "fixtures" / "mini.toml"
DTI = HERE.parent / "data" / "frameworks" / "dti_province_2025.toml"
PROVINCES = HERE.parent / "data" / "reference" / "provinces_2025.csv"


def _dti_param():
    if not DTI.exists():
        return pytest.param(None, id="dti_province_2025", marks=pytest.mark.skip(reason=f"{DTI} not there yet"))
    try:
        return pytest.param(load_framework(DTI), id="dti_province_2025")
    except FrameworkError as exc:
        return pytest.param(None, id="dti_province_2025", marks=pytest.mark.skip(reason=f"does not load: {exc}"))


FRAMEWORKS = [pytest.param(load_framework(MINI), id="mini"), _dti_param()]


@pytest.fixture(scope="module")
def mini():
    return load_framework(MINI)


@pytest.fixture(scope="module")
def provinces():
    return load_provinces(PROVINCES).new


@pytest.fixture(scope="module")
def resolver():
    return EntityResolver.provinces_2025(PROVINCES)


def open_book(raw):
    return openpyxl.load_workbook(io.BytesIO(raw))


def save_book(wb):
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def covered_years(framework, n=2):
    """n years every year-dependent parameter of the framework covers (2025 first)."""
    candidates = [2025, 2026, 2024, 2027, 2028, 2023, 2029, 2030] + list(range(2015, 2036))
    good = [y for y in dict.fromkeys(candidates)
            if all(param_years_covered(leaf.rule[p], y) for leaf in framework.leaves
                   for p in NUMERIC_PARAMS if p in leaf.rule)]
    assert len(good) >= n
    return good[:n]


# (cell content written into the sheet, value the parser must read), Vietnamese formats included.
ITEM_FORMS = [("có", 1.0), (1, 1.0), ("x", 1.0), ("không", 0.0), (0, 0.0), ("Đạt", 1.0), ("chưa", 0.0)]
SMALL_FORMS = [("85%", 0.85), ("12,5", 12.5), (99, 99.0), ("12.5", 12.5), ("0,5", 0.5), ("85,5 %", 0.855)]
MID_FORMS = [("1.000", 1000.0), ("1 000,5", 1000.5), (1000.25, 1000.25)]
LARGE_FORMS = [("12.345,5", 12345.5), (20000, 20000.0), ("15 000", 15000.0), ("10,000.25", 10000.25),
               ("1.234.567", 1234567.0)]


def fill_value(leaf, var, k):
    """A valid (content, expected) for one cell; k varies the format from row to row.

    Ratios stay valid whatever the rule: numerators are small, denominators large, and a variable that
    is a numerator in one ratio and a denominator in another sits in between.
    """
    rule = leaf.rule
    pairs = ratio_pairs(rule)
    nums = {v for num, _ in pairs for v in num}
    dens = {v for _, den in pairs for v in den}
    if var.name in item_variables(rule) or var.unit.strip() == "0/1":
        forms = ITEM_FORMS
    elif rule["type"] == "direct" and rule["variable"] == var.name:
        half = leaf.max_points / 2
        return (format_number(half, "vi") if k % 2 else half), half
    elif rule["type"] == "count_capped" and rule["variable"] == var.name:
        return (str(k % 4 + 1), float(k % 4 + 1))
    elif var.name in nums and var.name in dens:
        forms = MID_FORMS
    elif var.name in dens:
        forms = LARGE_FORMS
    else:
        forms = SMALL_FORMS
    # Checks by unit (issue 18): a count takes whole numbers only, a percentage only where the unit is a share.
    if variable_kind(leaf, var) == KIND_COUNT:
        forms = [(c, v) for c, v in forms if float(v).is_integer() and not str(c).endswith("%")]
    elif not unit_takes_percent(var.unit):
        forms = [(c, v) for c, v in forms if not str(c).rstrip().endswith("%")]
    return forms[(k + sum(map(ord, var.name))) % len(forms)]


def fill_template(raw, framework, na_row=None):
    """Fill every value cell of every main-index sheet; return the workbook bytes and the expected values.

    With na_row, the N/A-allowed leaves of that data row (0-based) get "N/A" (or "Không áp dụng").
    """
    wb = open_book(raw)
    leaves = {leaf.code: leaf for leaf in framework.leaves}
    expected = {}
    counter = itertools.count()
    for ws in wb.worksheets[2:]:
        codes = [c.value for c in ws[HEADER_ROW]]
        for r in range(FIRST_DATA_ROW, ws.max_row + 1):
            entity, year = ws.cell(r, 1).value, ws.cell(r, 2).value
            for j, code in enumerate(codes[2:], start=3):
                indicator, _, name = code.rpartition(".")
                leaf = leaves[indicator]
                var = next(v for v in leaf.variables if v.name == name)
                if na_row is not None and r - FIRST_DATA_ROW == na_row and leaf.not_applicable_allowed:
                    content, value, na = ("N/A" if j % 2 else "Không áp dụng"), math.nan, True
                else:
                    (content, value), na = fill_value(leaf, var, next(counter)), False
                ws.cell(r, j, content)
                expected[(entity, year, indicator, name)] = (value, na)
    return save_book(wb), expected


# --- structure ------------------------------------------------------------------------------------

@pytest.mark.parametrize("code, name, expected", [
    ("1", "Hạ tầng và nền tảng số", "1. Hạ tầng và nền tảng số"),
    ("2", "Nhận thức số và thể chế số quốc gia", "2. Nhận thức số và thể chế số"),
    ("3", "An toàn thông tin, an ninh mạng", "3. An toàn thông tin, an ninh"),
    ("4", "Chuyểnđổisốtoàndiệnkhôngdấucách", "4. Chuyểnđổisốtoàndiệnkhôngdấuc"),
    ("3", "Dữ liệu: số/hoá [mở]?*", "3. Dữ liệu số hoá mở"),
    ("A", "", "A"),
])
def test_sheet_title(code, name, expected):
    title = sheet_title(code, name)
    assert title == expected
    assert len(title) <= 31


def test_sheet_titles_are_unique():
    taken = set()
    long = "Một tên rất dài vượt quá giới hạn ba mươi mốt ký tự"
    titles = [sheet_title("1", long, taken) for _ in range(3)]
    assert len(set(titles)) == 3 and all(len(t) <= 31 for t in titles)
    assert titles[1].endswith("(2)") and titles[2].endswith("(3)")


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_template_structure(framework, provinces):
    years = covered_years(framework)
    wb = open_book(build_template(framework, provinces, years))
    groups = leaves_by_main_index(framework)
    assert wb.sheetnames[:2] == ["Hướng dẫn", "Danh mục"]
    assert len(wb.sheetnames) == 2 + len(groups)

    guide = wb["Hướng dẫn"]
    texts = [str(c.value) for row in guide.iter_rows() for c in row if c.value is not None]
    assert framework.id in texts and framework.version in texts
    assert any("1.234,5" in t and "85%" in t for t in texts)  # number formats
    assert any("N/A" in t for t in texts)
    assert any("chỉ số chính" in t for t in texts)
    for col in framework.input_columns():  # every variable is explained
        assert col in texts

    lists = wb["Danh mục"]
    assert [lists.cell(i, 1).value for i in range(2, 2 + len(provinces))] == provinces

    for (main, leaves), title in zip(groups, wb.sheetnames[2:]):
        ws = wb[title]
        assert title.startswith(f"{main.code}. ") and len(title) <= 31
        codes = [c.value for c in ws[HEADER_ROW]]
        assert codes == ["entity", "year"] + [c for leaf in leaves for c in leaf.input_columns()]
        labels = [c.value for c in ws[LABEL_ROW]]
        assert all(labels) and all(c.alignment.wrap_text for c in ws[LABEL_ROW])
        for leaf in leaves:
            j = codes.index(leaf.input_columns()[0])
            assert labels[j].startswith(f"{leaf.code} {leaf.name_vi}")
        assert ws.freeze_panes == f"C{FIRST_DATA_ROW}"
        assert ws.column_dimensions["A"].width >= 20
        rows = list(ws.iter_rows(min_row=FIRST_DATA_ROW, values_only=True))
        assert [(r[0], r[1]) for r in rows] == [(p, y) for p in provinces for y in years]
        assert all(v is None for r in rows for v in r[2:])  # values left empty

        dvs = ws.data_validations.dataValidation
        last = FIRST_DATA_ROW + len(provinces) * len(years) - 1

        def dv_of(cell):
            found = [dv for dv in dvs if cell in dv.sqref]
            assert len(found) == 1, cell
            return found[0]

        entity_dv = dv_of(f"A{FIRST_DATA_ROW}")
        assert entity_dv.type == "list" and entity_dv.formula1 == f"'Danh mục'!$A$2:$A${len(provinces) + 1}"
        assert f"A{last}" in entity_dv.sqref
        year_dv = dv_of(f"B{last}")
        assert (year_dv.type, year_dv.operator, year_dv.formula1, year_dv.formula2) == ("whole", "between", "2015", "2035")
        for j, code in enumerate(codes[2:], start=3):
            leaf = framework.nodes[code.rpartition(".")[0]]
            var = next(v for v in leaf.variables if f"{leaf.code}.{v.name}" == code)
            dv = dv_of(f"{openpyxl.utils.get_column_letter(j)}{FIRST_DATA_ROW}")
            if var.name in item_variables(leaf.rule) or var.unit == "0/1":
                assert (dv.type, dv.formula1) == ("list", '"0,1"')
            else:
                assert dv.type == "decimal" and dv.formula1 == "0"
                assert dv.operator in ("greaterThanOrEqual", "between")


def test_mini_template_specifics(mini):
    wb = open_book(build_template(mini, ["Gia Lai", "Huế"], [2025]))
    assert wb.sheetnames == ["Hướng dẫn", "Danh mục", "A. Trụ cột A", "B. Trụ cột B"]
    ws = wb["B. Trụ cột B"]
    points = [c.value for c in ws[HEADER_ROW]].index("B.5.points") + 1
    dv = next(dv for dv in ws.data_validations.dataValidation
              if f"{openpyxl.utils.get_column_letter(points)}3" in dv.sqref)
    assert (dv.operator, dv.formula1, dv.formula2) == ("between", "0", "7")  # direct points: 0..max
    labels = [c.value for c in wb["A. Trụ cột A"][LABEL_ROW]]
    assert any("N/A" in label for label in labels if label.startswith("A.1.3"))
    assert any("Ghi 1 nếu có/đạt" in label for label in labels if label.startswith("A.2"))
    assert wb.properties.subject == "mini@test-1"


def test_english_template(mini):
    wb = open_book(build_template(mini, ["Gia Lai"], [2025], lang="en"))
    assert wb.sheetnames[:2] == ["Instructions", "Lists"]
    assert wb.sheetnames[2] == "A. Trụ cột A"  # no name_en in the fixture: the Vietnamese name
    dv = wb.worksheets[2].data_validations.dataValidation[0]
    assert dv.formula1 == "'Lists'!$A$2:$A$2"


# --- round trips -------------------------------------------------------------------------------------

@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_filled_template_round_trips(framework, provinces, resolver):
    years = covered_years(framework)
    raw, expected = fill_template(build_template(framework, provinces, years), framework, na_row=1)
    parsed = parse_inputs(raw, "mau_da_dien.xlsx", framework, resolver)
    assert parsed.ok, parsed.messages()[:5]
    assert parsed.form == "wide"
    assert parsed.n_rows == len(provinces) * len(years) * len(leaves_by_main_index(framework))
    got = {(r.entity, r.year, r.indicator, r.variable): (r.value, r.not_applicable)
           for r in parsed.data.itertuples()}
    assert got.keys() == expected.keys()
    for key, (value, na) in expected.items():
        got_value, got_na = got[key]
        assert got_na == na, key
        if na:
            assert math.isnan(got_value), key
        else:
            assert got_value == pytest.approx(value, rel=1e-12), (key, got_value, value)
    # every cell points back to its place in the workbook
    wb = open_book(raw)
    for r in parsed.data.sample(min(len(parsed.data), 50), random_state=1).itertuples():
        cell = wb[r.sheet][f"{r.column}{r.row}"]
        assert wb[r.sheet].cell(HEADER_ROW, cell.column).value == f"{r.indicator}.{r.variable}"
        assert wb[r.sheet].cell(r.row, 1).value == r.entity


def test_english_template_round_trips(mini, resolver):
    raw, expected = fill_template(build_template(mini, ["Gia Lai", "Hồ Chí Minh"], [2025, 2026], lang="en"), mini)
    parsed = parse_inputs(raw, "template.xlsx", mini, resolver)
    assert parsed.ok, parsed.messages("en")
    assert len(parsed.data) == len(expected)


def test_unfilled_template_has_no_values(mini, resolver):
    parsed = parse_inputs(build_template(mini, ["Gia Lai"], [2025]), "trong.xlsx", mini, resolver)
    assert [p.code for p in parsed.problems] == ["no_values"]
    assert parsed.form == "wide" and parsed.data.empty


def test_one_sheet_filled_is_a_valid_partial_import(mini, resolver):
    raw = build_template(mini, ["Gia Lai", "Huế"], [2025])
    filled, expected = fill_template(raw, mini)
    wb = open_book(filled)
    ws = wb["A. Trụ cột A"]
    for row in ws.iter_rows(min_row=FIRST_DATA_ROW, min_col=3):
        for cell in row:
            cell.value = None
    parsed = parse_inputs(save_book(wb), "b.xlsx", mini, resolver)
    assert parsed.ok, parsed.messages()
    assert set(parsed.data["indicator"]) == {leaf.code for leaf in mini.leaves if leaf.code.startswith("B")}
    assert set(parsed.data["sheet"]) == {"B. Trụ cột B"}


@pytest.mark.parametrize("column, content, code, words", [
    ("A.1.1.a", "năm", "not_a_number", ["“năm”", "không phải là số"]),
    ("A.1.1.a", -1, "negative", ["số âm"]),
    ("A.2.item2", 3, "item_not_binary", ["mục “item2” đang là 3"]),
    ("A.1.2.b", "100.000.000", "part_exceeds_whole", ["lớn hơn tổng thể"]),
    ("A.1.1.b", None, "missing_variable", ["thiếu số liệu “b”"]),
])
def test_template_problem_names_sheet_row_and_column(mini, resolver, column, content, code, words):
    filled, _ = fill_template(build_template(mini, ["Gia Lai", "Huế"], [2025]), mini)
    wb = open_book(filled)
    ws = wb["A. Trụ cột A"]
    j = [c.value for c in ws[HEADER_ROW]].index(column) + 1
    ws.cell(FIRST_DATA_ROW + 1, j).value = content  # Huế 2025 (cell(r, c, None) would not clear it)
    parsed = parse_inputs(save_book(wb), "loi.xlsx", mini, resolver)
    assert [p.code for p in parsed.problems] == [code], parsed.messages()
    p = parsed.problems[0]
    letter = openpyxl.utils.get_column_letter(j)
    assert (p.sheet, p.row, p.column) == ("A. Trụ cột A", FIRST_DATA_ROW + 1, letter)
    message = p.message()
    assert message.startswith(f"Tệp “loi.xlsx”, trang “A. Trụ cột A”, dòng {FIRST_DATA_ROW + 1}, cột {letter}: ")
    for word in words:
        assert word in message, message
