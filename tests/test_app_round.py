"""The appraisal round's pages (issue 12), per role: the editor opens a round and follows it, a unit fills
and submits only its own form, a council member appraises only the criteria assigned to them, a reader sees
the sign-in hints. Plus the pure helpers the pages show through (dashboard/round_view.py)."""
import storage.inputs
import storage.appraisal
import math

import pandas as pd
import pytest

from dashboard import round_view as rv


# --- pure helpers ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, vi, en", [
    (12.0, "12", "12"), (0.5, "0,5", "0.5"), (1234.25, "1.234,25", "1,234.25"), (None, "", ""),
    (float("nan"), "", ""), (0.0, "0", "0"), (2 / 3, "0,6667", "0.6667"),
])
def test_number_text(value, vi, en):
    assert rv.number_text(value, "vi") == vi and rv.number_text(value, "en") == en


@pytest.mark.parametrize("stored, shown", [
    (pd.Timestamp("2026-12-15 16:59:59"), "15/12/2026 23:59"),   # naive UTC → Vietnam time
    (pd.Timestamp("2026-12-15 17:00:00"), "16/12/2026 00:00"),
    (None, "—"), (pd.NaT, "—"),
])
def test_stamp_in_vietnam_time(stored, shown):
    assert rv.stamp(stored) == shown


def _commune_form(values: dict) -> tuple[object, pd.DataFrame]:
    from scoring import load_framework

    fw = load_framework("hue_units").for_level("commune")
    rows = [{"code": leaf.code, "variable": v.name, "value": values.get((leaf.code, v.name)), "not_applicable": False}
            for leaf in fw.leaves for v in leaf.variables]
    return fw, pd.DataFrame(rows)


@pytest.mark.parametrize("values, typed, expected", [
    ({("I.1", "item1"): 1.0}, None, {"I.1": 5.0}),
    ({("I.1", "item1"): 0.0}, {("I.1", "item1"): 1.0}, {"I.1": 5.0}),     # typed, not saved yet, counts
    ({("I.2", "item1"): 1.0, ("I.2", "item2"): 0.0}, None, {"I.2": 5.0}),  # 0,5 × 10
    ({("I.4", "a"): 30.0}, None, {"I.4": 24.0}),                           # 2 per item, capped at 24
    ({("I.4", "a"): 3.0}, {("I.4", "a"): None}, {}),                       # cleared: no points
])
def test_points_now_by_the_engine(values, typed, expected):
    fw, form = _commune_form(values)
    pts = rv.points_now(fw, form, "Phường Thuận Hóa", 2026, typed)
    for code, points in expected.items():
        assert pts[code] == pytest.approx(points)
    if not expected:
        assert pts == {} or all(math.isnan(v) for v in pts.values())
    else:
        assert math.isnan(pts["I.3"])  # a criterion not entered has no points


@pytest.mark.parametrize("points, expected", [({}, None), ({"I.1": 5.0, "I.2": float("nan"), "total": float("nan")}, 5.0),
                                              ({"I.1": 5.0, "I.4": 24.0}, 29.0)])
def test_points_so_far_sums_the_entered_criteria(points, expected):
    from scoring import load_framework

    assert rv.points_so_far(load_framework("hue_units").for_level("commune"), points) == expected


@pytest.mark.parametrize("rows, changed, words", [
    ([("a", "Số tin bài", 12.0, False, 8.0, False)], True, "Số tin bài: 12 → 8"),
    ([("a", "Số tin bài", 12.0, False, 12.0, False)], False, ""),
    ([("a", "", 0.5, False, None, True), ("b", "Tổng số", 10.0, False, 10.0, False)], True, "a: 0,5 → không áp dụng"),
])
def test_decision_words(rows, changed, words):
    part = pd.DataFrame(rows, columns=["variable", "meaning_vi", "value", "not_applicable", "decided_value",
                                       "decided_na"])
    assert rv.decision_words(part, "vi") == (changed, words)


@pytest.mark.parametrize("shown, current, expected", [
    (["A (hd-a)", "B (hd-b)"], {"I.1": "hd-a", "I.2": "hd-b"}, {}),                       # nothing changed
    (["B (hd-b)", "B (hd-b)"], {"I.1": "hd-a", "I.2": "hd-b"}, {"I.1": "hd-b"}),          # reassigned
    (["— chưa giao —", "B (hd-b)"], {"I.1": "hd-a", "I.2": "hd-b"}, {"I.1": None}),      # unassigned
    (["A (hd-a)", "— chưa giao —"], {}, {"I.1": "hd-a"}),                                # first assignment
])
def test_assignment_changes(shown, current, expected):
    members = {"hd-a": "A (hd-a)", "hd-b": "B (hd-b)"}
    assert rv.assignment_changes(["I.1", "I.2"], shown, members, current) == expected


def test_criteria_groups_cover_every_leaf_once():
    from scoring import load_framework

    fw = load_framework("hue_units").for_level("commune")
    groups = rv.criteria(fw)
    assert [g for g, _, _ in groups] == [m.code for m in fw.main_indices()]
    codes = [c for _, _, cs in groups for c in cs]
    assert sorted(codes) == sorted(leaf.code for leaf in fw.leaves) and len(codes) == len(set(codes))


def test_gap_table_words_and_numbers():
    gap = pd.DataFrame({"unit": ["Phường A", "Phường A"], "code": ["I.4", "VI.6"], "name": ["Bản tin", "Hội đồng"],
                        "scored_by": ["unit", "council"], "appraiser": ["Nguyễn Văn A", "Trần Thị B"],
                        "self_points": [24.0, None], "appraised_points": [12.5, 3.0], "difference": [-11.5, None],
                        "reason": ["=thiếu minh chứng", None]})
    shown = rv.gap_table(gap, "vi")
    assert list(shown.columns) == ["Đơn vị", "Mã", "Tiêu chí", "Ai chấm", "Người thẩm định", "Điểm tự đánh giá",
                                   "Điểm thẩm định", "Chênh lệch", "Lý do"]
    assert shown.iloc[0].tolist()[3:8] == ["Đơn vị tự chấm", "Nguyễn Văn A", "24,00", "12,50", "-11,50"]
    assert shown.iloc[1].tolist()[3:8] == ["Hội đồng chấm (đơn vị không tự chấm)", "Trần Thị B", "—", "3,00", "—"]
    assert rv.gap_table(gap, "en").iloc[1, 3] == "The council (the unit does not score it)"
    numeric = rv.gap_table(gap, "vi", numeric=True)
    assert numeric["Chênh lệch"].dtype == float and numeric["Chênh lệch"].isna().tolist() == [False, True]
    assert numeric["Ai chấm"].tolist() == ["Đơn vị tự chấm", "Hội đồng chấm (đơn vị không tự chấm)"]
    from dashboard.tables import to_csv_bytes

    assert "'=thiếu minh chứng" in to_csv_bytes(numeric, "vi").decode("utf-8-sig")  # neutralised formula


@pytest.mark.parametrize("by, difference, kept", [
    (["unit", "unit"], [0.0, -1.0], ["K2"]),                 # only the changed one
    (["unit", "council"], [0.0, None], ["K2"]),              # the council's own criterion: nothing to compare, shown
    (["unit", "automatic"], [None, None], ["K2"]),           # an undecided unit criterion is not shown
    (None, [0.0, 2.0], ["K2"]),                              # an older table without scored_by
])
def test_gap_rows_to_review(by, difference, kept):
    gap = pd.DataFrame({"code": ["K1", "K2"], "difference": difference})
    if by is not None:
        gap["scored_by"] = by
    assert rv.gap_rows_to_review(gap)["code"].tolist() == kept


# --- the pages, per role (AppTest through app.py) ---------------------------------------------------------

from datetime import date, timedelta  # noqa: E402

from tests.helpers import app_session, editor_secrets  # noqa: E402
from office import self_assessment  # noqa: E402
from office import round_faults  # noqa: E402
from office import round_accounts  # noqa: E402
from office import council  # noqa: E402

EDITOR = {"name": "Kiểm thử", "role": "editor", "account": None, "unit": None}
PROVINCE, LEVEL, YEAR = "Huế", "commune", 2026
A, B, C = "Phường Thuận Hóa", "Phường Phú Xuân", "Xã Phú Vang"
M1, M2 = "Trần Thị Hội Đồng", "Lê Văn Thẩm Định"


def go(at, page):
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at) -> str:
    from tests.test_vietnamese_screens import node_texts

    out: list[str] = []
    node_texts(at._tree, out)  # noqa: SLF001
    return "\n".join(out)


def sample_values(store) -> pd.DataFrame:
    """A complete, valid set of commune values (the SAMPLE figures of one commune)."""
    df = storage.inputs.current_inputs(store, "hue_units", f"{LEVEL}@{PROVINCE}", "self", "sample")
    from office import appraisal as ap
    from office import self_assessment
    from office import round_rules
    from office import round_faults
    from office import round_accounts
    from office import council
    from scoring import load_framework

    ours = round_rules.unit_codes(load_framework("hue_units").for_level(LEVEL))   # not the council's criteria
    df = df.loc[(df["entity"] == A) & (df["year"] == df["year"].max()) & df["indicator"].isin(ours),
                ["indicator", "variable", "value", "not_applicable"]]
    return df.reset_index(drop=True)


def make_round(store) -> dict:
    """A round on three SAMPLE communes of Huế with accounts for A, B and two council members, the criteria
    split between them; B has submitted a complete form."""
    from office import appraisal as ap
    from scoring import load_framework

    fw = load_framework("hue_units")
    rid = ap.open_round(store, fw, PROVINCE, LEVEL, YEAR, date.today() + timedelta(days=10), "Vòng thử", [A, B, C],
                        True, EDITOR)
    issued = round_accounts.issue_accounts(store, PROVINCE, [{"role": "unit", "unit": A}, {"role": "unit", "unit": B},
                                                 {"role": "council", "display_name": M1},
                                                 {"role": "council", "display_name": M2}], EDITOR)
    logins = dict(zip(issued["display_name"], issued["account"]))
    passwords = dict(zip(issued["display_name"], issued["password"]))
    actors = {n: round_accounts.authenticate(store, r.account, r.password) for n, r in zip(issued["display_name"],
                                                                                issued.itertuples())}
    codes = [leaf.code for leaf in fw.for_level(LEVEL).leaves]
    mine = codes[: len(codes) // 2]
    council.assign(store, rid, {c: logins[M1] if c in mine else logins[M2] for c in codes}, EDITOR)
    values = sample_values(store)
    self_assessment.save_draft(store, fw, rid, B, values, actors[B])
    self_assessment.submit(store, fw, rid, B, actors[B])
    v = values.groupby("indicator")["value"].min()
    lowered = next(c for c in mine if v.get(c, 0) > 0)  # a criterion of M1 that B answered above zero
    return {"rid": rid, "logins": logins, "passwords": passwords, "actors": actors, "m1_codes": mine, "codes": codes, "values": values,
            "fw": fw, "lowered": lowered}


@pytest.fixture()
def app(tmp_path, monkeypatch):
    """The app with an editor configured (nobody signed in yet) and, in the store, a round (make_round)."""
    def prepare(at):
        at.secrets["dti_studio"] = editor_secrets("Kiểm thử")

    for at in app_session(tmp_path, monkeypatch, prepare=prepare):
        from dashboard import data

        at.round = make_round(data.store())
        yield at


def sign_in(at, who: str | None):
    """Who uses the session: 'editor', an account's display name, or None (a reader)."""
    for key in ("_editor", "_account"):
        if key in at.session_state:
            del at.session_state[key]
    if who == "editor":
        at.session_state["_editor"] = "Kiểm thử"
    elif who:
        at.session_state["_account"] = {"account": at.round["logins"][who]}
    return at


def test_reader_sees_progress_and_sign_in_hints(app):
    at = sign_in(app, None)
    go(at, "pages/round.py")
    assert at.title[0].value == "Vòng đánh giá"
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Đơn vị"], metrics["Đã nộp"], metrics["Chưa nộp"]) == ("3", "1", "2")
    assert not at.tabs  # no editor's work
    assert any("dành cho cán bộ Sở/Văn phòng" in c.value for c in at.caption)
    go(at, "pages/self_assessment.py")
    assert any("dành cho đơn vị tham gia" in i.value for i in at.info)
    go(at, "pages/appraisal.py")
    assert any("dành cho thành viên Hội đồng" in i.value for i in at.info)


def test_editor_opens_a_round_issues_accounts_and_follows_it(app):
    from dashboard import data
    from office import appraisal as ap

    at = sign_in(app, "editor")
    at.sidebar.selectbox(key="w_level").set_value("commune").run()
    at.sidebar.selectbox(key="w_framework_id").set_value("hue_units").run()
    go(at, "pages/round.py")
    assert any("Biên tập viên: Kiểm thử" in c.value for c in at.sidebar.caption)
    at.date_input(key="rd_deadline").set_value(date.today() + timedelta(days=5))
    at.text_input(key="rd_label").set_value("Đánh giá năm 2026")
    at.multiselect(key="rd_left_out").set_value([C]).run()
    at.button(key="rd_open").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Đã mở vòng đánh giá số" in s.value for s in at.success)
    rid = at.session_state["rd_round"]
    info = ap.round_info(data.store(), rid)
    assert C not in info["units"] and A in info["units"] and info["label"] == "Đánh giá năm 2026"
    # the group has only SAMPLE data, the sidebar shows it; the new round is still the province's own
    assert info["dataset"] == "own" and at.radio(key="rd_dataset").value == "own"
    assert {m.label: m.value for m in at.metric}["Đơn vị"] == str(len(info["units"]))
    table = at.dataframe[0].value
    assert set(table["Tình trạng"]) == {"Chưa nhập"} and len(table) == len(info["units"])
    # accounts: the round's units without one (A and B have theirs) and a council member, passwords once
    at.text_area(key="rd_issue_members").set_value("Phạm Thị Mới; moi@hue.gov.vn").run()
    assert A not in at.multiselect(key=f"rd_issue_units_{rid}").value
    at.button(key="rd_issue").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Tải danh sách mật khẩu ngay" in w.value for w in at.warning)
    blob = at.session_state["rd_passwords"][1]
    import io

    sheet = pd.read_excel(io.BytesIO(blob), sheet_name="Danh sách tài khoản")
    assert list(sheet.columns) == ["STT", "Vai trò", "Vòng đánh giá", "Đơn vị/Thành viên", "Tên đăng nhập", "Mật khẩu",
                                   "Địa chỉ đăng nhập", "Các bước đầu tiên"]
    assert "Phạm Thị Mới" in set(sheet["Đơn vị/Thành viên"]) and sheet["Mật khẩu"].str.len().min() >= 12
    row = sheet.loc[sheet["Đơn vị/Thành viên"] == "Phạm Thị Mới"].iloc[0]
    assert row["Vai trò"] == "Thành viên Hội đồng thẩm định" and "Đánh giá năm 2026" in row["Vòng đánh giá"]
    assert "Thẩm định" in row["Các bước đầu tiên"]
    new = round_accounts.accounts(data.store(), PROVINCE)
    assert "Phạm Thị Mới" in set(new["display_name"]) and "pw_hash" not in new.columns
    at.button(key="rd_pw_forget").click().run()
    assert "rd_passwords" not in at.session_state
    # nothing submitted, deadline ahead: the counts are shown and closing needs the typed confirmation
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Đơn vị có phiếu đã nộp"], metrics["Chưa nộp phiếu"]) == (f"0/{len(info['units'])}", str(len(info["units"])))
    assert at.button(key="rd_close").disabled
    at.text_input(key=f"rd_close_confirm_{rid}").set_value("đóng").run()
    assert at.button(key="rd_close").disabled and ap.round_info(data.store(), rid)["status"] != "closed"
    with pytest.raises(round_faults.CloseNotConfirmed):  # the service refuses it too
        ap.close_round(data.store(), data.framework("hue_units"), rid, EDITOR, confirm="")
    at.text_input(key=f"rd_close_confirm_{rid}").set_value("kết thúc").run()
    at.button(key="rd_close").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert ap.round_info(data.store(), rid)["status"] == "closed"
    assert any("Đã kết thúc vòng" in s.value for s in at.success)
    assert not at.tabs  # a closed round is read-only
    picked = at.selectbox(key="rd_round")
    assert any("đã kết thúc" in o for o in picked.options if "Đánh giá năm 2026" in o)  # the picker at once


def test_editor_reopens_a_unit_and_closes_with_the_gap_table(app):
    from dashboard import data
    from office import appraisal as ap

    r = app.round
    store = data.store()
    # M1 lowers one of B's criteria to zero; the rest stays undecided
    code = r["lowered"]
    q = council.queue(store, r["fw"], r["rid"], r["actors"][M1])
    rows = q.loc[(q["unit"] == B) & (q["code"] == code)]
    council.decide(store, r["fw"], r["rid"], B, code, {v: 0.0 for v in rows["variable"]}, "Không có minh chứng",
              r["actors"][M1])
    # the criteria the council itself scores (no self value to keep) are scored by their members
    for member in (M1, M2):
        mq = council.queue(store, r["fw"], r["rid"], r["actors"][member])
        own = mq.loc[(mq["unit"] == B) & (mq["scored_by"] != "unit")]
        for c, g in own.groupby("code"):
            council.decide(store, r["fw"], r["rid"], B, c, {v: 1.0 for v in g["variable"]}, "Hội đồng chấm",
                           r["actors"][member])
    at = sign_in(app, "editor")
    go(at, "pages/round.py")
    at.selectbox(key="rd_round").set_value(r["rid"]).run()
    at.selectbox(key="rd_reopen_unit").set_value(B)
    at.date_input(key="rd_reopen_until").set_value(date.today() + timedelta(days=20))
    at.text_input(key="rd_reopen_reason").set_value("Đơn vị đề nghị bổ sung")
    at.button(key="rd_reopen").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Đã mở lại phiếu" in s.value for s in at.success)
    events = storage.appraisal.appraisal_history(store, "appraisal_events", r["rid"])
    assert events.loc[events["event"] == "reopen", "reason"].tolist() == ["Đơn vị đề nghị bổ sung"]
    assert ap.unit_status(store, r["rid"]).set_index("unit").at[B, "status"] == "draft"
    log = next(d.value for d in at.dataframe if "Sự kiện" in d.value.columns)
    reopened = log.loc[log["Sự kiện"] == "Mở lại phiếu"].iloc[0]
    assert (reopened["Đơn vị"], reopened["Người thực hiện"], reopened["Lý do"]) == (B, "Kiểm thử",
                                                                                 "Đơn vị đề nghị bổ sung")
    self_assessment.submit(store, r["fw"], r["rid"], B, r["actors"][B])  # B submits again
    at.run()
    # before closing: the same gap table shows the council's change, for review
    preview = next(d.value for d in at.dataframe if "Chênh lệch" in d.value.columns)
    assert any("Xem trước chênh lệch" in h.value for h in at.subheader)
    assert preview.loc[preview["Mã"] == code, "Lý do"].tolist() == ["Không có minh chứng"]
    council_rows = preview.loc[preview["Ai chấm"] == "Hội đồng chấm (đơn vị không tự chấm)"]
    assert len(council_rows) and set(council_rows["Đơn vị"]) == {B} and set(council_rows["Lý do"]) == {"Hội đồng chấm"}
    assert set(council_rows["Điểm tự đánh giá"]) == {"—"} and set(council_rows["Chênh lệch"]) == {"—"}
    # undecided criteria: closing is refused unless the self values are kept for them
    at.text_input(key=f"rd_close_confirm_{r['rid']}").set_value("Vòng thử").run()  # before the deadline: typed
    at.button(key="rd_close").click().run()
    assert any("chưa được thẩm định" in e.value or "chưa thẩm định" in e.value for e in at.error)
    assert ap.round_info(store, r["rid"])["status"] != "closed"
    at.checkbox(key="rd_keep_self").check().run()
    at.button(key="rd_close").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert ap.round_info(store, r["rid"])["status"] == "closed"
    gap = next(d.value for d in at.dataframe if "Chênh lệch" in d.value.columns)
    assert list(gap.columns) == ["Đơn vị", "Mã", "Tiêu chí", "Ai chấm", "Người thẩm định", "Điểm tự đánh giá",
                                 "Điểm thẩm định", "Chênh lệch", "Lý do"]
    after = gap.loc[gap["Ai chấm"] == "Hội đồng chấm (đơn vị không tự chấm)"]   # after close too
    assert set(after["Mã"]) == set(council_rows["Mã"]) and set(after["Chênh lệch"]) == {"—"}
    row = gap.loc[gap["Mã"] == code].iloc[0]
    assert (row["Đơn vị"], row["Người thẩm định"], row["Lý do"]) == (B, M1, "Không có minh chứng")
    assert row["Chênh lệch"].startswith("-") and "," in row["Chênh lệch"]
    # the ranking of the level now has B's appraised figures
    appraised = storage.inputs.current_inputs(store, "hue_units", f"{LEVEL}@{PROVINCE}", "appraised", "own")
    assert set(appraised["entity"]) == {B}
    # honest results: the round and basis named, coverage stated, no rank or top-N on 1 of 20 communes
    at.sidebar.selectbox(key="w_level").set_value("commune").run()
    at.sidebar.selectbox(key="w_framework_id").set_value("hue_units").run()
    at.sidebar.radio(key="w_basis").set_value("appraised").run()
    at.sidebar.radio(key="w_dataset").set_value("own").run()
    at.sidebar.selectbox(key="w_year").set_value(str(YEAR)).run()
    go(at, "pages/units.py")
    shown = texts(at)
    assert "1/20 xã, phường có số liệu thẩm định" in shown and "Kết quả thẩm định — Số" in shown
    assert "tự đánh giá, nhập tại trang Dữ liệu" not in shown and "kết quả thẩm định" in shown
    assert {m.label: m.value for m in at.metric}["Xếp hạng"] == "—"
    go(at, "pages/overview.py")
    shown = texts(at)
    assert "1/20 xã, phường" in shown and "dẫn đầu." not in shown and "Xếp hạng 1/1" not in shown
    assert {m.label: m.value for m in at.metric}["Xếp hạng"] == "—"


def test_unit_fills_saves_and_submits_only_its_own_form(app):
    from dashboard import data
    from office import appraisal as ap

    r = app.round
    store = data.store()
    # A has entered everything but I.1 beforehand
    values = r["values"].loc[r["values"]["indicator"] != "I.1"]
    self_assessment.save_draft(store, r["fw"], r["rid"], A, values, r["actors"][A])
    at = sign_in(app, A)
    go(at, "pages/self_assessment.py")
    assert at.title[0].value == "Phiếu tự đánh giá"
    assert any("Đơn vị: Phường Thuận Hóa" in c.value for c in at.sidebar.caption)
    assert not [s for s in at.selectbox if str(s.key).startswith("sa_unit")]  # no choice of unit
    shown = texts(at)
    assert B not in shown and C not in shown  # nothing of another unit
    assert any("đang ở dạng nháp" in i.value for i in at.info)
    box = at.selectbox(key=f"sa_{r['rid']}_{A}_I.1_item1")
    box.set_value("1").run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Tiêu chí đã nhập"] == "35/35"   # 40 less the 5 the council or a source scores
    at.text_area(key=f"sa_{r['rid']}_{A}_I.1_ex").set_value("Quyết định số 12/QĐ-UBND").run()
    at.button(key="sa_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Đã lưu phiếu (1 tiêu chí thay đổi)" in s.value for s in at.success)
    form = self_assessment.form(store, r["fw"], r["rid"], A, r["actors"][A])
    assert form.loc[form["code"] == "I.1", "value"].tolist() == [1.0]
    assert form.loc[form["code"] == "I.1", "explanation"].iloc[0] == "Quyết định số 12/QĐ-UBND"
    at.button(key="sa_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert ap.unit_status(store, r["rid"]).set_index("unit").at[A, "status"] == "submitted"
    assert any("Đã nộp phiếu lúc" in s.value for s in at.success)
    assert at.button(key="sa_save").disabled and not at.button(key="sa_withdraw").disabled
    at.button(key="sa_withdraw").click().run()
    assert ap.unit_status(store, r["rid"]).set_index("unit").at[A, "status"] == "withdrawn"
    # the service refuses another unit's form to this account, whatever the page asks
    with pytest.raises(round_faults.NotYourUnit):
        self_assessment.form(store, r["fw"], r["rid"], B, r["actors"][A])


def test_unit_attaches_evidence_and_sees_the_decision(app):
    from dashboard import data
    from office import appraisal as ap

    r = app.round
    store = data.store()
    code = r["lowered"]
    q = council.queue(store, r["fw"], r["rid"], r["actors"][M1])
    rows = q.loc[(q["unit"] == B) & (q["code"] == code)]
    council.decide(store, r["fw"], r["rid"], B, code, {v: 0.0 for v in rows["variable"]}, "**Thiếu** <b>minh chứng</b>",
              r["actors"][M1])
    at = sign_in(app, B)
    go(at, "pages/self_assessment.py")
    assert any("Đã nộp phiếu lúc" in s.value for s in at.success)
    shown = texts(at)
    assert "Lý do: **Thiếu** <b>minh chứng</b>" in shown  # user text as text, never Markdown
    assert "Hội đồng điều chỉnh:" in shown and "→ 0" in shown
    table = next(d.value for d in at.dataframe if "Điểm thẩm định" in d.value.columns).set_index("Mã")
    assert table.at[code, "Điểm thẩm định"] == "0,00" and table.at[code, "Điểm hiện tại"] != "0,00"
    marked = [e.label for e in at.expander if "Hội đồng đã điều chỉnh" in (e.label or "")]
    assert [m.split(".")[0] + "." + m.split(".")[1] for m in marked] == [code]  # only the changed criterion
    at.button(key=f"sa_{r['rid']}_{B}_{code}_reply_send")
    at.text_area(key=f"sa_{r['rid']}_{B}_{code}_reply").set_value("Đề nghị xem lại").run()
    at.button(key=f"sa_{r['rid']}_{B}_{code}_reply_send").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Giải trình đã gửi: Đề nghị xem lại" in texts(at)
    # withdraw, then attach a file
    at.button(key="sa_withdraw").click().run()
    at.selectbox(key="sa_ev_code_0").set_value("I.1")
    at.text_input(key="sa_ev_number_0").set_value("12/QĐ-UBND")
    at.file_uploader(key="sa_ev_file_0").upload("Quyết định 12.pdf", b"%PDF-1.4 minh chung", "application/pdf")
    at.run()
    at.button(key="sa_ev_add").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Đã thêm minh chứng cho tiêu chí I.1" in s.value for s in at.success)
    ev = self_assessment.evidence(store, r["rid"], B, r["actors"][B])
    assert ev["file_name"].tolist() == ["Quyết định 12.pdf"] and ev["doc_number"].tolist() == ["12/QĐ-UBND"]


def test_council_member_decides_an_assigned_row_only(app):
    from dashboard import data
    from office import appraisal as ap

    r = app.round
    store = data.store()
    at = sign_in(app, M1)
    go(at, "pages/appraisal.py")
    assert at.title[0].value == "Thẩm định"
    assert any("Thành viên Hội đồng thẩm định: Trần Thị Hội Đồng" in c.value for c in at.sidebar.caption)
    options = at.selectbox(key="ap_code").options
    m2_codes = [c for c in r["codes"] if c not in r["m1_codes"]]
    assert not any(o.startswith(f"{c}.") for o in options for c in m2_codes)
    assert {m.label: m.value for m in at.metric}["Đơn vị × tiêu chí được giao"] == str(3 * len(r["m1_codes"]))
    at.selectbox(key="ap_unit").set_value(B).run()
    code = r["lowered"]
    node = r["fw"].nodes[code]
    key = f"ap_{r['rid']}_{B}_{code}"
    var = node.variables[0].name
    # a different value: the reason box appears only then; saving without it is refused, with words
    assert f"{key}_reason" not in [t.key for t in at.text_input]
    if any(w.key == f"{key}_{var}" for w in at.toggle):
        at.toggle(key=f"{key}_{var}").set_value(False).run()
    else:
        at.text_input(key=f"{key}_{var}").set_value("0").run()
    assert f"{key}_reason" in [t.key for t in at.text_input]
    at.button(key="ap_save_all_bottom").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("cần ghi lý do" in e.value for e in at.error), "a changed value without a reason must be refused"
    at.text_input(key=f"{key}_reason").set_value("Không có quyết định").run()
    at.button(key="ap_save_all_bottom").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Đã lưu 1 kết quả thẩm định" in s.value for s in at.success)
    q = council.queue(store, r["fw"], r["rid"], r["actors"][M1])
    row = q.loc[(q["unit"] == B) & (q["code"] == code) & (q["variable"] == var)].iloc[0]
    assert row["decided_value"] == 0.0 and row["reason"] == "Không có quyết định"
    assert {m.label: m.value for m in at.metric}["Đã thẩm định"] == "1"
    # units that have not submitted are hidden by default, and cannot be appraised yet
    at.selectbox(key="ap_unit").set_value(A).run()
    assert any("Không có dòng nào" in i.value for i in at.info)
    at.checkbox(key="ap_only_submitted").uncheck().run()
    assert at.text_input(key=f"ap_{r['rid']}_{A}_{r['m1_codes'][3]}_{r['fw'].nodes[r['m1_codes'][3]].variables[0].name}").disabled \
        if any(t.key == f"ap_{r['rid']}_{A}_{r['m1_codes'][3]}_{r['fw'].nodes[r['m1_codes'][3]].variables[0].name}"
               for t in at.text_input) else True
    # the service refuses a criterion assigned to the other member
    with pytest.raises(round_faults.NotAssigned):
        council.decide(store, r["fw"], r["rid"], B, m2_codes[0], {v.name: 0.0 for v in r["fw"].nodes[m2_codes[0]].variables},
                  "x", r["actors"][M1])


def test_council_accepts_a_filtered_selection_in_one_action(app):
    """Every undecided row the filter shows, accepted as submitted: N decisions, one transaction, no reason."""
    from dashboard import data
    from office import appraisal as ap

    r = app.round
    store = data.store()
    at = sign_in(app, M1)
    go(at, "pages/appraisal.py")
    at.selectbox(key="ap_unit").set_value(B).run()
    before = store.query("SELECT count(*) AS n FROM change_log WHERE action = 'appraisal_decide'").iloc[0, 0]
    n = len(r["m1_codes"])
    assert f"{n} dòng" in at.button(key="ap_accept_filtered").label
    at.button(key="ap_accept_filtered").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(f"Đã ghi nhận {n} kết quả" in s.value for s in at.success)
    q = council.queue(store, r["fw"], r["rid"], r["actors"][M1])
    mine = q.loc[q["unit"] == B]
    assert mine["decided_by"].notna().all() and (mine["reason"].isna() | (mine["reason"] == "")).all()
    assert (mine["decided_value"].fillna(-1) == mine["self_value"].fillna(-1)).all()
    after = store.query("SELECT count(*) AS n FROM change_log WHERE action = 'appraisal_decide'").iloc[0, 0]
    assert after - before == 1  # one transaction, one log row
    assert {m.label: m.value for m in at.metric}["Đã thẩm định"] == str(n)
    assert at.button(key="ap_accept_filtered").disabled  # nothing left to accept


def test_a_refused_accept_is_said_on_the_page(app):
    """"Chấp nhận" acts in the button's callback: a refusal of the service (the criterion was given to the other
    member after the page was drawn) is said in words on the page, nothing is written, no traceback."""
    from dashboard import data

    r = app.round
    store = data.store()
    at = sign_in(app, M1)
    go(at, "pages/appraisal.py")
    at.selectbox(key="ap_unit").set_value(B).run()
    code = r["m1_codes"][0]
    button = f"ap_{r['rid']}_{B}_{code}_accept"
    assert any(b.key == button for b in at.button)
    council.assign(store, r["rid"], {code: r["logins"][M2]}, EDITOR)
    try:
        at.button(key=button).click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert any("không được phân công cho tài khoản của bạn" in e.value for e in at.error)
        q = council.queue(store, r["fw"], r["rid"], r["actors"][M2])
        assert q.loc[(q["unit"] == B) & (q["code"] == code), "decided_by"].isna().all()
    finally:
        council.assign(store, r["rid"], {code: r["logins"][M1]}, EDITOR)


def test_council_page_size_and_yes_no_toggles(app):
    r = app.round
    at = sign_in(app, M1)
    go(at, "pages/appraisal.py")
    assert at.selectbox(key="ap_page_size").options == ["10", "25", "50", "100"]
    assert len([c for c in at.button if c.key and c.key.endswith("_accept")]) == 10
    at.selectbox(key="ap_page_size").set_value(25).run()
    shown = [c for c in at.button if c.key and c.key.endswith("_accept")]
    assert len(shown) == min(25, len(r["m1_codes"]))
    # a yes/no item is a toggle, never a number box showing "1"
    yes_no = [leaf.code for leaf in r["fw"].for_level(LEVEL).leaves if leaf.code in r["m1_codes"]
              and leaf.rule and leaf.rule.get("items")]
    assert yes_no and at.toggle
    code = yes_no[0]
    var = r["fw"].nodes[code].variables[0].name
    assert any(t.key == f"ap_{r['rid']}_{B}_{code}_{var}" for t in at.toggle)
    assert not any(t.key == f"ap_{r['rid']}_{B}_{code}_{var}" for t in at.text_input)


@pytest.mark.parametrize("who", ["editor", A, M1])
def test_round_pages_in_english_have_every_string(app, who):
    at = sign_in(app, who)
    at.sidebar.selectbox(key="w_lang").set_value("en").run()
    for page in ("pages/round.py", "pages/self_assessment.py", "pages/appraisal.py"):
        go(at, page)
        shown = texts(at)
        assert "ui." not in shown.replace("ui.nav", "")  # no catalog key shown in place of its words
    assert at.title[0].value == "Appraisal"


def test_round_strings_exist_in_both_languages():
    from dashboard.i18n import catalog

    def keys(lang):
        return {k for k in catalog(lang) if k.split(".")[1] in ("round", "selfform", "appraise", "auth")}

    assert keys("vi") == keys("en") and len(keys("vi")) > 200


_FORM = pd.DataFrame({"code": ["I.1", "I.2", "I.2"], "variable": ["item1", "item1", "item2"],
                      "value": [1.0, None, 0.0], "not_applicable": [False, False, True],
                      "explanation": ["có quyết định", None, None]})


@pytest.mark.parametrize("typed, texts, rows, changed_texts", [
    ({("I.1", "item1"): 1.0}, {"I.1": "có quyết định"}, [], {}),                      # nothing changed
    ({("I.1", "item1"): 0.0}, {}, [("I.1", "item1", 0.0, False)], {}),                  # a value changed
    ({("I.2", "item1"): None}, {}, [], {}),                                             # still empty
    ({("I.2", "item1"): "na"}, {}, [("I.2", "item1", None, True)], {}),                 # newly N/A
    ({("I.2", "item2"): 3.0}, {}, [("I.2", "item2", 3.0, False)], {}),                  # N/A → a value
    ({("I.2", "item2"): "na"}, {"I.2": "", "I.1": "khác"}, [], {"I.1": "khác"}),        # only a text changed
])
def test_form_changes_only_what_differs(typed, texts, rows, changed_texts):
    values, changed = rv.form_changes(_FORM, typed, texts)
    got = [(r.indicator, r.variable, None if pd.isna(r.value) else r.value, r.not_applicable)
           for r in values.itertuples()]
    assert got == rows and changed == changed_texts


def test_signed_in_users_see_no_sign_in_hint_meant_for_others(app):
    at = sign_in(app, A)  # a unit on the council's page: whom the page is for, not how to sign in
    go(at, "pages/appraisal.py")
    shown = " ".join(i.value for i in at.info)
    assert "dành cho Thành viên Hội đồng thẩm định" in shown and "Bạn đang đăng nhập" in shown
    assert "đăng nhập bằng tài khoản" not in shown
