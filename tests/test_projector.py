"""Charts fit for a projector, tables that read right in a Vietnamese Excel, the focus marked in tables."""
import io

import openpyxl
import pandas as pd
import pytest

from dashboard import charts, tables

ENTITIES = [f"Tỉnh {i}" for i in range(34)]


def ranking(values):
    t = pd.DataFrame({"entity": ENTITIES, "total": values})
    return t.assign(rank=t["total"].rank(ascending=False, method="min").astype(int))


@pytest.mark.parametrize("gap", [0.5, 3.0, 40.0])
def test_cutoff_labels_never_print_over_each_other(gap):
    # Rank 15 and rank 20 a fraction of a point apart: the labels go to opposite sides of their lines.
    values = [900 - i for i in range(34)]
    values[14], values[19] = 700 + gap, 700
    fig = charts.ranking_bars(ranking(values), "Tỉnh 19", cutoff_label="Nhóm {n}")
    anns = {a.text: a for a in fig.layout.annotations}
    assert set(anns) == {"Nhóm 20", "Nhóm 15"}
    assert anns["Nhóm 20"].xanchor == "right" and anns["Nhóm 15"].xanchor == "left"
    assert anns["Nhóm 20"].x <= anns["Nhóm 15"].x


def test_presentation_scales_every_font_marker_and_line():
    fig = charts.ranking_bars(ranking([900 - 10 * i for i in range(34)]), "Tỉnh 3", cutoff_label="Nhóm {n}",
                              title="Xếp hạng")
    big = charts.for_projector(fig, factor=1.5)
    assert big.layout.yaxis.tickfont.size == pytest.approx(1.5 * fig.layout.yaxis.tickfont.size)  # set by the builder
    assert big.layout.xaxis.tickfont.size >= 21 and big.layout.font.size == pytest.approx(21)
    assert [a.font.size for a in big.layout.annotations] == [1.5 * a.font.size for a in fig.layout.annotations]
    assert big.layout.height > fig.layout.height
    assert fig.layout.yaxis.tickfont.size == 12  # the builder's figure is left as it was
    series = pd.DataFrame({"series": "focus", "code": ["1", "2", "3"], "value": [0.5, 0.6, 0.7],
                           "points": [1, 2, 3], "max_points": [2, 4, 6]})
    radar = charts.radar(series, {"1": "a", "2": "b", "3": "c"}, {"focus": "F"})
    big_radar = charts.for_projector(radar)
    assert big_radar.layout.polar.angularaxis.tickfont.size > radar.layout.polar.angularaxis.tickfont.size
    assert big_radar.data[0].line.width > radar.data[0].line.width


def test_radar_labels_are_wrapped_not_cut():
    label = "Tỷ lệ người dân từ 15 tuổi trở lên có tài khoản giao dịch thanh toán tại ngân hàng hoặc tổ chức được phép khác"
    wrapped = charts.wrap_label(label, width=20)
    assert "…" not in wrapped and wrapped.replace("<br>", " ") == label


def test_vietnamese_csv_and_numeric_excel():
    frame = pd.DataFrame({"Tỉnh, thành phố": ["Hà Nội", "Gia Lai"], "Tổng điểm": [1234.5, 673.64],
                          "Giá trị (0–1)": [0.8123, 0.6736], "Hạng": pd.array([1, 27], dtype="Int64")})
    csv = tables.to_csv_bytes(frame, "vi")
    assert csv.startswith("\ufeff".encode())  # BOM: Excel reads UTF-8
    text = csv.decode("utf-8-sig").splitlines()
    assert text[0] == "Tỉnh, thành phố;Tổng điểm;Giá trị (0–1);Hạng"
    assert text[1] == "Hà Nội;1234,5;0,8123;1" and text[2] == "Gia Lai;673,64;0,6736;27"
    assert pd.read_csv(io.BytesIO(csv), sep=";", decimal=",", encoding="utf-8-sig")["Tổng điểm"].tolist() == [1234.5, 673.64]
    ws = openpyxl.load_workbook(io.BytesIO(tables.to_excel_bytes(frame))).active
    assert ws["B2"].value == 1234.5 and ws["B2"].number_format == "#,##0.00"
    assert ws["C3"].value == pytest.approx(0.6736) and ws["C3"].number_format == "0.0000"
    assert ws["D3"].value == 27


def test_focus_row_is_highlighted_in_the_ranking_table():
    frame = pd.DataFrame({"Hạng": [1, 2], "Tỉnh, thành phố": ["Hà Nội", "Gia Lai"]})
    html = tables.focus_rows(frame, "Tỉnh, thành phố", "Gia Lai").to_html()
    styled = [line for line in html.splitlines() if "#fde2e2" in line]
    assert styled and "background-color: #fde2e2" in html
    ctx_rows = tables.focus_rows(frame, "Tỉnh, thành phố", "Gia Lai")._compute().ctx  # noqa: SLF001
    assert {r for r, _ in ctx_rows} == {1}  # only the focus row
