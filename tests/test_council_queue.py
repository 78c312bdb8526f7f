"""The council's queue and the round's safe endings (issue 18), through the service: accept as submitted for
many rows in one transaction, a reason only where a value changes, the council's own criteria, assignment
by group, closing with a typed confirmation, the printable accounts workbook; and the queue's pure helpers."""
import io

import pandas as pd
import pytest

from office import appraisal as ap
from office import self_assessment
from office import round_rules
from office import round_faults
from office import round_accounts
from office import council
from tests.test_appraisal import (AFTER, EDITOR, M1, M2, T0, B, A, base_values, cheap_hashes, fill_evidence,  # noqa: F401
                                  fw, rnd, store, template_db)


def submit(store, fw, r, unit, now=T0):
    self_assessment.save_draft(store, fw, r.rid, unit, r.values, r.actors[unit], now=now)
    fill_evidence(store, fw, r, unit, now)
    self_assessment.submit(store, fw, r.rid, unit, r.actors[unit], now=now)


def log_rows(store) -> int:
    return int(store.query("SELECT count(*) FROM change_log WHERE action = 'appraisal_decide'").iloc[0, 0])


def test_accept_as_submitted_writes_n_decisions_in_one_transaction(store, fw, rnd):
    r = rnd
    submit(store, fw, r, B)
    mine = [c for c in r.codes if r.member_of[c] == M1]
    before = log_rows(store)
    n = council.accept_as_submitted(store, fw, r.rid, [(B, c) for c in mine], r.actors[M1], now=T0)
    assert n == len(mine) and log_rows(store) - before == 1
    q = council.queue(store, fw, r.rid, r.actors[M1], now=T0)
    q = q.loc[q["unit"] == B]
    assert q["decided_by"].notna().all()
    assert ((q["decided_value"] == q["self_value"]) | (q["decided_na"].astype(bool) & q["self_na"])).all()
    # not the other member's criteria, not an unsubmitted unit: refused as a whole (nothing written)
    with pytest.raises(round_faults.NotAssigned):
        council.accept_as_submitted(store, fw, r.rid, [(B, c) for c in r.codes], r.actors[M1], now=T0)
    with pytest.raises(round_faults.NotSubmitted):
        council.accept_as_submitted(store, fw, r.rid, [(A, mine[0])], r.actors[M1], now=T0)
    assert log_rows(store) - before == 1
    assert council.accept_as_submitted(store, fw, r.rid, [], r.actors[M1], now=T0) == 0


def test_reason_only_where_the_value_changes(store, fw, rnd):
    r = rnd
    submit(store, fw, r, B)
    q = council.queue(store, fw, r.rid, r.actors[M1], now=T0)
    codes = [c for c, g in q.loc[q["unit"] == B].groupby("code", sort=False) if (g["self_value"] > 0).all()]
    for code, change, reason, refused in [(codes[0], False, "", False),      # the unit's value kept: no reason
                                          (codes[1], True, "", True),        # changed without a reason: refused
                                          (codes[1], True, "Không có quyết định", False)]:
        g = q.loc[(q["unit"] == B) & (q["code"] == code)]
        values = {v: (0.0 if change else float(x)) for v, x in zip(g["variable"], g["self_value"])}
        if refused:
            with pytest.raises(round_faults.ReasonRequired):
                council.decide_many(store, fw, r.rid, [(B, code, values, reason)], r.actors[M1], now=T0)
        else:
            assert council.decide_many(store, fw, r.rid, [(B, code, values, reason)], r.actors[M1], now=T0) == 1


def test_council_scored_criteria_have_no_self_value_to_accept(store, fw, rnd, monkeypatch):
    r = rnd
    submit(store, fw, r, B)
    mine = [c for c in r.codes if r.member_of[c] == M1]
    own = mine[0]
    real = round_rules.scored_by
    monkeypatch.setattr(council, "scored_by", lambda f, c: "council" if c == own else real(f, c))
    q = council.queue(store, fw, r.rid, r.actors[M1], now=T0)
    assert set(q.loc[q["code"] == own, "scored_by"]) == {"council"}
    n = council.accept_as_submitted(store, fw, r.rid, [(B, c) for c in mine], r.actors[M1], now=T0)
    assert n == len(mine) - 1                               # skipped: nothing of the unit's to accept
    g = q.loc[(q["unit"] == B) & (q["code"] == own)]
    values = {v: 0.0 for v in g["variable"]}                # the council enters it; no reason needed
    assert council.decide_many(store, fw, r.rid, [(B, own, values, "")], r.actors[M1], now=T0) == 1


def test_scored_by_reads_the_node_attribute_by_default(fw):
    view = fw.for_level("commune")
    assert {round_rules.scored_by(view, leaf.code) for leaf in view.leaves} <= {"unit", "council", "automatic"}


def test_assignment_by_group_keeps_the_history(store, fw, rnd):
    r = rnd
    group_i = council.group_assignment(fw, "commune", ["I"], r.actors[M2]["account"])
    assert group_i and all(c.startswith("I.") for c in group_i)
    assert set(group_i) == {c for c in r.codes if c.startswith("I.")}
    changed = council.assign(store, r.rid, group_i, EDITOR, now=T0)
    assert changed == sum(1 for c in group_i if r.member_of[c] == M1)
    now = council.assignments(store, r.rid).set_index("code")["account"]
    assert all(now[c] == r.actors[M2]["account"] for c in group_i)
    import storage.appraisal
    hist = storage.appraisal.appraisal_history(store, "appraisal_assignments", r.rid)
    assert len(hist) == len(r.codes) + changed              # the first assignment kept, the change added
    assert council.group_assignment(fw, "commune", [], "x") == {}
    two = council.group_assignment(fw, "commune", ["I", "II"], None)
    assert len(two) > len(group_i) and set(two.values()) == {None}


def test_close_counts_a_withdrawn_form_it_will_use_and_says_the_progress_count(store, fw, rnd):
    """A unit that submitted then withdrew: closing uses what it submitted (submitted 1), while the progress's
    "Đã nộp" counts forms submitted now (submitted_now 0) — the close tab shows both, with why."""
    r = rnd
    submit(store, fw, r, B)
    self_assessment.withdraw(store, fw, r.rid, B, r.actors[B], now=T0)
    check = ap.close_check(store, fw, r.rid, now=T0)
    assert (check["submitted"], check["submitted_now"], check["not_submitted"]) == (1, 0, 3)


def test_close_before_the_deadline_needs_the_typed_confirmation(store, fw, rnd):
    r = rnd
    submit(store, fw, r, B)
    check = ap.close_check(store, fw, r.rid, now=T0)
    assert (check["submitted"], check["not_submitted"], check["n_units"]) == (1, 3, 4)
    assert check["before_deadline"] and check["needs_confirmation"] and check["undecided"] == len(r.codes)
    for typed in ("", "ok", "kết"):
        with pytest.raises(round_faults.CloseNotConfirmed):
            ap.close_round(store, fw, r.rid, EDITOR, keep_self_for_undecided=True, now=T0, confirm=typed)
    assert ap.round_info(store, r.rid, now=T0)["status"] != "closed"
    assert ap.confirmation_ok(check, " vòng  THỬ nghiệm ") and ap.confirmation_ok(check, "kết thúc")
    # the gap table before close is the one after close (the same builder)
    q = council.queue(store, fw, r.rid, r.actors[M1], now=T0)
    code = next(c for c, g in q.loc[q["unit"] == B].groupby("code", sort=False) if (g["self_value"] > 0).all())
    g = q.loc[(q["unit"] == B) & (q["code"] == code)]
    council.decide(store, fw, r.rid, B, code, {v: 0.0 for v in g["variable"]}, "Thiếu minh chứng", r.actors[M1], now=T0)
    for member in (M1, M2):   # the council's own criteria have no self value to keep: scored first
        mq = council.queue(store, fw, r.rid, r.actors[member], now=T0)
        mq = mq.loc[(mq["unit"] == B) & (mq["scored_by"] != "unit")]
        council.decide_many(store, fw, r.rid, [(B, c, {v: 5.0 for v in g["variable"]}, "Hội đồng chấm")
                                               for c, g in mq.groupby("code", sort=False)], r.actors[member], now=T0)
    before = ap.gap(store, fw, r.rid, now=T0)
    row = before.loc[before["code"] == code].iloc[0]
    assert row["reason"] == "Thiếu minh chứng" and row["difference"] < 0
    ap.close_round(store, fw, r.rid, EDITOR, keep_self_for_undecided=True, now=T0, confirm="KẾT THÚC")
    assert ap.round_info(store, r.rid, now=T0)["status"] == "closed"
    after = ap.gap(store, fw, r.rid, now=T0)
    pd.testing.assert_frame_equal(before.reset_index(drop=True), after.reset_index(drop=True))


@pytest.mark.parametrize("check, typed, ok", [
    ({"needs_confirmation": False, "label": "Đợt 1"}, "", True),          # after the deadline, every unit in
    ({"needs_confirmation": True, "label": "Đợt 1"}, "", False),
    ({"needs_confirmation": True, "label": "Đợt 1"}, " đợt  1 ", True),
    ({"needs_confirmation": True, "label": ""}, "kết thúc", True),
    ({"needs_confirmation": True, "label": ""}, " ", False),               # an empty label is no confirmation
])
def test_confirmation_words(check, typed, ok):
    assert ap.confirmation_ok(check, typed) is ok


def test_accounts_workbook_is_printable_with_role_round_address_steps():
    import openpyxl

    issued = pd.DataFrame([{"display_name": "Phường Phú Xuân", "account": "phuong-phu-xuan", "password": "x" * 14,
                            "role": "unit", "unit": "Phường Phú Xuân"},
                           {"display_name": "Trần Thị Hội Đồng", "account": "hd-tran", "password": "y" * 14,
                            "role": "council", "unit": None}])
    blob = round_accounts.accounts_workbook(issued, "Số 3 · Xã, phường · Huế · 2026 — Đợt 1", "https://dti.hue.gov.vn")
    ws = openpyxl.load_workbook(io.BytesIO(blob)).active
    assert [c.value for c in ws[1]] == list(round_accounts.ACCOUNT_COLUMNS)
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert [r[1] for r in rows] == ["Đơn vị tham gia", "Thành viên Hội đồng thẩm định"]
    assert all(r[2].startswith("Số 3") and r[6] == "https://dti.hue.gov.vn" for r in rows)
    assert "Phiếu tự đánh giá" in rows[0][7] and "Thẩm định" in rows[1][7]
    assert ws.print_title_rows.replace("$", "") == "1:1" and ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.column_dimensions["H"].width >= 50


# -- the queue's pure helpers -----------------------------------------------------------------------------
def _queue(rows):
    return pd.DataFrame(rows, columns=["unit", "code", "variable", "self_value", "self_na", "decided_by",
                                       "decided_value", "decided_na", "stale", "can_decide", "status", "scored_by"])


Q = _queue([
    ("X", "I.1", "item1", 1.0, False, None, None, None, False, True, "submitted", "unit"),
    ("X", "I.2", "a", 3.0, False, "hd", 3.0, False, False, True, "submitted", "unit"),
    ("X", "VI.5", "a", None, False, None, None, None, False, True, "submitted", "council"),
    ("Y", "I.1", "item1", None, False, None, None, None, False, False, "draft", "unit"),
    ("X", "I.3", "a", 2.0, False, "hd", 2.0, False, True, True, "submitted", "unit"),   # stale
])


@pytest.mark.parametrize("kw, shown, accept", [
    ({}, [("X", "I.1"), ("X", "VI.5"), ("X", "I.3"), ("X", "I.2")], [("X", "I.1"), ("X", "I.3")]),
    ({"only_submitted": False}, [("X", "I.1"), ("X", "VI.5"), ("Y", "I.1"), ("X", "I.3"), ("X", "I.2")],
     [("X", "I.1"), ("X", "I.3")]),
    ({"code": "I.2"}, [("X", "I.2")], []),
    ({"only_open": True}, [("X", "I.1"), ("X", "VI.5")], [("X", "I.1")]),
    ({"only_stale": True}, [("X", "I.3")], [("X", "I.3")]),
])
def test_queue_filters_and_what_accept_takes(kw, shown, accept):
    from dashboard import round_queue as rq

    got = rq.filter_pairs(rq.pairs_of(Q), **kw)
    assert list(zip(got["unit"], got["code"])) == shown
    assert rq.to_accept(got) == accept


@pytest.mark.parametrize("code, typed, differs", [
    ("I.1", {"item1": 1.0}, False), ("I.1", {"item1": 0.0}, True), ("I.1", {"item1": "na"}, True),
    ("VI.5", {"a": 4.0}, False),           # the council's own criterion: never a reason
])
def test_differs_from_self(code, typed, differs):
    from dashboard import round_queue as rq

    rows = Q.loc[(Q["unit"] == "X") & (Q["code"] == code)]
    assert rq.differs_from_self(rows, typed) is differs


def test_total_maximum_follows_not_applicable():
    """"Tổng điểm (trên 500)" follows N/A: 490 when III.6 (10 points) is N/A."""
    from dashboard import analysis
    from scoring import load_framework, score

    view = load_framework("hue_units").for_level("commune")
    rows = []
    for leaf in view.leaves:
        for v in leaf.variables:
            rows.append({"entity": "X", "year": 2026, "indicator": leaf.code, "variable": v.name,
                         "value": float("nan") if leaf.code == "III.6" else 0.0,
                         "not_applicable": leaf.code == "III.6"})
    result = score(view, pd.DataFrame(rows), strict=False)
    ov = analysis.overview(result, "X", 2026)
    assert ov.max_points == 500 and ov.applicable_max == 490
