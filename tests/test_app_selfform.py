"""The unit's self-assessment form without traps (issue 18): what is typed survives a change of group until it
is saved or discarded, values are checked against their rule when typed and when saved (the reason in words
next to the box), evidence is added, edited and removed with the form emptied after each addition, a file
must be what its name says, and the council's or automatic criteria are not the unit's to enter. AppTests
through app.py (the round of tests/test_app_round.py) plus the pure helpers of dashboard/round_form.py."""
import pandas as pd
import pytest

from dashboard import round_draft as rd, round_form as rf
from scoring import load_framework
from tests.test_app_round import A, app, go, sign_in, texts  # noqa: F401  (app: the fixture)
from office import self_assessment


# --- pure helpers ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def commune():
    return load_framework("hue_units").for_level("commune")


@pytest.mark.parametrize("code, words", [
    ("I.4", "tối thiểu 12 tin bài để đạt tối đa 24 điểm"),         # 2 points a news item, cap 24
    ("I.5", "tối thiểu 24 tin bài"),
    ("I.9", "tối thiểu 5"),                                           # the gate: news bulletins sent
    ("I.1", "Đạt “đã ban hành quyết định"),
    ("III.1", "100% được 10 điểm"),
])
def test_hints_say_how_points_are_earned(commune, code, words):
    assert any(words in h for h in rf.hints(commune.nodes[code], "vi")), rf.hints(commune.nodes[code], "vi")


@pytest.mark.parametrize("problem, code, words", [
    ({"kind": "over_max", "limit": 10.0}, "VI.5", "Tối đa 10 điểm."),
    ({"kind": "part_exceeds_whole", "limit": 48.0, "whole": ["b"]}, "I.10",
     "Không lớn hơn tổng số công chức, viên chức, người lao động của cơ quan, đơn vị (48)."),
    ({"kind": "not_whole"}, "I.4", "Cần một số nguyên (đây là số đếm)."),
    ({"kind": "not_binary"}, "I.1", "Chỉ nhận Có (1) hoặc Không (0)."),
])
def test_problem_text(commune, problem, code, words):
    assert rf.problem_text(problem, commune.nodes[code], "vi") == words


def test_draft_over_the_saved_form(commune):
    form = pd.DataFrame([("I.10", "a", 10.0, False, "người", None), ("I.10", "b", 48.0, False, "người", None),
                         ("I.1", "item1", None, False, "0/1", None)],
                        columns=["code", "variable", "value", "not_applicable", "unit", "explanation"])
    draft = rd.empty_draft()
    assert rd.pending(form, draft)[2] == []
    draft["values"].update({("I.10", "a"): "60", ("I.1", "item1"): "1"})
    draft["ex"]["I.1"] = "Quyết định 12"
    rows, ex, codes = rd.pending(form, draft)
    assert codes == ["I.10", "I.1"] and ex == {"I.1": "Quyết định 12"} and len(rows) == 2
    assert [p["kind"] for p in rd.problems(commune, form, draft)] == ["part_exceeds_whole"]
    draft["values"][("I.10", "a")] = "10"                 # typed back to the saved value: no change
    assert rd.pending(form, draft)[2] == ["I.1"]
    draft["values"][("I.10", "a")] = "1.2,3"
    assert rd.typed_values(form, draft)[1] == [("I.10", "a")]


@pytest.mark.parametrize("state, expect_values, expect_na, expect_ex", [
    ({}, {}, {}, {}),                                                          # nothing drawn yet
    ({"p_I.10_a": "10", "p_I.10_b": "48", "p_I.1_ex": ""}, {}, {}, {}),        # boxes as saved: no draft
    ({"p_I.10_a": "60"}, {("I.10", "a"): "60"}, {}, {}),                      # typed: kept
    ({"p_I.1_item1": "1", "p_I.1_ex": "QĐ 12"}, {("I.1", "item1"): "1"}, {}, {"I.1": "QĐ 12"}),
    ({"p_I.10_na": True}, {}, {"I.10": True}, {}),
])
def test_sync_lays_the_boxes_into_the_draft(state, expect_values, expect_na, expect_ex):
    """The page's run and the buttons' callbacks read the boxes into the draft through this one function."""
    form = pd.DataFrame([("I.10", "a", 10.0, False, "người", None), ("I.10", "b", 48.0, False, "người", None),
                         ("I.1", "item1", None, False, "0/1", None)],
                        columns=["code", "variable", "value", "not_applicable", "unit", "explanation"])
    draft = rd.sync(form, rd.empty_draft(), "p", "vi", state)
    assert (draft["values"], draft["na"], draft["ex"]) == (expect_values, expect_na, expect_ex)
    kept = rd.sync(form, draft, "p", "vi", {"p_I.10_a": "10"})   # typed back to the saved value: still in the
    assert kept["values"].get(("I.10", "a")) == ("10" if ("I.10", "a") in expect_values else None)  # draft, as saved


# --- the page (AppTest) --------------------------------------------------------------------------------
def form_of(app):
    at = sign_in(app, A)
    return go(at, "pages/self_assessment.py")


def key(app, code, var):
    return f"sa_{app.round['rid']}_{A}_{code}_{var}"


def test_typed_values_survive_a_change_of_group_until_saved(app):
    from dashboard import data
    from office import appraisal as ap
    from office import self_assessment

    r = app.round
    at = form_of(app)
    typed = {("I.4", "a"): "7", ("I.5", "a"): "15", ("I.10", "a"): "30", ("I.10", "b"): "48", ("I.1", "item1"): "1"}
    for (code, var), x in typed.items():
        box = at.selectbox(key=key(app, code, var)) if var == "item1" else at.text_input(key=key(app, code, var))
        box.set_value(x).run()
    assert any("Có 4 thay đổi chưa lưu: I.1, I.4, I.5, I.10" in w.value for w in at.warning)
    at.selectbox(key=f"sa_group_{r['rid']}").set_value("II").run()
    assert not [t for t in at.text_input if str(t.key) == key(app, "I.4", "a")]   # group I not drawn now
    assert any("Có 4 thay đổi chưa lưu" in w.value for w in at.warning)
    at.selectbox(key=f"sa_group_{r['rid']}").set_value("I").run()
    for (code, var), x in typed.items():
        box = at.selectbox(key=key(app, code, var)) if var == "item1" else at.text_input(key=key(app, code, var))
        assert box.value == x, (code, var)
    at.button(key="sa_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Đã lưu phiếu (4 tiêu chí thay đổi)" in s.value for s in at.success)
    form = self_assessment.form(data.store(), r["fw"], r["rid"], A, r["actors"][A]).set_index(["code", "variable"])["value"]
    assert (form[("I.4", "a")], form[("I.10", "a")], form[("I.1", "item1")]) == (7.0, 30.0, 1.0)
    assert not any("thay đổi chưa lưu" in w.value for w in at.warning)


def test_typed_and_saved_in_one_click_then_nothing_to_save(app):
    """A value typed and Save clicked in the same message (a browser's blur and click; the deadline bench) is
    saved by the button's callback, in one run; a second Save with nothing changed says so."""
    from dashboard import data

    r = app.round
    at = form_of(app)
    at.text_input(key=key(app, "I.4", "a")).set_value("8")
    at.button(key="sa_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Đã lưu phiếu (1 tiêu chí thay đổi)" in s.value for s in at.success)
    form = self_assessment.form(data.store(), r["fw"], r["rid"], A, r["actors"][A]).set_index(["code", "variable"])
    assert form.loc[("I.4", "a"), "value"] == 8.0
    assert at.text_input(key=key(app, "I.4", "a")).value == "8"
    at.button(key="sa_save").click().run()
    assert any("Không có thay đổi nào để lưu" in i.value for i in at.info)


def test_part_above_its_whole_is_refused_on_save_naming_the_whole(app):
    from dashboard import data
    from office import appraisal as ap

    r = app.round
    at = form_of(app)
    at.text_input(key=key(app, "I.10", "b")).set_value("48").run()
    at.text_input(key=key(app, "I.10", "a")).set_value("60").run()
    why = "Không lớn hơn tổng số công chức, viên chức, người lao động của cơ quan, đơn vị (48)."
    assert why in texts(at)                                      # next to the box, as typed
    at.text_input(key=key(app, "I.4", "a")).set_value("12,5").run()
    assert "Cần một số nguyên (đây là số đếm)." in texts(at)
    at.button(key="sa_save").click().run()
    assert not at.exception
    assert any("Chưa lưu được" in e.value and "(48)" in e.value and "I.4" in e.value for e in at.error)
    saved = self_assessment.form(data.store(), r["fw"], r["rid"], A, r["actors"][A])
    assert saved["value"].isna().all()                         # nothing saved, nothing lost
    assert at.text_input(key=key(app, "I.10", "a")).value == "60"
    assert at.button(key="sa_submit").disabled


def test_discard_asks_first(app):
    at = form_of(app)
    at.text_input(key=key(app, "I.4", "a")).set_value("9").run()
    at.button(key="sa_discard").click().run()
    assert any("Bỏ 1 thay đổi chưa lưu (I.4)" in w.value for w in at.warning)
    at.button(key="sa_discard_no").click().run()
    assert at.text_input(key=key(app, "I.4", "a")).value == "9"
    at.button(key="sa_discard").click().run()
    at.button(key="sa_discard_yes").click().run()
    assert not at.exception
    assert at.text_input(key=key(app, "I.4", "a")).value == ""
    assert not any("thay đổi chưa lưu" in w.value for w in at.warning)


def test_councils_and_automatic_criteria_are_read_only(app):
    r = app.round
    at = form_of(app)
    at.selectbox(key=f"sa_group_{r['rid']}").set_value("VI").run()
    assert not at.exception
    keys = {str(t.key) for t in at.text_input}
    assert key(app, "VI.5", "points") not in keys and key(app, "VI.6", "points") not in keys
    assert key(app, "VI.2", "a") in keys                        # the unit's own criteria stay
    labels = [e.label for e in at.expander]
    assert any(lbl.startswith("VI.5.") and lbl.endswith("· lấy tự động") for lbl in labels)
    assert any(lbl.startswith("VI.6.") and lbl.endswith("· do Hội đồng thẩm định chấm") for lbl in labels)
    infos = [i.value for i in at.info]
    assert "Tiêu chí này lấy tự động từ số lượt đăng nhập vào nền tảng báo cáo số dùng chung (dữ liệu tự động " \
           "tổng hợp): đơn vị không nhập." in infos
    assert any(i.startswith("Tiêu chí này do Hội đồng thẩm định chấm") for i in infos)


def test_evidence_add_clears_the_form_edit_and_remove(app):
    from dashboard import data
    from office import appraisal as ap

    r = app.round
    store = data.store()
    at = form_of(app)
    at.selectbox(key="sa_ev_code_0").set_value("I.2")
    at.text_input(key="sa_ev_number_0").set_value("12/QĐ-UBND")
    at.text_input(key="sa_ev_issuer_0").set_value("UBND phường")
    at.button(key="sa_ev_add").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Đã thêm minh chứng cho tiêu chí I.2" in s.value for s in at.success)
    # emptied: a second click adds nothing, the next item inherits no number, date or issuer
    assert at.text_input(key="sa_ev_number_1").value == "" and at.text_input(key="sa_ev_issuer_1").value == ""
    assert at.date_input(key="sa_ev_date_1").value is None
    at.button(key="sa_ev_add").click().run()
    assert any("Cần ít nhất số văn bản" in e.value for e in at.error)
    assert len(self_assessment.evidence(store, r["rid"], A, r["actors"][A])) == 1
    # edit
    at.radio(key="sa_ev_mode").set_value("Sửa hoặc xóa minh chứng đã có").run()
    eid = int(self_assessment.evidence(store, r["rid"], A, r["actors"][A])["evidence_id"].iloc[0])
    assert at.text_input(key=f"sa_ev_number_1_e{eid}").value == "12/QĐ-UBND"
    at.text_input(key=f"sa_ev_number_1_e{eid}").set_value("13/QĐ-UBND").run()
    at.button(key="sa_ev_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    ev = self_assessment.evidence(store, r["rid"], A, r["actors"][A])
    assert ev["doc_number"].tolist() == ["13/QĐ-UBND"] and ev["issuer"].tolist() == ["UBND phường"]
    # remove, asked once more
    at.radio(key="sa_ev_mode").set_value("Sửa hoặc xóa minh chứng đã có").run()
    at.button(key="sa_ev_remove").click().run()
    assert any("Xóa minh chứng này của tiêu chí I.2?" in w.value for w in at.warning)
    assert len(self_assessment.evidence(store, r["rid"], A, r["actors"][A])) == 1
    at.button(key="sa_ev_remove_yes").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert self_assessment.evidence(store, r["rid"], A, r["actors"][A]).empty
    assert any("Đã xóa minh chứng của tiêu chí I.2" in s.value for s in at.success)


def test_an_executable_named_pdf_is_refused(app):
    from dashboard import data
    from office import appraisal as ap

    r = app.round
    at = form_of(app)
    at.file_uploader(key="sa_ev_file_0").upload("bao_cao.pdf", b"MZ\x90\x00\x03\x00\x00\x00 PE", "application/pdf")
    at.run()
    at.button(key="sa_ev_add").click().run()
    assert not at.exception
    assert any("không phải tệp PDF" in e.value for e in at.error)
    assert self_assessment.evidence(data.store(), r["rid"], A, r["actors"][A]).empty
