#!/usr/bin/env python
"""A SAMPLE appraisal round (DỮ LIỆU MẪU — NOT real figures) for screenshots and the UI's tests (issue 12).

    .venv/bin/python data/sample/generate_round_sample.py --db /tmp/demo.duckdb [--seed 20261201]

(run from the repository root) builds, on a database that holds the SAMPLE Huế units (loaded if missing),
one round: Huế, hue_units, level commune, year 2026, deadline 15/12/2026, dataset 'sample', label saying
DỮ LIỆU MẪU, the 20 SAMPLE communes, replies allowed; accounts for the 20 communes and two council
members (criteria split between them, in framework order: the first half to the first member); and the
communes in every state — submitted with evidence (some appraised, with changes and reasons, one reply),
submitted without evidence, withdrawn, reopened, drafts, not started. It prints the accounts with their
passwords (SAMPLE accounts of a SAMPLE round: the passwords exist only to let a test or a screenshot sign in).

Values are invented with one `numpy.random.default_rng(seed)` by inverting each criterion's rule
(`generate_units_sample.leaf_values`); same seed ⇒ same figures (the passwords are random each time).
"""
from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
for p in (ROOT, HERE):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from generate_units_sample import COMMUNES, leaf_values  # noqa: E402
import storage.appraisal  # noqa: E402
import storage.units  # noqa: E402
from office import appraisal as ap  # noqa: E402
from office import self_assessment
from office import round_rules
from office import round_accounts
from office import council
from storage.db import Store  # noqa: E402
from scoring import load_framework  # noqa: E402

PROVINCE, FRAMEWORK, LEVEL, YEAR = "Huế", "hue_units", "commune", 2026
DEADLINE = date(2026, 12, 15)
LABEL = "DỮ LIỆU MẪU — Vòng thẩm định thử năm 2026 (không phải số liệu thật)"
DEFAULT_SEED = 20261201
DEFAULT_NOW = datetime(2026, 12, 1, 2, 0)     # naive UTC: 09:00 on 1/12/2026 in Vietnam
EDITOR = {"name": "DTI Studio (dữ liệu mẫu)", "role": "editor", "account": None, "unit": None}
MEMBERS = ["Nguyễn Thị Mẫu (hội đồng mẫu)", "Trần Văn Mẫu (hội đồng mẫu)"]
# The communes' states, in the order of COMMUNES.
PLAN = (["appraised"] * 5 + ["submitted"] * 3 + ["no_evidence", "withdrawn", "reopened"] + ["draft"] * 4
        + ["not_started"] * 5)
PDF = b"%PDF-1.4\n% DU LIEU MAU - minh chung mau\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def invent_values(view, rng) -> pd.DataFrame:
    """A complete, valid set of a commune's raw variables (invented)."""
    capability = rng.beta(4, 3)
    rows = []
    for leaf in view.leaves:
        f = float(np.clip(capability + rng.normal(0, 0.15), 0, 1))
        for var, value in leaf_values(leaf, f, YEAR, LEVEL, rng).items():
            rows.append({"indicator": leaf.code, "variable": var, "value": float(value), "not_applicable": False})
    return pd.DataFrame(rows)


def _attach_evidence(store, rid, unit, actor, view, values, now, rng):
    """One file through the service (stored like a user's), then a document number for every other
    criterion claimed that asks for evidence, written in one transaction (the sample needs hundreds)."""
    crit = round_rules.criteria_table(view)
    need = set(crit.loc[crit["needs_evidence"], "code"])
    claimed = list(values.loc[values["indicator"].isin(need) & (values["value"] != 0), "indicator"].unique())
    if not claimed:
        return
    self_assessment.add_evidence(store, rid, unit, claimed[0], actor, file_name="Minh chứng mẫu.pdf", content=PDF, now=now)
    rows = pd.DataFrame([{"unit": unit, "indicator": code,
                          "doc_number": f"{int(rng.integers(10, 999))}/QĐ-UBND (mẫu)",
                          "doc_date": date(2026, int(rng.integers(1, 11)), int(rng.integers(1, 28))),
                          "issuer": f"UBND {unit} (mẫu)", "link": None, "file_path": None, "file_name": None,
                          "sha256": None, "added_by": actor["account"], "added_at": now, "removed_at": None,
                          "removed_by": None} for code in claimed[1:]])
    if len(rows):
        storage.appraisal.appraisal_record(store, rid, {"appraisal_evidence": rows}, who=actor["account"],
                               action="appraisal_add_evidence", target=f"{rid}/{unit}",
                               detail=f"{len(rows)} SAMPLE documents")


def build_sample_round(store: Store, now: datetime | None = None, seed: int = DEFAULT_SEED) -> dict:
    """Build the SAMPLE round on `store` (see the module's text). Returns round_id, the issued accounts
    (DataFrame display_name, account, password, role, unit), `passwords` {account: password}, `units` by
    state, `members` (council actors) and `editor` (the actor used)."""
    from office.bootstrap import load_sample_units

    now = now or DEFAULT_NOW
    if storage.units.units(store, PROVINCE, LEVEL).empty:
        load_sample_units(store)
    fw = load_framework(FRAMEWORK)
    view = fw.for_level(LEVEL)
    rng = np.random.default_rng(seed)
    units = [u for u in COMMUNES if u in set(storage.units.units(store, PROVINCE, LEVEL)["name"])]
    rid = ap.open_round(store, fw, PROVINCE, LEVEL, YEAR, DEADLINE, LABEL, units, True, EDITOR,
                        dataset="sample", now=now)
    issued = round_accounts.issue_accounts(store, PROVINCE, [{"role": "unit", "unit": u} for u in units]
                               + [{"role": "council", "display_name": m} for m in MEMBERS], EDITOR)
    login = dict(zip(issued["display_name"], issued["account"]))
    actor = {u: {"name": u, "role": "unit", "account": login[u], "unit": u} for u in units}
    members = [{"name": m, "role": "council", "account": login[m], "unit": None} for m in MEMBERS]
    codes = [leaf.code for leaf in view.leaves]
    half = len(codes) // 2
    council.assign(store, rid, {c: members[0 if i < half else 1]["account"] for i, c in enumerate(codes)}, EDITOR,
              framework=fw, now=now)
    by_state: dict[str, list[str]] = {}
    t = now
    for unit, state in zip(units, PLAN):
        by_state.setdefault(state, []).append(unit)
        if state == "not_started":
            continue
        values = invent_values(view, rng)
        values = values.loc[values["indicator"].isin(round_rules.unit_codes(view))]   # the council's criteria: not the unit's
        t += timedelta(minutes=7)
        if state == "draft":                       # about two thirds filled in
            keep = values["indicator"].isin(codes[: int(len(codes) * rng.uniform(0.4, 0.8))])
            self_assessment.save_draft(store, fw, rid, unit, values.loc[keep], actor[unit], now=t)
            continue
        self_assessment.save_draft(store, fw, rid, unit, values, actor[unit],
                      explanations={codes[0]: "Đã ban hành kế hoạch chuyển đổi số năm 2026 (mẫu)."}, now=t)
        if state != "no_evidence":
            _attach_evidence(store, rid, unit, actor[unit], view, values, t, rng)
        self_assessment.submit(store, fw, rid, unit, actor[unit], now=t + timedelta(minutes=1))
        if state == "withdrawn":
            self_assessment.withdraw(store, fw, rid, unit, actor[unit], now=t + timedelta(minutes=2))
        if state == "reopened":                    # reopened by the office until 20/12
            ap.reopen(store, rid, unit, date(2026, 12, 20), "Đơn vị đề nghị bổ sung minh chứng (mẫu)", EDITOR,
                      now=t + timedelta(minutes=3))
    # The council: member 1 appraises the first five communes, member 2 the first three.
    t += timedelta(hours=1)
    for k, member in enumerate(members):
        q = council.queue(store, fw, rid, member, now=t)
        batch = []
        for (unit, code), g in q.loc[q["unit"].isin(by_state["appraised"][: 5 if k == 0 else 3])].groupby(
                ["unit", "code"], sort=False):
            vals = {v: float(x) for v, x in zip(g["variable"], g["self_value"])}
            reason = ""
            if view.nodes[code].scored_by != "unit":   # scored by the council itself (no self value)
                batch.append((unit, code, {v: float(round(view.nodes[code].max_points * 0.6)) for v in vals},
                              "Hội đồng chấm theo dữ liệu Hue-S (mẫu)."))
                continue
            if rng.random() < 0.06:                 # a change: fewer counted than declared
                var = max(vals, key=lambda v: vals[v])
                if vals[var] >= 1:
                    node = view.nodes[code]
                    lowered = float(np.floor(vals[var] * 0.7))
                    if node.rule_type == "weighted_items":
                        lowered = 0.0
                    if node.rule and var in (node.rule.get("denominator") or []):
                        var = (node.rule.get("numerator") or [var])[0]
                        lowered = float(np.floor(vals[var] * 0.7))
                    vals[var] = lowered
                    reason = "Minh chứng chỉ xác nhận một phần số liệu đơn vị kê khai (mẫu)."
            batch.append((unit, code, vals, reason))
        council.decide_many(store, fw, rid, batch, member, now=t)
    g = ap.gap(store, fw, rid, now=t)
    changed = g.loc[g["difference"].fillna(0) != 0]
    if len(changed):
        first = changed.iloc[0]
        self_assessment.reply(store, rid, first["unit"], first["code"], "Đơn vị xin gửi bổ sung danh sách (mẫu).",
                 actor[first["unit"]], now=t + timedelta(minutes=5))
    return {"round_id": rid, "accounts": issued, "passwords": dict(zip(issued["account"], issued["password"])),
            "units": by_state, "members": members, "editor": EDITOR, "framework_id": FRAMEWORK,
            "province": PROVINCE, "level": LEVEL, "year": YEAR}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True, help="the DuckDB file to build the SAMPLE round in")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    from office.bootstrap import ensure_default_data

    store = Store(args.db)
    ensure_default_data(store)
    out = build_sample_round(store, seed=args.seed)
    print(f"Vòng mẫu số {out['round_id']} — {LABEL}")
    for r in out["accounts"].itertuples(index=False):
        print(f"{r.display_name}\t{r.account}\t{r.password}")
    store.close()


if __name__ == "__main__":
    main()
