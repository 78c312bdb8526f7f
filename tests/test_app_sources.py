"""AppTest of the automatic-sources page: an editor registers a source in the form, pulls it now from a real
HTTP server on 127.0.0.1, sees the outcome, the state table and what the pull changed; a reader cannot act."""
import pytest

import storage.inputs
from tests.helpers import app_session
from tests.test_app import go, sign_in_editor
from tests.test_sources import Handler, csv_body, register, routes, server  # noqa: F401 (fixtures)


@pytest.fixture()
def app(tmp_path, monkeypatch):
    yield from app_session(tmp_path, monkeypatch, prepare=sign_in_editor)


def test_editor_registers_pulls_and_sees_the_change(app, server):
    at = go(app, "pages/sources.py")
    assert at.title[0].value == "Nguồn số liệu tự động"
    assert any("Chưa có nguồn" in i.value for i in at.info)
    field = {w.label: w for w in at.text_input}
    field["Tên nguồn"].set_value("Cổng DVC")
    field["Địa chỉ (URL) hoặc thư mục trên máy chủ"].set_value(server + "/data.csv")
    field["Đơn vị (tên trường, hoặc tên cố định)"].set_value("tinh")
    field["Năm (tên trường, hoặc năm cố định)"].set_value("nam")
    [save] = [b for b in at.button if b.label == "Lưu nguồn"]
    save.click().run()                                           # the mapping table is still empty
    assert any("Cấu hình ánh xạ" in e.value for e in at.error), [e.value for e in at.error]
    assert {w.label: w for w in at.text_input}["Tên nguồn"].value == "Cổng DVC"   # nothing typed was lost


def test_a_registered_source_is_pulled_now_and_its_change_shown(app, server):
    from dashboard import data

    register(data.store(), "Cổng DVC", server + "/data.csv")
    at = go(app, "pages/sources.py")
    frame = at.dataframe[0].value
    assert list(frame["Nguồn"]) == ["Cổng DVC"] and frame["Tình trạng"].iloc[0] == "Quá hạn"
    [pull] = [b for b in at.button if b.label == "Lấy ngay"]
    pull.click().run()
    assert not at.exception
    assert any("Cổng DVC: Đã ghi 4 giá trị thay đổi" in s.value.replace("\\", "") for s in at.success)
    frame = at.dataframe[0].value
    assert frame["Tình trạng"].iloc[0] == "Bình thường" and frame["Lấy được gần nhất"].iloc[0] != "—"
    cur = storage.inputs.current_inputs(data.store(), "dti_province_2025", "34", "self", "own")
    assert set(cur.loc[cur["indicator"] == "1.1", "flag"]) == {"automatic"}
    assert any("giá trị thay đổi" in c.value for c in at.caption)


def test_a_reader_sees_the_state_but_cannot_pull(tmp_path, monkeypatch, server):
    gen = app_session(tmp_path, monkeypatch)
    at = next(gen)
    from dashboard import data

    register(data.store(), "Cổng DVC", server + "/data.csv")
    at = go(at, "pages/sources.py")
    [pull] = [b for b in at.button if b.label == "Lấy ngay"]
    assert pull.disabled
    assert all(b.disabled for b in at.button if b.label == "Lưu nguồn")


def test_the_overview_flags_a_stale_source(app, server):
    from dashboard import data

    register(data.store(), "Cổng hỏng", server + "/error")
    at = go(app, "pages/overview.py")
    assert any("Nguồn quá hạn" in w.value and "Cổng hỏng" in w.value for w in at.warning)
