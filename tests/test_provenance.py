"""SAMPLE never mixes with a province's own data; year-on-year changes compare like with like and say against what."""
import storage.inputs
import io

import pandas as pd
import pytest

from dashboard import analysis
from office import imports as importer
from office.bootstrap import DEFAULT_FRAMEWORK, ensure_default_data, entity_frames, published_frame
from scoring import load_framework, score
from tests.test_app import app, go  # noqa: F401  (fixture)


def own_file(store, entities=("Gia Lai",), year=2025) -> bytes:
    """A province's own file for `year`: the values of the SAMPLE 2025 rows of `entities`, written as the
    province's own import (flag self_assessed)."""
    base = storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK, dataset="sample")
    rows = base.loc[base["entity"].isin(entities) & (base["year"] == 2025)]
    out = rows[["entity", "indicator", "variable", "value"]].assign(year=year)
    buf = io.StringIO()
    out[["entity", "year", "indicator", "variable", "value"]].to_csv(buf, index=False)
    return buf.getvalue().encode()


def baseline():
    e = entity_frames()
    return analysis.baseline_2024(published_frame(e), e.loc[e["entity_group"] == "63"].reset_index(drop=True))


def test_own_import_is_a_separate_dataset(store):
    fw = load_framework(DEFAULT_FRAMEWORK)
    assert storage.inputs.datasets(store, DEFAULT_FRAMEWORK, "34") == ["sample"]
    _, import_id = importer.import_file(store, fw, own_file(store), "gialai_2025.csv", imported_by="Kiểm thử")
    assert import_id is not None
    assert storage.inputs.datasets(store, DEFAULT_FRAMEWORK, "34") == ["own", "sample"]
    own = storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK, dataset="own")
    sample = storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK, dataset="sample")
    assert set(own["flag"]) == {"self_assessed"} and set(own["entity"]) == {"Gia Lai"} and set(own["year"]) == {2025}
    assert set(sample["flag"]) == {"sample"} and len(sample["entity"].unique()) == 34
    # The default dataset is the own one once it exists: no SAMPLE row in it.
    assert storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK).equals(own)


@pytest.mark.parametrize("entities, rank_compared", [
    (("Gia Lai",), False),                       # own data of one province: 1 ranked ≠ 34 → no rank change
    (None, True),                                # own data of all 34: rank compared with the published 31/34
])
def test_own_2025_is_compared_with_the_published_2024_result(store, entities, rank_compared):
    fw = load_framework(DEFAULT_FRAMEWORK)
    names = tuple(storage.inputs.entities(store, "34")["name"]) if entities is None else entities
    importer.import_file(store, fw, own_file(store, names), "own_2025.csv", imported_by="Kiểm thử")
    own = score(fw, storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK, dataset="own"))
    sample = score(fw, storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK, dataset="sample"))
    base = baseline()
    chg = analysis.year_change(own, "Gia Lai", 2025, "own", base)
    gl = base.set_index("entity").loc["Gia Lai"]
    assert chg.basis == "published" and chg.previous_year == 2024
    assert chg.previous_rank == 31 == int(gl["rank"]) and chg.rank_kind == "press"
    assert chg.previous_points == pytest.approx(gl["value"] * 1000) and chg.points_kind == "derived_mean"
    pts = own.total(2025).set_index("entity")["points"]["Gia Lai"]
    assert chg.points_change == pytest.approx(pts - gl["value"] * 1000)
    # Never against SAMPLE 2024:
    sample_2024 = sample.total(2024).set_index("entity")["points"]["Gia Lai"]
    assert chg.points_change != pytest.approx(pts - sample_2024)
    if rank_compared:
        rank = int(own.total(2025).set_index("entity")["rank"]["Gia Lai"])
        assert chg.rank_change == 31 - rank
    else:
        assert chg.rank_change is None


def test_sample_is_compared_with_sample_and_nothing_else_without_a_basis(store):
    fw = load_framework(DEFAULT_FRAMEWORK)
    sample = score(fw, storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK, dataset="sample"))
    chg = analysis.year_change(sample, "Gia Lai", 2025, "sample", baseline())
    assert chg.basis == "sample" and chg.previous_year == 2024 and chg.rank_change is not None
    # Own data for 2026 only: no own 2025 and no published 2025 → nothing comparable, no change.
    importer.import_file(store, fw, own_file(store, year=2026), "own_2026.csv", imported_by="Kiểm thử")
    own = score(fw, storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK, dataset="own"))
    none = analysis.year_change(own, "Gia Lai", 2026, "own", baseline())
    assert none.basis is None and none.points_change is None and none.rank_change is None


def test_sample_dataset_removed_and_recorded(store):
    n_sample = len(storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK, dataset="sample"))
    removed = storage.inputs.remove_sample(store, DEFAULT_FRAMEWORK, "34", removed_by="test")
    assert removed >= n_sample > 0
    assert storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK, dataset="sample").empty
    log = storage.inputs.import_log(store)
    assert log.loc[0, "form"] == "remove_sample" and log.loc[0, "n_rows"] == removed
    store.set_meta("bootstrap_version", "0")  # a later start reloads the default data …
    ensure_default_data(store)
    assert storage.inputs.current_inputs(store, DEFAULT_FRAMEWORK, dataset="sample").empty  # … but not the removed SAMPLE


def upload_and_commit(app, name: str, content: bytes):
    go(app, "pages/data.py")
    app.get("file_uploader")[0].upload(name, content, "text/csv")
    app.run()
    app.button(key="commit_import").click().run()
    assert not app.exception, [e.value for e in app.exception]


def test_overview_after_own_import_uses_the_published_baseline(app):
    from dashboard import data

    # Default data: SAMPLE vs SAMPLE, and it says so.
    metrics = {m.label: m for m in app.metric}
    assert metrics["Xếp hạng"].value == "27/34" and metrics["Xếp hạng"].delta
    assert any("cùng bộ số liệu (DỮ LIỆU MẪU)" in c.value for c in app.caption)
    content = own_file(data.store())
    upload_and_commit(app, "gialai_2025.csv", content)
    go(app, "pages/overview.py")
    assert app.session_state["dataset"] == "own"
    metrics = {m.label: m for m in app.metric}
    total = metrics["Tổng điểm (trên 1.000)"]
    # Rank: 1 of 1 province with own data → not compared with 31/34; points: against the published 2024 value.
    assert metrics["Xếp hạng"].value == "1/1" and not metrics["Xếp hạng"].delta
    gl = baseline().set_index("entity").loc["Gia Lai"]
    own_points = float(total.value.replace(".", "").replace(",", "."))
    expected = own_points - gl["value"] * 1000
    assert total.delta == f"{'+' if expected > 0 else '-'}{abs(expected):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    text = " ".join(c.value for c in app.caption)
    assert "kết quả đã công bố năm 2024" in text and "hạng 31/34 — Báo chí" in text
    assert "Suy ra (trung bình các tỉnh hợp thành)" in text and "Chưa so sánh hạng" in text
    # The origin stays visible and says "own data"; no SAMPLE banner on the own dataset.
    assert any("số liệu của tỉnh" in i.value for i in app.info)
    assert any(c.value.startswith("Nguồn: số liệu của tỉnh") for c in app.caption)  # under the chart too
    assert not any("DỮ LIỆU MẪU" in w.value for w in app.warning)
    # One province's own figures rank it 1 of 1: said, and no "in the top 20" claim from it.
    assert any("mới có số liệu của 1/34" in w.value for w in app.warning)
    assert not any("dẫn đầu" in s.value for s in app.success)
    # The switch to the SAMPLE dataset is there; SAMPLE is then compared with SAMPLE only.
    app.sidebar.radio(key="w_dataset").set_value("sample").run()
    assert any("DỮ LIỆU MẪU" in w.value for w in app.warning)
    assert any(c.value.startswith("Nguồn: DỮ LIỆU MẪU") for c in app.caption)
    assert {m.label: m.value for m in app.metric}["Xếp hạng"] == "27/34"
    assert any("cùng bộ số liệu (DỮ LIỆU MẪU)" in c.value for c in app.caption)


def test_same_file_is_not_written_twice_without_confirmation(app):
    from dashboard import data

    content = "entity,year,indicator,variable,value\nGia Lai,2026,1.1,a,5\nGia Lai,2026,1.1,b,10\n".encode()
    n0 = len(storage.inputs.import_log(data.store()))
    upload_and_commit(app, "tot.csv", content)
    # After a write: only the "written" state, no "nothing written yet" beside it, no second write button.
    texts = [s.value for s in app.success]
    assert any("Đã ghi lần nhập số" in t for t in texts) and not any("Chưa có gì được ghi" in t for t in texts)
    assert not [b for b in app.button if b.key == "commit_import"]
    assert len(storage.inputs.import_log(data.store())) == n0 + 1
    # The same content again (another name): a warning, the write button disabled until confirmed.
    app.get("file_uploader")[0].upload("tot_copy.csv", content, "text/csv")
    app.run()
    assert any("đã được ghi ở lần nhập số" in w.value for w in app.warning)
    assert app.button(key="commit_import").disabled
    assert len(storage.inputs.import_log(data.store())) == n0 + 1
    app.checkbox(key="confirm_duplicate").check().run()
    assert not app.button(key="commit_import").disabled
    app.button(key="commit_import").click().run()
    assert len(storage.inputs.import_log(data.store())) == n0 + 2
    assert any("Đã ghi lần nhập số" in s.value for s in app.success)


def test_data_page_removes_the_sample_dataset_after_confirmation(app):
    from dashboard import data

    go(app, "pages/data.py")
    assert app.button(key="remove_sample").disabled
    app.checkbox(key="remove_sample_confirm").check().run()
    app.button(key="remove_sample").click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("Đã xóa bộ DỮ LIỆU MẪU" in s.value for s in app.success)
    assert storage.inputs.current_inputs(data.store(), "dti_province_2025", dataset="sample").empty
    log = tables_text(app)
    assert "Xóa bộ DỮ LIỆU MẪU" in log  # recorded in the import history, in words
    go(app, "pages/overview.py")
    assert any("Chưa có số liệu đầu vào" in i.value for i in app.info)  # nothing left to score: no SAMPLE shown


def tables_text(app) -> str:
    return " ".join(" ".join(map(str, df.value.astype(str).to_numpy().ravel())) for df in app.dataframe)
