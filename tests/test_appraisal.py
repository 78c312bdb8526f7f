"""The internal appraisal round (issue 12): a full round on the SAMPLE Huế communes, every rule the service
enforces, closing in one transaction, and the pure helpers (table-driven, no database)."""
import storage.inputs
import storage.db
import storage.appraisal
import storage.accounts
import tomllib
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from office import appraisal as ap
from office import self_assessment
from office import round_rules
from office import round_faults
from office import round_checks
from office import round_accounts
from office import council
from loaders import limits
from storage.errors import EditorRequired
from storage.db import Store
from scoring import load_framework, score

ROOT = Path(__file__).resolve().parent.parent
EDITOR = {"name": "Nguyễn Văn Biên Tập", "role": "editor", "account": None, "unit": None}
PROVINCE, LEVEL, YEAR = "Huế", "commune", 2025
GROUP = f"{LEVEL}@{PROVINCE}"
DEADLINE = date(2026, 12, 15)                # ends 15/12 23:59:59 in Vietnam = 16:59:59 UTC
T0 = datetime(2026, 12, 1, 2, 0)             # UTC, before the deadline
AFTER = datetime(2026, 12, 16, 1, 0)         # UTC, after it
A, B, C, D = "Phường Thuận Hóa", "Phường Phú Xuân", "Xã Phú Vang", "Xã Nam Đông"
UNITS = [A, B, C, D]
M1, M2 = "Trần Thị Hội Đồng", "Lê Văn Thẩm Định"


@pytest.fixture(scope="module")
def fw():
    return load_framework("hue_units")


@pytest.fixture(scope="module")
def template_db(tmp_path_factory):
    """The default data (SAMPLE Huế units included) loaded once; each test works on its own copy."""
    from office.bootstrap import ensure_default_data

    path = tmp_path_factory.mktemp("template") / "template.duckdb"
    s = Store(path)
    ensure_default_data(s)
    s.close()
    return path


@pytest.fixture()
def store(template_db, tmp_path):
    import shutil

    path = tmp_path / "test.duckdb"
    shutil.copyfile(template_db, path)
    s = Store(path)
    yield s
    s.close()


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """argon2id with small costs in these tests (tests/test_auth.py checks the real parameters)."""
    from argon2 import PasswordHasher

    from office import access as editors

    monkeypatch.setattr(editors, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def base_values(store) -> pd.DataFrame:
    """One valid, complete set of commune values (the SAMPLE figures of one commune), III.1 set to 80/100."""
    df = storage.inputs.current_inputs(store, "hue_units", GROUP, "self", "sample")
    one = df.loc[(df["entity"] == A) & (df["year"] == df["year"].max()),
                 ["indicator", "variable", "value", "not_applicable"]].reset_index(drop=True)
    one.loc[(one["indicator"] == "III.1") & (one["variable"] == "a"), "value"] = 80.0
    one.loc[(one["indicator"] == "III.1") & (one["variable"] == "b"), "value"] = 100.0
    ours = round_rules.unit_codes(load_framework("hue_units").for_level(LEVEL))   # the council's criteria: not the unit's
    return one.loc[one["indicator"].isin(ours)].reset_index(drop=True)


COUNCIL_POINTS = 5.0   # what the council gives each unit on the criteria it scores itself (VI.5, VI.6, …)


def with_value(values, code, var, x):
    out = values.copy()
    out.loc[(out["indicator"] == code) & (out["variable"] == var), "value"] = x
    return out


@pytest.fixture()
def rnd(store, fw):
    rid = ap.open_round(store, fw, PROVINCE, LEVEL, YEAR, DEADLINE, "Vòng thử nghiệm", UNITS, True, EDITOR, now=T0)
    issued = round_accounts.issue_accounts(store, PROVINCE, [{"role": "unit", "unit": u} for u in UNITS]
                               + [{"role": "council", "display_name": M1}, {"role": "council", "display_name": M2}],
                               EDITOR)
    actors = {r.display_name: round_accounts.authenticate(store, r.account, r.password) for r in issued.itertuples()}
    view = fw.for_level(LEVEL)
    codes = [leaf.code for leaf in view.leaves]
    first = codes[: len(codes) // 2]
    mapping = {c: actors[M1]["account"] if c in first else actors[M2]["account"] for c in codes}
    assert council.assign(store, rid, mapping, EDITOR, now=T0) == len(codes)
    return SimpleNamespace(rid=rid, actors=actors, codes=codes, view=view, issued=issued, mapping=mapping,
                           values=base_values(store), member_of={c: (M1 if c in first else M2) for c in codes})


def fill_evidence(store, fw, r, unit, now):
    """Evidence for every criterion of the unit that needs it (a document number; one real file)."""
    crit = round_rules.criteria_table(r.view)
    need = set(crit.loc[crit["needs_evidence"], "code"])
    for i, code in enumerate(sorted(need)):
        if i == 0:
            self_assessment.add_evidence(store, r.rid, unit, code, r.actors[unit], file_name="Quyết định số 12.pdf",
                            content=b"%PDF-1.4 minh chung", now=now)
        else:
            self_assessment.add_evidence(store, r.rid, unit, code, r.actors[unit], doc_number=f"{i}/QĐ-UBND",
                            doc_date=date(2026, 3, 1), issuer="UBND", now=now)


def decide_all(store, fw, r, unit, now, changes=None):
    """Each member decides their criteria of `unit`: the self values, except `changes` {code: ({var: x}, why)}."""
    changes = changes or {}
    for member in (M1, M2):
        q = council.queue(store, fw, r.rid, r.actors[member], now=now)
        q = q.loc[q["unit"] == unit]
        batch = []
        for code, rows in q.groupby("code", sort=False):
            vals = {v: (None if na else float(x)) for v, x, na in zip(rows["variable"], rows["self_value"],
                                                                       rows["self_na"])}
            why = ""
            if r.view.nodes[code].scored_by != "unit":   # no self value: the council scores it, with its reason
                vals, why = {v: COUNCIL_POINTS for v in rows["variable"]}, "Hội đồng chấm theo dữ liệu Hue-S"
            if code in changes:
                vals.update(changes[code][0])
                why = changes[code][1]
            batch.append((unit, code, vals, why))
        assert council.decide_many(store, fw, r.rid, batch, r.actors[member], now=now) == len(batch)


def decide_council_criteria(store, fw, r, unit, now=T0):
    """The members score the criteria the council itself scores (no self value: they must be decided to close)."""
    for member in (M1, M2):
        q = council.queue(store, fw, r.rid, r.actors[member], now=now)
        q = q.loc[(q["unit"] == unit) & (q["scored_by"] != "unit")]
        batch = [(unit, code, {v: COUNCIL_POINTS for v in rows["variable"]}, "Hội đồng chấm")
                 for code, rows in q.groupby("code", sort=False)]
        if batch:
            council.decide_many(store, fw, r.rid, batch, r.actors[member], now=now)


def test_full_round(store, fw, rnd):
    r, now = rnd, T0
    # A: drafts before the deadline, misses it, is reopened, submits late.
    self_assessment.save_draft(store, fw, r.rid, A, r.values, r.actors[A], explanations={"I.1": "Đã ban hành quyết định."}, now=now)
    fill_evidence(store, fw, r, A, now)
    # B: submits, withdraws, corrects III.1 (70 → 80), submits again.
    self_assessment.save_draft(store, fw, r.rid, B, with_value(r.values, "III.1", "a", 70.0), r.actors[B], now=now)
    fill_evidence(store, fw, r, B, now)
    assert self_assessment.submit(store, fw, r.rid, B, r.actors[B], now=now + timedelta(hours=1)) == {"late": False}
    self_assessment.withdraw(store, fw, r.rid, B, r.actors[B], now=now + timedelta(hours=2))
    assert self_assessment.save_draft(store, fw, r.rid, B, r.values, r.actors[B], now=now + timedelta(hours=3)) == 1
    self_assessment.submit(store, fw, r.rid, B, r.actors[B], now=now + timedelta(hours=4))
    # C: submits without any evidence.
    self_assessment.save_draft(store, fw, r.rid, C, r.values, r.actors[C], now=now)
    self_assessment.submit(store, fw, r.rid, C, r.actors[C], now=now)
    # D never answers.
    st = ap.unit_status(store, r.rid, now=now).set_index("unit")
    assert st["status"].to_dict() == {A: "draft", B: "submitted", C: "submitted", D: "not_started"}

    with pytest.raises(round_faults.FormLocked):
        self_assessment.submit(store, fw, r.rid, A, r.actors[A], now=AFTER)
    ap.reopen(store, r.rid, A, date(2026, 12, 20), "Đơn vị báo mất điện ngày 15/12", EDITOR, now=AFTER)
    assert self_assessment.submit(store, fw, r.rid, A, r.actors[A], now=AFTER + timedelta(hours=1)) == {"late": True}

    summary, per_unit, per_member = ap.progress(store, fw, r.rid, now=AFTER + timedelta(hours=2))
    assert {k: summary[k] for k in ("n_units", "submitted", "late", "not_submitted", "missing_evidence")} == {
        "n_units": 4, "submitted": 3, "late": 1, "not_submitted": 1, "missing_evidence": 1}
    assert per_unit.set_index("unit").at[C, "missing_evidence"] > 0
    assert per_unit.set_index("unit").at[A, "missing_evidence"] == 0
    assert summary["to_decide"] == 3 * len(r.codes) and summary["decided"] == 0
    assert sorted(per_member["display_name"]) == sorted([M1, M2])

    # Each member sees only their criteria; the council lowers B's III.1 (a 80 → 60).
    owner = r.member_of["III.1"]
    q = council.queue(store, fw, r.rid, r.actors[owner], now=AFTER)
    assert set(q["code"]) == {c for c in r.codes if r.member_of[c] == owner}
    assert set(q["unit"]) == set(UNITS)
    when = AFTER + timedelta(hours=3)
    for unit in (A, C):
        decide_all(store, fw, r, unit, when)
    decide_all(store, fw, r, B, when, {"III.1": ({"a": 60.0}, "Chỉ 60 người có chứng thư số theo danh sách")})
    self_assessment.reply(store, r.rid, B, "III.1", "Đề nghị xem lại: 20 người cấp tháng 11.", r.actors[B], now=when)
    summary, _, _ = ap.progress(store, fw, r.rid, now=when)
    assert summary["decided"] == summary["to_decide"] == 3 * len(r.codes) and summary["appraised"] == 3

    g = ap.gap(store, fw, r.rid, now=when)
    row = g.loc[(g["unit"] == B) & (g["code"] == "III.1")].iloc[0]
    assert (row["self_points"], row["appraised_points"], row["difference"]) == (8.0, 6.0, -2.0)
    assert row["appraiser"] == owner and row["reason"].startswith("Chỉ 60")
    ours = round_rules.unit_codes(r.view)
    rest = g.loc[~((g["unit"] == B) & (g["code"] == "III.1"))]
    assert (rest.loc[rest["code"].isin(ours), "difference"] == 0).all()
    theirs = g.loc[~g["code"].isin(ours)]          # the council's criteria: no self points, the council's own
    assert len(theirs) and theirs["self_points"].isna().all() and (theirs["appraised_points"] == 5.0).all()
    assert theirs["difference"].isna().all() and set(theirs["scored_by"]) <= {"council", "automatic"}
    assert set(g.loc[g["code"].isin(ours), "scored_by"]) == {"unit"}

    res = ap.close_round(store, fw, r.rid, EDITOR, now=when + timedelta(hours=1))
    assert res["units_without_figures"] == [D] and res["kept_self"] == 0
    appraised = storage.inputs.current_inputs(store, "hue_units", GROUP, "appraised", "own")
    selfs = storage.inputs.current_inputs(store, "hue_units", GROUP, "self", "own")
    pick = lambda df: df.loc[(df["entity"] == B) & (df["indicator"] == "III.1") & (df["variable"] == "a"), "value"]
    assert pick(appraised).tolist() == [60.0] and pick(selfs).tolist() == [80.0]
    assert set(appraised["entity"]) == {A, B, C} and set(appraised["year"]) == {YEAR}
    info = storage.inputs.import_info(store, res["appraised_import_id"])
    assert info["flag"] == "self_assessed" and info["form"] == "appraisal_round"
    assert info["file_name"] == f"Vòng đánh giá số {r.rid} — Vòng thử nghiệm"

    def totals(df):
        s = score(r.view, df, strict=False).scores
        s = s.loc[s["code"] == "total"].set_index("entity")
        return s["points"], s["rank"]

    self_pts, self_rank = totals(selfs)
    appr_pts, appr_rank = totals(appraised)
    assert appr_pts[B] == pytest.approx(self_pts[B] - 2.0) and appr_pts[A] == self_pts[A]
    assert self_rank.to_dict() == {A: 1, B: 1, C: 1}          # identical self figures: a three-way tie
    assert appr_rank.to_dict() == {A: 1, B: 3, C: 1}          # the council's change drops B
    assert ap.round_info(store, r.rid, now=when)["status"] == "closed"
    assert ap.round_events(store, r.rid)["event"].tolist()[-1] == "close"
    assert ap.round_events(store, r.rid, A)["event"].tolist() == ["open", "reopen", "submit", "close"]


def submitted(store, fw, r, *units, now=T0):
    for u in units:
        self_assessment.save_draft(store, fw, r.rid, u, r.values, r.actors[u], now=now)
        self_assessment.submit(store, fw, r.rid, u, r.actors[u], now=now)


def test_lock_after_deadline_and_reopen_is_recorded(store, fw, rnd):
    r = rnd
    self_assessment.save_draft(store, fw, r.rid, A, r.values, r.actors[A], now=T0)
    submitted(store, fw, r, B)
    for call in (lambda: self_assessment.save_draft(store, fw, r.rid, A, r.values, r.actors[A], now=AFTER),
                 lambda: self_assessment.submit(store, fw, r.rid, A, r.actors[A], now=AFTER),
                 lambda: self_assessment.withdraw(store, fw, r.rid, B, r.actors[B], now=AFTER),
                 lambda: self_assessment.save_draft(store, fw, r.rid, B, r.values, r.actors[B], now=T0),  # submitted: locked
                 lambda: self_assessment.add_evidence(store, r.rid, A, "I.1", r.actors[A], doc_number="1", now=AFTER)):
        with pytest.raises(round_faults.FormLocked):
            call()
    assert ap.unit_status(store, r.rid, now=AFTER).set_index("unit").at[A, "status"] == "locked"
    with pytest.raises(round_faults.ReasonRequired):
        ap.reopen(store, r.rid, A, date(2026, 12, 20), "  ", EDITOR, now=AFTER)
    with pytest.raises(round_faults.BadDeadline):
        ap.reopen(store, r.rid, A, date(2026, 12, 15), "muộn", EDITOR, now=AFTER)
    with pytest.raises(EditorRequired):
        ap.reopen(store, r.rid, A, date(2026, 12, 20), "lý do", r.actors[A], now=AFTER)
    ap.reopen(store, r.rid, A, date(2026, 12, 20), "Sự cố mạng", EDITOR, now=AFTER)
    st = ap.unit_status(store, r.rid, now=AFTER).set_index("unit")
    assert st.at[A, "status"] == "draft" and st.at[A, "reopened"]
    assert st.at[A, "deadline"] == datetime(2026, 12, 20, 16, 59, 59)
    self_assessment.save_draft(store, fw, r.rid, A, with_value(r.values, "I.4", "a", 3), r.actors[A], now=AFTER)
    ev = storage.appraisal.appraisal_history(store, "appraisal_events", r.rid)
    reopen = ev.loc[ev["event"] == "reopen"].iloc[0]
    assert (reopen["unit"], reopen["actor"], reopen["reason"]) == (A, EDITOR["name"], "Sự cố mạng")
    log = storage.db.change_log(store)
    assert ((log["action"] == "appraisal_reopen") & (log["changed_by"] == EDITOR["name"])).sum() == 1
    # After the reopened deadline it locks again.
    with pytest.raises(round_faults.FormLocked):
        self_assessment.save_draft(store, fw, r.rid, A, r.values, r.actors[A], now=datetime(2026, 12, 21))


def test_a_unit_sees_and_changes_only_its_own_form(store, fw, rnd):
    r = rnd
    f = self_assessment.form(store, fw, r.rid, A, r.actors[A], now=T0)
    assert len(f) == sum(len(leaf.variables) for leaf in r.view.leaves)
    assert {"code", "name_vi", "max_points", "rule", "variable", "meaning_vi", "unit", "value", "not_applicable",
            "na_allowed", "evidence_text", "n_evidence", "explanation", "decided_value", "decided_reason",
            "decided_by", "stale", "reply", "status", "editable"} <= set(f.columns)
    assert self_assessment.form(store, fw, r.rid, A, EDITOR, now=T0)["code"].tolist() == f["code"].tolist()
    for actor in (r.actors[B], r.actors[M1], None):
        with pytest.raises(round_faults.NotYourUnit):
            self_assessment.form(store, fw, r.rid, A, actor, now=T0)
    for call in (lambda: self_assessment.save_draft(store, fw, r.rid, A, r.values, r.actors[B], now=T0),
                 lambda: self_assessment.submit(store, fw, r.rid, A, r.actors[B], now=T0),
                 lambda: self_assessment.add_evidence(store, r.rid, A, "I.1", r.actors[B], doc_number="1", now=T0),
                 lambda: self_assessment.reply(store, r.rid, A, "I.1", "x", r.actors[B], now=T0),
                 lambda: self_assessment.save_draft(store, fw, r.rid, A, r.values, EDITOR, now=T0)):
        with pytest.raises(round_faults.NotYourUnit):
            call()
    assert storage.appraisal.appraisal_history(store, "appraisal_values", r.rid).empty


def test_council_rules(store, fw, rnd):
    r = rnd
    self_assessment.save_draft(store, fw, r.rid, A, r.values, r.actors[A], now=T0)
    m1 = r.actors[M1]
    mine = next(c for c in r.codes if r.member_of[c] == M1)
    theirs = next(c for c in r.codes if r.member_of[c] == M2)
    leaf = r.view.nodes[mine]
    own = {v: float(r.values.set_index(["indicator", "variable"]).at[(mine, v), "value"])
           for v in leaf.variable_names()}
    with pytest.raises(round_faults.NotSubmitted):           # a draft is not appraised
        council.decide(store, fw, r.rid, A, mine, own, "", m1, now=T0)
    self_assessment.submit(store, fw, r.rid, A, r.actors[A], now=T0)
    with pytest.raises(round_faults.NotAssigned):
        council.decide(store, fw, r.rid, A, theirs, {v: 1.0 for v in r.view.nodes[theirs].variable_names()}, "x", m1,
                  now=T0)
    with pytest.raises(round_faults.NotAssigned):            # a unit user is not a member
        council.decide(store, fw, r.rid, A, mine, own, "", r.actors[A], now=T0)
    changed = {v: x + 1 for v, x in own.items()}
    with pytest.raises(round_faults.ReasonRequired):
        council.decide(store, fw, r.rid, A, mine, changed, "  ", m1, now=T0)
    council.decide(store, fw, r.rid, A, mine, own, "", m1, now=T0)              # unchanged: no reason needed
    with pytest.raises(round_faults.BadValue):
        council.decide(store, fw, r.rid, A, mine, {v: -1.0 for v in own}, "âm", m1, now=T0)
    with pytest.raises(round_faults.UnknownCriterion):
        council.decide(store, fw, r.rid, A, mine, {"zz": 1.0}, "x", m1, now=T0)
    q = council.queue(store, fw, r.rid, m1, now=T0)
    assert set(q["code"]) == {c for c in r.codes if r.member_of[c] == M1}
    # A batch is checked whole: one unassigned criterion and nothing of it is written.
    n = len(storage.appraisal.appraisal_history(store, "appraisal_decisions", r.rid))
    with pytest.raises(round_faults.NotAssigned):
        council.decide_many(store, fw, r.rid, [(A, mine, own, ""), (A, theirs, {v: 1.0 for v in
                                          r.view.nodes[theirs].variable_names()}, "x")], m1, now=T0)
    assert len(storage.appraisal.appraisal_history(store, "appraisal_decisions", r.rid)) == n
    # The unit withdraws and changes that criterion: the decision becomes stale ("cần xem lại").
    self_assessment.withdraw(store, fw, r.rid, A, r.actors[A], now=T0 + timedelta(hours=1))
    var = leaf.variable_names()[0]
    self_assessment.save_draft(store, fw, r.rid, A, with_value(r.values, mine, var, own[var] + 1), r.actors[A],
                  now=T0 + timedelta(hours=2))
    f = self_assessment.form(store, fw, r.rid, A, r.actors[A], now=T0 + timedelta(hours=2))
    assert f.loc[f["code"] == mine, "stale"].all() and not f.loc[f["code"] != mine, "stale"].any()
    # The council still sees (and appraises) what A submitted, not its unsubmitted draft.
    q = council.queue(store, fw, r.rid, m1, now=T0 + timedelta(hours=2)).set_index(["unit", "code", "variable"])
    assert q.at[(A, mine, var), "self_value"] == own[var] and q.at[(A, mine, var), "stale"]
    assert f.set_index(["code", "variable"]).at[(mine, var), "value"] == own[var] + 1


def test_one_reply_only_after_a_decision_where_allowed(store, fw, rnd):
    r = rnd
    submitted(store, fw, r, A)
    code = r.codes[0]
    with pytest.raises(round_faults.ReplyNotAllowed):
        self_assessment.reply(store, r.rid, A, code, "Chưa có quyết định", r.actors[A], now=T0)
    leaf = r.view.nodes[code]
    council.decide(store, fw, r.rid, A, code, {v: 0.0 for v in leaf.variable_names()}, "Không có minh chứng",
              r.actors[r.member_of[code]], now=T0)
    with pytest.raises(round_faults.TextRequired):
        self_assessment.reply(store, r.rid, A, code, " ", r.actors[A], now=T0)
    self_assessment.reply(store, r.rid, A, code, "Xin gửi lại minh chứng", r.actors[A], now=T0)
    with pytest.raises(round_faults.ReplyNotAllowed):
        self_assessment.reply(store, r.rid, A, code, "Lần hai", r.actors[A], now=T0)
    # Two sessions that both passed the check: the store refuses the second inside its transaction.
    row = pd.DataFrame([{"unit": A, "indicator": code, "kind": "reply", "text": "x", "saved_by": "x", "saved_at": T0}])
    with pytest.raises(round_faults.ReplyNotAllowed):
        storage.appraisal.appraisal_record(store, r.rid, {"appraisal_notes": row}, who="x", action="appraisal_reply", target="t",
                               refuse_if=("SELECT 1 FROM appraisal_notes WHERE round_id = ? AND unit = ? AND "
                                          "indicator = ? AND kind = 'reply'", [r.rid, A, code],
                                          round_faults.ReplyNotAllowed("second")))
    assert len(storage.appraisal.appraisal_history(store, "appraisal_notes", r.rid)) == 1
    f = self_assessment.form(store, fw, r.rid, A, r.actors[A], now=T0)
    assert f.loc[f["code"] == code, "reply"].eq("Xin gửi lại minh chứng").all()
    assert f.loc[f["code"] == code, "decided_reason"].eq("Không có minh chứng").all()


def test_no_reply_when_the_round_allows_none(store, fw):
    rid = ap.open_round(store, fw, PROVINCE, LEVEL, YEAR, DEADLINE, "", [A], False, EDITOR, now=T0)
    issued = round_accounts.issue_accounts(store, PROVINCE, [{"role": "unit", "unit": A}], EDITOR)
    actor = round_accounts.authenticate(store, issued.at[0, "account"], issued.at[0, "password"])
    with pytest.raises(round_faults.ReplyNotAllowed):
        self_assessment.reply(store, rid, A, "I.1", "x", actor, now=T0)


def test_after_close_everything_is_refused(store, fw, rnd):
    r = rnd
    submitted(store, fw, r, A, B)
    for unit in (A, B):
        decide_council_criteria(store, fw, r, unit)
    res = ap.close_round(store, fw, r.rid, EDITOR, keep_self_for_undecided=True, now=T0)
    kept = 2 * len(round_rules.unit_codes(r.view))
    assert res["kept_self"] == kept
    ev = storage.appraisal.appraisal_history(store, "appraisal_events", r.rid)
    assert ev["reason"].iloc[-1].startswith(f"{kept} tiêu chí chưa thẩm định")
    code = r.codes[0]
    one = {v: 1.0 for v in r.view.nodes[code].variable_names()}
    calls = [lambda: self_assessment.save_draft(store, fw, r.rid, C, r.values, r.actors[C], now=T0),
             lambda: self_assessment.submit(store, fw, r.rid, C, r.actors[C], now=T0),
             lambda: self_assessment.withdraw(store, fw, r.rid, A, r.actors[A], now=T0),
             lambda: self_assessment.add_evidence(store, r.rid, C, code, r.actors[C], doc_number="1", now=T0),
             lambda: council.decide(store, fw, r.rid, A, code, one, "x", r.actors[r.member_of[code]], now=T0),
             lambda: self_assessment.reply(store, r.rid, A, code, "x", r.actors[A], now=T0),
             lambda: ap.reopen(store, r.rid, C, date(2026, 12, 20), "x", EDITOR, now=T0),
             lambda: ap.set_deadline(store, r.rid, date(2026, 12, 30), EDITOR, "x", now=T0),
             lambda: council.assign(store, r.rid, {code: None}, EDITOR, now=T0),
             lambda: ap.close_round(store, fw, r.rid, EDITOR, keep_self_for_undecided=True, now=T0)]
    for call in calls:
        with pytest.raises(round_faults.RoundClosed):
            call()
    assert ap.unit_status(store, r.rid, now=T0)["editable"].eq(False).all()


def test_close_refused_while_undecided_and_atomic_on_failure(store, fw, rnd, monkeypatch):
    r = rnd
    submitted(store, fw, r, A)
    theirs = sorted(set(r.codes) - round_rules.unit_codes(r.view))
    with pytest.raises(round_faults.CouncilUndecided) as exc:     # no self value to keep: never closed undecided
        ap.close_round(store, fw, r.rid, EDITOR, keep_self_for_undecided=True, now=T0)
    assert exc.value.detail == ", ".join(theirs)
    decide_council_criteria(store, fw, r, A)
    with pytest.raises(round_faults.RoundUndecided) as exc:
        ap.close_round(store, fw, r.rid, EDITOR, now=T0)
    assert exc.value.detail == str(len(round_rules.unit_codes(r.view)))

    def snapshot():
        return (storage.inputs.counts(store)["raw_inputs"], storage.inputs.counts(store)["imports"],
                len(storage.appraisal.appraisal_history(store, "appraisal_events", r.rid)), len(storage.db.change_log(store)),
                storage.appraisal.appraisal_round(store, r.rid)["closed_at"])

    before = snapshot()
    original = storage.db.insert_frame
    calls = []

    def exploding(cur, table, df):
        original(cur, table, df)
        calls.append(table)
        if table == "raw_inputs" and calls.count("raw_inputs") == 2:
            raise RuntimeError("disk full")

    monkeypatch.setattr(storage.db, "insert_frame", exploding)
    with pytest.raises(RuntimeError):
        ap.close_round(store, fw, r.rid, EDITOR, keep_self_for_undecided=True, now=T0)
    monkeypatch.setattr(storage.db, "insert_frame", original)
    assert calls.count("raw_inputs") == 2 and snapshot() == before
    assert ap.round_info(store, r.rid, now=T0)["status"] == "open"
    ap.close_round(store, fw, r.rid, EDITOR, keep_self_for_undecided=True, now=T0)
    assert ap.round_info(store, r.rid, now=T0)["status"] == "closed"


def test_a_status_change_between_check_and_write_is_refused(store, fw, rnd):
    r = rnd
    full = storage.appraisal.appraisal_token(store, r.rid, full=True)
    self_assessment.save_draft(store, fw, r.rid, B, r.values, r.actors[B], now=T0)       # a save under a close
    assert storage.appraisal.appraisal_token(store, r.rid) < storage.appraisal.appraisal_token(store, r.rid, full=True) != full
    with pytest.raises(round_faults.RoundChanged):
        storage.appraisal.close_appraisal_round(store, r.rid, pd.DataFrame(), pd.DataFrame(), entity_group=GROUP,
                                    framework_id="hue_units", flag="self_assessed", file_name="x", who="x", at=T0,
                                    reason=None, guard=(r.rid, None, full, True))
    token = storage.appraisal.appraisal_token(store, r.rid, A)
    self_assessment.save_draft(store, fw, r.rid, A, r.values, r.actors[A], now=T0)
    self_assessment.submit(store, fw, r.rid, A, r.actors[A], now=T0)
    with pytest.raises(round_faults.RoundChanged):
        storage.appraisal.appraisal_record(store, r.rid, {"appraisal_values": pd.DataFrame(
            [{"unit": A, "indicator": "I.1", "variable": "item1", "value": 1.0, "not_applicable": False}])},
            who="x", action="t", target="t", guard=(r.rid, A, token))


def test_evidence_files(store, fw, rnd, monkeypatch):
    r = rnd
    eid = self_assessment.add_evidence(store, r.rid, A, "I.1", r.actors[A], file_name="../../Biên bản họp.PDF",
                          content=b"%PDF-1.4 x", now=T0)
    row = storage.appraisal.appraisal_latest(store, "appraisal_evidence", r.rid, A).set_index("evidence_id").loc[eid]
    assert row["file_path"].endswith("_bien-ban-hop.pdf") and "/" not in row["file_path"]
    assert row["file_name"] == "Biên bản họp.PDF"
    assert self_assessment.evidence_path(store, r.rid, row["file_path"]).read_bytes() == b"%PDF-1.4 x"
    with pytest.raises(round_faults.BadEvidenceFile):
        self_assessment.evidence_path(store, r.rid, "../../x")
    for name, content in (("virus.exe", b"MZ"), ("a.pdf", b""), ("noext", b"x")):
        with pytest.raises(round_faults.BadEvidenceFile):
            self_assessment.add_evidence(store, r.rid, A, "I.1", r.actors[A], file_name=name, content=content, now=T0)
    monkeypatch.setattr(limits, "MAX_EVIDENCE_BYTES", 10)
    with pytest.raises(round_faults.BadEvidenceFile):
        self_assessment.add_evidence(store, r.rid, A, "I.1", r.actors[A], file_name="a.png", content=b"x" * 11, now=T0)
    with pytest.raises(round_faults.EvidenceEmpty):
        self_assessment.add_evidence(store, r.rid, A, "I.1", r.actors[A], issuer="UBND", now=T0)
    with pytest.raises(round_faults.EvidenceEmpty):
        self_assessment.add_evidence(store, r.rid, A, "I.1", r.actors[A], link="javascript:alert(1)", now=T0)
    with pytest.raises(round_faults.TextTooLong):
        self_assessment.add_evidence(store, r.rid, A, "I.1", r.actors[A], doc_number="x" * 5001, now=T0)
    with pytest.raises(round_faults.BadValue):
        self_assessment.add_evidence(store, r.rid, A, "I.1", r.actors[A], doc_number="1", doc_date="31/02/2026", now=T0)
    with pytest.raises(round_faults.TextTooLong):
        self_assessment.save_draft(store, fw, r.rid, A, None, r.actors[A], explanations={"I.1": "y" * 5001}, now=T0)
    dated = self_assessment.add_evidence(store, r.rid, A, "I.3", r.actors[A], doc_number="5/QĐ", doc_date="01/02/2026", now=T0)
    assert pd.Timestamp(storage.appraisal.appraisal_latest(store, "appraisal_evidence", r.rid, A).set_index("evidence_id").at[dated, "doc_date"]) \
        == pd.Timestamp(2026, 2, 1)                                       # dd/mm/yyyy, as written in Vietnam
    monkeypatch.setattr(limits, "MAX_EVIDENCE_BYTES", 10_000)
    win = self_assessment.add_evidence(store, r.rid, A, "I.2", r.actors[A], file_name="C:\\Users\\a\\Tờ trình.docx",
                          content=office_file("docx"), now=T0)
    got = storage.appraisal.appraisal_latest(store, "appraisal_evidence", r.rid, A).set_index("evidence_id").loc[win]
    assert got["file_name"] == "Tờ trình.docx" and got["file_path"].endswith("_to-trinh.docx")
    assert self_assessment.form(store, fw, r.rid, A, r.actors[A], now=T0).set_index("code").loc["I.1", "n_evidence"] == 1
    assert self_assessment.remove_evidence(store, r.rid, A, eid, r.actors[A], now=T0)
    assert self_assessment.form(store, fw, r.rid, A, r.actors[A], now=T0).set_index("code").loc["I.1", "n_evidence"] == 0
    assert len(storage.appraisal.appraisal_history(store, "appraisal_evidence", r.rid)) == 3     # kept, marked removed


def test_accounts_sign_in_reissue_and_disable(store, rnd):
    r = rnd
    acc = round_accounts.accounts(store, PROVINCE)
    assert "pw_hash" not in acc.columns and len(acc) == 6
    row = r.issued.set_index("display_name").loc[A]
    assert row["account"] == "phuong-thuan-hoa" and len(row["password"]) == 12
    assert storage.accounts.account_row(store, "phuong-thuan-hoa")["pw_hash"].startswith("$argon2id$")
    assert r.issued.set_index("display_name").at[M1, "account"] == "hd-tran-thi-hoi-dong"
    assert round_accounts.authenticate(store, "phuong-thuan-hoa", "sai mật khẩu") is None
    assert round_accounts.authenticate(store, "khong-co", row["password"]) is None
    assert round_accounts.authenticate(store, " Phuong-Thuan-Hoa ", row["password"]) == {
        "name": A, "role": "unit", "account": "phuong-thuan-hoa", "unit": A, "province": PROVINCE}
    round_accounts.issue_accounts(store, PROVINCE, [{"role": "unit", "unit": A, "email": "thuanhoa@hue.gov.vn"}], EDITOR)
    assert round_accounts.actor_for_email(store, "ThuanHoa@hue.gov.vn")["unit"] == A
    again = round_accounts.issue_accounts(store, PROVINCE, [{"role": "unit", "unit": A}], EDITOR)
    assert round_accounts.actor_for_email(store, "thuanhoa@hue.gov.vn")["account"] == "phuong-thuan-hoa"   # kept
    assert again.at[0, "account"] == "phuong-thuan-hoa"
    assert round_accounts.authenticate(store, "phuong-thuan-hoa", row["password"]) is None
    assert round_accounts.authenticate(store, "phuong-thuan-hoa", again.at[0, "password"]) is not None
    with pytest.raises(round_faults.AccountExists):
        round_accounts.issue_accounts(store, PROVINCE, [{"role": "unit", "unit": B, "account": "phuong-thuan-hoa"}], EDITOR)
    with pytest.raises(round_faults.UnknownUnit):
        round_accounts.issue_accounts(store, PROVINCE, [{"role": "unit", "unit": "Xã Không Có"}], EDITOR)
    for login in ("Phường A", "a b", "x", "đ-x"):
        with pytest.raises(round_faults.BadLogin):
            round_accounts.issue_accounts(store, PROVINCE, [{"role": "unit", "unit": B, "account": login}], EDITOR)
    with pytest.raises(round_faults.AccountExists):
        round_accounts.issue_accounts(store, PROVINCE, [{"role": "unit", "unit": B}, {"role": "unit", "unit": B}], EDITOR)
    with pytest.raises(EditorRequired):
        round_accounts.issue_accounts(store, PROVINCE, [{"role": "unit", "unit": A}], r.actors[B])
    assert round_accounts.disable_account(store, "phuong-thuan-hoa", EDITOR)
    assert round_accounts.authenticate(store, "phuong-thuan-hoa", again.at[0, "password"]) is None
    assert round_accounts.actor_for_email(store, "thuanhoa@hue.gov.vn") is None
    assert not store.query("SELECT 1 FROM change_log WHERE detail LIKE '%argon2%'").shape[0]
    import openpyxl, io
    ws = openpyxl.load_workbook(io.BytesIO(round_accounts.accounts_workbook(again))).active
    assert [c.value for c in ws[1]] == list(round_accounts.ACCOUNT_COLUMNS)
    assert [c.value for c in ws[1]][3:6] == ["Đơn vị/Thành viên", "Tên đăng nhập", "Mật khẩu"]


def test_rounds_for_each_actor(store, fw, rnd):
    r = rnd
    with pytest.raises(round_faults.RoundExists):
        ap.open_round(store, fw, PROVINCE, LEVEL, YEAR, DEADLINE, "", [C], True, EDITOR, now=T0)
    other = ap.open_round(store, fw, PROVINCE, LEVEL, YEAR + 1, DEADLINE, "", [C], True, EDITOR, now=T0)
    assert ap.rounds_for(store, r.actors[A], now=T0)["round_id"].tolist() == [r.rid]
    assert ap.rounds_for(store, r.actors[C], now=T0)["round_id"].tolist() == [other, r.rid]
    assert ap.rounds_for(store, r.actors[M1], now=T0)["round_id"].tolist() == [r.rid]
    assert ap.rounds_for(store, EDITOR, now=T0)["round_id"].tolist() == [other, r.rid]
    assert round_rules.to_vietnam(datetime(2026, 12, 15, 16, 59, 59)) == datetime(2026, 12, 15, 23, 59, 59)


def test_open_round_checks(store, fw):
    unit = {"name": "x", "role": "unit", "account": "x", "unit": A}
    with pytest.raises(EditorRequired):
        ap.open_round(store, fw, PROVINCE, LEVEL, YEAR, DEADLINE, "", [A], True, unit, now=T0)
    with pytest.raises(round_faults.UnknownUnit):
        ap.open_round(store, fw, PROVINCE, LEVEL, YEAR, DEADLINE, "", [A, "Sở Nội vụ"], True, EDITOR, now=T0)
    with pytest.raises(round_faults.BadDeadline):
        ap.open_round(store, fw, PROVINCE, LEVEL, YEAR, date(2026, 11, 30), "", [A], True, EDITOR, now=T0)
    rid = ap.open_round(store, fw, PROVINCE, LEVEL, YEAR, DEADLINE, "", [A], True, EDITOR, now=T0)
    rs = ap.rounds(store, "hue_units", PROVINCE, now=T0)
    assert rs.set_index("round_id").at[rid, "status"] == "open"
    assert ap.rounds(store, "hue_units", PROVINCE, now=AFTER).set_index("round_id").at[rid, "status"] == "past_deadline"
    ap.set_deadline(store, rid, date(2026, 12, 31), EDITOR, "Gia hạn chung", now=AFTER)
    info = ap.round_info(store, rid, now=AFTER)
    assert info["status"] == "open" and info["deadline_day"] == date(2026, 12, 31)
    assert bool(ap.unit_status(store, rid, now=AFTER).iloc[0]["editable"])      # the old deadline no longer locks
    last = ap.round_events(store, rid).iloc[-1]
    assert (last["event"], last["reason"], last["until"]) == ("deadline", "Gia hạn chung",
                                                             pd.Timestamp(2026, 12, 31, 16, 59, 59))
    with pytest.raises(round_faults.ReasonRequired):
        ap.set_deadline(store, rid, date(2027, 1, 5), EDITOR, "", now=AFTER)


# -- pure helpers ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("day, utc", [
    (date(2026, 12, 15), datetime(2026, 12, 15, 16, 59, 59)),
    (date(2026, 1, 1), datetime(2026, 1, 1, 16, 59, 59)),
    (date(2024, 2, 29), datetime(2024, 2, 29, 16, 59, 59)),
])
def test_deadline_is_the_end_of_the_day_in_vietnam(day, utc):
    assert round_rules.deadline_utc(day) == utc


DL = datetime(2026, 12, 15, 16, 59, 59)


def ev(*rows):
    """Events as (event, at-hours-after-T0, until or None, late)."""
    return pd.DataFrame([{"unit": "u", "event": e, "at": T0 + timedelta(hours=h), "until": until, "late": late,
                          "seq": i + 1} for i, (e, h, until, late) in enumerate(rows)],
                        columns=["unit", "event", "at", "until", "late", "seq"])


@pytest.mark.parametrize("events, has_values, closed, now, status, editable, late", [
    (ev(), False, False, T0, "not_started", True, False),
    (ev(), True, False, T0, "draft", True, False),
    (ev(), True, False, AFTER, "locked", False, False),
    (ev(("submit", 1, None, False)), True, False, T0, "submitted", False, False),
    (ev(("submit", 1, None, False)), True, False, AFTER, "submitted", False, False),
    (ev(("submit", 1, None, False), ("withdraw", 2, None, None)), True, False, T0, "withdrawn", True, False),
    (ev(("submit", 1, None, False), ("withdraw", 2, None, None)), True, False, AFTER, "locked", False, False),
    (ev(("reopen", 400, datetime(2026, 12, 20, 16, 59, 59), None)), True, False, AFTER, "draft", True, False),
    (ev(("reopen", 400, datetime(2026, 12, 20, 16, 59, 59), None), ("submit", 401, None, True)), True, False,
     AFTER, "submitted", False, True),
    (ev(("reopen", 400, datetime(2026, 12, 20, 16, 59, 59), None)), True, False, datetime(2026, 12, 21),
     "locked", False, False),
    (ev(), True, True, T0, "locked", False, False),
])
def test_unit_states(events, has_values, closed, now, status, editable, late):
    values = pd.DataFrame({"unit": ["u"] if has_values else []})
    st = round_rules.unit_states(["u"], events, values, DL, closed, now).iloc[0]
    assert (st["status"], bool(st["editable"]), bool(st["late"])) == (status, editable, late)


CRIT = pd.DataFrame({"code": ["K1", "K1", "K2", "K3"], "variable": ["a", "b", "a", "a"],
                     "needs_evidence": [True, True, True, False]})


def vals(*rows):
    return pd.DataFrame([{"unit": u, "indicator": c, "variable": v, "value": x, "not_applicable": na, "seq": i}
                         for i, (u, c, v, x, na) in enumerate(rows)],
                        columns=["unit", "indicator", "variable", "value", "not_applicable", "seq"])


@pytest.mark.parametrize("values, evidence, missing", [
    (vals(("u", "K1", "a", 3.0, False)), [], [("u", "K1")]),
    (vals(("u", "K1", "a", 3.0, False)), [("u", "K1")], []),
    (vals(("u", "K1", "a", 0.0, False), ("u", "K1", "b", 0.0, False)), [], []),     # claims nothing
    (vals(("u", "K2", "a", None, True)), [], []),                                    # N/A
    (vals(("u", "K3", "a", 5.0, False)), [], []),                                    # no evidence asked
    (vals(("u", "K1", "a", 1.0, False), ("v", "K2", "a", 2.0, False)), [("v", "K2")], [("u", "K1")]),
])
def test_missing_evidence(values, evidence, missing):
    evd = pd.DataFrame(evidence, columns=["unit", "indicator"])
    got = round_rules.missing_evidence(CRIT, values, evd)
    assert list(zip(got["unit"], got["code"])) == missing


@pytest.mark.parametrize("values, decisions, stale", [
    (vals(("u", "K1", "a", 1.0, False)), vals(("u", "K1", "a", 1.0, False)), False),
    (vals(("u", "K1", "a", 1.0, False), ("u", "K1", "a", 2.0, False)),
     vals(("u", "K1", "a", 1.0, False)).assign(seq=0.5), True),
    (vals(("u", "K2", "a", 1.0, False), ("u", "K2", "a", 2.0, False)),
     vals(("u", "K1", "a", 1.0, False)).assign(seq=1.5), False),
])
def test_decision_becomes_stale_when_the_unit_changes_the_criterion_after_it(values, decisions, stale):
    d = decisions.assign(decided_by="hd-x", decided_at=T0, reason=None)
    got = round_rules.decision_state(d, values)
    assert bool(got.iloc[0]["stale"]) is stale


def test_progress_tables():
    states = pd.DataFrame({"unit": ["u", "v", "w"], "status": ["submitted", "draft", "locked"],
                           "submitted": [True, False, True], "submitted_at": [T0, None, T0],
                           "late": [True, False, False], "deadline": DL, "reopened": [True, False, False]})
    values = vals(("u", "K1", "a", 3.0, False), ("v", "K2", "a", 1.0, False))
    dstate = pd.DataFrame({"unit": ["u", "u"], "code": ["K1", "K2"], "decided_by": "hd-x", "decided_at": T0,
                           "reason": None, "dseq": [5, 6], "stale": [False, True]})
    asg = pd.DataFrame({"code": ["K1", "K2"], "account": ["hd-x", "hd-y"]})
    summary, per_unit, per_member = round_rules.progress_tables(states, CRIT, values, pd.DataFrame(
        columns=["unit", "indicator"]), dstate, asg, {"hd-x": "X"})
    assert summary == {"n_units": 3, "submitted": 1, "ever_submitted": 2, "late": 1, "not_submitted": 2,
                       "withdrawn": 0, "locked": 1, "missing_evidence": 2, "appraised": 0, "decided": 1, "to_decide": 6,
                       "stale": 1, "unassigned_criteria": 1}
    assert per_member.set_index("account")["decided"].to_dict() == {"hd-x": 1, "hd-y": 0}
    assert per_member.set_index("account").at["hd-x", "display_name"] == "X"


GAP_COLS = ["unit", "code", "scored_by", "self_points", "appraised_points", "difference", "appraiser"]
GAP_NAMES = {"K1": "Tiêu chí 1", "K2": "Tiêu chí 2", "H1": "Hội đồng chấm", "A1": "Tự động"}


def gap_pts(*rows):
    return pd.DataFrame(list(rows), columns=["unit", "code", "points"])


def gap_decided(*rows):
    return pd.DataFrame([{"unit": u, "code": c, "decided_by": "hd-x", "reason": r, "stale": False}
                         for u, c, r in rows], columns=["unit", "code", "decided_by", "reason", "stale"])


BY = {"K1": "unit", "K2": "unit", "H1": "council", "A1": "automatic"}


@pytest.mark.parametrize("self_pts, appr, dstate, by, expected", [
    # unit criteria only: undecided keeps the self side, no appraised points, no difference
    (gap_pts(("u", "K1", 8.0), ("u", "K2", 5.0), ("v", "K1", 4.0)), gap_pts(("u", "K1", 6.0), ("u", "K2", 5.0), ("v", "K1", 4.0)),
     gap_decided(("u", "K1", "ít hơn"), ("v", "K1", None)), BY,
     [["u", "K1", "unit", 8.0, 6.0, -2.0, "Bà X"], ["u", "K2", "unit", 5.0, None, None, None],
      ["v", "K1", "unit", 4.0, 4.0, 0.0, "Bà X"]]),
    # the council's own criterion: no self row at all, decided → a row, no self side, no difference (not a loss)
    (gap_pts(("u", "K1", 8.0)), gap_pts(("u", "K1", 8.0), ("u", "H1", 3.0)), gap_decided(("u", "K1", None), ("u", "H1", None)), BY,
     [["u", "K1", "unit", 8.0, 8.0, 0.0, "Bà X"], ["u", "H1", "council", None, 3.0, None, "Bà X"]]),
    # the same without the map: a decided code with no self row is the council's
    (gap_pts(("u", "K1", 8.0)), gap_pts(("u", "K1", 8.0), ("u", "H1", 3.0)), gap_decided(("u", "H1", None)), None,
     [["u", "K1", "unit", 8.0, None, None, None], ["u", "H1", "council", None, 3.0, None, "Bà X"]]),
    # leaf_points gives the council's criteria a NaN self row: undecided → no row; automatic decided → a row
    (gap_pts(("u", "K1", 8.0), ("u", "H1", np.nan), ("u", "A1", np.nan)),
     gap_pts(("u", "K1", 8.0), ("u", "H1", np.nan), ("u", "A1", 2.0)), gap_decided(("u", "A1", None)), BY,
     [["u", "K1", "unit", 8.0, None, None, None], ["u", "A1", "automatic", None, 2.0, None, "Bà X"]]),
    # a council decision for a unit without appraised points (it never submitted) is no row
    (gap_pts(("u", "K1", 8.0)), gap_pts(("u", "K1", 8.0)), gap_decided(("w", "H1", None)), BY,
     [["u", "K1", "unit", 8.0, None, None, None]]),
    # nobody submitted: an empty table with every column
    (gap_pts(), gap_pts(), gap_decided(), BY, []),
])
def test_gap_table(self_pts, appr, dstate, by, expected):
    g = round_rules.gap_table(self_pts, appr, dstate, {"hd-x": "Bà X"}, GAP_NAMES, by)
    assert list(g.columns) == ["unit", "code", "name", "scored_by", "self_points", "appraised_points", "difference",
                               "appraiser", "reason", "stale"]
    got = g[GAP_COLS].astype(object).where(g[GAP_COLS].notna(), None).values.tolist()
    assert got == expected


def test_gap_table_council_rows_are_no_loss():
    """Summing the differences (points lost) counts only what the unit itself scored."""
    g = round_rules.gap_table(gap_pts(("u", "K1", 8.0), ("u", "K2", 5.0)),
                              gap_pts(("u", "K1", 6.0), ("u", "K2", 5.0), ("u", "H1", 0.0)),
                              gap_decided(("u", "K1", None), ("u", "K2", None), ("u", "H1", None)), {}, GAP_NAMES, BY)
    assert g["difference"].sum() == -2.0
    assert g.groupby("scored_by")["appraised_points"].sum().to_dict() == {"council": 0.0, "unit": 11.0}


def test_every_fault_has_a_message_in_both_languages():
    for lang in ("vi", "en"):
        faults = tomllib.loads((ROOT / "locales" / lang / "ui.toml").read_text(encoding="utf-8"))["faults"]
        missing = [f.code for f in round_faults.FAULTS if not faults.get(f.code)]
        assert not missing, (lang, missing)


def test_sample_round_for_screenshots(store):
    import sys
    sys.path.insert(0, str(ROOT / "data" / "sample"))
    from generate_round_sample import LABEL, build_sample_round

    out = build_sample_round(store)
    fw = load_framework("hue_units")
    info = ap.round_info(store, out["round_id"], now=T0)
    assert (info["dataset"], info["year"], info["deadline_day"], len(info["units"])) == ("sample", 2026,
                                                                                         date(2026, 12, 15), 20)
    assert "DỮ LIỆU MẪU" in info["label"] == LABEL
    st = ap.unit_status(store, out["round_id"], now=T0 + timedelta(days=1))["status"].value_counts().to_dict()
    assert st == {"submitted": 9, "draft": 5, "not_started": 5, "withdrawn": 1}
    summary, _, per_member = ap.progress(store, fw, out["round_id"], now=T0 + timedelta(days=1))
    assert summary["missing_evidence"] >= 1 and 0 < summary["decided"] < summary["to_decide"]
    assert len(per_member) == 2
    unit = out["units"]["appraised"][0]
    account = out["accounts"].set_index("display_name").at[unit, "account"]
    assert round_accounts.authenticate(store, account, out["passwords"][account])["unit"] == unit
    g = ap.gap(store, fw, out["round_id"], now=T0 + timedelta(days=1))
    assert (g["difference"].fillna(0) != 0).any() and g.loc[g["difference"].fillna(0) != 0, "reason"].notna().all()
    assert storage.inputs.current_inputs(store, "hue_units", GROUP, "appraised", "own").empty   # nothing leaks into own data


@pytest.mark.parametrize("decided, expected", [
    ([], {("u", "K1", "a"): 8.0, ("u", "K2", "a"): 5.0, ("v", "K1", "a"): 4.0}),
    ([("u", "K1")], {("u", "K1", "a"): 6.0, ("u", "K2", "a"): 5.0, ("v", "K1", "a"): 4.0}),
    ([("u", "K1"), ("v", "K1")], {("u", "K1", "a"): 6.0, ("u", "K2", "a"): 5.0, ("v", "K1", "a"): 1.0}),
])
def test_appraised_values_replace_only_decided_criteria(decided, expected):
    self_vals = vals(("u", "K1", "a", 8.0, False), ("u", "K2", "a", 5.0, False), ("v", "K1", "a", 4.0, False))
    decisions = vals(("u", "K1", "a", 6.0, False), ("v", "K1", "a", 1.0, False), ("v", "K2", "a", 9.0, False))
    got = round_rules.appraised_values(self_vals, decisions, pd.DataFrame(decided, columns=["unit", "code"]))
    assert dict(zip(zip(got["unit"], got["indicator"], got["variable"]), got["value"])) == expected


# -- issue 18: files checked by content, values by their rule, the council's criteria ---------------------
def office_file(kind: str) -> bytes:
    """A minimal Office/OpenDocument file of `kind` (a ZIP with the part that kind needs)."""
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        if kind in ("odt", "ods"):
            z.writestr("mimetype", "application/vnd.oasis.opendocument." + ("text" if kind == "odt" else "spreadsheet"))
            z.writestr("content.xml", "<x/>")
        else:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
    return buf.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode"


@pytest.mark.parametrize("ext, content, ok", [
    ("pdf", b"%PDF-1.7\n...", True),
    ("pdf", EXE, False),
    ("pdf", b"\n\n%PDF-1.4", True),                   # a few bytes before the header: readers accept it
    ("png", b"\x89PNG\r\n\x1a\n" + b"\0" * 8, True),
    ("png", b"\xff\xd8\xff\xe0", False),
    ("jpg", b"\xff\xd8\xff\xe0" + b"\0" * 8, True),
    ("jpeg", b"GIF89a", False),
    ("doc", OLE, True),
    ("xls", OLE, True),
    ("doc", EXE, False),
    ("docx", office_file("docx"), True),
    ("docx", office_file("xlsx"), False),               # a workbook named .docx
    ("xlsx", office_file("xlsx"), True),
    ("xlsx", b"PK\x03\x04 not a zip", False),
    ("odt", office_file("odt"), True),
    ("ods", office_file("odt"), False),
    ("ods", office_file("ods"), True),
])
def test_a_file_must_be_what_its_name_says(ext, content, ok):
    assert round_checks.content_matches(ext, content) is ok


def test_executable_named_pdf_is_refused_and_nothing_stored(store, fw, rnd):
    r = rnd
    with pytest.raises(round_faults.EvidenceContent) as err:
        self_assessment.add_evidence(store, r.rid, A, "I.1", r.actors[A], file_name="bao_cao.pdf", content=EXE, now=T0)
    assert err.value.detail == "PDF"
    assert storage.appraisal.appraisal_latest(store, "appraisal_evidence", r.rid, A).empty


def test_evidence_edit_keeps_the_file_and_replaces_the_row(store, fw, rnd):
    r = rnd
    eid = self_assessment.add_evidence(store, r.rid, A, "I.1", r.actors[A], file_name="QĐ.pdf", content=b"%PDF-1.4 x",
                          doc_number="12/QĐ", doc_date=date(2026, 3, 1), issuer="UBND", now=T0)
    new = self_assessment.edit_evidence(store, r.rid, A, eid, r.actors[A], indicator="I.2", doc_number="13/QĐ", now=T0)
    rows = storage.appraisal.appraisal_latest(store, "appraisal_evidence", r.rid, A)
    assert rows["evidence_id"].tolist() == [new] and new != eid
    row = rows.iloc[0]
    assert (row["indicator"], row["doc_number"], row["file_name"]) == ("I.2", "13/QĐ", "QĐ.pdf")
    assert pd.isna(row["issuer"]) and pd.isna(row["doc_date"])      # the edit says what the item is now
    with pytest.raises(round_faults.NotYourUnit):
        self_assessment.edit_evidence(store, r.rid, A, new, r.actors[B], doc_number="x", now=T0)
    with pytest.raises(round_faults.EvidenceContent):
        self_assessment.edit_evidence(store, r.rid, A, new, r.actors[A], file_name="a.xlsx", content=EXE, now=T0)
    assert self_assessment.remove_evidence(store, r.rid, A, new, r.actors[A], now=T0)
    assert storage.appraisal.appraisal_latest(store, "appraisal_evidence", r.rid, A).empty


@pytest.mark.parametrize("code, values, kind, limit", [
    ("VI.7", {"points": 15.0}, "over_max", 10.0),                  # a direct criterion: at most its maximum
    ("I.10", {"a": 60.0, "b": 48.0}, "part_exceeds_whole", 48.0),  # 60 readers of 48 staff
    ("I.4", {"a": 12.5}, "not_whole", None),                       # a count of news items
    ("I.1", {"item1": 2.0}, "not_binary", None),
    ("I.10", {"a": 5.0, "b": 0.0}, "zero_whole", None),
    ("I.10", {"a": -1.0, "b": 48.0}, "negative", None),
    ("I.10", {"a": 48.0, "b": 48.0}, None, None),                  # the whole itself is fine
    ("I.10", {"a": 30.0, "b": None}, None, None),                  # the whole not typed yet: nothing to compare
    ("III.1", {"a": 80.0, "b": 100.0}, None, None),
])
def test_value_problems(code, values, kind, limit):
    view = load_framework("hue_units").for_level("district")
    got = round_checks.value_problems(view, {(code, v): x for v, x in values.items()})
    if kind is None:
        assert got == []
    else:
        assert [p["kind"] for p in got] == [kind]
        if limit is not None:
            assert got[0]["limit"] == limit


def test_save_refuses_values_beyond_the_rule_naming_the_limit(store, fw, rnd):
    from scoring.framework import variable_words

    r = rnd
    # the figure named in words (criterion, then the variable's meaning), never "I.10.a"
    for rows, detail in (([("I.10", "a", 60.0), ("I.10", "b", 48.0)], f"{variable_words(fw, 'I.10', 'a')} ≤ 48"),
                         ([("I.4", "a", 12.5)], f"{variable_words(fw, 'I.4', 'a')} ∈ ℕ")):
        assert detail.startswith(("I.10 – ", "I.4 – ")) and ".a" not in detail.split(" – ")[0]
        df = pd.DataFrame([{"indicator": c, "variable": v, "value": x, "not_applicable": False} for c, v, x in rows])
        with pytest.raises(round_faults.ValueRefused) as err:
            self_assessment.save_draft(store, fw, r.rid, A, df, r.actors[A], now=T0)
        assert err.value.detail == detail
    assert self_assessment.form(store, fw, r.rid, A, r.actors[A], now=T0)["value"].isna().all()       # nothing saved
    ok = pd.DataFrame([{"indicator": "I.10", "variable": "b", "value": 48.0, "not_applicable": False}])
    self_assessment.save_draft(store, fw, r.rid, A, ok, r.actors[A], now=T0)
    later = pd.DataFrame([{"indicator": "I.10", "variable": "a", "value": 60.0, "not_applicable": False}])
    with pytest.raises(round_faults.ValueRefused):                  # against the saved whole too
        self_assessment.save_draft(store, fw, r.rid, A, later, r.actors[A], now=T0)


def test_units_do_not_enter_the_councils_criteria(store, fw, rnd):
    r = rnd
    assert r.view.nodes["VI.5"].scored_by == "automatic" and r.view.nodes["VI.6"].scored_by == "council"
    df = pd.DataFrame([{"indicator": "VI.5", "variable": "points", "value": 15.0, "not_applicable": False}])
    with pytest.raises(round_faults.NotUnitScored) as err:
        self_assessment.save_draft(store, fw, r.rid, A, df, r.actors[A], now=T0)
    assert err.value.detail == "VI.5"
    # a complete form without them is submitted
    self_assessment.save_draft(store, fw, r.rid, A, r.values, r.actors[A], now=T0)
    assert self_assessment.submit(store, fw, r.rid, A, r.actors[A], now=T0) == {"late": False}


def test_criteria_scored_by_reads_the_framework():
    from scoring.framework import criteria_scored_by

    fw = load_framework("hue_units")
    commune = criteria_scored_by(fw, "commune")
    assert {c: w for c, w in commune.items() if w != "unit"} == {
        "VI.5": "automatic", "VI.6": "council", "VII.3": "council", "VIII.4": "council", "IX.4": "automatic"}
    assert criteria_scored_by(fw, "district")["IX.6"] == "council" and "IX.6" not in commune
    assert set(criteria_scored_by(load_framework("dti_district_2021")).values()) == {"unit"}
    assert fw.nodes["IX.4"].scored_from_vi


@pytest.mark.parametrize("node, problem", [
    ({"scored_by": "judges"}, "scored_by 'judges' must be one of"),
    ({"scored_by": "automatic"}, "needs scored_from_vi"),
])
def test_scored_by_is_validated(tmp_path, node, problem):
    from scoring.framework import FrameworkError

    lines = ['[framework]', 'id = "t"', 'version = "1"', 'name_vi = "T"', '', '[[node]]', 'code = "A"',
             'parent = "total"', 'name_vi = "A"', 'max_points = 10', 'rule = { type = "direct", variable = "p" }']
    lines += [f'{k} = "{v}"' for k, v in node.items()]
    lines += ['  [[node.variables]]', '  name = "p"']
    path = tmp_path / "t.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(FrameworkError) as err:
        load_framework(path)
    assert problem in str(err.value)


def test_a_criterion_a_registered_source_feeds_is_not_the_units_to_type(store, fw, rnd):
    """Issue 20: a source feeding I.4 marks it automatic in the round — the form says so and refuses a unit value."""
    import json

    import storage.sources

    r = rnd
    storage.sources.save_source(store, {
        "name": "Cổng thông tin điện tử", "kind": "url", "location": "https://example.invalid/tin-bai.json",
        "format": "json", "json_path": "items", "secret": None, "every_minutes": 1440, "framework_id": fw.id,
        "entity_group": f"{LEVEL}@{PROVINCE}", "enabled": True, "mapping_json": json.dumps({
            "entity": {"column": "don_vi"}, "year": {"column": "nam"},
            "fields": [{"field": "so_tin", "indicator": "I.4", "variable": r.view.nodes["I.4"].variables[0].name}]})},
        who="Cán bộ")
    form = self_assessment.form(store, fw, r.rid, A, r.actors[A], now=T0)
    row = form.loc[form["code"] == "I.4"].iloc[0]
    assert row["scored_by"] == "automatic"
    typed = r.values.loc[r.values["indicator"] == "I.4"]
    with pytest.raises(round_faults.NotUnitScored) as err:
        self_assessment.save_draft(store, fw, r.rid, A, typed, r.actors[A], now=T0)
    assert err.value.detail == "I.4"
