"""AppTest of the data-collection page (issue 10): create a round, make the workbooks, receive one
(valid) and one (refused), see the tracker and the consolidated view; official result against it."""
import storage.collection
import io
import re
import zipfile

import openpyxl

import pandas as pd

from dashboard import fmt
from office import collection as col
from tests.test_app import app, go  # noqa: F401  (fixture)
from tests.test_collection import SAMPLE, fill, gia_lai

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def frame(at, i):
    return at.dataframe[i].value


def test_collection_page_round_trip(app):  # noqa: F811
    at = go(app, "pages/collection.py")
    assert at.title[0].value == "Thu thập số liệu"
    assert any("chưa có đợt" in i.value for i in at.info)
    at.text_input(key="col_label").set_value("Đợt 1").run()
    at.button(key="col_create").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Đã tạo đợt số" in s.value for s in at.success)
    at.button(key="col_generate").click().run()
    assert any("Đã tạo 12 phiếu" in s.value for s in at.success)
    blob = at.session_state["col_zip"][1]
    z = zipfile.ZipFile(io.BytesIO(blob))
    assert len(z.namelist()) == 12
    tracker = frame(at, 0)
    assert len(tracker) == 12 and set(tracker["Ngày gửi"]) != {"—"}

    values = gia_lai(pd.read_csv(SAMPLE, dtype={"indicator": str, "variable": str}))
    good = fill(z.read("cong_an_tinh_2025.xlsx"), values)
    at.file_uploader(key="col_upload").upload("cong_an_tinh_2025.xlsx", good, XLSX).run()
    assert at.selectbox(key="col_agency").value == "Công an tỉnh"  # read from the workbook
    at.button(key="col_receive").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Đã nhận 6 giá trị; 0 giá trị" in s.value for s in at.success)
    tracker = frame(at, 0).set_index("Cơ quan chủ trì")
    assert tracker.loc["Công an tỉnh", "Tệp gần nhất hợp lệ"] == "Có"
    assert tracker.loc["Công an tỉnh", "Số liệu còn thiếu (chỉ số)"] == "0"

    bad = fill(z.read("thue_tinh_2025.xlsx"), values, override={("5.4", "a"): "nhiều"})
    at.file_uploader(key="col_upload").upload("thue_tinh_2025.xlsx", bad, XLSX).run()
    at.button(key="col_receive").click().run()
    assert any("không ghi số liệu nào" in e.value for e in at.error)
    problems = [t.value for t in at.text if t.value.startswith("• ")]
    assert any("nhiều" in p and "Số liệu" in p and "dòng" in p and "cột E" in p for p in problems), problems
    tracker = frame(at, 0).set_index("Cơ quan chủ trì")
    assert tracker.loc["Thuế tỉnh", "Tệp gần nhất hợp lệ"] == "Không"

    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Giá trị đã nhận"] == "6/62" and metrics["Tổng điểm tự đánh giá"] == "—"
    assert any("Còn thiếu số liệu" in w.value for w in at.warning)

    # official result against the self-assessment (3.1 lost 2 points)
    cons = frame(at, 1)
    assert (cons["Tình trạng"] == "Đã nhận").sum() == 6
    at.file_uploader(key="col_off").upload("ketqua.csv", b"code,points\n3.1,0\n", "text/csv").run()
    at.button(key="col_off_save").click().run()
    saved = [s.value for s in at.success if "điểm chính thức" in s.value]
    assert saved and "1 dòng (3.1)" in saved[0] and "phiếu" not in saved[0]
    lost = at.dataframe[-1].value
    assert lost.iloc[0]["Cơ quan chủ trì"] == "Công an tỉnh"
    assert lost.iloc[0]["Điểm bị trừ"] == fmt.number(lost_points(), 2)  # the page's precision
    assert len(lost) == 1  # only the agency whose component was compared


def lost_points():
    """3.1's self-assessed points of Gia Lai's SAMPLE 2025 figures (official 0: all lost)."""
    from scoring.engine import score

    sample = pd.read_csv(SAMPLE, dtype={"indicator": str, "variable": str})
    res = score(data_fw(), sample.loc[(sample["entity"] == "Gia Lai") & (sample["year"] == 2025)])
    return float(res.scores.set_index("code")["points"]["3.1"])


def test_official_result_with_no_form_received_compares_nothing(app):  # noqa: F811
    at = go(app, "pages/collection.py")
    at.button(key="col_create").click().run()
    at.file_uploader(key="col_off").upload("ketqua.csv", "code,points\n3.1,15\n2.4,10\ntotal,600\n".encode(),
                                           "text/csv").run()
    at.button(key="col_off_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Chưa nhận phiếu nào: chưa so sánh được" in i.value for i in at.info)
    comp = at.dataframe[-1].value
    assert "Điểm bị trừ" not in comp.columns and set(comp["Điểm tự đánh giá"]) == {"—"}
    assert set(comp["Chênh lệch (chính thức − tự đánh giá)"]) == {"Chưa so sánh"}
    assert not any("0,0000" in str(v) for df in at.dataframe for v in df.value.to_numpy().ravel())
    assert not any("bị trừ" in m.value for m in at.markdown)
    # a bad official file: refused line by line; its summary does not call it a form ("phiếu")
    at.file_uploader(key="col_off").upload("sai.csv", b"code,points\n9.9,3\n3.1,abc\n", "text/csv").run()
    at.button(key="col_off_save").click().run()
    bad = [e.value for e in at.error if "kết quả chính thức" in e.value]
    assert bad and "phiếu" not in bad[0] and "chưa ghi điểm nào" in bad[0]
    lines = [t.value for t in at.text if t.value.startswith("• ")]
    assert any("dòng 2" in t and "9.9" in t for t in lines) and any("dòng 3" in t and "abc" in t for t in lines)


def test_collection_page_is_for_the_province(app):  # noqa: F811
    app.sidebar.selectbox(key="w_level").set_value("commune").run()
    at = go(app, "pages/collection.py")
    assert any("bộ chỉ số cấp tỉnh" in i.value for i in at.info)
    app.sidebar.selectbox(key="w_level").set_value("province").run()
    app.sidebar.radio(key="w_group").set_value("63").run()
    at = go(app, "pages/progress.py")
    assert any("nhóm 34 tỉnh" in i.value for i in at.info)
    assert not [b for b in at.button if b.key != "auth_logout"]  # nothing to create for units


def test_overview_flags_missing_and_unevidenced_figures_of_the_round(app):  # noqa: F811
    from dashboard import data

    store = data.store()
    fw = data.framework("dti_province_2025")
    from office import collection_round as rounds

    rid = storage.collection.create_round(store, fw.id, "Gia Lai", 2025, None, "", "Lan")
    values = gia_lai(pd.read_csv(SAMPLE, dtype={"indicator": str, "variable": str}))
    blob, names = rounds.generate(store, fw, rid, "Lan")
    book = zipfile.ZipFile(io.BytesIO(blob)).read(names["Công an tỉnh"])
    assert rounds.receive(store, fw, rid, "Công an tỉnh", fill(book, values, no_evidence={"6.1"}), "ca.xlsx").ok
    at = go(app, "pages/overview.py")
    flag = [w.value for w in at.warning if "Đợt thu thập số" in w.value]
    assert len(flag) == 1 and "còn thiếu 56 giá trị" in flag[0] and "2 giá trị chưa có minh chứng (chỉ số 6.1)" in flag[0]


def test_plan_page_two_years_and_appendix_documents(app):  # noqa: F811
    import docx
    import openpyxl

    at = go(app, "pages/plan2y.py")
    assert at.title[0].value == "Kế hoạch hai năm — Gia Lai"
    assert at.number_input(key="p2_t1").value == 20 and at.number_input(key="p2_t2").value == 15
    at.button(key="p2_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Tổng điểm hiện tại"] == "673,64"
    assert "hạng dự kiến" in str(at.metric[1].proto.delta)
    tasks = at.dataframe[0].value
    assert set(tasks["Năm"]) == {"2025", "2026"} and "Cơ quan phối hợp" in tasks.columns
    assert any("ít nỗ lực nhất" in c.value for c in at.caption)
    history = at.dataframe[-1].value
    assert history.iloc[0]["Người thực hiện"] == "Kiểm thử"  # the signed-in editor
    plan = at.session_state["p2_plan"][3]
    from reports.plan_appendix import build_docx, build_xlsx

    doc = docx.Document(io.BytesIO(build_docx(plan, "DTI", True)))
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells][:4] == ["STT", "Năm", "Mã chỉ số", "Tên chỉ số thành phần"]
    assert len(table.rows) == len(plan.actions) + 1
    assert any("DỮ LIỆU MẪU" in p.text for p in doc.paragraphs)
    ws = openpyxl.load_workbook(io.BytesIO(build_xlsx(plan, "DTI", True))).active
    codes = [ws.cell(r, 3).value for r in range(1, ws.max_row + 1)]
    assert set(plan.actions["indicator"]) <= set(codes)


def test_progress_page_update_projection_and_agency_chart(app):  # noqa: F811
    from datetime import date

    at = go(app, "pages/progress.py")
    assert at.title[0].value == "Tiến độ trong năm 2025 — Gia Lai"
    assert any("Chưa có lần cập nhật" in i.value for i in at.info)
    values = gia_lai(pd.read_csv(SAMPLE, dtype={"indicator": str, "variable": str}))
    at.selectbox(key="pg_agency").set_value("Công an tỉnh").run()
    at.date_input(key="pg_as_of").set_value(date(2025, 9, 30)).run()
    form = col.build_request_workbook(data_fw(), "Công an tỉnh", ["3.1", "3.2", "6.1"], "Gia Lai", 2025, None)
    at.file_uploader(key="pg_upload").upload("ca_q3.xlsx", fill(form, values), XLSX).run()
    at.button(key="pg_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Đã lưu 6 giá trị tính đến ngày 30/09/2025" in s.value for s in at.success)
    metrics = {m.label: m.value for m in at.metric}
    assert "Hạng dự báo" in metrics and "Khoảng hạng (80%)" in metrics
    at.selectbox(key="pg_view_agency").set_value("Công an tỉnh").run()
    table = at.dataframe[-1].value
    assert list(table["Mã"].unique()) == ["3.1", "3.2", "6.1"]
    assert set(table["Ngày cập nhật"]) == {"30/09/2025"}
    assert "Đơn vị tính" in table.columns and not set(table["Biến"]) & {"a", "b", "item1"}  # words, not ids
    people = table.loc[table["Đơn vị tính"].str.contains("người", na=False), "Dự báo cuối năm"]
    assert len(people) and all("," not in v for v in people)  # whole people: 604.800, never 604.800,00
    comps = at.dataframe[-2].value
    assert "Điểm mục tiêu" in comps.columns and "Mục tiêu" not in table.columns  # target in points, beside points
    captions = [c.value for c in at.caption]
    assert any("Tổng điểm hiện tại" in c and "Tổng điểm dự báo cuối năm" in c for c in captions)
    assert any("Xác suất vào nhóm 20" in c for c in captions)
    for c in captions:  # a sentence after a full stop starts with a capital letter
        assert not re.search(r"\. [a-zđ]", c), c
    assert "Tổng hiện tại (trang Kế hoạch)" in {m.label for m in at.metric}
    import json

    fig = json.loads(at.get("plotly_chart")[0].proto.spec)
    legend = [t.get("name") for t in fig["data"] if t.get("showlegend", True)]
    assert sorted(legend) == ["Điểm dự báo cuối năm", "Điểm mục tiêu", "Điểm đã đạt"]  # three entries, not 26
    assert len([k for k in fig["layout"] if k.startswith("yaxis")]) == 3  # one small chart per component


def test_progress_partial_update_is_accepted_and_keeps_the_rest(app):  # noqa: F811
    from datetime import date

    at = go(app, "pages/progress.py")
    agency = "Sở Khoa học và Công nghệ"
    at.selectbox(key="pg_agency").set_value(agency).run()
    at.date_input(key="pg_as_of").set_value(date(2025, 6, 30)).run()
    fw = data_fw()
    form = col.build_request_workbook(fw, agency, col.agency_leaves(fw)[agency], "Gia Lai", 2025, None)
    values = {("1.6", "item2"): 1}
    wb = openpyxl.load_workbook(io.BytesIO(form))
    ws = wb[col.DATA_SHEET]
    for r in range(col.HEADER_ROW + 1, ws.max_row + 1):
        key = (ws.cell(r, 3).value, ws.cell(r, 4).value)
        if key in values:
            ws.cell(r, col.COL["value"]).value = values[key]
    buf = io.BytesIO()
    wb.save(buf)
    at.file_uploader(key="pg_upload").upload("khcn_q2.xlsx", buf.getvalue(), XLSX).run()
    at.button(key="pg_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert any("Đã lưu 1 giá trị tính đến ngày 30/06/2025" in s.value for s in at.success)
    assert any("giữ giá trị gần nhất" in c.value for c in at.caption)
    at.selectbox(key="pg_view_agency").set_value(agency).run()
    table = at.dataframe[-1].value.set_index(["Mã", "Biến"])
    item2 = table.loc[("1.6", fw.nodes["1.6"].variables[1].meaning_vi)]
    assert item2["Ngày cập nhật"] == "30/06/2025" and item2["Giá trị gần nhất"] == "Có"
    item1 = table.loc[("1.6", fw.nodes["1.6"].variables[0].meaning_vi)]
    assert item1["Ngày cập nhật"] == "Số liệu năm 2024"  # not given: keeps its last known value


def data_fw():
    from scoring.framework import load_framework

    return load_framework("dti_province_2025")


def test_collection_and_progress_speak_vietnamese_with_a_round_in_the_store(app):  # noqa: F811
    """The scan of tests/test_vietnamese_screens.py over the office's pages holding a round with a blank,
    a conflict, an official result and in-year updates (one of them partial)."""
    from dashboard import data
    from office import collection_round as rounds
    from tests.test_vietnamese_screens import page_problems
    import storage.collection

    store, fw = data.store(), data_fw()
    values = gia_lai(pd.read_csv(SAMPLE, dtype={"indicator": str, "variable": str}))
    rid = storage.collection.create_round(store, fw.id, "Gia Lai", 2025, None, "Đợt 1", "Lan")
    blob, names = rounds.generate(store, fw, rid, "Lan")
    books = {a: zipfile.ZipFile(io.BytesIO(blob)).read(n) for a, n in names.items()}
    khcn, yte = "Sở Khoa học và Công nghệ", "Sở Y tế"
    assert rounds.receive(store, fw, rid, khcn, fill(books[khcn], values, override={("1.1", "b"): None}), "a.xlsx").ok
    assert rounds.receive(store, fw, rid, yte, fill(books[yte], values, override={("2.4", "a"): 5}), "b.xlsx").ok
    off, _ = col.parse_official(b"code,points\n3.1,10\n1.2,12\ntotal,600\n", fw)
    storage.collection.save_official_points(store, fw.id, "Gia Lai", 2025, off, file_name="kq.csv", imported_by="Lan")
    form = col.build_request_workbook(fw, "Công an tỉnh", ["3.1", "3.2", "6.1"], "Gia Lai", 2025, None)
    rounds.receive_progress(store, fw, "Gia Lai", 2025, "2025-06-30", "Công an tỉnh",
                            fill(form, values, override={("3.1", "b"): None}), "ca.xlsx", "Lan")
    at = go(app, "pages/collection.py")
    assert any("văn phòng chọn" in h.value for h in at.subheader)
    clash = next(d.value for d in at.dataframe if "Văn phòng đã chọn" in d.value.columns)
    assert set(clash["Cơ quan chủ trì"]) == {khcn, yte} and set(clash["Văn phòng đã chọn"]) == {""}
    cons = next(d.value for d in at.dataframe if "Tình trạng" in d.value.columns)
    assert "Hai cơ quan gửi khác nhau — chờ chọn" in set(cons["Tình trạng"])
    at.selectbox(key="col_clash_agency").set_value(yte).run()
    at.button(key="col_decide").click().run()
    assert not at.exception, [e.value for e in at.exception]
    clash = next(d.value for d in at.dataframe if "Văn phòng đã chọn" in d.value.columns).set_index("Cơ quan chủ trì")
    assert clash.loc[yte, "Văn phòng đã chọn"] == "Đã chọn (Kiểm thử)" and clash.loc[khcn, "Văn phòng đã chọn"] == ""
    cons = next(d.value for d in at.dataframe if "Tình trạng" in d.value.columns)
    row = cons.loc[(cons["Mã"] == "2.4") & (cons["Giá trị"] == "5")]
    assert len(row) == 1 and row.iloc[0]["Cơ quan cung cấp"] == yte and row.iloc[0]["Tình trạng"] == "Đã nhận"
    found = page_problems(app, ("collection", "progress"))
    assert found == {}, "\n".join(f"{k}: {x}" for k, v in found.items() for x in v)
