"""The Data page's import tables (rows written, values beside those they replaced) read each figure by its
framework: the variable by its meaning, people whole, yes/no in words; the generic words without a framework."""
import pandas as pd
import pytest

from dashboard import tables
from scoring import load_framework

FW = load_framework("hue_units")
DIFF = pd.DataFrame({"entity": ["Phường An Cựu"] * 3, "year": [2025] * 3, "indicator": ["I.1", "I.10", "ZZ.9"],
                     "variable": ["item1", "a", "a"], "value": [1.0, 89.0, 2.5],
                     "previous_value": [None, 80.0, None], "previous_import": [None, 3, None]})


@pytest.mark.parametrize("row, variable, value, previous", [
    (0, "Đã ban hành quyết định thành lập Ban chỉ đạo", "Có", "—"),    # a yes/no item in words
    (1, "Số công chức, viên chức, người lao động", "89", "80"),         # people whole, no ",00"
    (2, "a", "2,50", "—"),                                               # a code the framework lacks: as stored
])
def test_import_diff_reads_figures_by_the_framework(row, variable, value, previous):
    out = tables.import_diff_table(DIFF, "vi", FW)
    cols = list(out.columns)
    got = out.iloc[row]
    assert got[cols[3]].startswith(variable)
    assert got[cols[4]] == value and got[cols[5]] == previous


def test_without_a_framework_the_generic_words_stay():
    out = tables.import_diff_table(DIFF, "vi")
    assert out.iloc[1, 3] == "a" and out.iloc[1, 4] == "89,00"


def test_import_rows_read_figures_by_the_framework():
    rows = DIFF[["entity", "year", "indicator", "variable", "value"]]
    out = tables.import_rows_table(rows, "vi", FW)
    assert out.iloc[1].tolist()[3:5] == [FW.nodes["I.10"].variables[0].meaning_vi, "89"]
